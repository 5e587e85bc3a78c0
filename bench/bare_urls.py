"""The app's URLs plus /bench/bare: a bare Django view, the ceiling to compare with.

Served by gunicorn as `bench.bare_urls:application()`, which points ROOT_URLCONF here
so the bare view and the real pages share one process, settings and middleware.
"""

from __future__ import annotations

import os

import django
from django.apps import apps

if not apps.ready:  # imported by gunicorn before Django is set up
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securecart.settings.production")
    django.setup(set_prefix=False)

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

from securecart.urls import urlpatterns as app_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    # text/html like the pages it is compared with, so HTML-only middleware work
    # (the CSP header) is on both sides of the ratio.
    return HttpResponse("hello")


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]


def application():
    from django.core.handlers.wsgi import WSGIHandler

    from securecart.startup import settle

    settings.ROOT_URLCONF = "bench.bare_urls"
    handler = WSGIHandler()
    settle()  # as securecart/wsgi.py does
    return handler
