"""考核排名 in real browsers.

`leader` opens 排名 on a desktop, computes last month's ranking of the group HQs in the 试算 panel
and publishes it. `grouphq` then follows the notification on a phone to the published ranking,
finds its own row with its rank, opens the breakdown with each of its projects' contributions,
and its company page with the history including the new month; it cannot publish.
"""

import datetime
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anjian.accounts.models import Organization, User
from anjian.evaluations import services as svc
from anjian.evaluations.models import RankingEntry, RankingSnapshot

from .conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("demo_data"),
]

GROUP = RankingSnapshot.Unit.GROUP
MONTH = RankingSnapshot.Period.MONTH
RANKING_URL = re.compile(r"/rankings/(\d+)/$")
COMPANY_URL = re.compile(r"/companies/(\d+)/ranking/$")


def watch(page, errors, who):
    page.on("console", lambda m: m.type == "error" and errors.append((who, m.text)))
    page.on("pageerror", lambda exc: errors.append((who, str(exc))))
    return page


def last_month_day() -> datetime.date:
    """The 15th of last month: inside the period the demo leaves unpublished."""
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=15)


def preview_request(response) -> bool:
    return "/rankings/?" in response.url and response.request.method == "GET"


def cells(row):
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def assert_no_sideways_scroll(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{what} scrolls sideways on a phone ({width}px)"


def test_leader_publishes_a_monthly_ranking_and_grouphq_sees_its_rank(
    desktop, new_context, tmp_path
):
    errors = []
    day = last_month_day()
    agency = User.objects.get(username="leader").organization
    group = User.objects.get(username="grouphq").organization
    start, _end, label, _formula, expected = svc.ranking_preview(
        agency=agency, unit=GROUP, period_type=MONTH, day=day
    )
    assert not RankingSnapshot.objects.filter(
        agency=agency, unit=GROUP, period_type=MONTH, period_start=start
    ).exists(), "the demo leaves last month unpublished"
    mine = next(entry for entry in expected if entry.unit_id == group.pk)
    assert mine.ranked and mine.projects, "the demo ranks grouphq's group with its projects"

    # --- leader, desktop: 排名 → 试算 of the group HQs for last month → 发布 -------------------
    leader = watch(desktop, errors, "leader")
    log_in(leader, "leader")
    leader.locator("#mainnav a.nav-link[href='/rankings/']").click()
    leader.wait_for_url(re.compile(r"/rankings/$"))
    expect(leader.get_by_test_id("preview-title")).to_be_visible()  # contractors, by default

    with leader.expect_response(preview_request):
        leader.locator("#id_p-unit").select_option(label="集团总公司")
    # 月度 is the default (choosing it again would only send one more request).
    expect(leader.locator("#id_p-period_type")).to_have_value(MONTH)
    expect(leader.locator("#id_p-period_type option:checked")).to_have_text("月度")
    with leader.expect_response(preview_request):
        leader.locator("#id_p-day").fill(day.isoformat())
    expect(leader.locator("#preview-loading.htmx-request")).to_have_count(0)
    title = leader.get_by_test_id("preview-title")
    expect(title).to_contain_text(f"{label}集团总公司")
    preview = leader.locator("#preview-table")
    expect(preview.locator("tr[data-org]")).to_have_count(len(expected))
    row = preview.locator(f"tr[data-org='{group.pk}']")
    expect(row.locator("td").first).to_have_text(str(mine.rank))
    expect(row).to_contain_text(group.name)
    expect(leader.get_by_test_id("already-published")).to_have_count(0)

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    leader.screenshot(path=str(tmp_path / "preview-desktop.png"), full_page=True)
    leader.once("dialog", accept)
    with leader.expect_navigation(url=RANKING_URL):
        leader.get_by_test_id("publish").click()
    assert len(dialogs) == 1 and label in dialogs[0], dialogs
    snapshot = RankingSnapshot.objects.get(
        agency=agency, unit=GROUP, period_type=MONTH, period_start=start
    )
    assert leader.url.endswith(f"/rankings/{snapshot.pk}/"), leader.url
    expect(leader.locator(".alert-success")).to_contain_text(label)
    expect(leader.get_by_test_id("ranking-title")).to_contain_text(f"{label}集团总公司")
    expect(leader.locator("#ranking-chart canvas")).to_be_visible()
    ranking = leader.locator("#ranking")
    expect(ranking.locator("tr[data-org]")).to_have_count(len(expected))
    expect(ranking.locator(f"tr[data-org='{group.pk}'] td").first).to_have_text(str(mine.rank))
    expect(leader.get_by_test_id("my-row")).to_have_count(0)  # the agency is not ranked
    assert snapshot.entries.count() == len(expected)
    assert snapshot.published_by.username == "leader"

    # Back in the 试算 panel, the same ranking now links to the published one.
    leader.goto(f"/rankings/?p-unit={GROUP}&p-period_type={MONTH}&p-day={day.isoformat()}")
    expect(leader.get_by_test_id("already-published")).to_have_attribute(
        "href", f"/rankings/{snapshot.pk}/"
    )
    expect(leader.get_by_test_id("publish")).to_have_count(0)
    leader.context.close()

    # --- grouphq, phone: the notification → the ranking → its row and its projects --------------
    entry = RankingEntry.objects.get(snapshot=snapshot, organization=group)
    projects = entry.inputs["projects"]
    assert projects and entry.rank == mine.rank

    hq = watch(new_context("phone").new_page(), errors, "grouphq")
    log_in(hq, "grouphq")
    hq.locator(".navbar-toggler").click()
    expect(hq.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    bell = hq.get_by_test_id("notifications-link")
    expect(bell.get_by_test_id("unread-count")).to_be_visible()
    assert int(bell.get_by_test_id("unread-count").inner_text().rstrip("+")) >= 1
    bell.click()
    hq.wait_for_url(re.compile(r"/notifications/"))
    notice = (
        hq.get_by_test_id("notification").filter(has_text=f"{label}").filter(has_text="集团总公司")
    )
    expect(notice).to_have_count(1)
    expect(notice).to_have_attribute("data-unread", "1")
    notice.click()
    hq.wait_for_url(re.compile(rf"/rankings/{snapshot.pk}/$"))

    expect(hq.get_by_test_id("ranking-title")).to_contain_text(f"{label}集团总公司")
    expect(hq.locator("#ranking-chart canvas")).to_be_visible()
    total = len([e for e in expected if e.ranked])
    my_rank = hq.get_by_test_id("my-rank")
    expect(my_rank).to_contain_text(group.name)
    expect(my_rank).to_contain_text(str(entry.rank))
    expect(my_rank).to_contain_text(str(total))
    expect(my_rank).to_contain_text(str(entry.score))
    my_row = hq.get_by_test_id("my-row")
    expect(my_row).to_have_count(1)
    expect(my_row).to_have_attribute("data-org", str(group.pk))
    expect(my_row).to_have_attribute("aria-current", "true")
    expect(my_row).to_have_class(re.compile(r"\btable-warning\b"))
    expect(my_row.locator("td").first).to_have_text(str(entry.rank))
    expect(my_row.locator(".badge")).to_be_visible()
    # The chart marks the own unit (orange) among the ranked units.
    chart = json.loads(hq.locator("#ranking-chart-data").text_content())
    assert [d["name"] for d in chart if d["mine"]] == [group.name], chart

    # The breakdown: what each of the group's projects contributed.
    my_row.get_by_test_id("expand").click()
    breakdown = hq.locator(f"#ranking-{group.pk}")
    expect(breakdown).to_have_class(re.compile(r"\bshow\b"))
    expect(my_row.get_by_test_id("expand")).to_have_attribute("aria-expanded", "true")
    expect(breakdown).to_contain_text(entry.inputs["mean_score"])
    lines = breakdown.get_by_test_id("contributions").locator("tbody tr")
    expect(lines).to_have_count(len(projects))
    for index, project in enumerate(projects):
        line = lines.nth(index)
        expect(line.locator("td").nth(0)).to_have_text(project["project_name"])
        expect(line.locator("td").nth(1)).to_have_text(str(project["inspections"]))
        expect(line.locator("td").nth(2)).to_have_text(project["mean_score"] or "—")
    assert sum(p["inspections"] for p in projects) == entry.inputs["inspections"]
    # The ranking table scrolls sideways on a phone; the breakdown stays within the screen.
    box = breakdown.get_by_test_id("contributions").locator("xpath=..").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    hq.evaluate("window.scrollTo(0, 0)")  # the sticky navigation bar on top, not mid-page
    hq.screenshot(path=str(tmp_path / "ranking-phone.png"), full_page=True)
    assert_no_sideways_scroll(hq, "the ranking page")

    # Its company page: the latest ranking with the projects, the trend, and every period.
    my_row.locator(f"a[href='/companies/{group.pk}/ranking/']").click()
    hq.wait_for_url(COMPANY_URL)
    expect(hq.get_by_test_id("company-name")).to_have_text(group.name)
    latest = hq.get_by_test_id("latest")
    expect(latest.locator(f"a[href='/rankings/{snapshot.pk}/']")).to_have_text(f"{label}集团总公司")
    expect(latest).to_contain_text(f"{entry.rank} / {total}")
    expect(latest.get_by_test_id("contributions").locator("tbody tr")).to_have_count(len(projects))
    for project in projects:
        expect(latest.get_by_test_id("contributions")).to_contain_text(project["project_name"])
    expect(hq.locator("#company-chart canvas")).to_be_visible()
    history = hq.get_by_test_id("history").locator("tbody tr")
    entries = RankingEntry.objects.filter(organization=group).select_related("snapshot")
    expect(history).to_have_count(entries.count())
    assert entries.filter(snapshot__unit=GROUP, snapshot__period_type=MONTH).count() >= 4
    newest = history.filter(has=hq.locator(f"a[href='/rankings/{snapshot.pk}/']"))
    expect(newest).to_have_count(1)
    expect(newest).to_contain_text(label)
    expect(newest.locator("td").nth(2)).to_have_text(f"{entry.rank} / {total}")
    expect(newest.locator("td").nth(3)).to_have_text(str(entry.score))
    expect(newest.locator("td").nth(4)).to_have_text(str(entry.inputs["inspections"]))
    for earlier in entries.exclude(snapshot=snapshot):  # the demo's published months
        expect(history.locator(f"a[href='/rankings/{earlier.snapshot_id}/']")).to_have_count(1)
    # The subsidiaries' contractor ranks are there too.
    subsidiaries = Organization.objects.filter(group=group).count()
    expect(hq.get_by_test_id("subsidiaries").locator("tbody tr")).to_have_count(subsidiaries)
    hq.screenshot(path=str(tmp_path / "company-phone.png"), full_page=True)
    assert_no_sideways_scroll(hq, "the company page")

    # grouphq cannot publish: 排名 has no 试算 panel nor 发布 button, and a direct POST is refused.
    hq.locator(".navbar-toggler").click()
    hq.locator("#mainnav a.nav-link[href='/rankings/']").click()
    hq.wait_for_url(re.compile(r"/rankings/$"))
    published = hq.get_by_test_id("published")
    expect(published.locator(f"a[href='/rankings/{snapshot.pk}/']")).to_be_visible()
    expect(hq.get_by_test_id("preview")).to_have_count(0)
    expect(hq.get_by_test_id("publish")).to_have_count(0)
    token = json.loads(hq.locator("body").get_attribute("hx-headers"))["X-CSRFToken"]
    contractor = RankingSnapshot.Unit.CONTRACTOR
    response = hq.request.post(
        "/rankings/publish/",
        form={"p-unit": contractor, "p-period_type": MONTH, "p-day": day.isoformat()},
        headers={"X-CSRFToken": token},
        max_redirects=0,
    )
    # Refused by the view (the 403 page), not by the CSRF check.
    assert response.status == 403, response.status
    assert 'data-testid="error-403"' in response.text(), response.text()[:500]
    assert not RankingSnapshot.objects.filter(
        unit=contractor, period_type=MONTH, period_start=start
    ).exists()
    assert not errors, errors
