"""A round whose close is seconds away closes by itself, with no request made, and refuses late work.

Real worker and beat subprocesses on a private redis-server, the sweep every second.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict
from deadlines.models import Notification
from grants import services
from grants.enums import RoundState
from grants.models import CostCategory, PriorityArea, Round
from grants.reference import seed_reference_lists
from tests import factories
from tests.deadlines.processes import RedisServer, logs, process_env, start_beat, start_worker, wait_until
from tests.grants.conftest import make_complete_application

pytestmark = [pytest.mark.workers, pytest.mark.slow, pytest.mark.timeout(170), pytest.mark.rule(6)]

CLOSE_IN = dt.timedelta(seconds=25)  # time to build two applications before the close


@pytest.fixture
def procs(transactional_db):
    started = []
    yield started
    for proc in reversed(started):
        proc.stop()


def test_a_round_closes_by_itself_within_the_sweep_interval_and_refuses_later_submissions(
    tmp_path, procs, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    redis = RedisServer(tmp_path / "redis").start()
    try:
        env = process_env(tmp_path, redis.url, MEDIA_ROOT=str(tmp_path / "media"))
        procs += [start_worker(env, tmp_path), start_beat(env, tmp_path)]

        seed_reference_lists(CostCategory, PriorityArea)
        officer = factories.OfficerFactory()
        submitter, drafter = factories.ApplicantFactory(), factories.ApplicantFactory()
        now = timezone.now()
        round_ = services.round_create(
            actor=officer,
            program=factories.ProgramFactory(),
            title="Closes in seconds",
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + CLOSE_IN,
            review_due_at=now + dt.timedelta(days=30),
            decision_at=now + dt.timedelta(days=60),
            budget=Decimal("1000000000"),
        )
        services.round_set_priority_areas(actor=officer, round=round_, areas=[("oncology", None)])
        round_ = services.round_open(actor=officer, round=round_)
        services.application_submit(actor=submitter, application=make_complete_application(submitter, round_))
        late = make_complete_application(drafter, round_, title="Too late")
        assert timezone.now() < round_.closes_at, "building the applications took longer than CLOSE_IN"

        def closed_at():
            current = Round.objects.get(pk=round_.pk)
            return timezone.now() if current.state == RoundState.CLOSED else None

        seen_closed = wait_until(closed_at, 90, interval=0.2)
        assert seen_closed, logs(*procs)
        # Beat ticks every second; allow for one tick, a worker start-up hiccup and the poll interval.
        assert seen_closed - round_.closes_at < dt.timedelta(seconds=5), seen_closed - round_.closes_at
        with pytest.raises(Conflict) as refused:
            services.application_submit(actor=drafter, application=late)
        assert refused.value.code == "round_closed"
        assert set(Notification.objects.filter(kind="round.closed").values_list("recipient", flat=True)) == {
            submitter.pk
        }
        assert Notification.objects.filter(kind="round.closed.officer", recipient=officer).count() == 1
    finally:
        redis.stop()
