import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import RequestFactory
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from accounts.enums import Role
from core import policy
from core.errors import Forbidden
from tests.testapp.api import GadgetViewSet
from tests.testapp.models import Gadget

pytestmark = pytest.mark.django_db


def test_has_role_allows_listed_roles_and_explains_refusals(applicant, officer):
    policy.register("test.officers_only", policy.has_role(Role.OFFICER))

    assert policy.can(officer, "test.officers_only") == policy.Decision(True, "")
    refused = policy.can(applicant, "test.officers_only")
    assert not refused
    assert refused.reason == "Your role may not do this."
    assert policy.can(AnonymousUser(), "test.officers_only").reason == "Sign in first."


def test_object_rules_see_the_object(firm, applicant, other_applicant):
    gadget = Gadget.objects.create(name="g", organisation=firm)

    assert policy.can(applicant, "gadget.rename", gadget)
    assert (
        policy.can(other_applicant, "gadget.rename", gadget).reason == "This belongs to another organisation."
    )
    gadget.state = "submitted"
    assert policy.can(applicant, "gadget.rename", gadget).reason == "Only a draft can be renamed."


def test_any_of_and_all_of_combine_reasons(firm, applicant, officer, other_applicant):
    gadget = Gadget.objects.create(name="g", organisation=firm)
    both = policy.all_of(policy.has_role(Role.APPLICANT), policy.in_own_organisation())

    assert policy.can(officer, "gadget.view", gadget)
    assert policy.can(applicant, "gadget.view", gadget)
    assert not policy.can(other_applicant, "gadget.view", gadget)
    assert both(applicant, gadget) is None
    assert both(officer, gadget) == "Your role may not do this."
    assert both(other_applicant, gadget) == "This belongs to another organisation."


@pytest.fixture(autouse=True)
def _officers_only_2():
    policy.register("test.officers_only_2", policy.has_role(Role.OFFICER))


def test_require_names_the_policy(applicant, officer):
    policy.require(officer, "test.officers_only_2")
    with pytest.raises(Forbidden) as caught:
        policy.require(applicant, "test.officers_only_2")
    assert caught.value.code == "forbidden"
    assert caught.value.message == "Your role may not do this."
    assert caught.value.details == {"policy": "test.officers_only_2"}


def test_unknown_policy_names_fail_loudly(officer):
    with pytest.raises(policy.UnknownPolicy):
        policy.can(officer, "gadget.sumbit")
    with pytest.raises(policy.UnknownPolicy):
        policy.require(officer, "gadget.sumbit")


def test_registering_a_different_predicate_under_a_taken_name_is_refused():
    with pytest.raises(ImproperlyConfigured):
        policy.register("gadget.create", lambda user, obj: None)
    assert "gadget.create" in policy.registered()


def test_template_tag_gives_the_decision(firm, applicant, other_applicant):
    gadget = Gadget.objects.create(name="g", organisation=firm)
    template = Template(
        '{% load policy %}{% can "gadget.rename" gadget as ok %}'
        "{% if ok %}<button>Rename</button>{% else %}{{ ok.reason }}{% endif %}"
    )

    def render(user):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request, "gadget": gadget}))

    assert render(applicant) == "<button>Rename</button>"
    assert render(other_applicant) == "This belongs to another organisation."


def test_template_tag_with_an_unknown_name_fails_loudly(applicant):
    template = Template('{% load policy %}{% can "no.such" as ok %}')
    with pytest.raises(policy.UnknownPolicy):
        template.render(Context({"user": applicant}))


def test_backend_answers_has_perm_for_policies(applicant, officer):
    backend = policy.PolicyBackend()
    assert backend.has_perm(officer, "test.officers_only_2")
    assert not backend.has_perm(applicant, "test.officers_only_2")
    assert not backend.has_perm(officer, "auth.change_user")


# --- through the DRF permission class ------------------------------------------------------------
def api_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


@pytest.mark.urls("tests.testapp.urls")
def test_permission_checks_detail_actions_against_the_object(firm, applicant):
    draft = Gadget.objects.create(name="g", organisation=firm)
    submitted = Gadget.objects.create(name="h", organisation=firm, state="submitted")

    renamed = api_for(applicant).post(f"/api/gadgets/{draft.pk}/rename/", {"name": "new"}, format="json")
    refused = api_for(applicant).post(f"/api/gadgets/{submitted.pk}/rename/", {"name": "new"}, format="json")

    assert renamed.json()["name"] == "new"
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only a draft can be renamed."
    assert Gadget.objects.get(pk=submitted.pk).name == "h"


@pytest.mark.urls("tests.testapp.urls")
def test_permission_checks_list_and_create_without_an_object(firm, applicant, officer):
    Gadget.objects.create(name="g", organisation=firm)

    assert [g["name"] for g in api_for(officer).get("/api/gadgets/").json()["results"]] == ["g"]
    refused = api_for(officer).post("/api/gadgets/", {"name": "x"}, format="json")
    assert refused.json()["message"] == "Your role may not do this."
    assert Gadget.objects.count() == 1


@pytest.mark.urls("tests.testapp.urls")
def test_api_lists_allowed_actions_from_the_workflow(firm, applicant, officer):
    gadget = Gadget.objects.create(name="g", organisation=firm)

    mine = api_for(applicant).get(f"/api/gadgets/{gadget.pk}/").json()
    theirs = api_for(officer).get(f"/api/gadgets/{gadget.pk}/").json()

    assert mine["allowed_actions"] == [
        {
            "action": "submit",
            "label": "Submit",
            "allowed": False,
            "reason": "Enter the amount before submitting.",
            "needs_reason": False,
        }
    ]
    assert theirs["allowed_actions"] == []


def test_a_view_action_missing_from_the_policy_map_is_a_configuration_error(applicant):
    class Incomplete(GadgetViewSet):
        policy = {"list": "gadget.list"}

    view = Incomplete.as_view({"post": "create"})
    request = APIRequestFactory().post("/", {"name": "x"}, format="json")
    force_authenticate(request, applicant)
    with pytest.raises(ImproperlyConfigured):
        view(request)
