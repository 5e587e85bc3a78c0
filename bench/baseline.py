"""The two ceilings `make bench` compares the store with: a tiny Django WSGI app.

Served by gunicorn as `bench.baseline:application()` with the same gunicorn settings
as the store (sync workers, same count), and nothing of the store in it:

- `GET /hello`: a hello view behind Django's default middleware (the list
  `startproject` writes), no database or cache work: the framework ceiling for pages.
- `GET /insert`: the same stack plus one committed INSERT (autocommit) into
  `bench_write_ceiling` on the store's PostgreSQL, over the same psycopg pool
  settings: the write ceiling for cart and checkout requests.
- `GET /healthz`: for the readiness wait.

Environment: DATABASE_URL (the bench database) and DATABASE_POOL_MAX_SIZE, as the
store. The driver (bench/run.py) creates the table before serving.
"""

from __future__ import annotations

import os

TABLE = "bench_write_ceiling"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"
)

MIDDLEWARE = [  # Django's default (startproject), in its order
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def database() -> dict:
    import dj_database_url

    config = dict(dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0))
    config.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE") or 10),
        "timeout": 10,
    }
    return config


def configure() -> None:
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-baseline-" + "x" * 50,
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
        MIDDLEWARE=MIDDLEWARE,
        DATABASES={"default": database()},
        USE_TZ=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    )


def hello(request):
    from django.http import HttpResponse

    return HttpResponse("hello")


def insert(request):
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:  # autocommit: one INSERT, one commit
        cursor.execute(f"INSERT INTO {TABLE} DEFAULT VALUES")
    return HttpResponse("inserted")


def healthz(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


urlpatterns: list = []


def application():
    configure()
    import django
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import path

    django.setup(set_prefix=False)
    urlpatterns[:] = [
        path("hello", hello),
        path("insert", insert),
        path("healthz", healthz),
    ]
    return WSGIHandler()
