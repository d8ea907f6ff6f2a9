"""Celery tasks of the deadlines app. Each takes ids, calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from deadlines import services, sweeper


@shared_task(name="deadlines.sweep")
def sweep() -> int:
    """Fire every due deadline (beat runs this every DEADLINE_SWEEP_SECONDS). Returns how many ran.

    Bounded in time so one run stays far inside the task time limit; whatever is left is due still
    and the next run takes it.
    """
    result = sweeper.sweep(max_seconds=float(getattr(settings, "DEADLINE_SWEEP_MAX_SECONDS", 120)))
    return result.processed


# Mail servers fail transiently; OSError covers smtplib's errors and refused connections.
@shared_task(
    name="deadlines.send_notification_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification unless it was e-mailed already."""
    return services.notification_send_email(notification_id=int(notification_id))
