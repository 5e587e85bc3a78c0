"""The fraud Lambda handler gives the in-process scorer's verdicts; FRAUD_SCORER=lambda.

moto cannot execute Lambda code on these machines (it needs Docker), so the
handler is called directly with the real facts of real orders (and, isolated, in
a fresh interpreter that has only the two packaged modules), and the invoke path
of the worker is checked at the boto3 edge with botocore's Stubber.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from orders import fraud_rules
from orders.fraud_lambda import handler
from orders.models import Order
from orders.services.fraud import (
    FraudScorerError,
    order_facts,
    risk_assess,
)
from orders.services.fulfilment import order_fraud_check
from securecart import aws
from tests.orders.test_tasks_fulfilment import place_order

PACKAGE = Path(fraud_rules.__file__).resolve().parent


def as_event(facts: dict) -> dict:
    """The facts as the Lambda receives them: JSON on the wire."""
    return json.loads(json.dumps({"facts": facts}))


# --- same verdicts on real orders --------------------------------------------------

SCENARIOS = {
    "ordinary": [{"token": "tok_visa_ordinary"}],
    "gateway highest": [{"token": "tok_riskLevelHighest"}],
    "elevated + high value": [
        {"token": "tok_riskLevelElevated", "price": "600.00", "quantity": 2}
    ],
    "elevated value": [{"token": "tok_visa_ev", "price": "250.00", "quantity": 2}],
    "email velocity": [
        {"token": f"tok_visa_{n}", "email": "bulk@example.com"} for n in range(4)
    ],
    "card velocity": [
        {"token": "tok_visa", "email": f"p{n}@example.com"} for n in range(4)
    ],
    "phone mismatch": [{"token": "tok_visa_a", "phone": "+49 30 1234567"}],
    "phone matches": [{"token": "tok_visa_b", "phone": "+44 20 7946 0000"}],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_handler_scores_real_orders_like_the_worker(name, settings):
    settings.FRAUD_SCORER = "inprocess"
    orders = [place_order(**kwargs) for kwargs in SCENARIOS[name]]
    order = orders[-1]
    in_process = risk_assess(order=order)
    answer = handler(as_event(order_facts(order=order)), None)
    assert answer == {"score": in_process.score, "reasons": in_process.reasons}
    # The whole event may be the facts too (a direct test invoke).
    assert handler(json.loads(json.dumps(order_facts(order=order)))) == answer
    if name != "ordinary" and name != "phone matches":
        assert answer["score"] > 0, "the scenario must exercise a rule"


@pytest.mark.django_db
def test_many_orders_from_one_ip_give_the_same_verdict_both_ways():
    orders = [
        place_order(token=f"tok_visa_{n}", email=f"ip{n}@example.com") for n in range(6)
    ]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(client_ip="203.0.113.9")
    order = Order.objects.get(pk=orders[-1].pk)
    facts = order_facts(order=order)
    assert facts["orders_same_ip"] == 5
    assert handler(as_event(facts))["reasons"] == risk_assess(order=order).reasons


# --- the same over any facts ----------------------------------------------------------

counts = st.integers(min_value=0, max_value=12)
facts_strategy = st.fixed_dictionaries(
    {
        "total": st.decimals(
            min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2
        ).map(str),
        "currency": st.sampled_from(["USD", "EUR", "GBP"]),
        "payment_risk_level": st.sampled_from([None, "normal", "elevated", "highest"]),
        "orders_same_email": counts,
        "orders_same_ip": st.none() | counts,
        "payments_same_card": st.none() | counts,
        "phone": st.sampled_from(["", "+44 20 7946 0000", "+1 415 555 0100", "+999 1"])
        | st.text(max_size=20),
        "shipping_country": st.sampled_from(["GB", "US", "de", "IE", "FR"]),
    }
)


@hsettings(max_examples=300, deadline=None)
@given(facts=facts_strategy, threshold=st.integers(min_value=0, max_value=100))
def test_the_handler_verdict_equals_the_in_process_verdict_for_any_facts(
    facts, threshold
):
    local = fraud_rules.assess(facts)
    remote = handler(as_event(facts))
    assert remote == local.as_dict()
    assert (remote["score"] > threshold) == (local.score > threshold)
    assert 0 <= remote["score"] <= 100
    assert len(remote["reasons"]) <= 6


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"facts": {"total": "10.00"}},
        {"facts": "not an object"},
    ],
)
def test_incomplete_facts_fail_the_invocation_instead_of_scoring_zero(broken):
    with pytest.raises(fraud_rules.InvalidFacts):
        handler(broken)


@pytest.mark.parametrize(
    "key, value",
    [
        ("total", "lots"),
        ("total", "NaN"),
        ("orders_same_email", -1),
        ("orders_same_email", None),
        ("orders_same_ip", "5"),
        ("payments_same_card", True),
        ("phone", None),
        ("payment_risk_level", 3),
    ],
)
def test_each_fact_is_type_checked(key, value):
    facts = {
        "total": "10.00",
        "currency": "USD",
        "payment_risk_level": None,
        "orders_same_email": 0,
        "orders_same_ip": None,
        "payments_same_card": None,
        "phone": "",
        "shipping_country": "GB",
    }
    assert handler(dict(facts)) == {"score": 0, "reasons": []}
    facts[key] = value
    with pytest.raises(fraud_rules.InvalidFacts):
        handler(facts)


def test_the_packaged_modules_run_without_django(tmp_path):
    """What Terraform zips (orders/__init__.py, fraud_rules, fraud_lambda) stands alone."""
    package = tmp_path / "orders"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("fraud_rules.py", "fraud_lambda.py"):
        shutil.copy(PACKAGE / name, package / name)
    event = {
        "facts": {
            "total": "1200.00",
            "currency": "USD",
            "payment_risk_level": "highest",
            "orders_same_email": 0,
            "orders_same_ip": None,
            "payments_same_card": None,
            "phone": "",
            "shipping_country": "GB",
        }
    }
    program = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from orders.fraud_lambda import handler\n"
        "print(json.dumps(handler(json.loads(sys.argv[1]), None)))\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", program, json.dumps(event), str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "score": 100,
        "reasons": [
            "high order value 1200.00 USD (+25)",
            "payment gateway risk level highest (+80)",
        ],
    }


# --- FRAUD_SCORER=lambda: the worker invokes the function -------------------------


@pytest.fixture
def lambda_stub(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.FRAUD_SCORER = "lambda"
    settings.FRAUD_FUNCTION_NAME = "securecart-test-fraud"
    settings.AWS_ENDPOINT_URL = ""
    aws.reset_clients()
    client = aws.client("lambda")
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    aws.reset_clients()


def payload(body: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(body), len(body))


@pytest.mark.django_db
def test_the_worker_invokes_the_lambda_with_the_facts_and_records_its_verdict(
    lambda_stub, settings
):
    settings.FRAUD_HOLD_THRESHOLD = 70
    order = place_order(token="tok_visa_ordinary")
    facts = order_facts(order=order)
    verdict = {"score": 90, "reasons": ["payment gateway risk level highest (+80)"]}
    lambda_stub.add_response(
        "invoke",
        {"StatusCode": 200, "Payload": payload(json.dumps(verdict).encode())},
        expected_params={
            "FunctionName": "securecart-test-fraud",
            "InvocationType": "RequestResponse",
            "Payload": json.dumps({"facts": facts}).encode(),
        },
    )
    assert order_fraud_check(order_id=order.pk) == "on_hold"
    order.refresh_from_db()
    assert (order.risk_score, order.risk_reasons) == (90, verdict["reasons"])


@pytest.mark.django_db(transaction=True)
def test_the_lambda_is_invoked_before_the_order_row_is_locked(
    lambda_stub, settings, monkeypatch
):
    from django.db import connection

    from orders.services import fraud
    from tests.factories.orders import OrderFactory

    order = OrderFactory()  # placed and committed; no workflow started
    seen = []

    def invoke(facts):  # the network call: no transaction, so no row lock held
        seen.append(connection.in_atomic_block)
        return fraud.RiskAssessment(score=10, reasons=[])

    monkeypatch.setattr(fraud, "invoke_fraud_lambda", invoke)
    assert order_fraud_check(order_id=order.pk) == "processing"
    assert seen == [False]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "response",
    [
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": b'{"errorMessage": "x"}',
        },
        {"StatusCode": 200, "Payload": b'{"score": "high"}'},
        {"StatusCode": 200, "Payload": b'{"score": 150, "reasons": []}'},
        {"StatusCode": 200, "Payload": b"null"},
    ],
)
def test_a_failed_or_meaningless_answer_is_an_error_and_changes_nothing(
    lambda_stub, response
):
    order = place_order(token="tok_visa_ordinary")
    lambda_stub.add_response(
        "invoke", {**response, "Payload": payload(response["Payload"])}
    )
    with pytest.raises(FraudScorerError):
        order_fraud_check(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert order.risk_score is None


@pytest.mark.django_db
def test_a_throttled_invoke_is_a_fraud_scorer_error_the_task_retries(lambda_stub):
    from orders.tasks import TRANSIENT_ERRORS

    order = place_order(token="tok_visa_ordinary")
    lambda_stub.add_client_error(
        "invoke", service_error_code="TooManyRequestsException", http_status_code=429
    )
    with pytest.raises(FraudScorerError):
        risk_assess(order=order)
    assert FraudScorerError in TRANSIENT_ERRORS
