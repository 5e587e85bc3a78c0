"""securecart.aws: one boto3 session per process, cached clients, and a reset that
forgets both (credentials included). Building clients needs no network."""

import boto3.session
import pytest

from securecart import aws


@pytest.fixture
def fresh_clients(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "first-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "first-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    settings.AWS_REGION = "eu-west-1"
    settings.AWS_ENDPOINT_URL = ""
    aws.reset_clients()
    yield
    aws.reset_clients()


def test_clients_of_every_service_come_from_one_session(fresh_clients, monkeypatch):
    built = []
    real_session = boto3.session.Session

    def counting_session(*args, **kwargs):
        built.append(1)
        return real_session(*args, **kwargs)

    monkeypatch.setattr(boto3.session, "Session", counting_session)

    sqs = aws.client("sqs")
    dynamodb = aws.client("dynamodb")

    assert len(built) == 1
    assert aws.client("sqs") is sqs
    assert sqs.meta.service_model.service_name == "sqs"
    assert dynamodb.meta.service_model.service_name == "dynamodb"
    assert sqs.meta.region_name == dynamodb.meta.region_name == "eu-west-1"


def test_reset_clients_forgets_the_session_and_its_credentials(
    fresh_clients, monkeypatch
):
    before = aws.client("sqs")
    assert before._request_signer._credentials.access_key == "first-key"

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "second-key")
    assert aws.client("sqs") is before  # cached until reset
    aws.reset_clients()
    after = aws.client("sqs")

    assert after is not before
    assert after._request_signer._credentials.access_key == "second-key"
