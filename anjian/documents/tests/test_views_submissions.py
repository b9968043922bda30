"""收文 pages: a company submits a document (报送), the commission sees what came in — with the
rectification loop's own incoming records beside it — and acknowledges (受理) or returns it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anjian.dangerous_works import testing as dw_testing
from anjian.documents import services as svc
from anjian.documents.models import Submission, SubmissionKind, SubmissionStatus
from anjian.documents.testing import PDF_BYTES
from anjian.hazards.tests import conftest as hazard_fixtures

pytestmark = pytest.mark.django_db

# The rectification loop's fixtures: `issue()` makes a notice of project P from an inspection.
issue = hazard_fixtures.issue
supervisor2 = hazard_fixtures.supervisor2

LIST = reverse("documents:submissions")
NEW = reverse("documents:submission_new")


@pytest.fixture
def led(world):
    """Project P with the supervisor as its lead supervisor."""
    project = world.projects["P"]
    project.lead_supervisor = world.users["supervisor"]
    project.save(update_fields=["lead_supervisor"])
    return project


def submit(world, by="pm", **fields) -> Submission:
    values = {
        "kind": SubmissionKind.REPORT,
        "title": "关于十一月安全生产情况的报告",
        "body": "本月无事故。",
        "project": world.projects["P"],
    }
    values.update(fields)
    return svc.submission_create(
        by=world.users[by], fields=values, files=[("情况报告.pdf", PDF_BYTES)]
    )


def handle_url(submission) -> str:
    return reverse("documents:submission_handle", args=[submission.pk])


# --- submitting ---------------------------------------------------------------------------------


def test_submission_with_a_file_is_routed_to_the_projects_lead_supervisor(world, led, client_as):
    response = client_as("pm").post(
        NEW,
        {
            "kind": SubmissionKind.REPORT,
            "title": "关于十一月安全生产情况的报告",
            "body": "本月无事故。",
            "project": led.pk,
            "files": [SimpleUploadedFile("情况报告.pdf", PDF_BYTES)],
        },
    )
    submission = Submission.objects.get()
    assert response.status_code == 302 and response.url == submission.get_absolute_url()
    assert submission.routed_to == world.users["supervisor"]
    assert submission.submitted_by == world.users["pm"] and submission.project == led
    assert [a.filename for a in submission.attachments.all()] == ["情况报告.pdf"]
    assert submission.status == SubmissionStatus.SUBMITTED


def test_the_form_offers_only_the_users_projects_and_links_the_open_notices(
    world,
    led,
    issue,
    client_as,
):
    notice = issue()
    response = client_as("pm").get(NEW)
    assert response.status_code == 200
    body = response.content.decode()
    projects = set(response.context["form"].fields["project"].queryset)
    assert world.projects["P"] in projects and world.projects["Q"] not in projects
    assert 'data-testid="open-notice"' in body and notice.get_absolute_url() in body


def test_a_refused_submission_keeps_the_input_and_says_why_at_the_field(world, led, client_as):
    response = client_as("pm").post(
        NEW,
        {
            "kind": SubmissionKind.REPORT,
            "title": "  ",
            "body": "本月发生一起轻伤事故，已上报。",
            "project": led.pk,
            "files": [SimpleUploadedFile("情况报告.pdf", PDF_BYTES)],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    form = response.context["form"]
    assert form.errors["title"] and "本月发生一起轻伤事故，已上报。" in body
    assert 'data-testid="files-again"' in body
    assert not Submission.objects.exists()


def test_a_scheme_filing_needs_the_dangerous_work(world, led, client_as):
    response = client_as("pm").post(
        NEW,
        {
            "kind": SubmissionKind.SCHEME_FILING,
            "title": "1#楼基坑专项施工方案备案",
            "project": led.pk,
            "files": [SimpleUploadedFile("方案.pdf", PDF_BYTES)],
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["dangerous_work"]
    assert not Submission.objects.exists()


def test_changing_the_project_redraws_the_dangerous_work_choices(world, led, client_as):
    work = dw_testing.register(world)
    client = client_as("pm")
    response = client.get(
        NEW,
        {"project": led.pk},
        headers={"HX-Request": "true", "HX-Target": "dangerous-work-field"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith(
        '<div id="dangerous-work-field"'
    )
    assert f'value="{work.pk}"' in body and "<form" not in body
    other = client.get(
        NEW,
        {"project": world.projects["R"].pk},
        headers={"HX-Request": "true", "HX-Target": "dangerous-work-field"},
    ).content.decode()
    assert f'value="{work.pk}"' not in other


def test_a_scheme_filing_with_its_dangerous_work_is_linked_on_the_page(world, led, client_as):
    work = dw_testing.register(world)
    client = client_as("pm")
    response = client.post(
        NEW,
        {
            "kind": SubmissionKind.SCHEME_FILING,
            "title": "1#楼基坑专项施工方案备案",
            "project": led.pk,
            "dangerous_work": work.pk,
            "files": [SimpleUploadedFile("方案.pdf", PDF_BYTES)],
        },
    )
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.dangerous_work == work
    body = client_as("supervisor").get(submission.get_absolute_url()).content.decode()
    assert 'data-testid="dangerous-work"' in body and work.get_absolute_url() in body


def test_commission_staff_do_not_submit(world, client_as):
    assert client_as("supervisor").get(NEW).status_code == 403
    assert client_as("supervisor").post(NEW, {"title": "x"}).status_code == 403


# --- the lists ----------------------------------------------------------------------------------


def test_the_commission_sees_what_came_in_with_the_rectification_inflow(
    world,
    led,
    issue,
    client_as,
):
    from anjian.hazards import services as hazard_svc
    from anjian.hazards.tests.test_services import reply

    submission = submit(world)
    notice = issue(kind="full_stop")
    reply(notice.hazards.get(), world.users["pm"])
    hazard_svc.resumption_apply(notice=notice, by=world.users["pm"], statement="已整改完毕")
    response = client_as("supervisor").get(LIST)
    body = response.content.decode()
    assert submission.title in body and 'data-testid="routed-to"' in body
    assert reverse("hazards:ledger") + "?status=replied" in body
    assert response.context["inflow"]["replies"] == 1
    assert 'data-testid="inflow-resumption"' in body and notice.get_absolute_url() in body
    mine = client_as("chief").get(LIST, {"mine": "on"}).content.decode()
    assert submission.title not in mine
    assert submission.title in client_as("supervisor").get(LIST, {"mine": "on"}).content.decode()


def test_a_company_sees_its_own_submissions_only(world, led, client_as):
    submission = submit(world)
    body = client_as("safety").get(LIST).content.decode()
    assert submission.title in body and 'data-testid="inflow"' not in body
    assert submission.title not in client_as("pm2").get(LIST).content.decode()


# --- one submission and its handling ------------------------------------------------------------


def test_pm2_cannot_see_pms_submission(world, led, client_as):
    submission = submit(world)
    client = client_as("pm2")
    assert client.get(submission.get_absolute_url()).status_code == 404
    assert client.post(handle_url(submission), {"action": "acknowledge"}).status_code == 404
    assert client_as("outsider").get(submission.get_absolute_url()).status_code == 404


def test_acknowledging_gives_a_receipt_number(world, led, client_as):
    submission = submit(world)
    client = client_as("supervisor")
    page = client.get(submission.get_absolute_url()).content.decode()
    assert 'data-testid="handle-form"' in page and 'data-testid="attachment"' in page
    response = client.post(handle_url(submission), {"action": "acknowledge", "comment": "材料齐全"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACKNOWLEDGED and submission.number
    assert submission.handled_by == world.users["supervisor"]
    body = client_as("pm").get(submission.get_absolute_url()).content.decode()
    assert submission.number in body and "材料齐全" in body
    assert 'data-testid="handle-form"' not in body


def test_returning_needs_a_comment(world, led, client_as):
    submission = submit(world)
    client = client_as("supervisor")
    response = client.post(handle_url(submission), {"action": "return", "comment": ""})
    assert response.status_code == 400
    assert response.context["handle_form"].errors["comment"]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    response = client.post(handle_url(submission), {"action": "return", "comment": "缺少签章页"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED and submission.comment == "缺少签章页"
    body = client_as("pm").get(submission.get_absolute_url()).content.decode()
    assert "缺少签章页" in body and 'data-testid="submit-again"' in body


def test_the_submitter_cannot_handle_their_own_submission(world, led, client_as):
    submission = submit(world)
    client = client_as("pm")
    assert (
        'data-testid="handle-form"'
        not in client.get(submission.get_absolute_url()).content.decode()
    )
    assert client.post(handle_url(submission), {"action": "acknowledge"}).status_code == 403
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


def test_handling_twice_says_it_was_already_handled(world, led, client_as):
    submission = submit(world)
    svc.submission_acknowledge(submission=submission, by=world.users["chief"])
    response = client_as("supervisor").post(
        handle_url(submission), {"action": "return", "comment": "x"}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ACKNOWLEDGED


def test_submissions_list_queries_do_not_grow_with_rows(
    world, led, client_as, django_assert_max_num_queries
):
    submit(world)
    client = client_as("supervisor")
    client.get(LIST)
    with django_assert_max_num_queries(9) as one:
        client.get(LIST)
    for i in range(5):
        submit(world, title=f"报告{i}")
    with django_assert_max_num_queries(9) as many:
        client.get(LIST)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_a_link_from_a_dangerous_work_preselects_the_filing(world, led, client_as):
    work = dw_testing.register(world)
    response = client_as("pm").get(
        NEW, {"kind": SubmissionKind.SCHEME_FILING, "project": led.pk, "dangerous_work": work.pk}
    )
    body = response.content.decode()
    assert f'<option value="{work.pk}" selected>' in body
    assert f'<option value="{led.pk}" selected>' in body
    assert '<option value="scheme_filing" selected>' in body


def test_an_htmx_search_redraws_only_the_results(world, led, client_as):
    submit(world)
    submit(world, title="关于深基坑监测情况的报告")
    response = client_as("supervisor").get(
        LIST, {"q": "深基坑"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and 'data-testid="inflow"' not in body
    assert "关于深基坑监测情况的报告" in body and "十一月" not in body
