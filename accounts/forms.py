"""Forms parse and check input; the services decide. A DomainError from a service is shown beside
its field with `add_domain_error`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation
from accounts.policy import role_fits_organisation, roles_assignable_by
from accounts.validators import identifier_errors
from core.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal beside the field it names, or at the top of the form."""
    details = getattr(exc, "details", None) or {}
    if details:
        for field, messages in details.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is not right. After %(limit)s failed attempts sign-in is locked "
            "for a while."
        ),
    }

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


class IdentifiersMixin:
    """Checks INN, OGRN and KPP together against the kind of legal person (rule 1)."""

    def clean(self):
        cleaned = super().clean()
        fields = ("inn", "ogrn", "kpp")
        if any(name in self.errors for name in fields):
            return cleaned
        cleaned["kpp"] = cleaned.get("kpp", "").upper()
        errors = identifier_errors(
            inn=cleaned.get("inn", ""),
            ogrn=cleaned.get("ogrn", ""),
            kpp=cleaned["kpp"],
            is_individual_entrepreneur=bool(cleaned.get("is_individual_entrepreneur")),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return cleaned


def _identifier_fields() -> dict[str, forms.Field]:
    return {
        "name": forms.CharField(label=_("Full name of the organisation"), max_length=300),
        "is_individual_entrepreneur": forms.BooleanField(
            label=_("Individual entrepreneur"),
            required=False,
            help_text=_("An individual entrepreneur has a 12-digit INN, a 15-digit OGRNIP and no KPP."),
        ),
        "inn": forms.CharField(
            label=_("INN"), max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"})
        ),
        "ogrn": forms.CharField(
            label=_("OGRN"),
            max_length=15,
            help_text=_("13 digits; an individual entrepreneur's OGRNIP has 15."),
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        ),
        "kpp": forms.CharField(label=_("KPP"), max_length=9, required=False),
        "address": forms.CharField(label=_("Legal address"), max_length=500, required=False),
    }


class RegistrationForm(IdentifiersMixin, forms.Form):
    """A firm registers itself and its first applicant."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_identifier_fields())
        self.fields.update(
            {
                "first_name": forms.CharField(label=_("First name"), max_length=150),
                "last_name": forms.CharField(label=_("Last name"), max_length=150),
                "email": forms.EmailField(label=_("E-mail")),
                "username": forms.CharField(label=_("Username"), max_length=150),
                "password": forms.CharField(
                    label=_("Password"),
                    strip=False,
                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                ),
                "password2": forms.CharField(
                    label=_("Password again"),
                    strip=False,
                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                ),
            }
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password2")
            and cleaned["password"] != cleaned["password2"]
        ):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class OrganisationForm(IdentifiersMixin, forms.Form):
    """An officer adds or edits an organisation; the kind is chosen only when adding."""

    def __init__(self, *args, instance: Organisation | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    field: getattr(instance, field)
                    for field in ("name", "inn", "ogrn", "kpp", "address", "is_individual_entrepreneur")
                },
            )
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["kind"] = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
        self.fields.update(_identifier_fields())


class MemberForm(forms.Form):
    """An officer or administrator adds a person to an organisation with one role."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        required=False,
        help_text=_("Leave empty to let an administrator set it later."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, actor, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        assignable = roles_assignable_by(actor)
        self.fields["role"].choices = [
            (value, label)
            for value, label in Role.choices
            if value in assignable and role_fits_organisation(value, organisation)
        ]


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Interface language"), choices=settings.LANGUAGES)


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
