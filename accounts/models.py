from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.enums import MINISTRY_ROLES, OrganisationKind, Role
from accounts.validators import (
    check_inn,
    check_kpp,
    check_ogrn,
    identifier_errors,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)

# Roles that read the whole organisations register (the same roles the register pages admit).
REGISTER_ROLES = frozenset({Role.OFFICER, Role.AUDITOR, Role.ADMIN})


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> OrganisationQuerySet:
        """Officers, auditors and administrators see every organisation; anyone else only their own.

        Reviewers are ministry staff but see firms only through the applications assigned to them
        (rule 13): the register would show them every applicant firm.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.role in REGISTER_ROLES:
            return self
        return self.filter(pk=user.organisation_id)


class Organisation(models.Model):
    """A pharmaceutical firm or the ministry. One organisation per INN (rule 2)."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12, unique=True, validators=[validate_inn])
    ogrn = models.CharField(_("OGRN"), max_length=15, validators=[validate_ogrn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[validate_kpp])
    address = models.CharField(_("address"), max_length=500, blank=True)
    is_individual_entrepreneur = models.BooleanField(_("individual entrepreneur"), default=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    is_individual_entrepreneur=False,
                    inn__regex=r"^[0-9]{10}$",
                    ogrn__regex=r"^[15][0-9]{12}$",
                    kpp__regex=r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$",
                )
                | Q(
                    is_individual_entrepreneur=True,
                    inn__regex=r"^[0-9]{12}$",
                    ogrn__regex=r"^3[0-9]{14}$",
                    kpp="",
                ),
                name="organisation_identifier_lengths",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Field validators check each number alone; this checks them against the kind of legal person.
        # A number its field validator already refused is skipped so the message is not shown twice.
        standalone = {
            "inn": check_inn(self.inn, allow_individual=True),
            "ogrn": check_ogrn(self.ogrn, allow_individual=True),
            "kpp": check_kpp(self.kpp) if self.kpp else None,
        }
        errors = {
            field: message
            for field, message in identifier_errors(
                inn=self.inn,
                ogrn=self.ogrn,
                kpp=self.kpp,
                is_individual_entrepreneur=self.is_individual_entrepreneur,
            ).items()
            if standalone[field] is None
        }
        if errors:
            raise ValidationError(errors)


class AccountsUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is the platform administrator: the only role allowed without an organisation.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person with exactly one organisation and one role in it (rule 2)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    language = models.CharField(
        _("language"), max_length=8, default="ru", choices=[("ru", "Русский"), ("en", "English")]
    )
    objects = AccountsUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Everyone but a platform administrator belongs to an organisation.
            models.CheckConstraint(
                condition=Q(role=Role.ADMIN) | Q(organisation__isnull=False),
                name="user_has_organisation_unless_admin",
            ),
        ]

    @property
    def is_ministry_staff(self) -> bool:
        return self.role in MINISTRY_ROLES

    def __str__(self) -> str:
        return self.get_full_name() or self.username
