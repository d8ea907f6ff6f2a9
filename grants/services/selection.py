"""The selection run: aggregated scores in, the frozen proposal out (rules 20-25).

`selection_run` checks the review quorum (rule 23), builds the inputs of the pure
`grants.allocation.propose` from the registered score provider (`grants.scoring`) and the frozen
versions, runs it, and stores inputs, settings and result unchanged as a `SelectionProposal` with the
SHA-256 of its inputs. Thresholds apply to raw means (rule 20); the round's basis ranks (rule 21);
ties follow the round's tie-break order, then earlier submission (rule 22); quota pass, global pass,
non-fit policy and reserve list as in `grants.allocation` (rule 24).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import Conflict, DomainError
from core.money import MoneyField, to_kopecks
from grants import allocation, scoring
from grants.enums import DECIDABLE_APPLICATION_STATES, RoundState, TieBreak
from grants.models import Application, ApplicationVersion, Round, RoundSelection, SelectionProposal
from grants.policy import require_officer
from grants.services._common import lock_round

SNAPSHOT_VERSION = 1


def eligible_applications(round_: Round) -> list[Application]:
    """Applications the committee decides on (eligible, in review), with their frozen requested amount
    (`frozen_amount`) and priority area code (`priority_area_code`); only the fields the run reads."""
    requested = ApplicationVersion.objects.filter(
        application=OuterRef("pk"), number=OuterRef("current_version")
    ).values("requested_amount")[:1]
    return list(
        Application.objects.filter(round=round_, state__in=DECIDABLE_APPLICATION_STATES)
        # Only what the run reads: thousands of full rows (and their firms) cost more than the ranking.
        .only("pk", "round_id", "state", "current_version", "submitted_at")
        .annotate(
            frozen_amount=Subquery(requested, output_field=MoneyField()),
            priority_area_code=F("priority_area__code"),
        )
        .order_by("pk")
    )


def frozen_amounts(applications: Iterable[Application]) -> dict[int, Decimal]:
    """Application id -> the requested amount of its latest submitted version (rule 11)."""
    wanted = {a.pk: a.current_version for a in applications}
    rows = ApplicationVersion.objects.filter(application_id__in=list(wanted)).values_list(
        "application_id", "number", "requested_amount"
    )
    return {pk: amount for pk, number, amount in rows if wanted.get(pk) == number}


def short_of_reviews(
    applications: list[Application], scores: scoring.RoundScores, k: int
) -> list[tuple[int, int]]:
    """(application id, submitted reviews) for every application with fewer than k (rule 23)."""
    short = []
    for application in applications:
        scored = scores.applications.get(application.pk)
        count = scored.submitted_reviews if scored else 0
        if count < k:
            short.append((application.pk, count))
    return short


def _tie_break_codes(round_: Round) -> list[tuple[str, dict]]:
    """The round's tie-break keys as (pseudo criterion code, key); each compares higher-first."""
    codes = []
    for key in round_.tie_break or []:
        name = key.get("key")
        if name == TieBreak.CRITERION:
            codes.append((f"criterion:{key['criterion']}", key))
        elif name in (TieBreak.LOWER_REQUEST, TieBreak.EARLIER_SUBMISSION):
            codes.append((name, key))
    return codes


def _tie_values(application: Application, scored: scoring.ApplicationScores, codes: list) -> dict:
    values = {}
    for code, key in codes:
        if key["key"] == TieBreak.CRITERION:
            values[code] = scored.criterion_means.get(key["criterion"], Decimal(0))
        elif key["key"] == TieBreak.LOWER_REQUEST:
            values[code] = -Decimal(to_kopecks(application.frozen_amount))
        else:
            values[code] = -Decimal(int(application.submitted_at.timestamp() * 1_000_000))
    return values


def _settings(round_: Round, codes: list) -> allocation.SelectionSettings:
    criteria = list(round_.criteria.all())
    quotas = {
        link.area.code: to_kopecks(link.quota)
        for link in round_.area_links.select_related("area")
        if link.quota is not None
    }
    return allocation.SelectionSettings(
        budget_kopecks=to_kopecks(round_.budget),
        criterion_thresholds={c.code: Decimal(c.threshold) for c in criteria},
        total_threshold=Decimal(round_.total_threshold),
        ranking_basis=allocation.RankingBasis(round_.ranking_basis),
        tie_break_order=tuple(code for code, _key in codes),
        quotas_kopecks=quotas,
        non_fit_policy=allocation.NonFitPolicy(round_.non_fit_policy),
    )


def _candidates(round_: Round, applications, scores, codes) -> tuple[list, list[int]]:
    candidates, not_scored = [], []
    for application in applications:
        scored = scores.applications.get(application.pk)
        if scored is None or scored.submitted_reviews == 0:
            not_scored.append(application.pk)
            continue
        if round_.ranking_basis == allocation.RankingBasis.CALIBRATED and scored.calibrated_total is None:
            raise DomainError(
                "calibration_missing",
                _("The round ranks on calibrated scores, but some applications have none yet."),
                details={"applications": [application.pk]},
            )
        candidates.append(
            allocation.Candidate(
                application_id=application.pk,
                criterion_means=dict(scored.criterion_means),
                total=scored.total,
                requested_kopecks=to_kopecks(application.frozen_amount),
                submitted_at=application.submitted_at,
                priority_area=application.priority_area_code,
                calibrated_total=scored.calibrated_total,
                tie_break_scores=_tie_values(application, scored, codes),
            )
        )
    return candidates, not_scored


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def canonical_json(value: Any) -> str:
    """The one serialisation hashed and stored: sorted keys, no spaces, decimals as strings."""
    return _dumps(_jsonable(value))


def _dumps(plain: Any) -> str:
    """`canonical_json` of a value that is already plain JSON (no conversion pass)."""
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """`value` as the JSON it is stored as (what `json.loads(canonical_json(value))` gives), built in
    one pass: dataclasses field by field (no `asdict` deep copy), decimals and times as strings."""
    kind = type(value)
    if kind is Decimal:
        return str(value)
    if value is None or kind is int or kind is str or kind is bool or kind is float:
        return value
    if isinstance(value, str):  # StrEnum members: their value
        return str.__str__(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    names = _FIELD_NAMES.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    return _jsonable(value)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names (`fields()` is slow)


def _inputs(candidates, applications, scores, settings, not_scored) -> dict:
    """The stored inputs, already plain JSON values (see `_plain`): each candidate's fields and the
    review figures beside it."""
    version = {a.pk: a.current_version for a in applications}
    names = [f.name for f in fields(allocation.Candidate)]  # every field, as `asdict` gave them
    rows = []
    for c in candidates:
        scored = scores.applications[c.application_id]
        row = {name: _plain(getattr(c, name)) for name in names}
        row["version"] = version[c.application_id]
        row["spread"] = _plain(scored.spread)
        row["needs_discussion"] = scored.needs_discussion
        row["submitted_reviews"] = scored.submitted_reviews
        row["consensus_total"] = _plain(scored.consensus_total)
        rows.append(row)
    return {
        "settings": _plain(settings),
        "candidates": rows,
        "not_scored": _plain(not_scored),
        "scores_meta": _plain(dict(scores.meta)),
    }


def _canonical_parts(parts: dict[str, str]) -> str:
    """The canonical JSON of a dict whose values are already canonical JSON texts (keys sorted, as
    `canonical_json` sorts them), so a part serialised once is both hashed and reused."""
    return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{parts[k]}" for k in sorted(parts)) + "}"


def selection_run(*, actor: Any, round: Round, exception_reason: str = "") -> SelectionProposal:
    """Run ranking and allocation for a round in selection and store the proposal unchanged.

    Refused while an eligible application has fewer than the round's k submitted reviews, unless the
    officer gives `exception_reason` (rule 23; the short applications are listed in the refusal and
    stored with the proposal). Refused once the committee has recorded decisions on the round.
    """
    require_officer(actor)
    exception_reason = (exception_reason or "").strip()
    with transaction.atomic():
        round_ = lock_round(round)
        if round_.state != RoundState.SELECTION:
            raise Conflict(
                "not_in_selection",
                _("The selection runs once the round is in selection and before results are published."),
                details={"state": round_.state},
            )
        if round_.funding_decisions.exists():
            raise Conflict(
                "decisions_recorded",
                _("The committee has recorded decisions on this proposal; it can no longer be re-run."),
            )
        applications = eligible_applications(round_)
        scores = scoring.round_scores(round_)
        short = short_of_reviews(applications, scores, round_.reviewers_per_application)
        if short and not exception_reason:
            raise DomainError(
                "reviews_incomplete",
                _(
                    "%(count)s eligible applications do not have their %(k)s submitted reviews yet. "
                    "Wait for them, or record the reason to run the selection anyway."
                )
                % {"count": len(short), "k": round_.reviewers_per_application},
                "exception_reason",
                details={"applications": [{"id": pk, "submitted_reviews": n} for pk, n in short]},
            )
        codes = _tie_break_codes(round_)
        settings = _settings(round_, codes)
        candidates, not_scored = _candidates(round_, applications, scores, codes)
        try:
            proposal = allocation.propose(candidates, settings)
        except ValueError as exc:  # inputs the rubric should never produce (a missing mean, quotas > budget)
            raise DomainError("selection_inputs_invalid", str(exc)) from exc
        # The snapshot is built once as plain JSON values and serialised once: the inputs' text is
        # hashed on its own and is also the "inputs" member of the snapshot's text.
        inputs = _inputs(candidates, applications, scores, settings, not_scored)
        snapshot = {
            "version": SNAPSHOT_VERSION,
            "round": round_.pk,
            "inputs": inputs,
            "short_of_reviews": [{"id": pk, "submitted_reviews": n} for pk, n in short],
            "exception_reason": exception_reason if short else "",
            "result": _plain(proposal),
        }
        texts = {key: _dumps(value) for key, value in snapshot.items() if key != "inputs"}
        texts["inputs"] = inputs_text = _dumps(inputs)
        snapshot_text = _canonical_parts(texts)
        last = round_.selection_proposals.order_by("-number").values_list("number", flat=True).first()
        stored = SelectionProposal.objects.create(
            round=round_,
            number=(last or 0) + 1,
            ranking_basis=round_.ranking_basis,
            snapshot=snapshot,
            input_sha256=_sha256_text(inputs_text),
            snapshot_sha256=_sha256_text(snapshot_text),
            budget=round_.budget,
            funded_amount=Decimal(proposal.funded_kopecks) / 100,
            funded_count=len(proposal.funded),
            reserve_count=len(proposal.reserve),
            below_threshold_count=len(proposal.below_threshold),
            incomplete_count=len(short),
            exception_reason=exception_reason if short else "",
            created_by=actor,
            created_at=timezone.now(),
        )
        RoundSelection.objects.get_or_create(round=round_, defaults={"budget": round_.budget})
        record_event(
            actor=actor,
            action="selection.run",
            obj=stored,
            after={
                "round": round_.pk,
                "number": stored.number,
                "input_sha256": stored.input_sha256,
                "funded": stored.funded_count,
                "funded_amount": stored.funded_amount,
                "reserve": stored.reserve_count,
                "below_threshold": stored.below_threshold_count,
                "short_of_reviews": len(short),
            },
            reason=stored.exception_reason,
        )
    return stored
