"""One dangerous work's pages as each role sees them: register and edit, every lifecycle step
posted from the page, refusals, files, monitoring, patrols and 未批先干 reports."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from anjian.dangerous_works import testing, workflow
from anjian.dangerous_works.models import DangerousWork, MonitoringReading, Patrol

pytestmark = pytest.mark.django_db


def register_url(world):
    return reverse("dangerous_works:register", args=[world.projects["P"].pk])


def act_url(work, action):
    return reverse("dangerous_works:act", args=[work.pk, action])


def pit_form(**extra) -> dict:
    data = {
        "name": "1#楼基坑开挖与支护",
        "subtype": "PIT:excavation",
        "param_excavation_depth": "5.5",
        "location": "1#楼基坑",
        "planned_start": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "planned_end": (timezone.localdate() + datetime.timedelta(days=70)).isoformat(),
        "tech_lead": "赵工",
        "safety_officer": "钱安全",
    }
    data.update(extra)
    return data


def step_data(work, action, **extra) -> dict:
    """What the step form posts: comment, document, dates, confirmation and signatures."""
    data = {"comment": "同意"}
    signatures = testing.signatures_for(work, action)
    if signatures:
        for name in ("role", "name", "title", "employer", "image"):
            data[f"sig_{name}"] = [s.get(name, "") for s in signatures]
    if action in workflow.DOCUMENTS:
        data["document"] = SimpleUploadedFile("方案.pdf", testing.PDF)
    if action in workflow.ARGUE_ACTIONS:
        data["held_on"] = timezone.localdate().isoformat()
        data["comment"] = "方案内容完整、可行，同意通过。"
    if action == workflow.START:
        data["started_on"] = timezone.localdate().isoformat()
    if action == workflow.DISCLOSE:
        data["posted"] = "1"
    data.update(extra)
    return data


def status_of(work) -> str:
    return DangerousWork.objects.get(pk=work.pk).status


# --- register and edit ---------------------------------------------------------------------------


def test_contractor_registers_a_deep_pit_and_sees_it_over_threshold_with_the_reason(
    world, client_as
):
    client = client_as("pm")
    form = client.get(register_url(world))
    body = form.content.decode()
    assert form.status_code == 200
    assert 'name="param_excavation_depth"' in body and "<optgroup" in body
    assert reverse("dangerous_works:classify") in body
    response = client.post(register_url(world), pit_form())
    work = DangerousWork.objects.get()
    assert response.status_code == 302 and response["Location"] == work.get_absolute_url()
    assert work.level == "super" and work.params == {"excavation_depth": 5.5}
    assert work.needs_acceptance and work.needs_monitoring  # the category's defaults
    page = client.get(work.get_absolute_url()).content.decode()
    assert "超过一定规模" in page and "开挖深度≥5m" in page


def test_register_form_shows_only_the_parameters_of_the_chosen_sub_type(world, client_as):
    body = client_as("pm").post(register_url(world), pit_form(name="")).content.decode()
    depth = body.index('data-subtypes="PIT:excavation"')
    assert "display:none" not in body[depth : body.index(">", depth)]
    height = body.index('name="param_erection_height"')
    wrapper = body.rindex("data-subtypes=", 0, height)
    assert "display:none" in body[wrapper : body.index(">", wrapper)]


def test_bad_number_keeps_everything_typed_and_names_the_parameter(world, client_as):
    response = client_as("pm").post(
        register_url(world), pit_form(param_excavation_depth="五米半", site_manager="孙现场")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "开挖深度" in body and 'value="五米半"' in body
    assert 'value="1#楼基坑开挖与支护"' in body and 'value="孙现场"' in body
    assert not DangerousWork.objects.exists()


def test_parameters_under_every_threshold_are_refused_with_a_message(world, client_as):
    response = client_as("pm").post(register_url(world), pit_form(param_excavation_depth="2"))
    assert response.status_code == 400
    assert 'data-testid="params-error"' in response.content.decode()
    assert not DangerousWork.objects.exists()


def test_register_is_404_for_another_company_and_403_for_the_supervising_engineer(world, client_as):
    assert client_as("pm2").get(register_url(world)).status_code == 404
    assert client_as("outsider").get(register_url(world)).status_code == 404
    assert client_as("engineer").get(register_url(world)).status_code == 403
    assert client_as("engineer").post(register_url(world), pit_form()).status_code == 403
    assert client_as("supervisor").get(register_url(world)).status_code == 200
    assert not DangerousWork.objects.exists()


def test_contractor_edits_the_depth_and_the_level_follows(world, client_as):
    work = testing.register(world)
    url = reverse("dangerous_works:edit", args=[work.pk])
    client = client_as("pm")
    form = client.get(url).content.decode()
    assert 'value="5.5"' in form and 'name="needs_acceptance"' in form
    response = client.post(url, pit_form(param_excavation_depth="4", needs_acceptance="on"))
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.level == "danger" and work.params == {"excavation_depth": 4.0}
    assert work.needs_acceptance and not work.needs_monitoring
    assert work.steps.filter(action="edited").exists()


def test_edit_is_403_for_the_engineer_and_explained_once_the_scheme_is_under_review(
    world, client_as
):
    work = testing.register(world)
    url = reverse("dangerous_works:edit", args=[work.pk])
    assert client_as("engineer").get(url).status_code == 403
    assert client_as("pm2").get(url).status_code == 404
    testing.walk(work, world, workflow.CONTRACTOR_REVIEW)
    response = client_as("pm").get(url, follow=True)
    assert response.redirect_chain[-1][0] == work.get_absolute_url()
    assert "施工单位审核中" in response.content.decode()
    assert client_as("pm").post(url, pit_form(param_excavation_depth="4")).status_code == 302
    assert DangerousWork.objects.get(pk=work.pk).level == "super"


def test_a_scheme_written_by_a_subcontractor_needs_its_technical_chief_too(world, client_as):
    from anjian.accounts.choices import OrgKind
    from anjian.core.testing.personas import make_org
    from anjian.projects.choices import ParticipantRole
    from anjian.projects.models import ProjectParticipant

    sub = make_org("北京深基础工程有限公司", OrgKind.CONTRACTOR)
    ProjectParticipant.objects.create(
        project=world.projects["P"], organization=sub, role=ParticipantRole.SUBCONTRACTOR
    )
    client = client_as("pm")
    assert "北京深基础工程有限公司" in client.get(register_url(world)).content.decode()
    assert client.post(register_url(world), pit_form(subcontractor=sub.pk)).status_code == 302
    work = DangerousWork.objects.get()
    assert work.subcontractor == sub
    testing.walk(work, world, workflow.CONTRACTOR_REVIEW)
    page = client.get(work.get_absolute_url()).content.decode()
    form = page[page.index('data-testid="step-form-approve_internal"') :]
    assert "分包单位技术负责人" in form[: form.index("</form>")]
    data = step_data(work, workflow.APPROVE_INTERNAL)
    assert len(data["sig_role"]) == 2
    assert client.post(act_url(work, workflow.APPROVE_INTERNAL), data).status_code == 302
    assert status_of(work) == workflow.SUPERVISOR_REVIEW


# --- the lifecycle from the page -----------------------------------------------------------------

WALK = [
    (workflow.DRAFT, "pm", workflow.DRAFTING),
    (workflow.SUBMIT, "safety", workflow.CONTRACTOR_REVIEW),
    (workflow.APPROVE_INTERNAL, "pm", workflow.SUPERVISOR_REVIEW),
    (workflow.APPROVE_REVIEW, "engineer", workflow.EXPERT_REVIEW),
    (workflow.ARGUE_PASS, "pm", workflow.APPROVED),
    (workflow.DISCLOSE, "safety", workflow.DISCLOSED),
    (workflow.START, "pm", workflow.IN_PROGRESS),
    (workflow.REQUEST_ACCEPTANCE, "pm", workflow.ACCEPTANCE),
    (workflow.ACCEPT, "pm", workflow.IN_PROGRESS),
    (workflow.COMPLETE, "pm", workflow.COMPLETED),
]


def test_a_deep_pit_walks_from_registration_to_completion_through_the_page(world, client_as):
    work = testing.register(world)
    for action, persona, target in WALK:
        client = client_as(persona)
        page = client.get(work.get_absolute_url())
        assert page.status_code == 200
        assert f'data-testid="action-{action}"' in page.content.decode()
        # Everyone else who can see the project sees the page without that button.
        other = client_as("supervisor").get(work.get_absolute_url())
        assert other.status_code == 200
        assert f'data-testid="action-{action}"' not in other.content.decode()
        response = client.post(act_url(work, action), step_data(work, action))
        assert response.status_code == 302, response.content.decode()[:2000]
        assert status_of(work) == target, action
        work = DangerousWork.objects.get(pk=work.pk)
    page = client_as("pm").get(work.get_absolute_url()).content.decode()
    assert 'data-testid="no-actions"' in page
    argumentation = work.argumentations.get()
    assert argumentation.verdict == "passed" and len(argumentation.experts) == 5
    assert "王建国" in page and "专家论证报告" in page
    assert work.steps.get(action=workflow.APPROVE_REVIEW).signatures.get().role == (
        "chief_engineer"
    )
    assert work.steps.get(action=workflow.DISCLOSE).signatures.count() == 3
    assert work.documents.filter(kind="scheme").count() == 1


def test_the_chief_engineer_finds_their_own_name_under_their_signature(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.SUPERVISOR_REVIEW)
    page = client_as("engineer").get(work.get_absolute_url()).content.decode()
    form = page[page.index('data-testid="step-form-approve_review"') :]
    assert 'name="sig_name" value="engineer"' in form[: form.index("</form>")]


def test_argumentation_form_offers_five_expert_rows(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.EXPERT_REVIEW)
    page = client_as("pm").get(work.get_absolute_url()).content.decode()
    form = page[page.index('data-testid="step-form-argue_pass"') :]
    form = form[: form.index("</form>")]
    assert form.count('name="sig_employer"') == 6  # five rows and the template of a sixth
    assert 'data-testid="add-expert"' in form and 'name="held_on"' in form


def test_a_missing_document_is_refused_and_the_comment_kept(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.DRAFTING)
    data = step_data(work, workflow.SUBMIT, comment="第一版方案，请审核")
    del data["document"]
    response = client_as("pm").post(act_url(work, workflow.SUBMIT), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "专项施工方案" in body and "第一版方案，请审核" in body
    assert 'id="step-body-submit"' in body and 'data-testid="step-error"' in body
    assert status_of(work) == workflow.DRAFTING and not work.documents.exists()


def test_a_missing_signature_is_refused(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.CONTRACTOR_REVIEW)
    response = client_as("pm").post(act_url(work, workflow.APPROVE_INTERNAL), {"comment": "同意"})
    assert response.status_code == 400 and "施工单位技术负责人" in response.content.decode()
    assert status_of(work) == workflow.CONTRACTOR_REVIEW


def test_a_return_without_comment_is_refused(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.SUPERVISOR_REVIEW)
    response = client_as("engineer").post(act_url(work, workflow.RETURN_REVIEW), {"comment": ""})
    assert response.status_code == 400 and 'data-testid="step-error"' in response.content.decode()
    assert status_of(work) == workflow.SUPERVISOR_REVIEW


def test_four_experts_are_not_enough_and_their_names_stay_in_the_form(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.EXPERT_REVIEW)
    data = step_data(work, workflow.ARGUE_PASS)
    for name in ("role", "name", "title", "employer", "image"):
        data[f"sig_{name}"] = data[f"sig_{name}"][:4]
    response = client_as("pm").post(act_url(work, workflow.ARGUE_PASS), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "论证专家" in body and 'value="陈立新"' in body and "方案内容完整" in body
    assert status_of(work) == workflow.EXPERT_REVIEW and not work.argumentations.exists()


def test_disclosure_needs_the_posted_confirmation(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.APPROVED)
    data = step_data(work, workflow.DISCLOSE)
    del data["posted"]
    response = client_as("pm").post(act_url(work, workflow.DISCLOSE), data)
    assert response.status_code == 400 and "第十四条" in response.content.decode()
    assert status_of(work) == workflow.APPROVED


def test_the_wrong_persona_gets_403_and_an_outsider_404(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.SUPERVISOR_REVIEW)
    for persona, action in (
        ("pm", workflow.APPROVE_REVIEW),
        ("safety", workflow.APPROVE_REVIEW),
        ("supervisor", workflow.APPROVE_REVIEW),
        ("engineer", workflow.APPROVE_INTERNAL),
    ):
        data = step_data(work, action)
        assert client_as(persona).post(act_url(work, action), data).status_code == 403
    assert client_as("pm2").post(act_url(work, workflow.APPROVE_REVIEW), {}).status_code == 404
    assert client_as("pm").get(act_url(work, workflow.SUBMIT)).status_code == 405
    assert status_of(work) == workflow.SUPERVISOR_REVIEW


def test_detail_page_renders_for_every_role_who_can_see_the_project(world, client_as):
    work = testing.work_objects(world)["building"]
    for persona in ("pm", "safety", "engineer", "supervisor", "chief", "leader", "admin"):
        assert client_as(persona).get(work.get_absolute_url()).status_code == 200, persona
    for persona in ("pm2", "outsider"):
        assert client_as(persona).get(work.get_absolute_url()).status_code == 404, persona
    assert client_as("anonymous").get(work.get_absolute_url()).status_code == 302


def test_detail_page_query_count_is_pinned(world, client_as, django_assert_max_num_queries):
    work = testing.work_objects(world)["building"]
    for index in range(3):
        testing.svc.patrol_add(work=work, by=world.users["pm"], party="contractor", result="normal")
        testing.svc.reading_add(
            work=work,
            by=world.users["engineer"],
            point=f"CJ-{index}",
            quantity="沉降",
            value="31",
            alarm_value="30",
            unit="mm",
        )
    client = client_as("pm")
    client.get(work.get_absolute_url())
    with django_assert_max_num_queries(18):
        assert client.get(work.get_absolute_url()).status_code == 200


# --- files -----------------------------------------------------------------------------------------


def test_documents_and_signatures_download_for_the_project_and_not_for_outsiders(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.SUPERVISOR_REVIEW)
    doc = work.documents.get(kind="scheme")
    url = reverse("dangerous_works:document", args=[doc.pk])
    response = client_as("supervisor").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == testing.PDF
    assert "filename*=utf-8''%E6%96%B9%E6%A1%88.pdf" in response["Content-Disposition"]
    assert client_as("pm2").get(url).status_code == 404
    signature = work.steps.get(action=workflow.APPROVE_INTERNAL).signatures.get()
    sig_url = reverse("dangerous_works:signature", args=[signature.pk])
    assert sig_url in client_as("pm").get(work.get_absolute_url()).content.decode()
    image = client_as("engineer").get(sig_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client_as("outsider").get(sig_url).status_code == 404


def test_contractor_uploads_a_monitoring_plan(world, client_as):
    work = testing.register(world)
    url = reverse("dangerous_works:document_upload", args=[work.pk])
    response = client_as("pm").post(
        url,
        {
            "kind": "monitoring_plan",
            "title": "基坑监测方案",
            "file": SimpleUploadedFile("监测方案.pdf", testing.PDF),
        },
    )
    assert response.status_code == 302
    assert work.documents.get().title == "基坑监测方案"
    refused = client_as("pm").post(
        url, {"kind": "other", "title": "照片", "file": SimpleUploadedFile("a.exe", b"MZ")}
    )
    assert refused.status_code == 400 and 'value="照片"' in refused.content.decode()
    assert client_as("supervisor").post(url, {"kind": "other"}).status_code == 403


# --- monitoring, patrols, 未批先干 ------------------------------------------------------------------


def test_an_alarm_reading_shows_until_it_is_dealt_with(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.IN_PROGRESS)
    client = client_as("pm")
    response = client.post(
        reverse("dangerous_works:reading_add", args=[work.pk]),
        {
            "point": "ZQS-1",
            "quantity": "支护桩顶水平位移",
            "value": "32",
            "unit": "mm",
            "alarm_value": "30",
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "source": "third_party",
        },
    )
    assert response.status_code == 302
    reading = MonitoringReading.objects.get()
    assert reading.is_alarm
    page = client.get(work.get_absolute_url()).content.decode()
    assert 'data-testid="open-alarm"' in page and 'data-warning="monitoring_alarm"' in page
    assert "32mm" in page and "30mm" in page
    url = reverse("dangerous_works:alarm_handle", args=[reading.pk])
    empty = client.post(url, {f"r{reading.pk}-handling": ""})
    assert empty.status_code == 400
    done = client_as("engineer").post(url, {f"r{reading.pk}-handling": "已加密监测，卸载坑边堆土"})
    assert done.status_code == 302
    reading.refresh_from_db()
    assert reading.handled_at is not None
    page = client.get(work.get_absolute_url()).content.decode()
    assert 'data-testid="open-alarm"' not in page and "monitoring_alarm" not in page
    assert client_as("supervisor").post(url, {}).status_code == 403


def test_a_reading_with_a_bad_value_keeps_the_typed_values(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.IN_PROGRESS)
    response = client_as("pm").post(
        reverse("dangerous_works:reading_add", args=[work.pk]),
        {
            "point": "ZQS-9",
            "quantity": "沉降",
            "value": "abc",
            "alarm_value": "30",
            "source": "contractor",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and 'value="ZQS-9"' in body and 'value="abc"' in body
    assert not MonitoringReading.objects.exists()


def test_each_side_records_patrols_of_its_own_unit(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.IN_PROGRESS)
    url = reverse("dangerous_works:patrol_add", args=[work.pk])
    page = client_as("engineer").get(work.get_absolute_url()).content.decode()
    assert '<option value="supervision">监理单位</option>' in page
    assert '<option value="contractor">施工单位</option>' not in page
    response = client_as("engineer").post(
        url, {"party": "supervision", "result": "abnormal", "notes": "坑边堆载超过设计值"}
    )
    assert response.status_code == 302
    assert Patrol.objects.get().party == "supervision"
    assert client_as("pm").post(url, {"party": "supervision", "result": "normal"}).status_code == (
        400
    )
    no_notes = client_as("pm").post(url, {"party": "contractor", "result": "abnormal"})
    assert no_notes.status_code == 400
    assert client_as("supervisor").post(url, {"party": "supervision"}).status_code == 403
    page = client_as("pm").get(work.get_absolute_url()).content.decode()
    assert "坑边堆载超过设计值" in page


def test_supervisor_reports_work_started_before_approval(world, client_as):
    work = testing.walk(testing.register(world), world, workflow.CONTRACTOR_REVIEW)
    url = reverse("dangerous_works:site_started", args=[work.pk])
    assert 'data-testid="report-site-started"' not in (
        client_as("pm").get(work.get_absolute_url()).content.decode()
    )
    assert client_as("pm").post(url, {"started_on": "2020-01-01", "comment": "x"}).status_code == (
        403
    )
    page = client_as("supervisor").get(work.get_absolute_url()).content.decode()
    assert 'data-testid="report-site-started"' in page
    empty = client_as("supervisor").post(url, {"started_on": timezone.localdate().isoformat()})
    assert empty.status_code == 400
    response = client_as("supervisor").post(
        url,
        {
            "started_on": timezone.localdate().isoformat(),
            "comment": "现场已开挖约2米，未见批准方案",
        },
    )
    assert response.status_code == 302
    page = client_as("pm").get(work.get_absolute_url()).content.decode()
    assert 'data-warning="started_before_approval"' in page and "未批先干" in page
    assert "现场已开挖约2米" in page


def test_findings_and_hazards_of_the_work_are_linked_from_its_page(world, client_as):
    from anjian.inspections.models import InspectionAnswer
    from anjian.inspections.services import records as rec
    from anjian.inspections.testing import jpeg, record_objects, signature_data_url

    work = testing.walk(testing.register(world), world, workflow.IN_PROGRESS)
    objects = record_objects(world)
    supervisor, chief = world.users["supervisor"], world.users["chief"]
    inspection = rec.inspection_start(
        project=world.projects["P"], template=objects["template"], by=supervisor, inspectors=[chief]
    )
    answer = InspectionAnswer.objects.get(inspection=inspection, item=objects["item"])
    rec.inspection_answer(
        inspection=inspection, item=objects["item"], by=supervisor, result="noncompliant"
    )
    rec.inspection_photo_add(inspection=inspection, by=supervisor, data=jpeg(), answer=answer)
    rec.finding_save(
        inspection=inspection,
        by=supervisor,
        answer=answer,
        description="基坑周边未设置防护栏杆",
        location="1#楼基坑",
        grade="general",
        dangerous_work=work,
    )
    # While the inspection is open only the supervision staff see the finding.
    assert (
        "基坑周边未设置防护栏杆"
        in client_as("supervisor").get(work.get_absolute_url()).content.decode()
    )
    assert (
        "基坑周边未设置防护栏杆"
        not in client_as("pm").get(work.get_absolute_url()).content.decode()
    )
    for inspector in (supervisor, chief):
        rec.inspection_sign(
            inspection=inspection,
            by=supervisor,
            role="inspector",
            image_data=signature_data_url(),
            signer=inspector,
        )
    rec.inspection_finish(inspection=inspection, by=supervisor, notice_kind="rectify")
    hazard = work.hazards.get()
    page = client_as("pm").get(work.get_absolute_url()).content.decode()
    assert hazard.get_absolute_url() in page and "基坑周边未设置防护栏杆" in page
