"""Pages: the notifications inbox (everyone) and the deadlines list (program officers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import policy
from core.errors import Conflict, Forbidden, NotFound
from deadlines import selectors, services
from deadlines.forms import DeadlineFilterForm

PAGE_SIZE = 25


def _safe_next(request: HttpRequest, url: str, fallback: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return fallback


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "deadlines/inbox.html",
        {"page_obj": page, "notifications": page.object_list, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read, then open its link (with `open`) or go back to the inbox."""
    try:
        notification = selectors.notification_for(request.user, notification_id)
    except NotFound as exc:
        raise Http404 from exc
    services.notification_mark_read(notification=notification, user=request.user)
    back = _safe_next(request, request.POST.get("next", ""), reverse("deadlines:inbox"))
    if "open" in request.POST:
        return HttpResponseRedirect(_safe_next(request, notification.url, back))
    return HttpResponseRedirect(back)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("deadlines:inbox")


@login_required
@require_GET
def deadline_list(request: HttpRequest) -> HttpResponse:
    form = DeadlineFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        rows = selectors.deadlines_for(
            request.user, state=filters.get("state", ""), kind=filters.get("kind", "")
        )
        counts = selectors.state_counts(request.user)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "deadlines/deadline_list.html",
        {
            "form": form,
            "page_obj": page,
            "deadlines": page.object_list,
            "counts": counts,
            "can_retry": bool(policy.can(request.user, "deadline.retry")),
        },
    )


@login_required
@require_POST
def deadline_retry(request: HttpRequest, deadline_id: int) -> HttpResponse:
    back = _safe_next(request, request.POST.get("next", ""), reverse("deadlines:list"))
    try:
        deadline = selectors.deadline_for(request.user, deadline_id)
        services.deadline_retry(deadline=deadline, actor=request.user)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404 from exc
    except Conflict as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(request, _("The deadline is back in the queue; the next sweep runs it."))
    return HttpResponseRedirect(back)
