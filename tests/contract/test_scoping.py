"""Nobody sees what is not theirs, on every route the URLconf has (rules 13 and 37).

Routes are discovered from the URLconf; each URL argument is filled with an object of firm A built by
`builders.py`. Another firm's applicant, a reviewer without assignments and the reviewer assigned to
one of firm A's applications (outside their own review work) must get 404 for each of them, or a
403/405 that the same request with an id that does not exist gets too (a refusal by role that tells
nothing about the object). A reviewer's own data and the ministry's review work are refused to firm A
as well (NOT_THE_FIRMS_MODELS). Lists, searches, exports and a round's pages must not contain firm A's
names. Each object route opens for someone (the firm, its assigned reviewer or the ministry).
"""

from __future__ import annotations

import copy

import pytest
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.contract import builders
from tests.contract.builders import World
from tests.contract.discovery import Route, routes
from tests.contract.http import changed_tables, client_for, fetch, report, row_counts, url_of
from tests.contract.resolve import Unresolved, id_kwargs, missing_kwargs, resolve_kwargs

pytestmark = pytest.mark.django_db

# Objects every signed-in person may see: a route whose every id argument names one of these is
# not about a firm's data.
GLOBAL_MODELS = {
    "grants.program": "programs are public to every signed-in user: firms read them to choose where to apply",
    "grants.round": "rounds are public calls once open (drafts are hidden from firms: tests/grants/test_scoping.py)",
    "grants.criterion": "a round's rubric is published with the round",
    "grants.roundpriorityarea": "a round's priority areas and quotas are published with the round",
    "grants.costcategory": "reference list of cost categories",
    "grants.priorityarea": "reference list of the council's priority areas",
}
# Objects that hang off firm A's application but are not firm A's: a reviewer's own data and the
# ministry's review work. Like firm A's objects they answer 404 to another firm and to a reviewer without
# assignments (the tests above); unlike them, firm A's own applicant gets 404 too (or a refusal by role
# that the missing-id twin gets as well): test_review_data_is_not_the_firms_either.
NOT_THE_FIRMS_MODELS = {
    "reviewers.reviewerprofile": "a reviewer's expertise, ties and competing projects are the reviewer's "
    "own, independent of any firm: other reviewers and every firm get 404; officers correct them, auditors "
    "and admins read (reviewers/selectors.py profiles_visible_to)",
    "reviewers.affiliation": "a tie the reviewer declared about themselves: the reviewer's own, as the profile",
    "reviewers.competingproject": "a competing project the reviewer declared: the reviewer's own, as the profile",
    "reviewers.assignment": "who reviews an application is never told to the firm (blind review); the "
    "assigned reviewer and the ministry open it",
    "reviewers.review": "scores and comments reach the firm only anonymised on the published result "
    "(grants:selection_result), never as the review itself",
    "reviewers.assignmentrun": "a run's report names the reviewers and their loads: ministry only",
    "reviewers.relatedparty": "the CROs, sites and group companies officers record for conflict checks are "
    "the ministry's working data",
}
# Routes that are legitimately about no firm's data although they take an argument.
GLOBAL_ROUTES: dict[str, str] = {}
# Routes without arguments that may show firm A's names to someone outside firm A (none so far).
LIST_EXCEPTIONS: dict[str, str] = {}
# Refusal statuses that reveal nothing when the missing-id twin gets the same answer.
ROLE_REFUSALS = (401, 403, 405)


def _object_routes(people) -> list[Route]:
    found = []
    for route in routes():
        if not route.kwargs or route.name in GLOBAL_ROUTES:
            continue
        models_named = [m for m in id_kwargs(route, people.officer).values() if m is not None]
        if models_named and all(m._meta.label_lower in GLOBAL_MODELS for m in models_named):
            continue
        found.append(route)
    return found


def _global_routes(people) -> list[Route]:
    """Routes with arguments that name only public objects (a round, a programme): pages about a round
    may still list the firms in it, so they are checked like lists."""
    object_routes = {route.name for route in _object_routes(people)}
    return [r for r in routes() if r.kwargs and r.answers_get and r.name not in object_routes]


def _list_routes() -> list[Route]:
    return [r for r in routes() if not r.kwargs and r.answers_get and r.name not in LIST_EXCEPTIONS]


# What the world's assigned reviewer may open: their own review work and profile. Every other route is
# checked for them like for an outsider, with the application they review as firm A's application: a
# reviewer reads it only through the declaration gate (rule 15), never through the firm's pages.
ASSIGNED_REVIEWER_OWN_MODELS = {
    "reviewers.assignment": "their own assignment",
    "reviewers.review": "their own review",
    "reviewers.reviewerprofile": "their own profile",
    "reviewers.affiliation": "a tie on their own profile",
    "reviewers.competingproject": "a competing project on their own profile",
}
ASSIGNED_REVIEWER_OWN_ROUTES = {
    "reviewers:application": "the frozen version they review, after the declaration (rule 15)",
    "reviewers:declare": "the declaration gate of their assignment",
    "reviewers:review": "their scoring form",
    "reviewers:decline": "declines their assignment",
    "reviewers:document": "a file of the frozen version they review",
}


def _viewer(people, who: str, world: World | None = None):
    if who == "assigned":
        return world.assigned_reviewer
    return {"outsider": people.outsider, "reviewer": people.reviewer}[who]


def _as_reviewed(world: World) -> World:
    """The world with the application its reviewer reviews as firm A's application (its parts follow:
    a route's budget line is a line of that application)."""
    from grants.models import Application

    seen = copy.copy(world)
    seen._built = {**world._built, Application: builders.reviewed(world).application}
    return seen


def _own_route(route: Route, people) -> bool:
    if route.name in ASSIGNED_REVIEWER_OWN_ROUTES:
        return True
    named = {m._meta.label_lower for m in id_kwargs(route, people.officer).values() if m is not None}
    return bool(named) and named <= ASSIGNED_REVIEWER_OWN_MODELS.keys()


def test_every_object_route_can_be_built(people, world):
    """A route whose argument no builder can fill would escape every check below: list them."""
    unresolved = []
    for route in routes():
        if not route.kwargs:
            continue
        try:
            resolve_kwargs(route, world, people.officer)
        except Unresolved as exc:
            unresolved.append(f"{route}: {exc}")
    report(
        unresolved, "Routes the contract tests cannot build (add a builder in tests/contract/builders.py):"
    )


def _fingerprint(world: World, before: dict | None = None) -> dict:
    """Every built object's fields; with `before`, of the same objects (a route may resolve an object
    that hangs off the built ones during the test: it existed before, it is not a change)."""
    found = {
        (type(obj).__name__, obj.pk): model_to_dict(type(obj)._base_manager.get(pk=obj.pk))
        for obj in world._built.values()
    }
    return found if before is None else {key: found.get(key) for key in before}


@pytest.mark.rule(13)
@pytest.mark.parametrize("who", ["outsider", "reviewer", "assigned"])
def test_object_routes_answer_404_to_anyone_outside_the_firm(people, world, who):
    """`assigned` is the reviewer of firm A's reviewed application: outside their own review work
    (ASSIGNED_REVIEWER_OWN_*) they are outside the firm too, on that very application as well."""
    viewer = _viewer(people, who, world)
    if who == "assigned":
        world = _as_reviewed(world)
    client = client_for(viewer)
    before, fingerprint = row_counts(), _fingerprint(world)
    leaks, checked = [], 0
    for route in _object_routes(people):
        if who == "assigned" and _own_route(route, people):
            continue
        try:
            kwargs, objects = resolve_kwargs(route, world, people.officer)
        except Unresolved:
            continue  # reported by test_every_object_route_can_be_built
        methods = (["get"] if route.answers_get else []) + list(route.unsafe_methods)
        for method in methods:
            real = fetch(client, method, url_of(route, kwargs), api=route.is_api)
            twin = fetch(client, method, url_of(route, missing_kwargs(kwargs, objects)), api=route.is_api)
            checked += 1
            if real.status == 404 or (real.status in ROLE_REFUSALS and real.status == twin.status):
                shown = real.contains_any(world.secrets())
                if shown:
                    leaks.append(f"{method.upper()} {route}: refused but the page shows {shown}")
                continue
            leaks.append(f"{method.upper()} {route}: {real.status} (missing id: {twin.status})")
    report(leaks, f"{who} reached firm A's objects:")
    assert checked > 10  # the URLconf has object routes; a discovery that finds none proves nothing
    assert changed_tables(before, row_counts()) == {}
    assert _fingerprint(world, fingerprint) == fingerprint


def test_object_routes_open_for_someone(people, world):
    """The positive twin of the 404s: each object built for a route is reachable by someone entitled
    to it (its firm or the ministry), so the 404s above are about scoping, not broken builders."""
    # The world's assigned reviewer is the "someone" of the reviewer's own pages (the gate, the scoring
    # form, the frozen documents): no one else may open them.
    viewers = [people.applicant, world.assigned_reviewer, people.officer, people.auditor, people.admin]
    clients = [client_for(user) for user in viewers]
    unreachable = []
    for route in _object_routes(people):
        if not route.answers_get:
            continue
        try:
            kwargs, _objects = resolve_kwargs(route, world, people.officer)
        except Unresolved:
            continue
        statuses = [
            fetch(client, "get", url_of(route, kwargs), api=route.is_api).status for client in clients
        ]
        if all(status == 405 for status in statuses):
            continue  # a POST-only route that does not say so in a decorator
        if not any(status < 400 for status in statuses):
            named = [f"{u.role}{' (assigned)' if u == world.assigned_reviewer else ''}" for u in viewers]
            unreachable.append(f"{route}: {dict(zip(named, statuses, strict=True))}")
    report(unreachable, "Objects built for these routes are reachable by nobody (check the builders):")


@pytest.mark.rule(13)
def test_review_data_is_not_the_firms_either(people, world):
    """Routes naming a reviewer's own data or the ministry's review work (NOT_THE_FIRMS_MODELS) answer
    firm A's own applicant as they answer an outsider; the assigned reviewer opens their own profile."""
    client = client_for(people.applicant)
    before, fingerprint = row_counts(), _fingerprint(world)
    leaks, checked = [], 0
    for route in _object_routes(people):
        named = {m._meta.label_lower for m in id_kwargs(route, people.officer).values() if m is not None}
        if not named & NOT_THE_FIRMS_MODELS.keys():
            continue
        kwargs, objects = resolve_kwargs(route, world, people.officer)
        methods = (["get"] if route.answers_get else []) + list(route.unsafe_methods)
        for method in methods:
            real = fetch(client, method, url_of(route, kwargs), api=route.is_api)
            twin = fetch(client, method, url_of(route, missing_kwargs(kwargs, objects)), api=route.is_api)
            checked += 1
            if not (real.status == 404 or (real.status in ROLE_REFUSALS and real.status == twin.status)):
                leaks.append(f"{method.upper()} {route}: {real.status} (missing id: {twin.status})")
            elif world.assigned_reviewer.last_name in real.body:
                leaks.append(f"{method.upper()} {route}: refused but names the reviewer")
    report(leaks, "Firm A reached a reviewer's or the ministry's review data:")
    assert checked > 10
    assert changed_tables(before, row_counts()) == {}
    assert _fingerprint(world, fingerprint) == fingerprint

    own = client_for(world.assigned_reviewer)
    profile = world.get(apps.get_model("reviewers.ReviewerProfile"))
    assert own.get(reverse("reviewers:profile", args=[profile.pk])).status_code == 302  # to "my profile"
    page = own.get(reverse("reviewers:my_profile"))
    assert page.status_code == 200 and "Institute of Cardiology" in page.content.decode()
    assert own.get(reverse("api-reviewers:reviewer-profile-detail", args=[profile.pk])).status_code == 200


@pytest.mark.rule(13)
@pytest.mark.parametrize("who", ["outsider", "reviewer"])
def test_lists_searches_and_exports_never_show_another_firms_data(people, world, who):
    viewer = _viewer(people, who)
    own = World(people, firm=people.outsider_firm).build_all() if who == "outsider" else None
    if own is not None:
        own.applicant = people.outsider
    client = client_for(viewer)
    secrets = world.secrets()
    leaks = []
    for route in _list_routes():
        url = url_of(route)
        for params, hidden in (
            ({}, secrets),
            # Searching by firm A's INN or name must find nothing; the search box may echo the term.
            ({"search": world.firm.inn, "q": world.firm.inn}, [world.marker, world.firm.name]),
            ({"search": world.firm.name, "q": world.firm.name}, [world.marker, world.firm.inn]),
        ):
            answer = fetch(client, "get", url, api=route.is_api, data=params)
            shown = answer.contains_any(hidden)
            if shown:
                leaks.append(f"{route} {params or ''}: {answer.status} shows {shown}")
    report(leaks, f"{who} sees firm A's data in lists:")

    # The same lists do show firm A's data to firm A: the check above can fail.
    owner = client_for(people.applicant)
    assert any(
        world.marker in fetch(owner, "get", url_of(route), api=route.is_api).body for route in _list_routes()
    )


@pytest.mark.rule(13)
@pytest.mark.parametrize("who", ["outsider", "reviewer"])
def test_pages_about_a_round_never_show_another_firms_data(people, world, who):
    """A round's pages (its review matrix, scores, conflicts, selection, the public round page) name
    the firms in it: someone outside firm A is refused them or sees none of firm A's data. The round
    is the one the route's stage took firm A's application through (open, reviewed, decided)."""
    client = client_for(_viewer(people, who))
    leaks, checked = [], 0
    for route in _global_routes(people):
        try:
            kwargs, _objects = resolve_kwargs(route, world, people.officer)
        except Unresolved:
            continue
        answer = fetch(client, "get", url_of(route, kwargs), api=route.is_api)
        checked += 1
        shown = answer.contains_any(world.secrets())
        if shown:
            leaks.append(f"{route}: {answer.status} shows {shown}")
    report(leaks, f"{who} sees firm A's data on a round's pages:")
    assert checked > 5

    # The same pages do show firm A's data to the ministry: the check above can fail.
    officer = client_for(people.officer)
    assert any(
        world.marker in fetch(officer, "get", url_of(r, resolve_kwargs(r, world, people.officer)[0]),
                              api=r.is_api).body
        for r in _global_routes(people)
    )  # fmt: skip


@pytest.mark.rule(37)
def test_auditors_change_nothing_through_the_api(people, world):
    """Every unsafe method of every API route answers an auditor 403 or 405, and nothing changes."""
    personal = {
        "me-token": "the auditor's own API token: a credential, not data",
        "audit-verification-list": "asks a worker to walk the hash chain: only the walk is recorded",
    }
    client = client_for(people.auditor)
    before, fingerprint = row_counts(), _fingerprint(world)
    wrong, checked = [], 0
    for route in routes():
        if not route.is_api or route.name in personal:
            continue
        try:
            kwargs, _objects = resolve_kwargs(route, world, people.officer)
        except Unresolved:
            continue
        for method in route.unsafe_methods:
            answer = fetch(client, method, url_of(route, kwargs), api=True)
            checked += 1
            if answer.status not in (403, 405):
                wrong.append(f"{method.upper()} {route}: {answer.status} {answer.body[:200]}")
    report(wrong, "An auditor could try to write through the API (rule 37: 403 or 405 expected):")
    assert checked > 10
    assert changed_tables(before, row_counts()) == {}
    assert _fingerprint(world, fingerprint) == fingerprint


# Pages an auditor may POST to: their own session and settings, or reads that use POST.
AUDITOR_PAGE_POSTS = {
    "set_language": "switches the interface language of the session",
    "accounts:logout": "signs the auditor out",
    "accounts:login": "signs in",
    "accounts:language": "the auditor's own language preference",
    "accounts:token_create": "the auditor's own API token",
    "accounts:token_revoke": "the auditor's own API token",
    "accounts:otp_start": "the auditor's own second factor",
    "accounts:otp_setup": "the auditor's own second factor",
    "accounts:otp_verify": "the auditor's own second factor",
    "accounts:otp_backup_codes": "the auditor's own second factor",
    "accounts:otp_disable": "the auditor's own second factor",
    "accounts:profile": "the auditor's own name and e-mail",
    "deadlines:notification_read": "marks the auditor's own notification read",
    "deadlines:notifications_read_all": "marks the auditor's own notifications read",
    "audit:verify": "asks a worker to walk the hash chain: only the walk is recorded (a read by a job)",
    "accounts:register": "signed-in people are sent to their dashboard; registering is for visitors",
}
# Defects in pages another engineer is still changing (strict: the test fails once they are fixed).
AUDITOR_PAGE_DEFECTS: dict[str, str] = {}


@pytest.mark.rule(37)
def test_auditors_change_nothing_through_the_pages(people, world):
    client = client_for(people.auditor)
    before, fingerprint = row_counts(), _fingerprint(world)
    wrong = []
    for route in routes():
        if route.is_api or route.name in AUDITOR_PAGE_POSTS or not route.unsafe_methods:
            continue
        if route.display.startswith(("api/schema", "api/docs", "healthz")):
            continue
        try:
            kwargs, _objects = resolve_kwargs(route, world, people.officer)
        except Unresolved:
            continue
        for method in route.unsafe_methods:
            answer = fetch(client, method, url_of(route, kwargs), api=False)
            if answer.status not in (403, 405):
                wrong.append(f"{method.upper()} {route}: {answer.status}")
    report(
        wrong,
        "An auditor could try to write through these pages (rule 37: 403 or 405 expected):",
        AUDITOR_PAGE_DEFECTS,
    )
    assert changed_tables(before, row_counts()) == {}
    assert _fingerprint(world, fingerprint) == fingerprint
