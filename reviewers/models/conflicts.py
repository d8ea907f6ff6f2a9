"""Conflicts of interest: the applicant's related parties, the conflicts found or declared, the
reviewer's declaration per assignment and the officer's decision on a potential conflict."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from grants.models import Application
from reviewers.enums import ConflictOutcome, ConflictSeverity, ConflictSource, DeclarationKind, PartyRole
from reviewers.models.profile import INN_REGEX, OGRN_REGEX, Affiliation


class RelatedParty(models.Model):
    """An organisation tied to an applicant, kept by officers: a company of the firm's group (on the
    organisation, so it counts for all its applications) or an application's CRO or trial site."""

    role = models.CharField(_("role"), max_length=8, choices=PartyRole.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("related party")
        verbose_name_plural = _("related parties")
        ordering = ["role", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role=PartyRole.GROUP, organisation__isnull=False, application__isnull=True)
                | Q(
                    role__in=[PartyRole.CRO, PartyRole.SITE],
                    organisation__isnull=True,
                    application__isnull=False,
                ),
                name="related_party_owner_matches_role",
            ),
            models.CheckConstraint(condition=Q(inn__regex=INN_REGEX), name="related_party_inn_format"),
            models.CheckConstraint(
                condition=Q(ogrn="") | Q(ogrn__regex=OGRN_REGEX), name="related_party_ogrn_format"
            ),
            models.UniqueConstraint(
                fields=["organisation", "inn"],
                condition=Q(role=PartyRole.GROUP),
                name="related_party_group_once",
            ),
            models.UniqueConstraint(
                fields=["application", "role", "inn"],
                condition=~Q(role=PartyRole.GROUP),
                name="related_party_once_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class Conflict(models.Model):
    """A conflict between a reviewer and an application. Rows from detected sources are recomputed
    from affiliations, parties and projects; declared and officer rows are records and stay."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("severity"), max_length=16, choices=ConflictSeverity.choices)
    source = models.CharField(_("source"), max_length=16, choices=ConflictSource.choices)
    organisation_name = models.CharField(_("organisation"), max_length=300, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    affiliation = models.ForeignKey(
        Affiliation, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    detected_at = models.DateTimeField(_("found"))

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["application_id", "reviewer_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=ConflictSeverity.values), name="conflict_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ConflictSource.values), name="conflict_source_valid"
            ),
            # Declarations and exclusions always block; only a detected tie can be merely potential.
            models.CheckConstraint(
                condition=~Q(source__in=[ConflictSource.DECLARED, ConflictSource.OFFICER])
                | Q(severity=ConflictSeverity.BLOCKING),
                name="conflict_records_block",
            ),
            models.UniqueConstraint(
                fields=["reviewer", "application", "source", "inn"], name="conflict_once_per_cause"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "application", "severity"])]

    def __str__(self) -> str:
        return f"{self.reviewer_id}×{self.application_id} {self.severity}"


class ConflictDeclaration(models.Model):
    """A reviewer's timestamped declaration on an assigned application (rule 15)."""

    assignment = models.ForeignKey(
        "reviewers.Assignment", on_delete=models.PROTECT, related_name="declarations"
    )
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("declaration"), max_length=16, choices=DeclarationKind.choices)
    confidentiality = models.BooleanField(_("keeps the content confidential"), default=False)
    description = models.TextField(_("description of the conflict"), blank=True)
    declared_at = models.DateTimeField(_("declared"))

    class Meta:
        verbose_name = _("declaration of interests")
        verbose_name_plural = _("declarations of interests")
        ordering = ["declared_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=DeclarationKind.NO_CONFLICT, confidentiality=True)
                | (Q(kind=DeclarationKind.CONFLICT) & ~Q(description="")),
                name="declaration_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id}×{self.application_id} {self.kind}"


class ConflictDecision(models.Model):
    """An officer's recorded decision, with its reason, on a potential conflict (rule 14)."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("decision"), max_length=16, choices=ConflictOutcome.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("conflict decision")
        verbose_name_plural = _("conflict decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="conflict_decision_has_reason"),
            models.CheckConstraint(
                condition=Q(outcome__in=ConflictOutcome.values), name="conflict_decision_outcome_valid"
            ),
            models.UniqueConstraint(fields=["reviewer", "application"], name="conflict_decision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id}×{self.application_id} {self.outcome}"
