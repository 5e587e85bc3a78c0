"""Errors of the notifications app."""


class MalformedMessage(Exception):
    """A channel message that can never be handled (not JSON, unknown type, ...).

    The consumer leaves it on the queue so SQS moves it to the dead-letter queue
    after max_receive_count receives.
    """


class TransientDeliveryError(Exception):
    """Sending failed for now (SMTP/SNS hiccup); retry with backoff."""


class PermanentDeliveryError(Exception):
    """Sending can never succeed (bad phone number, rejected address)."""
