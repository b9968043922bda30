"""Ranking pages: preview, publish, the published ranking (never recomputed), export, company
pages and the formula.

Facts for October 2026, computed by hand (default formula: 2 points per 重大隐患):
- project P (contractor A, group G): inspections 80, 90, 85 → mean 85.00; one 重大隐患 → 83.00;
- project Q (contractor B, no group): inspections 70, 76.5 → mean 73.25; nothing else → 73.25.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from anjian.core.testing.personas import make_org, make_project, make_template
from anjian.evaluations import services as svc
from anjian.evaluations.models import RankingConfig, RankingSnapshot
from anjian.hazards.models import Hazard
from anjian.inspections.models import Inspection
from anjian.notifications.models import Notification
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import ProjectParticipant

OCTOBER = "2026-10-15"
PREVIEW = {"p-unit": "contractor", "p-period_type": "month", "p-day": OCTOBER}


def at(day, hour=10):
    return timezone.make_aware(
        datetime.datetime(2026, 10, day, hour), timezone.get_current_timezone()
    )


def inspect(world, project, score, day=10, month=10):
    when = timezone.make_aware(
        datetime.datetime(2026, month, day, 10), timezone.get_current_timezone()
    )
    return Inspection.objects.create(
        project=project,
        agency=project.agency,
        template=make_template(world),
        created_by=world.users["supervisor"],
        status="finished",
        source="supervision",
        score=Decimal(score),
        finished_at=when,
    )


@pytest.fixture
def facts(world):
    p, q = world.projects["P"], world.projects["Q"]
    for day, score in ((3, "80"), (12, "90"), (20, "85")):
        inspect(world, p, score, day)
    for day, score in ((5, "70"), (25, "76.5")):
        inspect(world, q, score, day)
    Hazard.objects.create(
        project=p,
        agency=p.agency,
        source="supervision",
        description="塔吊限位失效",
        location="1#塔吊",
        grade="major",
        status="closed",
        found_at=at(12),
    )
    inspect(world, q, "10", day=20, month=9)  # another month: not counted
    return world


def publish(client, unit="contractor", day=OCTOBER):
    return client.post(
        reverse("evaluations:publish"), {"p-unit": unit, "p-period_type": "month", "p-day": day}
    )


@pytest.fixture
def published(facts, client_as, django_capture_on_commit_callbacks):
    """Leader publishes the October contractor and group rankings."""
    client = client_as("leader")
    with django_capture_on_commit_callbacks(execute=True):
        assert publish(client).status_code == 302
        assert publish(client, unit="group").status_code == 302
    return {
        "contractor": RankingSnapshot.objects.get(unit="contractor"),
        "group": RankingSnapshot.objects.get(unit="group"),
    }


def html(response) -> str:
    return response.content.decode()


def text(msgid) -> str:
    """`msgid` in the language the pages are served in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(gettext(msgid))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the rankings page and the preview -----------------------------------------------------------


def test_preview_shows_both_contractors_with_the_hand_computed_scores(facts, client_as):
    response = client_as("supervisor").get(
        reverse("evaluations:rankings"), PREVIEW, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="preview"
    )
    assert response.status_code == 200
    rows = response.context["preview"]["rows"]
    assert [(r.name, r.rank, r.score) for r in rows] == [
        ("京通建工集团第一建筑工程有限公司", 1, Decimal("83.00")),
        ("燕潞建设集团第三工程有限公司", 2, Decimal("73.25")),
    ]
    assert rows[0].inputs["mean_score"] == "85.00" and rows[0].inputs["major_hazards"] == 1
    page = html(response)
    assert 'id="preview"' in page and "<h1" not in page  # only the fragment
    assert "83.00" in page and "73.25" in page and "2026年10月" in page
    assert 'data-testid="publish"' not in page  # supervisors do not publish


def test_preview_defaults_to_the_previous_month(world, client_as):
    response = client_as("chief").get(reverse("evaluations:rankings"))
    assert response.status_code == 200
    first = timezone.localdate().replace(day=1)
    previous = first - datetime.timedelta(days=1)
    assert response.context["preview"]["start"] == previous.replace(day=1)
    assert f"{previous.year}年{previous.month}月" in html(response)
    assert 'data-testid="formula-text"' in html(response)


def test_the_leader_sees_the_publish_button_and_companies_see_no_preview(facts, client_as):
    page = html(client_as("leader").get(reverse("evaluations:rankings"), PREVIEW))
    assert 'data-testid="publish"' in page and 'name="p-day" value="2026-10-15"' in page
    response = client_as("pm").get(reverse("evaluations:rankings"), PREVIEW)
    assert response.status_code == 200
    assert "preview" not in response.context and 'id="preview"' not in html(response)
    forbidden = client_as("pm").get(
        reverse("evaluations:rankings"), PREVIEW, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="preview"
    )
    assert forbidden.status_code == 403


def test_a_bad_preview_date_shows_a_message(world, client_as):
    response = client_as("supervisor").get(
        reverse("evaluations:rankings"), {**PREVIEW, "p-day": "2026-13-45", "p-unit": "x"}
    )
    assert response.status_code == 200
    assert response.context["preview_form"].errors and "preview" not in response.context


def test_min_inspections_leaves_a_unit_unranked_with_the_reason(facts, client_as):
    RankingConfig.objects.create(agency=facts.orgs["agency"], min_inspections=3)
    response = client_as("supervisor").get(reverse("evaluations:rankings"), PREVIEW)
    preview = response.context["preview"]
    assert [r.name for r in preview["ranked"]] == ["京通建工集团第一建筑工程有限公司"]
    assert [r.name for r in preview["unranked"]] == ["燕潞建设集团第三工程有限公司"]
    assert 'data-testid="unranked"' in html(response)


# --- publishing ----------------------------------------------------------------------------------


def test_leader_publishes_a_snapshot_and_the_companies_are_notified(
    facts, client_as, django_capture_on_commit_callbacks
):
    client = client_as("leader")
    with django_capture_on_commit_callbacks(execute=True):
        response = publish(client)
    snapshot = RankingSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == snapshot.get_absolute_url()
    assert snapshot.label == "2026年10月" and snapshot.published_by == facts.users["leader"]
    assert snapshot.formula["major_penalty"] == "2"
    entries = list(snapshot.entries.order_by("rank"))
    assert [(e.organization_id, e.rank, e.score) for e in entries] == [
        (facts.orgs["contractor_a"].pk, 1, Decimal("83.00")),
        (facts.orgs["contractor_b"].pk, 2, Decimal("73.25")),
    ]
    notified = set(
        Notification.objects.filter(kind="ranking.published").values_list(
            "user__username", flat=True
        )
    )
    assert {"pm", "safety", "pm2"} <= notified and "grouphq" not in notified
    assert messages_of(client.get(response["Location"])) == [
        text("%(label)s ranking of %(unit)s published; the companies have been notified.")
        % {"label": "2026年10月", "unit": "施工单位"}
    ]


def test_publishing_twice_shows_a_message(published, client_as):
    client = client_as("chief")
    response = publish(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("evaluations:rankings") + "?")
    assert messages_of(client.get(response["Location"])) == [
        text("This ranking has already been published.")
    ]
    assert RankingSnapshot.objects.filter(unit="contractor").count() == 1


def test_nothing_to_rank_shows_a_message(world, client_as):
    client = client_as("leader")
    response = publish(client, day="2026-06-01")
    assert response.status_code == 302
    assert messages_of(client.get(response["Location"])) == [
        text("Nothing to rank in this period.")
    ]
    assert not RankingSnapshot.objects.exists()


@pytest.mark.parametrize("persona", ["pm", "supervisor", "admin", "grouphq", "outsider"])
def test_only_the_leader_and_the_chief_publish(facts, client_as, persona):
    assert publish(client_as(persona)).status_code == 403
    assert not RankingSnapshot.objects.exists()


def test_publish_is_post_only_and_bad_input_does_not_fail(world, client_as):
    client = client_as("leader")
    assert client.get(reverse("evaluations:publish")).status_code == 405
    response = client.post(reverse("evaluations:publish"), {"p-unit": "contractor"})
    assert response.status_code == 302 and not RankingSnapshot.objects.exists()


# --- a published ranking -------------------------------------------------------------------------


def test_the_published_ranking_never_changes_while_the_preview_does(world, published, client_as):
    snapshot = published["contractor"]
    client = client_as("supervisor")
    expected = [
        ("京通建工集团第一建筑工程有限公司", 1, Decimal("83.00")),
        ("燕潞建设集团第三工程有限公司", 2, Decimal("73.25")),
    ]
    before = client.get(snapshot.get_absolute_url())
    assert [(r.name, r.rank, r.score) for r in before.context["ranked"]] == expected
    for day in (8, 9, 10):
        inspect(world, world.projects["Q"], "100", day)  # Q: (70 + 76.5 + 300) / 5 = 89.30
    after = client.get(snapshot.get_absolute_url())
    assert [(r.name, r.rank, r.score) for r in after.context["ranked"]] == expected
    assert html(after).count("73.25") == html(before).count("73.25")
    preview = client.get(reverse("evaluations:rankings"), PREVIEW).context["preview"]
    assert [(r.name, r.rank, r.score) for r in preview["rows"]] == [
        ("燕潞建设集团第三工程有限公司", 1, Decimal("89.30")),
        ("京通建工集团第一建筑工程有限公司", 2, Decimal("83.00")),
    ]
    assert preview["published"] == snapshot  # no publish button, a link to the published one
    with pytest.raises(ValidationError):  # and the model refuses any change
        snapshot.save()


def test_ranking_detail_shows_formula_chart_change_and_contributions(world, published, client_as):
    response = client_as("pm2").get(published["contractor"].get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert "2026年10月" in page and "施工单位" in page and "leader" in page
    assert 'data-testid="formula-text"' in page and "echarts.min.js" in page
    assert 'id="ranking-chart-data"' in page and "83.0" in page
    # contributions: pm2's own project listed; contractor A's project counted, not listed
    assert "梨园镇安置房项目" in page and "台湖镇B-03地块住宅项目" not in page
    rows = {r.name: r for r in response.context["ranked"]}
    a = rows["京通建工集团第一建筑工程有限公司"]
    assert a.projects == [] and a.hidden_projects == 1
    stored = a.inputs["projects"][0]
    assert stored["score_sum"] == "255.00" and stored["penalty"] == "2"
    assert not a.has_previous  # first published ranking of its kind
    # pm2 (contractor B) sees its own row highlighted and a link to its own page only
    assert rows["燕潞建设集团第三工程有限公司"].mine and not a.mine
    assert reverse("evaluations:company", args=[world.orgs["contractor_b"].pk]) in page
    assert reverse("evaluations:company", args=[world.orgs["contractor_a"].pk]) not in page


def test_the_change_is_against_the_previous_ranking_of_the_same_kind(
    world, published, client_as, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(svc, "today", lambda: datetime.date(2026, 12, 5))  # November is over
    p, q = world.projects["P"], world.projects["Q"]
    for day in (4, 6):
        inspect(world, p, "60", day, month=11)  # November: A 60.00
        inspect(world, q, "95", day, month=11)  # B 95.00
    with django_capture_on_commit_callbacks(execute=True):
        publish(client_as("leader"), day="2026-11-20")
    november = RankingSnapshot.objects.get(unit="contractor", period_start="2026-11-01")
    response = client_as("supervisor").get(november.get_absolute_url())
    rows = {r.name: r for r in response.context["ranked"]}
    a, b = rows["京通建工集团第一建筑工程有限公司"], rows["燕潞建设集团第三工程有限公司"]
    assert (a.rank, a.rank_change, a.score_change) == (2, -1, Decimal("-23.00"))
    assert (b.rank, b.rank_change, b.score_change) == (1, 1, Decimal("21.75"))
    page = html(response)
    assert "(+21.75)" in page and "(-23.00)" in page and "bi-arrow-up" in page


def test_ranking_detail_queries_are_pinned(
    world, published, client_as, django_assert_max_num_queries, monkeypatch
):
    """Queries do not grow with the number of units, their projects or earlier rankings."""
    monkeypatch.setattr(svc, "today", lambda: datetime.date(2026, 12, 5))  # November is over
    agency = world.orgs["agency"]
    client = client_as("grouphq")
    october = published["contractor"].get_absolute_url()
    client.get(october)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(october).status_code == 200
    for project in (world.projects["P"], world.projects["Q"]):
        for day in (2, 3):
            inspect(world, project, "88", day, month=11)
    for n in range(12):
        org = make_org(f"测试建设有限公司{n}", "contractor", group=world.orgs["group"])
        project = make_project(f"测试项目{n}", world.streets["A1"], agency, seq=100 + n)
        ProjectParticipant.objects.create(
            project=project, organization=org, role=ParticipantRole.CONTRACTOR
        )
        for day in (2, 3, 4):
            inspect(world, project, str(70 + n), day, month=11)
    publish(client_as("leader"), day="2026-11-01")
    november = RankingSnapshot.objects.get(unit="contractor", period_start="2026-11-01")
    assert november.entries.count() == 14
    with CaptureQueriesContext(connection) as many:
        response = client.get(november.get_absolute_url())
    assert response.status_code == 200
    assert sum(r.has_previous for r in response.context["rows"]) == 2
    assert len(many.captured_queries) == len(few.captured_queries)
    # session, user, snapshot, entries with their organisations, the previous entries, the
    # user's organisation, the projects the user may see, the unread-notification count
    with django_assert_max_num_queries(8):
        client.get(november.get_absolute_url())


def test_ranking_export_opens_with_openpyxl(published, client_as):
    response = client_as("pm").get(
        reverse("evaluations:ranking_export", args=[published["contractor"].pk])
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ranking, projects = book.worksheets
    rows = list(ranking.iter_rows(values_only=True))
    assert rows[0][:3] == ("排名", "单位", "得分")
    assert rows[1][:3] == (1, "京通建工集团第一建筑工程有限公司", 83)
    assert rows[2][:3] == (2, "燕潞建设集团第三工程有限公司", 73.25)
    contributions = list(projects.iter_rows(values_only=True))
    assert contributions[1][:4] == (
        "京通建工集团第一建筑工程有限公司",
        "台湖镇B-03地块住宅项目",
        3,
        85,
    )


def test_rankings_need_a_login_and_unknown_rankings_are_404(published, client_as):
    url = published["contractor"].get_absolute_url()
    assert client_as("anonymous").get(url).status_code == 302
    assert (
        client_as("pm").get(reverse("evaluations:ranking_detail", args=[9999])).status_code == 404
    )
    assert (
        client_as("pm").get(reverse("evaluations:ranking_export", args=[9999])).status_code == 404
    )


def test_the_list_shows_published_rankings_newest_first_and_filters(published, client_as):
    client = client_as("pm")
    page = html(client.get(reverse("evaluations:rankings")))
    assert published["contractor"].get_absolute_url() in page
    assert published["group"].get_absolute_url() in page
    response = client.get(
        reverse("evaluations:rankings"),
        {"unit": "group"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    fragment = html(response)
    assert 'id="results"' in fragment and "<h1" not in fragment
    assert published["group"].get_absolute_url() in fragment
    assert published["contractor"].get_absolute_url() not in fragment
    assert client.get(reverse("evaluations:rankings"), {"unit": "bogus"}).status_code == 200


# --- group HQ and company pages ------------------------------------------------------------------


def test_grouphq_sees_the_group_ranking_with_its_row_highlighted(world, published, client_as):
    response = client_as("grouphq").get(published["group"].get_absolute_url())
    assert response.status_code == 200
    (row,) = response.context["ranked"]
    assert row.name == "京通建工集团有限公司" and row.rank == 1 and row.score == Decimal("83.00")
    assert row.mine and 'data-testid="my-row"' in html(response)
    assert 'data-testid="my-rank"' in html(response)
    assert "台湖镇B-03地块住宅项目" in html(response)
    # In the contractor ranking its subsidiary's row is marked as its own too.
    contractor = client_as("grouphq").get(published["contractor"].get_absolute_url())
    mine = [r.name for r in contractor.context["ranked"] if r.mine]
    assert mine == ["京通建工集团第一建筑工程有限公司"]


def test_grouphq_sees_its_company_page_and_its_subsidiary_but_not_others(
    world, published, client_as
):
    client = client_as("grouphq")
    response = client.get(reverse("evaluations:company", args=[world.orgs["group"].pk]))
    assert response.status_code == 200
    page = html(response)
    assert response.context["latest"].snapshot == published["group"]
    assert "台湖镇B-03地块住宅项目" in page and 'id="company-chart-data"' in page
    (sub,) = response.context["subsidiaries"]
    assert sub.organization_id == world.orgs["contractor_a"].pk and sub.total_ranked == 2
    subsidiary = client.get(reverse("evaluations:company", args=[world.orgs["contractor_a"].pk]))
    assert subsidiary.status_code == 200
    assert subsidiary.context["history"][0].rank == 1
    other = client.get(reverse("evaluations:company", args=[world.orgs["contractor_b"].pk]))
    assert other.status_code == 404


def test_company_pages_follow_may_see_company(world, published, client_as):
    a = reverse("evaluations:company", args=[world.orgs["contractor_a"].pk])
    assert client_as("pm2").get(a).status_code == 404
    assert client_as("pm").get(a).status_code == 200
    assert client_as("supervisor").get(a).status_code == 200
    assert client_as("engineer").get(a).status_code == 404
    assert client_as("pm").get(reverse("evaluations:company", args=[99999])).status_code == 404


# --- the formula ---------------------------------------------------------------------------------


FORMULA = {
    "min_inspections": "3",
    "major_penalty": "2.5",
    "stop_penalty": "6",
    "overdue_penalty": "0.5",
}


def test_admin_saves_the_formula_and_the_preview_uses_it(world, facts, client_as):
    client = client_as("admin")
    assert client.get(reverse("evaluations:formula")).status_code == 200
    response = client.post(reverse("evaluations:formula"), FORMULA)
    assert response.status_code == 302
    config = RankingConfig.objects.get(agency=world.orgs["agency"])
    assert (config.min_inspections, config.major_penalty) == (3, Decimal("2.50"))
    preview = client.get(reverse("evaluations:rankings"), PREVIEW).context["preview"]
    assert [(r.name, r.score) for r in preview["ranked"]] == [
        ("京通建工集团第一建筑工程有限公司", Decimal("82.50"))
    ]


def test_staff_read_the_formula_and_only_admins_change_it(world, client_as):
    page = client_as("supervisor").get(reverse("evaluations:formula"))
    assert page.status_code == 200 and "disabled" in html(page)
    assert client_as("supervisor").post(reverse("evaluations:formula"), FORMULA).status_code == 403
    assert client_as("leader").post(reverse("evaluations:formula"), FORMULA).status_code == 403
    for persona in ("pm", "grouphq", "engineer"):
        assert client_as(persona).get(reverse("evaluations:formula")).status_code == 403
    assert not RankingConfig.objects.exists()


def test_a_bad_formula_value_shows_the_message_and_keeps_the_values(world, client_as):
    response = client_as("admin").post(
        reverse("evaluations:formula"), {**FORMULA, "stop_penalty": "abc"}
    )
    assert response.status_code == 400
    page = html(response)
    assert text("Give a number of points.") in page
    assert 'value="abc"' in page and 'value="2.5"' in page and "is-invalid" in page
    response = client_as("admin").post(
        reverse("evaluations:formula"), {**FORMULA, "min_inspections": "0"}
    )
    assert response.status_code == 400 and not RankingConfig.objects.exists()


def test_other_companies_projects_are_counted_not_listed(world, published, client_as):
    """A ranking is public, but a project's figures only reach those who may see the project."""
    page = html(client_as("pm2").get(published["contractor"].get_absolute_url()))
    assert world.projects["Q"].name in page  # its own project
    assert world.projects["P"].name not in page  # contractor A's project, not pm2's
    assert 'data-testid="hidden-projects"' in page
    page = html(client_as("supervisor").get(published["contractor"].get_absolute_url()))
    assert world.projects["P"].name in page and world.projects["Q"].name in page
    assert 'data-testid="hidden-projects"' not in page
