from django import forms

from core.errors import Conflict, DomainError, ValidationFailed
from core.forms import IdempotentFormMixin, apply_domain_error


class ClaimForm(forms.Form):
    amount = forms.CharField()
    comment = forms.CharField(required=False)


def bound() -> ClaimForm:
    form = ClaimForm({"amount": "5", "comment": ""})
    assert form.is_valid()
    return form


def test_error_naming_a_field_appears_beside_it():
    form = bound()

    apply_domain_error(form, DomainError("over_cap", "The amount exceeds the cap.", "amount"))

    assert form.errors == {"amount": ["The amount exceeds the cap."]}


def test_error_without_a_field_or_with_an_unknown_one_appears_on_top():
    form = bound()

    apply_domain_error(form, Conflict("stale_state", "Reload the page."))
    apply_domain_error(form, DomainError("x", "Field not on this form.", "payout"))

    assert form.non_field_errors() == ["Reload the page.", "Field not on this form."]


def test_validation_failed_spreads_its_details_over_the_fields():
    form = bound()

    apply_domain_error(
        form,
        ValidationFailed(
            "invalid",
            "Fix the marked fields.",
            details={"amount": ["Too big."], "comment": ["Required here."]},
        ),
    )

    assert form.non_field_errors() == ["Fix the marked fields."]
    assert form.errors["amount"] == ["Too big."]
    assert form.errors["comment"] == ["Required here."]


def test_idempotent_form_renders_a_hidden_token_and_still_validates_without_it():
    class Form(IdempotentFormMixin, ClaimForm):
        pass

    html = Form().as_div()

    assert 'type="hidden" name="idempotency_token"' in html
    assert Form({"amount": "1"}).is_valid()
