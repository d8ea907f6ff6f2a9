"""What the browser shows: at 1280 px the ministry's top menu on one line (in English and Russian) and
the state badge beside the page buttons centred, not stretched; the report charts' money in the page's
language. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from grants.services.selection import selection_run
from tests import factories
from tests.e2e.test_application_journey import sign_in
from tests.grants.selection.builders import open_round, to_selection


@pytest.fixture
def ministry_world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        ministry = factories.MinistryFactory()
        officer = factories.OfficerFactory(
            username="officer-polish", first_name="Olga", last_name="Petrova", organisation=ministry
        )
        round_ = to_selection(officer, open_round(officer, budget="6000000", title="Selection 2026"))
        selection_run(actor=officer, round=round_, exception_reason="No reviews in this test.")
        for language in ("en", "ru"):
            factories.OfficerFactory(username=f"officer-{language}", organisation=ministry, language=language)
            factories.AuditorFactory(username=f"auditor-{language}", organisation=ministry, language=language)
    return {"round": round_}


def one_line_menu(page) -> None:
    """Every top-level entry of the menu on one row, each label on one line, nothing off the page."""
    boxes = page.eval_on_selector_all(
        "#fc-nav > li > a.nav-link",
        "links => links.map(a => { const r = a.getBoundingClientRect();"
        " return {text: a.innerText.trim(), top: r.top, height: r.height, right: r.right}; })",
    )
    assert len(boxes) >= 5
    tops = {round(b["top"]) for b in boxes}
    assert len(tops) == 1, boxes  # one row
    single = min(b["height"] for b in boxes)
    assert all(b["height"] <= single + 1 for b in boxes), boxes  # no label broken over two lines
    header = page.locator(".fc-navbar").bounding_box()
    assert header["height"] < 70, header
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    user = page.locator("#fc-user-menu").bounding_box()
    assert user["x"] + user["width"] <= 1280


@pytest.mark.parametrize("username", ["officer-en", "officer-ru", "auditor-en", "auditor-ru"])
def test_the_ministry_menu_stays_on_one_line_at_1280(page, live_server, ministry_world, artifacts, username):
    sign_in(page, live_server.url, username)
    page.screenshot(path=str(artifacts / f"polish-menu-{username}.png"))
    one_line_menu(page)
    # Entries past the sixth are under "More"; they open from there.
    more = page.locator("#fc-nav-more > a")
    more.click()
    audit = page.locator(f"#fc-nav-more .dropdown-menu a[href='{reverse('audit:events')}']")
    assert audit.is_visible()
    page.screenshot(path=str(artifacts / f"polish-menu-{username}-more.png"))
    audit.click()
    page.wait_for_url(live_server.url + reverse("audit:events"))
    one_line_menu(page)
    assert "active" in (more.get_attribute("class") or "")  # the open page's entry is under More


def test_the_state_badge_beside_the_page_buttons_is_centred_not_stretched(
    page, live_server, ministry_world, artifacts
):
    sign_in(page, live_server.url, "officer-polish")
    page.goto(live_server.url + reverse("grants:selection_round", args=[ministry_world["round"].pk]))
    badge = page.locator(".fc-page-actions .fc-status").bounding_box()
    button = page.locator("#to-decision").bounding_box()
    assert badge["height"] < button["height"] - 4, (badge, button)  # its own height, not the button's
    middle = lambda box: box["y"] + box["height"] / 2  # noqa: E731
    assert abs(middle(badge) - middle(button)) <= 1.5, (badge, button)
    page.screenshot(path=str(artifacts / "polish-badge.png"))


# --- the report page's charts (static/js/reports.js) in a page of each language --------------------
STATIC = Path(__file__).resolve().parents[2] / "static"
CHART_DATA = {
    "months": [
        {"label": "10.2026", "paid": "250000.50", "cumulative": "250000.50"},
        {"label": "11.2026", "paid": "750000.00", "cumulative": "1000000.50"},
    ],
    "areas": [{"label": "Oncology", "paid": "1000000.50"}],
}


def chart_page(tmp_path, language: str) -> str:
    html = f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8"></head><body>
<div style="width:900px;height:360px"><canvas id="chart-paid-time"></canvas></div>
<div style="width:600px;height:300px"><canvas id="chart-paid-area"></canvas></div>
<script id="report-charts" type="application/json">{json.dumps(CHART_DATA)}</script>
<div id="report-chart-labels" hidden data-paid="Paid in the month, ₽" data-cumulative="Paid to date, ₽"
     data-area="Net paid, ₽" data-empty="Nothing paid yet."></div>
<script src="{(STATIC / "vendor/chart.js/chart.umd.min.js").as_uri()}"></script>
<script src="{(STATIC / "js/reports.js").as_uri()}"></script>
</body></html>"""
    path = tmp_path / f"charts-{language}.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


@pytest.mark.parametrize(
    ("language", "tick", "tooltip"),
    [
        ("ru", "1\u00a0000\u00a0000\u00a0₽", "Paid to date, ₽: 1\u00a0000\u00a0000,50\u00a0₽"),
        ("en", "RUB\u00a01,000,000", "Paid to date, ₽: RUB\u00a01,000,000.50"),
    ],
)
def test_report_charts_write_money_in_the_page_language(
    browser, tmp_path, artifacts, language, tick, tooltip
):
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 720})
    try:
        page = context.new_page()
        page.goto(chart_page(tmp_path, language))
        page.wait_for_function("() => window.Chart && Chart.getChart('chart-paid-area')")
        ticks = page.evaluate("Chart.getChart('chart-paid-time').scales.y.ticks.map(t => t.label)")
        assert tick in ticks, ticks
        area_ticks = page.evaluate("Chart.getChart('chart-paid-area').scales.x.ticks.map(t => t.label)")
        assert all(label.endswith("₽") or label.startswith("RUB") for label in area_ticks), area_ticks
        said = page.evaluate(
            """() => { const chart = Chart.getChart('chart-paid-time');
               return chart.options.plugins.tooltip.callbacks.label(
                 {chart, dataset: chart.data.datasets[1], parsed: {x: 1, y: 1000000.5}}); }"""
        )
        assert said == tooltip
        area = page.evaluate(
            """() => { const chart = Chart.getChart('chart-paid-area');
               return chart.options.plugins.tooltip.callbacks.label(
                 {chart, dataset: chart.data.datasets[0], parsed: {x: 1000000.5, y: 0}}); }"""
        )
        assert area == tooltip.replace("Paid to date", "Net paid")
        page.screenshot(path=str(artifacts / f"polish-charts-{language}.png"))
    finally:
        context.close()
