"""Template helpers: money and Moscow time formats, time left, pager, confirm dialog, badges."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.paginator import Paginator
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

from core.templatetags.ui import msk, optional_url, roubles, status_tone

NOW = datetime(2026, 11, 23, 11, 5, tzinfo=UTC)  # 14:05 in Moscow


def render(source: str, request=None, **context) -> str:
    template = Template("{% load ui %}" + source)
    if request is not None:
        return template.render(RequestContext(request, context))
    return template.render(Context(context))


def test_roubles_groups_thousands_and_shows_kopecks():
    assert roubles(Decimal("1234567.8")) == "1\u202f234\u202f567,80\u00a0₽"
    assert roubles(Decimal("-1000")) == "-1\u202f000,00\u00a0₽"
    assert roubles(0) == "0,00\u00a0₽"
    assert roubles(None) == ""
    assert render("{{ amount|roubles }}", amount=Decimal("999.99")) == "999,99\u00a0₽"


def test_roubles_refuses_a_float():
    with pytest.raises(TypeError):
        roubles(1.5)


def test_msk_shows_moscow_time_with_the_zone():
    assert msk(NOW) == "23.11.2026 14:05 МСК"
    assert msk(datetime(2026, 12, 31, 21, 30, tzinfo=UTC)) == "01.01.2027 00:30 МСК"
    assert msk(datetime(2026, 11, 23, 14, 5)) == "23.11.2026 14:05 МСК"  # naive means Moscow
    assert msk(date(2026, 3, 8)) == "08.03.2026"
    assert msk(None) == ""
    assert render("{{ moment|msk }}", moment=NOW) == "23.11.2026 14:05 МСК"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=3, hours=4, minutes=59), "3 days 4 hours left"),
        (timedelta(days=1), "1 day left"),
        (timedelta(days=1, hours=1), "1 day 1 hour left"),
        (timedelta(hours=2, minutes=5, seconds=59), "2 hours 5 minutes left"),
        (timedelta(minutes=1), "1 minute left"),
        (timedelta(seconds=59), "less than a minute left"),
        (timedelta(0), "closed"),
        (timedelta(days=-2), "closed"),
    ],
)
def test_time_left_counts_down_without_rounding_up(delta, text):
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        assert render("{% time_left deadline %}", deadline=NOW + delta) == text


def test_time_left_is_empty_without_a_deadline():
    assert render("{% time_left deadline %}", deadline=None) == ""


def test_pagination_keeps_filters_and_elides_far_pages():
    request = RequestFactory().get("/grants/", {"status": "open", "q": "onco logy", "page": "7"})
    page = Paginator(range(200), 10).page(7)
    with translation.override("en"):
        html = render('{% include "includes/pagination.html" %}', request=request, page_obj=page)

    assert "Showing 61–70 of 200" in html
    assert 'href="?status=open&amp;q=onco+logy&amp;page=6" rel="prev"' in html
    assert 'href="?status=open&amp;q=onco+logy&amp;page=8" rel="next"' in html
    numbers = re.findall(
        r'class="page-link"[^>]*>\s*(?:<span class="visually-hidden">Page</span>)?\s*([\d…]+)', html
    )
    assert numbers == ["1", "…", "5", "6", "7", "8", "9", "…", "20"]
    assert '<li class="page-item active" aria-current="page"><span class="page-link">7</span></li>' in html


def test_pagination_under_another_parameter_name():
    request = RequestFactory().get("/", {"p": "1"})
    page = Paginator(range(30), 10).page(1)
    html = render('{% include "includes/pagination.html" with param="p" %}', request=request, page_obj=page)
    assert 'href="?p=2" rel="next"' in html
    assert "Previous" in html and 'rel="prev"' not in html


def test_single_page_needs_no_pager():
    request = RequestFactory().get("/")
    page = Paginator(range(5), 10).page(1)
    assert render('{% include "includes/pagination.html" %}', request=request, page_obj=page).strip() == ""


def test_confirm_dialog_posts_the_action_from_a_modal_without_inline_script():
    request = RequestFactory().get("/")
    html = render(
        '{% include "includes/confirm_dialog.html" with id="withdraw-7" action="/grants/7/withdraw/"'
        ' button_label="Withdraw" title="Withdraw the application?" text="It cannot be undone." %}',
        request=request,
    )
    assert 'data-bs-toggle="modal" data-bs-target="#confirm-withdraw-7">Withdraw</button>' in html
    assert '<div class="modal fade" id="confirm-withdraw-7"' in html
    assert '<form class="modal-content" method="post" action="/grants/7/withdraw/" data-fc-once>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<button type="submit" class="btn btn-danger">Withdraw</button>' in html
    assert "It cannot be undone." in html
    assert not re.search(r"\son[a-z]+=|<script|\sstyle=", html)


def test_empty_state_include_shows_title_text_and_action():
    html = render(
        '{% include "includes/empty_state.html" with title="No rounds" text="Open one." action_url="/r/new/"'
        ' action_label="New round" icon="calendar" %}'
    )
    assert '<h2 class="fc-empty-title">No rounds</h2>' in html
    assert '<p class="fc-empty-text">Open one.</p>' in html
    assert '<a class="btn btn-primary btn-sm" href="/r/new/">New round</a>' in html
    assert "bi-calendar" in html


def test_status_badge_colours_by_status_or_explicit_tone():
    html = render('{% include "includes/status_badge.html" with status="paid" label="Paid" %}')
    assert '<span class="badge fc-status text-bg-success" data-status="paid">Paid</span>' in html
    html = render('{% include "includes/status_badge.html" with status="odd" tone="warning" %}')
    assert '<span class="badge fc-status text-bg-warning" data-status="odd">odd</span>' in html
    assert status_tone("rejected") == "danger"
    assert status_tone("unheard_of") == "secondary"


def test_optional_url_is_empty_for_a_page_not_built_yet():
    assert optional_url("core:dashboard") == "/"
    assert optional_url("grants:not_a_page") == ""
    assert render('{% optional_url "nowhere:page" as url %}[{{ url }}]') == "[]"
