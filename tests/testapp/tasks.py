from celery import shared_task

from tests.testapp.models import TaskRun


@shared_task(name="testapp.record_run")
def record_run(label: str) -> None:
    # Deliberately NOT idempotent: one row per execution lets tests count deliveries.
    TaskRun.objects.create(label=label)
