"""The dashboard and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.template.exceptions import TemplateDoesNotExist
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from core.dashboard import render_panels


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The start page: the panels registered for the user's role, or an empty state saying what comes."""
    role = getattr(request.user, "role", "") or "none"
    return render(
        request,
        "core/dashboard.html",
        {
            "panels": render_panels(request),
            "empty_state_templates": [f"core/dashboard/empty_{role}.html", "core/dashboard/empty_other.html"],
        },
    )


@requires_csrf_token  # the top bar's language and logout forms need a token on error pages too
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # PermissionDenied("...") carries the reason a policy gave; a bare PermissionDenied() has none.
    reason = str(exception) if exception is not None else ""
    return render(request, "403.html", {"reason": reason}, status=403)


@requires_csrf_token
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception text is never shown: it can name models and lookups ("No Application matches").
    return render(request, "404.html", {"request_path": request.path}, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    """Render without a request context: the database, the session or a context processor may be
    what failed. The language chosen by LocaleMiddleware is still active for this thread."""
    try:
        template = loader.get_template("500.html")
    except TemplateDoesNotExist:
        return HttpResponseServerError(b"<h1>Server Error (500)</h1>", content_type="text/html")
    return HttpResponseServerError(template.render())
