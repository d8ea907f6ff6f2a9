"""Selection: the stored proposal, the committee's decisions, the round's commitments, appeals (issue 5).

Invariants kept by the database as well as by the services:
- a proposal is never changed (a PostgreSQL trigger refuses UPDATE and DELETE, rule 25);
- a decision that differs from the proposal carries a reason (rule 25);
- only a selected decision carries money, and it is above zero;
- the money committed in a round never exceeds the round's budget (rule 27): the services recompute
  `RoundSelection.committed` under a lock on the round, and a check refuses a sum above `budget`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import MoneyField
from grants.enums import AppealGround, AppealState, DecisionOutcome, RankingBasis, SelectionDocumentKind
from grants.models.application import Application
from grants.models.round import Round


class SelectionProposal(models.Model):
    """One run of ranking and allocation, frozen: its inputs, settings and result as JSON (rule 25)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="selection_proposals")
    number = models.PositiveIntegerField(_("run"))
    ranking_basis = models.CharField(_("ranking basis"), max_length=16, choices=RankingBasis.choices)
    snapshot = models.JSONField(_("snapshot"))
    input_sha256 = models.CharField(_("inputs hash (SHA-256)"), max_length=64)
    snapshot_sha256 = models.CharField(_("snapshot hash (SHA-256)"), max_length=64)
    budget = MoneyField(_("budget, ₽"))
    funded_amount = MoneyField(_("allotted, ₽"))
    funded_count = models.PositiveIntegerField(_("funded"))
    reserve_count = models.PositiveIntegerField(_("reserve"))
    below_threshold_count = models.PositiveIntegerField(_("below threshold"))
    # Rule 23: applications short of their k submitted reviews when the run started, and the
    # officer's recorded reason for running anyway.
    incomplete_count = models.PositiveIntegerField(_("applications short of reviews"), default=0)
    exception_reason = models.TextField(_("reason for running with missing reviews"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("run at"))

    class Meta:
        verbose_name = _("selection proposal")
        verbose_name_plural = _("selection proposals")
        ordering = ["round_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="selection_proposal_number_unique"),
            models.CheckConstraint(
                condition=Q(funded_amount__gte=0) & Q(funded_amount__lte=F("budget")),
                name="selection_proposal_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(incomplete_count=0) | ~Q(exception_reason=""),
                name="selection_proposal_exception_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} #{self.number}"


def selection_document_path(instance: SelectionDocument, filename: str) -> str:
    # A random stored name: the original name is kept in a column, never trusted as a path.
    return f"grants/selection/{instance.round_id}/{instance.storage_key}"


class SelectionDocument(models.Model):
    """Committee minutes or an appeal's evidence; private, served only through a checked view."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="selection_documents")
    appeal = models.ForeignKey(
        "grants.Appeal", on_delete=models.PROTECT, related_name="documents", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SelectionDocumentKind.choices)
    file = models.FileField(_("file"), upload_to=selection_document_path, max_length=300)
    storage_key = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("selection document")
        verbose_name_plural = _("selection documents")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="selection_document_not_empty"),
            models.CheckConstraint(
                condition=Q(kind=SelectionDocumentKind.APPEAL, appeal__isnull=False)
                | Q(kind=SelectionDocumentKind.MINUTES, appeal__isnull=True),
                name="selection_document_kind_matches_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class RoundSelection(models.Model):
    """The round's selection ledger: money committed by decisions, the minutes, the publication."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="selection")
    # The round's budget as read under the round's lock at the last commitment; the check below
    # makes the database refuse a committed sum above it even if a service had a bug.
    budget = MoneyField(_("budget, ₽"))
    committed = MoneyField(_("committed, ₽"), default=0)
    minutes = models.ForeignKey(
        SelectionDocument, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    appeal_window_ends_at = models.DateTimeField(_("appeals accepted until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("round selection")
        verbose_name_plural = _("round selections")
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("budget")),
                name="round_selection_committed_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, appeal_window_ends_at__isnull=True)
                | Q(published_at__isnull=False, appeal_window_ends_at__gt=F("published_at")),
                name="round_selection_appeal_window_after_publication",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}"


class FundingDecision(models.Model):
    """The committee's decision on one application; differs from the proposal only with a reason."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="funding_decision")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="funding_decisions")
    proposal = models.ForeignKey(SelectionProposal, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("decision"), max_length=16, choices=DecisionOutcome.choices)
    approved_amount = MoneyField(_("approved amount, ₽"), default=0)
    proposed_outcome = models.CharField(_("proposed"), max_length=16, choices=DecisionOutcome.choices)
    proposed_amount = MoneyField(_("proposed amount, ₽"), default=0)
    proposed_rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    reason = models.TextField(_("reason for the difference"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Set when an appeal is upheld: the application is reviewed again and decided anew.
    reopened_at = models.DateTimeField(_("reopened by an appeal"), null=True, blank=True)

    class Meta:
        verbose_name = _("funding decision")
        verbose_name_plural = _("funding decisions")
        ordering = ["round_id", "proposed_rank", "application_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values)
                & Q(proposed_outcome__in=DecisionOutcome.values),
                name="funding_decision_outcome_valid",
            ),
            # Only a selected application carries money, and then more than nothing.
            models.CheckConstraint(
                condition=Q(approved_amount__gte=0)
                & (
                    Q(outcome=DecisionOutcome.SELECTED, approved_amount__gt=0)
                    | (~Q(outcome=DecisionOutcome.SELECTED) & Q(approved_amount=0))
                ),
                name="funding_decision_amount_matches_outcome",
            ),
            models.CheckConstraint(
                condition=Q(proposed_amount__gte=0), name="funding_decision_proposed_amount"
            ),
            # Rule 25: a difference from the proposal carries a reason.
            models.CheckConstraint(
                condition=Q(outcome=F("proposed_outcome"), approved_amount=F("proposed_amount"))
                | ~Q(reason=""),
                name="funding_decision_difference_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["round", "outcome"])]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"

    @property
    def differs_from_proposal(self) -> bool:
        return (self.outcome, self.approved_amount) != (self.proposed_outcome, self.proposed_amount)


class Appeal(models.Model):
    """A firm's appeal against a published decision, on procedural grounds (rule 26)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(FundingDecision, on_delete=models.PROTECT, related_name="appeals")
    grounds = models.CharField(_("grounds"), max_length=24, choices=AppealGround.choices)
    text = models.TextField(_("statement"))
    state = models.CharField(
        _("state"), max_length=16, choices=AppealState.choices, default=AppealState.SUBMITTED, editable=False
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=AppealState.values), name="appeal_state_valid"),
            models.CheckConstraint(condition=Q(grounds__in=AppealGround.values), name="appeal_grounds_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="appeal_has_statement"),
            models.CheckConstraint(
                condition=Q(state=AppealState.SUBMITTED)
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="appeal_decision_has_reason",
            ),
            # One open appeal per application at a time.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state=AppealState.SUBMITTED),
                name="appeal_one_open_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.grounds}"
