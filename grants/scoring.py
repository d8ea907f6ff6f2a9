"""Where grants gets review scores and comments from, without importing `reviewers`.

`reviewers` imports `grants`, so the dependency cannot run the other way. The reviewers app
registers its functions here at start-up (`ReviewersConfig.ready()`):

    from grants import scoring
    scoring.register_score_provider(reviewers.services.round_scores)
    scoring.register_comments_provider(reviewers.services.application_comments)
    scoring.register_appeal_upheld_hook(reviewers.services.appeal_upheld)

Shapes (attributes or dict keys; missing optional ones take the defaults of the dataclasses below):
- score provider `fn(round) -> Mapping[int, item] | Iterable[item]`, one item per eligible application
  with `application_id`, `criterion_means` {criterion code: Decimal}, `total` (Σ weight × mean),
  `calibrated_total`, `spread`, `needs_discussion`, `submitted_reviews`, and optionally
  `consensus_total` / `consensus_reason` (an officer's recorded consensus score, shown beside the raw
  ones). The result may instead be an object with `applications` (the items) and `meta` (a dict, e.g.
  the calibration method and parameters, stored with each selection run).
- comments provider `fn(application) -> Iterable[item]`, one item per submitted review, with
  `overall_comment` and `criterion_comments` {criterion code: comment}. Never reviewer identities:
  the firm sees "Reviewer 1", "Reviewer 2", … in the provider's order.
- appeal hook `fn(*, application, appeal, actor) -> None`, called inside the transaction that upholds
  the appeal: assign new reviewers (none of the earlier ones) to the application.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ScoreProvider = Callable[[Any], Any]
CommentsProvider = Callable[[Any], Iterable[Any]]
AppealUpheldHook = Callable[..., None]


@dataclass(frozen=True)
class ApplicationScores:
    """Aggregated scores of one eligible application (rules 20-21)."""

    application_id: int
    criterion_means: Mapping[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    calibrated_total: Decimal | None = None
    spread: Decimal = Decimal(0)
    needs_discussion: bool = False
    submitted_reviews: int = 0
    consensus_total: Decimal | None = None
    consensus_reason: str = ""


@dataclass(frozen=True)
class RoundScores:
    """Every eligible application's scores, by id, and what the provider says about how it computed them."""

    applications: Mapping[int, ApplicationScores]
    meta: Mapping[str, Any] = field(default_factory=dict)
    provided: bool = True  # False when no provider is registered (reviewers not installed)


@dataclass(frozen=True)
class ReviewerComment:
    """One review as the firm sees it after publication: anonymous, comments only."""

    label: str
    overall_comment: str
    criterion_comments: Mapping[str, str] = field(default_factory=dict)


_providers: dict[str, Any] = {"scores": None, "comments": None, "appeal_upheld": None}


def _register(slot: str, fn: Any) -> Any:
    previous = _providers[slot]
    _providers[slot] = fn
    return previous


def register_score_provider(fn: ScoreProvider | None) -> ScoreProvider | None:
    """Use `fn(round)` for every round's scores; returns the provider it replaces (tests restore it)."""
    return _register("scores", fn)


def register_comments_provider(fn: CommentsProvider | None) -> CommentsProvider | None:
    """Use `fn(application)` for the anonymised comments a firm sees; returns the previous one."""
    return _register("comments", fn)


def register_appeal_upheld_hook(fn: AppealUpheldHook | None) -> AppealUpheldHook | None:
    """Call `fn(application=, appeal=, actor=)` when an appeal is upheld; returns the previous hook."""
    return _register("appeal_upheld", fn)


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        # A float would make the snapshot's hash depend on its printing; the rubric's steps are decimals.
        return Decimal(repr(value))
    return Decimal(value)


def _scores_of(item: Any) -> ApplicationScores:
    if isinstance(item, ApplicationScores):
        return item
    means = _get(item, "criterion_means") or {}
    return ApplicationScores(
        application_id=int(_get(item, "application_id")),
        criterion_means={str(code): _decimal(value) for code, value in means.items()},
        total=_decimal(_get(item, "total", 0)),
        calibrated_total=_decimal(_get(item, "calibrated_total")),
        spread=_decimal(_get(item, "spread", 0)) or Decimal(0),
        needs_discussion=bool(_get(item, "needs_discussion", False)),
        submitted_reviews=int(_get(item, "submitted_reviews", 0) or 0),
        consensus_total=_decimal(_get(item, "consensus_total")),
        consensus_reason=str(_get(item, "consensus_reason", "") or ""),
    )


def round_scores(round_: Any) -> RoundScores:
    """The round's scores from the registered provider; empty (and `provided=False`) without one."""
    provider = _providers["scores"]
    if provider is None:
        return RoundScores(applications={}, provided=False)
    result = provider(round_)
    meta: Mapping[str, Any] = {}
    if not isinstance(result, Mapping) and hasattr(result, "applications"):
        meta = dict(getattr(result, "meta", {}) or {})
        result = result.applications
    items = result.values() if isinstance(result, Mapping) else result
    scores = {}
    for item in items:
        scored = _scores_of(item)
        scores[scored.application_id] = scored
    return RoundScores(applications=dict(sorted(scores.items())), meta=meta)


def application_comments(application: Any) -> list[ReviewerComment]:
    """Anonymised reviewer comments on one application; empty without a provider."""
    provider = _providers["comments"]
    if provider is None:
        return []
    comments = []
    for number, item in enumerate(provider(application), start=1):
        criterion_comments = _get(item, "criterion_comments") or {}
        comments.append(
            ReviewerComment(
                label=str(number),
                overall_comment=str(_get(item, "overall_comment", "") or ""),
                criterion_comments={str(k): str(v or "") for k, v in criterion_comments.items()},
            )
        )
    return comments


def appeal_upheld(*, application: Any, appeal: Any, actor: Any) -> bool:
    """Tell the reviewers app to send the application to new reviewers; False when no hook is registered."""
    hook = _providers["appeal_upheld"]
    if hook is None:
        return False
    hook(application=application, appeal=appeal, actor=actor)
    return True
