"""考评 pages: self-evaluations scored, submitted and reviewed; the commission's 评定; accidents;
the final 考评 with its triggers, cap, objection, review and notice; query counts."""

import base64
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from anjian.core.errors import DomainError
from anjian.evaluations import services as svc
from anjian.evaluations.models import Accident, Evaluation, EvaluationSignature, FinalEvaluation
from anjian.inspections.models import ChecklistTemplate
from anjian.inspections.seeding import KEY_JGJ59, seed_clauses_and_templates

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def png_data_url() -> str:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 15)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def jgj59(world):
    seed_clauses_and_templates(owner=world.orgs["agency"])
    return ChecklistTemplate.objects.get(key=KEY_JGJ59)


@pytest.fixture
def project(world):
    return world.projects["P"]


@pytest.fixture
def evaluation(world, jgj59, project):
    """pm's draft self-evaluation of project P for this month."""
    return svc.evaluation_create(
        project=project, by=world.user("pm"), kind="self", period=timezone.localdate()
    )


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def first_guarantee_item(evaluation):
    """The first 保证项目 of B.1 安全管理 (10 points)."""
    return next(i for i in svc.template_items(evaluation.template) if i.is_guarantee)


def score_url(evaluation):
    return reverse("evaluations:score", args=[evaluation.pk])


def submitted(world, evaluation):
    return svc.evaluation_submit(
        evaluation=evaluation, by=world.user("pm"), image_data=png_data_url()
    )


# --- creating --------------------------------------------------------------------------------


def test_pm_creates_a_self_evaluation_from_the_project_tab(world, client_as, jgj59, project):
    client = client_as("pm")
    tab = client.get(reverse("evaluations:project_tab", args=[project.pk]))
    assert tab.status_code == 200
    assert 'data-testid="new-self"' in tab.content.decode()
    assert 'data-testid="new-agency"' not in tab.content.decode()
    url = reverse("evaluations:new", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "self", "month": this_month()})
    evaluation = Evaluation.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == evaluation.get_absolute_url()
    assert evaluation.kind == "self" and evaluation.status == "draft"
    assert evaluation.period == timezone.localdate().replace(day=1)
    # the same month again: the message, and a link to the existing one
    again = client.post(url, {"kind": "self", "month": this_month()})
    assert again.status_code == 400
    assert 'data-testid="existing"' in again.content.decode()


def test_bad_input_on_the_new_form_is_a_400_not_a_500(world, client_as, jgj59, project):
    client = client_as("pm")
    url = reverse("evaluations:new", args=[project.pk])
    for data in (
        {"kind": "self", "month": "not-a-month"},
        {"kind": "agency", "month": this_month()},  # not a kind pm may create
        {"kind": "self", "month": "2999-01"},  # in the future
        {},
    ):
        assert client.post(url, data).status_code == 400
    assert not Evaluation.objects.exists()


def test_leader_cannot_create_an_evaluation(world, client_as, jgj59, project):
    client = client_as("leader")
    url = reverse("evaluations:new", args=[project.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "agency", "month": this_month()}).status_code == 403
    assert not Evaluation.objects.exists()


def test_pm2_does_not_see_project_p_or_its_evaluations(world, client_as, evaluation, project):
    client = client_as("pm2")
    assert client.get(reverse("evaluations:project_tab", args=[project.pk])).status_code == 404
    assert client.get(reverse("evaluations:new", args=[project.pk])).status_code == 404
    assert client.get(evaluation.get_absolute_url()).status_code == 404
    assert client.post(score_url(evaluation), {}).status_code == 404
    submitted(world, evaluation)
    signature = EvaluationSignature.objects.get(evaluation=evaluation)
    url = reverse("evaluations:signature", args=[signature.pk])
    assert client.get(url).status_code == 404
    assert client_as("pm").get(url).status_code == 200
    assert evaluation.project.name not in client.get(reverse("evaluations:list")).content.decode()


# --- scoring -----------------------------------------------------------------------------------


def test_a_guarantee_item_at_zero_makes_the_table_zero_and_the_grade_fail(
    world, client_as, evaluation
):
    client = client_as("pm")
    page = client.get(evaluation.get_absolute_url()).content.decode()
    item = first_guarantee_item(evaluation)
    assert f'name="d_{item.pk}"' in page and f'name="na_{item.pk}"' in page
    response = client.post(score_url(evaluation), {f"d_{item.pk}": "10"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="zero-rule"' in content and 'hx-swap-oob="true"' in content
    assert 'data-testid="zero-table"' in content and "不合格" in content
    evaluation.refresh_from_db()
    assert evaluation.grade == "FAIL"
    assert evaluation.answers == {str(item.pk): {"d": "10", "na": False}}
    # the page shows the typed deduction and the zero rule after a reload
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert re.search(rf'name="d_{item.pk}" value="10"', page)
    assert 'data-testid="zero-rule"' in page


def test_a_small_deduction_keeps_the_grade_excellent(world, client_as, evaluation):
    item = first_guarantee_item(evaluation)
    response = client_as("pm").post(score_url(evaluation), {f"d_{item.pk}": "2.5"}, **HTMX)
    assert response.status_code == 200
    evaluation.refresh_from_db()
    assert evaluation.grade == "EXCELLENT" and evaluation.score < 100
    assert 'data-testid="saved"' in response.content.decode()


def test_a_refused_deduction_says_why_and_keeps_what_was_typed(world, client_as, evaluation):
    client = client_as("pm")
    item = first_guarantee_item(evaluation)
    other = svc.template_items(evaluation.template)[-1]
    data = {f"d_{item.pk}": "99", f"d_{other.pk}": "3", "remarks": "草稿备注"}
    response = client.post(score_url(evaluation), data, **HTMX)
    assert response.status_code == 400
    content = response.content.decode()
    assert f'id="err-d_{item.pk}" hx-swap-oob="true"' in content
    assert 'data-testid="score-error"' in content
    evaluation.refresh_from_db()
    assert evaluation.answers == {}  # all or nothing
    # without htmx: the whole page with every typed value
    page = client.post(score_url(evaluation), data)
    assert page.status_code == 400
    html = page.content.decode()
    assert f'name="d_{item.pk}" value="99"' in html and f'name="d_{other.pk}" value="3"' in html
    assert "草稿备注" in html and "is-invalid" in html
    # nonsense is refused the same way, never a 500
    for value in ("abc", "-1", "NaN", "1e999"):
        assert (
            client.post(score_url(evaluation), {f"d_{item.pk}": value}, **HTMX).status_code == 400
        )


def test_not_applicable_items_are_left_out(world, client_as, evaluation):
    section_items = [i for i in svc.template_items(evaluation.template) if i.section.code == "B.11"]
    data = {f"na_{i.pk}": "1" for i in section_items}
    assert client_as("pm").post(score_url(evaluation), data).status_code == 302
    evaluation.refresh_from_db()
    table = next(t for t in evaluation.score_detail["tables"] if t["code"] == "B.11")
    assert table["applicable"] is False
    assert evaluation.score_detail["categories"]["PIT"]["missing"] is True


def test_others_cannot_edit_the_self_evaluation(world, client_as, evaluation):
    item = first_guarantee_item(evaluation)
    for name in ("engineer", "supervisor", "leader"):
        response = client_as(name).post(score_url(evaluation), {f"d_{item.pk}": "1"}, **HTMX)
        assert response.status_code == 403
        page = client_as(name).get(evaluation.get_absolute_url()).content.decode()
        assert f'name="d_{item.pk}"' not in page
    assert (
        client_as("engineer")
        .post(reverse("evaluations:submit", args=[evaluation.pk]), {"image": png_data_url()})
        .status_code
        == 403
    )


# --- submitting and reviewing --------------------------------------------------------------------


def test_pm_submits_with_a_signature(world, client_as, evaluation):
    client = client_as("pm")
    url = reverse("evaluations:submit", args=[evaluation.pk])
    blank = client.post(url, {"image": ""})
    assert blank.status_code == 400 and 'data-testid="submit-error"' in blank.content.decode()
    response = client.post(url, {"image": png_data_url()})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "submitted"
    signature = evaluation.signatures.get()
    assert signature.role == "contractor" and signature.user == world.user("pm")
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert reverse("evaluations:signature", args=[signature.pk]) in page
    assert 'data-testid="awaiting"' in page
    # submitted: no more editing
    item = first_guarantee_item(evaluation)
    assert client.post(score_url(evaluation), {f"d_{item.pk}": "1"}, **HTMX).status_code == 400


def test_the_engineer_agrees_and_the_self_evaluation_is_confirmed(world, client_as, evaluation):
    submitted(world, evaluation)
    client = client_as("engineer")
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert 'data-testid="review-submit"' in page
    url = reverse("evaluations:review", args=[evaluation.pk])
    missing = client.post(url, {"decision": "agree", "opinion": "", "image": png_data_url()})
    assert missing.status_code == 400
    response = client.post(
        url, {"decision": "agree", "opinion": "同意自评结果。", "image": png_data_url()}
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "confirmed"  # no builder user on P: the 监理 alone confirms
    review = evaluation.signatures.get(role="supervision")
    assert review.agrees and review.opinion == "同意自评结果。"
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert "同意自评结果。" in page and 'data-testid="review-submit"' not in page
    # a second review (a stale page): back to the page with the reason, not a hidden form error
    again = client.post(url, {"decision": "agree", "opinion": "再次同意", "image": png_data_url()})
    assert again.status_code == 302
    assert evaluation.signatures.filter(role="supervision").count() == 1


def test_the_engineer_returns_it_and_pm_edits_again(world, client_as, evaluation):
    submitted(world, evaluation)
    response = client_as("engineer").post(
        reverse("evaluations:review", args=[evaluation.pk]),
        {"decision": "return", "opinion": "临边防护扣分偏少。", "image": png_data_url()},
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "returned"
    client = client_as("pm")
    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert 'data-testid="returned"' in page and "临边防护扣分偏少。" in page
    item = first_guarantee_item(evaluation)
    assert client.post(score_url(evaluation), {f"d_{item.pk}": "4"}, **HTMX).status_code == 200
    assert (
        client.post(
            reverse("evaluations:submit", args=[evaluation.pk]), {"image": png_data_url()}
        ).status_code
        == 302
    )
    evaluation.refresh_from_db()
    assert evaluation.status == "submitted"
    assert not evaluation.signatures.filter(role="supervision").exists()


def test_only_reviewers_review(world, client_as, evaluation):
    submitted(world, evaluation)
    url = reverse("evaluations:review", args=[evaluation.pk])
    data = {"decision": "agree", "opinion": "好", "image": png_data_url()}
    for name in ("pm", "supervisor"):
        assert client_as(name).post(url, data).status_code == 403


def test_the_supervisor_makes_and_confirms_an_agency_evaluation(world, client_as, jgj59, project):
    client = client_as("supervisor")
    tab = client.get(reverse("evaluations:project_tab", args=[project.pk])).content.decode()
    assert 'data-testid="new-agency"' in tab and 'data-testid="new-self"' not in tab
    response = client.post(
        reverse("evaluations:new", args=[project.pk]), {"kind": "agency", "month": this_month()}
    )
    evaluation = Evaluation.objects.get(project=project, kind="agency")
    assert response.status_code == 302
    item = first_guarantee_item(evaluation)
    assert client.post(score_url(evaluation), {f"d_{item.pk}": "3"}, **HTMX).status_code == 200
    assert client_as("pm").post(score_url(evaluation), {}, **HTMX).status_code == 403
    response = client.post(
        reverse("evaluations:submit", args=[evaluation.pk]), {"image": png_data_url()}
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "confirmed"
    assert evaluation.signatures.get().role == "agency"
    tab = client_as("pm").get(reverse("evaluations:project_tab", args=[project.pk]))
    assert 'id="eval-chart"' in tab.content.decode()


# --- list ----------------------------------------------------------------------------------------


def test_the_list_filters_and_shows_finals_to_agency_staff(world, client_as, evaluation):
    url = reverse("evaluations:list")
    pm = client_as("pm").get(url).content.decode()
    assert evaluation.get_absolute_url() in pm and 'data-testid="tab-finals"' not in pm
    supervisor = client_as("supervisor")
    assert 'data-testid="tab-finals"' in supervisor.get(url).content.decode()
    assert (
        evaluation.get_absolute_url()
        not in supervisor.get(url, {"kind": "agency"}).content.decode()
    )
    assert (
        evaluation.get_absolute_url()
        in supervisor.get(url, {"month": this_month()}).content.decode()
    )
    partial = supervisor.get(url, {"status": "draft", "q": "台湖"}, **HTMX).content.decode()
    assert evaluation.get_absolute_url() in partial and "<html" not in partial
    for bad in ({"month": "garbage"}, {"kind": "x", "status": "y"}, {"page": "-3"}):
        assert supervisor.get(url, bad).status_code == 200
    svc.final_evaluate(project=evaluation.project, by=world.user("supervisor"), result="pass")
    finals = supervisor.get(url, {"tab": "finals"}).content.decode()
    assert 'data-testid="finals"' in finals and evaluation.project.name in finals
    assert (
        'data-testid="finals"' not in client_as("pm").get(url, {"tab": "finals"}).content.decode()
    )


# --- accidents -----------------------------------------------------------------------------------


def accident_data(**extra):
    return {
        "occurred_on": f"{timezone.localdate():%Y-%m-%d}",
        "level": "general",
        "is_liability": "on",
        "deaths": "0",
        "injuries": "1",
        "description": "塔吊作业区一名工人被吊物碰伤。",
        **extra,
    }


def test_the_supervisor_records_an_accident_and_pm_may_not(world, client_as, project):
    url = reverse("evaluations:accident_add", args=[project.pk])
    assert client_as("pm").post(url, accident_data()).status_code == 403
    client = client_as("supervisor")
    response = client.post(url, accident_data())
    assert response.status_code == 302
    accident = Accident.objects.get(project=project)
    assert accident.is_liability and accident.injuries == 1
    assert (
        "塔吊作业区"
        in client.get(reverse("evaluations:project_tab", args=[project.pk])).content.decode()
    )
    for bad in (
        accident_data(occurred_on="2999-01-01"),
        accident_data(level="huge"),
        accident_data(deaths="-1"),
        accident_data(description=""),
    ):
        assert client.post(url, bad).status_code == 400
    assert Accident.objects.count() == 1
    assert client_as("pm2").post(url, accident_data()).status_code == 404


# --- the final 考评 ----------------------------------------------------------------------------


def test_final_new_shows_the_triggers_and_refuses_pass_after_a_liability_accident(
    world, client_as, project
):
    project.actual_start = timezone.localdate().replace(day=1) - datetime.timedelta(days=60)
    project.save()
    svc.accident_record(
        project=project,
        by=world.user("supervisor"),
        data={"occurred_on": timezone.localdate(), "level": "general", "description": "坠落"},
    )
    client = client_as("supervisor")
    url = reverse("evaluations:final_new", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="triggers"' in page
    assert "发生生产安全责任事故" in page and "未按规定开展月度自评" in page
    response = client.post(url, {"result": "pass", "reasons": ""})
    assert response.status_code == 400
    assert 'data-testid="result-error"' in response.content.decode()
    assert 'value="pass" checked' in response.content.decode()
    assert not FinalEvaluation.objects.exists()
    response = client.post(url, {"result": "fail", "reasons": "现场管理混乱。"})
    final = FinalEvaluation.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == final.get_absolute_url()
    assert final.result == "fail" and final.responsible_org == world.orgs["contractor_a"]
    # the project tab links to it; a second final is not offered
    tab = client.get(reverse("evaluations:project_tab", args=[project.pk])).content.decode()
    assert final.get_absolute_url() in tab and 'data-testid="final-new"' not in tab
    assert client.get(url).status_code == 302


def test_only_the_projects_supervisors_make_the_final_evaluation(world, client_as, project):
    url = reverse("evaluations:final_new", args=[project.pk])
    for name in ("pm", "leader", "engineer"):
        assert client_as(name).get(url).status_code == 403
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("chief").get(url).status_code == 200


def test_the_cap_on_excellent_is_shown_with_its_message(world, client_as, project):
    client = client_as("supervisor")
    url = reverse("evaluations:final_new", args=[project.pk])
    assert 'data-testid="quota"' in client.get(url).content.decode()
    response = client.post(url, {"result": "excellent", "reasons": "管理规范。"})
    assert response.status_code == 400
    year = timezone.localdate().year
    with translation.override("zh-hans"):
        with pytest.raises(DomainError) as refused:
            svc._check_result(project, project.agency, year, "excellent", "x", [])
        message = str(refused.value.message)
    assert message in response.content.decode()
    assert "管理规范。" in response.content.decode()  # the typed reasons are kept
    assert not FinalEvaluation.objects.exists()


@pytest.fixture
def final(world, project):
    return svc.final_evaluate(project=project, by=world.user("supervisor"), result="pass")


def test_pm_objects_and_the_chief_reviews(world, client_as, final):
    pm = client_as("pm")
    page = pm.get(final.get_absolute_url()).content.decode()
    assert 'data-testid="object"' in page and final.number in page
    url = reverse("evaluations:final_object", args=[final.pk])
    assert pm.post(url, {"objection": ""}).status_code == 400
    assert client_as("supervisor").post(url, {"objection": "不服"}).status_code == 403
    assert pm.post(url, {"objection": "自评资料齐全，申请复核为优良。"}).status_code == 302
    final.refresh_from_db()
    assert final.status == "objected"
    assert pm.post(url, {"objection": "再次异议"}).status_code == 302  # only once
    review_url = reverse("evaluations:final_review", args=[final.pk])
    assert pm.post(review_url, {"result": "pass", "comment": "x"}).status_code == 403
    assert (
        client_as("supervisor").post(review_url, {"result": "pass", "comment": "x"}).status_code
        == 403
    )
    chief = client_as("chief")
    page = chief.get(final.get_absolute_url()).content.decode()
    assert 'data-testid="review-submit"' in page and "申请复核为优良" in page
    assert chief.post(review_url, {"result": "bogus", "comment": "维持"}).status_code == 400
    response = chief.post(review_url, {"result": "pass", "comment": "经复核，维持合格。"})
    assert response.status_code == 302
    final.refresh_from_db()
    assert final.status == "final" and final.original_result == "pass"
    page = pm.get(final.get_absolute_url()).content.decode()
    assert 'data-testid="review"' in page and "经复核，维持合格。" in page
    assert 'data-testid="object"' not in page


def test_the_result_notice_renders_as_a_pdf(world, client_as, final):
    response = client_as("pm").get(reverse("evaluations:final_pdf", args=[final.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        client_as("pm2").get(reverse("evaluations:final_pdf", args=[final.pk])).status_code == 404
    )


def test_the_notice_context_names_the_contractor_and_the_objection_period(world, final):
    from django.template.loader import render_to_string

    from anjian.evaluations.pdf import TEMPLATE, final_context

    context = final_context(final, verify_url="https://example.test/f/1")
    html = render_to_string(TEMPLATE, context)
    assert world.orgs["contractor_a"].name in html
    assert "5个工作日内" in html and final.number in html and "考评结果：合格" in html


# --- query counts --------------------------------------------------------------------------------


def test_the_detail_page_runs_a_fixed_number_of_queries(
    world, client_as, evaluation, django_assert_max_num_queries
):
    client = client_as("engineer")
    item = first_guarantee_item(evaluation)
    svc.evaluation_save(
        evaluation=evaluation, by=world.user("pm"), answers={str(item.pk): {"d": "2"}}
    )
    submitted(world, evaluation)
    with django_assert_max_num_queries(11):
        assert client.get(evaluation.get_absolute_url()).status_code == 200
    client_as("engineer").post(
        reverse("evaluations:review", args=[evaluation.pk]),
        {"decision": "return", "opinion": "请补充。", "image": png_data_url()},
    )
    pm = client_as("pm")
    with django_assert_max_num_queries(11):
        assert pm.get(evaluation.get_absolute_url()).status_code == 200


def test_the_project_tab_and_list_run_a_fixed_number_of_queries(
    world, client_as, evaluation, project, django_assert_max_num_queries
):
    submitted(world, evaluation)
    client = client_as("supervisor")
    with django_assert_max_num_queries(11):
        assert client.get(reverse("evaluations:project_tab", args=[project.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("evaluations:list")).status_code == 200
