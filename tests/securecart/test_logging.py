import logging

from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

logger = logging.getLogger("securecart.test")


def _logging_view(request):
    logger.warning("inside the view")
    return HttpResponse("ok")


urlpatterns = [path("log-me/", _logging_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_request_id_is_echoed_and_on_every_log_line(client, json_log_lines):
    response = client.get("/log-me/", headers={"X-Request-ID": "abc-123"})
    assert response["X-Request-ID"] == "abc-123"
    lines = [line for line in json_log_lines() if line["message"] == "inside the view"]
    assert lines and lines[0]["request_id"] == "abc-123"
    assert lines[0]["level"] == "WARNING"


@override_settings(ROOT_URLCONF=__name__)
def test_request_id_is_generated_when_missing_or_unsafe(client, json_log_lines):
    response = client.get("/log-me/", headers={"X-Request-ID": "bad id\nforged"})
    generated = response["X-Request-ID"]
    assert generated != "bad id\nforged" and len(generated) == 32
    lines = [line for line in json_log_lines() if line["message"] == "inside the view"]
    assert lines[0]["request_id"] == generated


def test_log_lines_outside_a_request_carry_no_request_id(json_log_lines):
    logger.warning("background")
    assert json_log_lines()[-1]["request_id"] is None
