"""Django admin for people and organisations. Saves go through the services, so the same rules and
the audit trail apply here as everywhere else."""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Organisation, User
from accounts.policy import role_fits_organisation, roles_assignable_by


class MemberInline(admin.TabularInline):
    model = User
    fields = ["username", "first_name", "last_name", "role", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "inn", "ogrn", "kpp", "is_individual_entrepreneur", "created_at"]
    list_filter = ["kind", "is_individual_entrepreneur"]
    search_fields = ["name", "=inn", "=ogrn"]
    readonly_fields = ["created_at"]
    inlines = [MemberInline]

    def get_readonly_fields(self, request, obj=None):
        # The kind is fixed at creation: people's roles depend on it.
        return [*self.readonly_fields, "kind"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # organisations are referenced by applications and the audit trail

    def save_model(self, request, obj: Organisation, form, change: bool) -> None:
        fields = {
            name: form.cleaned_data[name]
            for name in ("name", "inn", "ogrn", "kpp", "address", "is_individual_entrepreneur")
        }
        if change:
            saved = services.organisation_update(actor=request.user, organisation=obj, **fields)
        else:
            saved = services.organisation_create(actor=request.user, kind=form.cleaned_data["kind"], **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()


def _role_checked(form_class: type, actor: User, obj: User | None) -> type:
    """Add the services' role rules to an admin form so a refusal shows on the form, not as an error page."""

    class RoleChecked(form_class):
        def clean(self):
            cleaned = super().clean()
            role = cleaned.get("role", obj.role if obj else None)
            organisation = cleaned.get("organisation", obj.organisation if obj else None)
            assignable = roles_assignable_by(actor)
            if obj is not None and obj.role not in assignable:
                raise ValidationError(_("You may not change this person's account."))
            if role and role not in assignable:
                self.add_error("role", _("You may not give people this role."))
            elif role and not role_fits_organisation(role, organisation):
                self.add_error(
                    "role",
                    _(
                        "Ministry roles (officer, reviewer, auditor, administrator) belong to the ministry; "
                        "applicants belong to a firm."
                    ),
                )
            return cleaned

    return RoleChecked


# Who is changing a password: Django's password view builds its form without the request, so the
# view puts the actor here for the form's save (a ContextVar: one value per request thread or task).
_PASSWORD_ACTOR: ContextVar[User | None] = ContextVar("password_actor", default=None)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, saved through `services.user_set_password`: the same
    checks as elsewhere and an audit event naming who set (or disabled) the password."""

    def save(self, commit: bool = True) -> User:
        actor = _PASSWORD_ACTOR.get()
        if actor is None:
            raise RuntimeError("AuditedPasswordChangeForm saves only inside UserAdmin.user_change_password")
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return services.user_set_password(actor=actor, user=self.user, password=password)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = AuditedPasswordChangeForm
    list_display = ["username", "get_full_name", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = [
        "username",
        "first_name",
        "last_name",
        "email",
        "organisation__name",
        "organisation__inn",
    ]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Organisation and role"), {"fields": ("organisation", "role", "is_active")}),
        (_("Administration"), {"fields": ("is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "password1",
                    "password2",
                    "organisation",
                    "role",
                    "first_name",
                    "last_name",
                ),
            },
        ),
    )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: people are actors in the audit trail

    def user_change_password(self, request, id, form_url=""):
        token = _PASSWORD_ACTOR.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _PASSWORD_ACTOR.reset(token)

    def get_form(self, request, obj=None, **kwargs):
        return _role_checked(super().get_form(request, obj, **kwargs), request.user, obj)

    def save_model(self, request, obj: User, form, change: bool) -> None:
        # The form already ran the services' role checks; only a race can still be refused here.
        data = form.cleaned_data
        if change:
            saved = services.user_update(
                actor=request.user,
                user=obj,
                first_name=data.get("first_name"),
                last_name=data.get("last_name"),
                email=data.get("email"),
                role=data.get("role"),
                organisation=data.get("organisation"),
                is_active=data.get("is_active"),
            )
            if "language" in form.changed_data:
                services.user_set_language(user=saved, language=data["language"])
        else:
            saved = services.user_create(
                actor=request.user,
                organisation=data.get("organisation"),
                username=data["username"],
                role=data["role"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                password=data.get("password1") or None,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()
