"""Celery tasks of promotions: the sale-boundary sweep and bulk code generation."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings

from .services import sale_boundary_reached, sale_boundary_sweep, voucher_batch_generate


@shared_task(ignore_result=True, acks_late=True)
def sale_boundary_sweep_task() -> int:
    """Bump the catalog cache for boundaries passed, and schedule a bump at each
    boundary due before the next sweep (so pages switch at the exact second)."""
    period = timedelta(seconds=settings.SALE_SWEEP_SECONDS)
    due = sale_boundary_sweep(ahead=period)
    for at in due:
        sale_boundary_task.apply_async(
            kwargs={"at": at.isoformat()}, eta=at, queue="default"
        )
    return len(due)


@shared_task(ignore_result=True, acks_late=True)
def sale_boundary_task(at: str) -> bool:
    return sale_boundary_reached(at=datetime.fromisoformat(at))


@shared_task(ignore_result=True, acks_late=True)
def voucher_batch_generate_task(batch_id: int) -> int:
    return voucher_batch_generate(batch_id=batch_id)
