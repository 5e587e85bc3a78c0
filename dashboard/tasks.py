"""Worker side of staff jobs (exports, imports): see dashboard/jobs.py."""

from __future__ import annotations

from celery import shared_task

from .jobs import staff_job_run


@shared_task(acks_late=True, ignore_result=True)
def staff_job_task(job_id: int) -> str:
    return staff_job_run(job_id=job_id)
