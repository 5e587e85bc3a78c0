"""AWS Lambda handler of the fraud check: the order's facts in, score + reasons out.

No Django here: Terraform packages this file and orders/fraud_rules.py alone
(infra/terraform/modules/orchestration). The event is the facts object of
orders.fraud_rules (what orders.services.fraud.order_facts builds), either as
the whole event or under "facts" (how a Step Functions state passes it). Invalid
facts raise InvalidFacts: the invocation fails, so the caller's retry/catch (or
the Lambda's on-failure destination for asynchronous calls) takes over instead
of scoring an order as harmless.
"""

from __future__ import annotations

from typing import Any

from orders.fraud_rules import assess


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    facts = event.get("facts", event) if isinstance(event, dict) else event
    return assess(facts).as_dict()
