"""The 公文收发 API walks the same services as the pages, with the same visibility."""

import base64
import datetime

import pytest
from django.utils import timezone

from anjian.accounts.services import api_token_create
from anjian.documents import services as svc
from anjian.documents.models import Document, Recipient, Submission
from anjian.documents.testing import (
    PDF_BYTES,
    document_objects,
    docx_bytes,
    draft,
    sent,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
NOT_FOUND = "未找到，或无权访问。"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def send(client, method, url, body=None, **headers):
    return getattr(client, method)(
        f"{API}{url}", body or {}, content_type="application/json", **headers
    )


def get(client, url, params=None, **headers):
    return client.get(f"{API}{url}", params or {}, **headers)


def detail(response) -> str:
    return str(response.json().get("detail", ""))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def bearer(world, persona) -> dict:
    _token, key = api_token_create(user=world.users[persona], name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def notice(world, **extra) -> dict:
    """A JSON body for POST /documents: a 通知 to street A1's contractors (project P)."""
    body = {
        "kind": "notice",
        "title": "关于开展冬季施工安全专项检查的通知",
        "body": "各施工单位：\n\n请于本周内完成**冬季施工**安全自查。",
        "audience": {"streets": [world.streets["A1"].pk], "units": ["contractor"]},
        "sign_required": True,
        "sign_deadline": day(3),
        "reply_required": True,
        "reply_deadline": day(7),
        "project_id": world.projects["P"].pk,
        "attachments": [{"filename": "通知.pdf", "content_base64": b64(PDF_BYTES)}],
    }
    body.update(extra)
    return body


# --- the whole path: draft, send, read, sign, reply, track ------------------------------------


def test_chief_sends_a_notice_pm_signs_and_replies_and_the_tracking_table_shows_it(
    world, client_as
):
    chief, pm = client_as("chief"), client_as("pm")
    response = send(chief, "post", "/documents", notice(world))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["status_label"] == "草稿"
    assert data["kind_label"] == "通知" and data["number"] == ""
    assert "<strong>冬季施工</strong>" in data["body_html"]
    assert data["project_id"] == world.projects["P"].pk
    assert data["project_name"] == world.projects["P"].name
    assert data["created_by_name"] == "chief"
    assert data["audience"]["streets"] == [world.streets["A1"].pk]
    assert set(data["allowed_actions"]) >= {"edit", "submit"}
    assert [a["filename"] for a in data["attachments"]] == ["通知.pdf"]
    assert data["attachments"][0]["url"].startswith("/documents/attachments/")
    assert timezone.localtime(datetime.datetime.fromisoformat(data["sign_deadline"])).hour == 18
    assert [e["action"] for e in data["events"]] == ["created"]
    pk = data["id"]

    # PATCH changes only what it is given and adds files.
    response = send(
        chief,
        "patch",
        f"/documents/{pk}",
        {
            "title": "关于开展冬季施工安全专项检查的通知（修订）",
            "attachments": [{"filename": "附表.docx", "content_base64": b64(docx_bytes())}],
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title"].endswith("（修订）") and data["reply_required"] is True
    assert data["audience"]["streets"] == [world.streets["A1"].pk]
    assert len(data["attachments"]) == 2

    # The chief's own draft is sent at once when submitted.
    response = send(chief, "post", f"/documents/{pk}/actions/submit")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "sent" and data["number"] and data["sent_at"]
    assert data["recipient_count"] == 1 and data["read_count"] == 0
    assert data["year"] == timezone.localdate().year
    assert [e["action"] for e in data["events"]] == ["created", "edited", "sent"]
    assert set(data["allowed_actions"]) == {"withdraw", "close", "remind"}

    # pm's inbox: unread, then read by opening it.
    page = get(pm, "/inbox").json()
    assert page["count"] == 1
    row = page["items"][0]
    assert row["document_id"] == pk and row["state"] == "unread" and row["state_label"] == "未读"
    assert row["agency_name"] == world.orgs["agency"].name
    assert row["project_id"] == world.projects["P"].pk and row["read_at"] is None
    url = f"/inbox/{row['id']}"
    response = get(pm, url)
    assert response.status_code == 200, response.content
    opened = response.json()
    assert opened["read_at"] and opened["read_by_name"] == "pm"
    assert opened["state"] == "unsigned" and opened["can_sign"] and opened["can_reply"]
    assert "<strong>" in opened["body_html"] and len(opened["attachments"]) == 2
    assert get(pm, "/inbox", {"state": "unread"}).json()["count"] == 0
    assert get(pm, "/inbox", {"state": "unsigned"}).json()["count"] == 1

    # 签收, once.
    signed = send(pm, "post", f"{url}/sign")
    assert signed.status_code == 200, signed.content
    signed = signed.json()
    assert signed["signed_at"] and signed["signed_by_name"] == "pm"
    assert signed["state"] == "unreplied" and signed["can_sign"] is False
    again = send(client_as("safety"), "post", f"{url}/sign")
    assert again.status_code == 400 and detail(again)

    # A reply with an attachment.
    response = send(
        pm,
        "post",
        f"{url}/replies",
        {
            "body": "已完成自查，整改报告见附件。",
            "attachments": [{"filename": "自查报告.docx", "content_base64": b64(docx_bytes())}],
        },
    )
    assert response.status_code == 201, response.content
    reply = response.json()
    assert reply["by_name"] == "pm" and reply["recipient_id"] == row["id"]
    assert [a["filename"] for a in reply["attachments"]] == ["自查报告.docx"]
    replies = get(pm, f"{url}/replies").json()
    assert [r["id"] for r in replies] == [reply["id"]]
    assert get(pm, url).json()["state"] == "done"

    # The tracking table shows who read, signed and replied, with the reply's file.
    response = get(chief, f"/documents/{pk}/recipients")
    assert response.status_code == 200, response.content
    tracking = response.json()
    assert tracking["summary"] == {
        "total": 1,
        "read": 1,
        "signed": 1,
        "replied": 1,
        "sign_overdue": 0,
        "reply_overdue": 0,
    }
    (item,) = tracking["items"]
    assert item["organization_id"] == world.orgs["contractor_a"].pk
    assert item["project_id"] == world.projects["P"].pk
    assert item["unit"] == "contractor" and item["unit_label"] == "施工单位项目部"
    assert world.projects["P"].name in item["label"]
    assert (item["read_by_name"], item["signed_by_name"], item["replied_by_name"]) == (
        "pm",
        "pm",
        "pm",
    )
    assert item["sign_overdue"] is False and item["reply_overdue"] is False
    assert item["replies"][0]["body"] == "已完成自查，整改报告见附件。"
    assert item["replies"][0]["attachments"][0]["filename"] == "自查报告.docx"
    unsigned = get(chief, f"/documents/{pk}/recipients", {"state": "unsigned"}).json()
    assert unsigned["items"] == [] and unsigned["summary"]["total"] == 1
    assert len(get(chief, f"/documents/{pk}/recipients", {"state": "done"}).json()["items"]) == 1

    # The list counts the inboxes.
    listed = get(chief, "/documents").json()["items"]
    mine = next(d for d in listed if d["id"] == pk)
    assert (mine["recipient_count"], mine["read_count"]) == (1, 1)
    assert (mine["signed_count"], mine["replied_count"], mine["overdue_count"]) == (1, 1, 0)

    # Closed: no more replies.
    closed = send(chief, "post", f"/documents/{pk}/actions/close", {"comment": "已全部回复"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = send(pm, "post", f"{url}/replies", {"body": "补充说明"})
    assert late.status_code == 400 and detail(late)
    assert get(pm, url).json()["can_reply"] is False


def test_the_inbox_works_with_a_bearer_token(world, client):
    objects = document_objects(world)
    row = objects["recipient"]
    headers = bearer(world, "safety")
    page = client.get(f"{API}/inbox", **headers).json()
    assert [r["id"] for r in page["items"]] == [row.pk]
    response = client.get(f"{API}/inbox/{row.pk}", **headers)
    assert response.status_code == 200 and response.json()["state"] == "done"
    # Already read by pm: opening it again keeps pm as the reader.
    assert response.json()["read_by_name"] == "pm"


# --- approval ---------------------------------------------------------------------------------


def test_the_supervisors_submit_waits_for_the_chief_who_returns_then_approves(world, client_as):
    supervisor, chief = client_as("supervisor"), client_as("chief")
    pk = send(supervisor, "post", "/documents", notice(world)).json()["id"]
    url = f"/documents/{pk}"
    response = send(supervisor, "post", f"{url}/actions/submit")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "pending" and data["status_label"] == "待审批"
    assert data["number"] == "" and data["submitted_at"]
    assert data["allowed_actions"] == ["withdraw"]
    assert not Recipient.objects.filter(document_id=pk).exists()

    # The supervisor cannot approve; the admin (neither drafter nor approver) cannot see it.
    refused = send(supervisor, "post", f"{url}/actions/approve")
    assert refused.status_code == 403 and detail(refused)
    assert get(client_as("admin"), url).status_code == 404
    # Nor can the drafter edit it while it waits.
    assert send(supervisor, "patch", url, {"title": "改"}).status_code == 400
    assert get(client_as("pm"), "/inbox").json()["count"] == 0

    assert set(get(chief, url).json()["allowed_actions"]) == {"approve", "return", "withdraw"}
    bare = send(chief, "post", f"{url}/actions/return", {"comment": " "})
    assert bare.status_code == 400 and detail(bare)
    response = send(chief, "post", f"{url}/actions/return", {"comment": "请补充检查范围"})
    assert response.status_code == 200 and response.json()["status"] == "draft"
    events = response.json()["events"]
    assert events[-1]["action"] == "returned" and events[-1]["comment"] == "请补充检查范围"
    assert events[-1]["actor_name"] == "chief"

    edited = send(supervisor, "patch", url, {"body": "各施工单位：请于本周内完成自查。"})
    assert edited.status_code == 200, edited.content
    assert send(supervisor, "post", f"{url}/actions/submit").json()["status"] == "pending"
    response = send(chief, "post", f"{url}/actions/approve", {"comment": "同意"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "sent" and data["number"] and data["approved_by_name"] == "chief"
    assert data["recipient_count"] == 1
    assert [e["action"] for e in data["events"]] == [
        "created",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "sent",
    ]
    assert get(client_as("pm"), "/inbox").json()["count"] == 1

    # A manual reminder reaches the inbox still owing a receipt.
    reminded = send(supervisor, "post", f"{url}/actions/remind")
    assert reminded.status_code == 200, reminded.content
    assert reminded.json()["events"][-1]["action"] == "reminded"
    row = get(chief, f"{url}/recipients").json()["items"][0]
    assert row["reminders"] == 1 and row["reminded_at"]

    # Withdrawn: the inbox shows it, and it can no longer be signed for.
    bare = send(supervisor, "post", f"{url}/actions/withdraw")
    assert bare.status_code == 400 and detail(bare)
    gone = send(supervisor, "post", f"{url}/actions/withdraw", {"comment": "内容有误"})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    pm = client_as("pm")
    inbox_row = get(pm, "/inbox").json()["items"][0]
    assert inbox_row["state"] == "withdrawn"
    late = send(pm, "post", f"/inbox/{inbox_row['id']}/sign")
    assert late.status_code == 400 and detail(late)


def test_patch_changes_only_the_fields_given(world, client_as):
    document = draft(world, project=world.projects["P"])
    url = f"/documents/{document.pk}"
    supervisor = client_as("supervisor")
    response = send(supervisor, "patch", url, {"reply_required": False, "reply_deadline": None})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["reply_required"] is False and data["reply_deadline"] is None
    assert data["sign_required"] is True and data["sign_deadline"]
    assert data["project_id"] == world.projects["P"].pk and data["title"] == document.title
    data = send(supervisor, "patch", url, {"project_id": None, "kind": "bulletin"}).json()
    assert data["project_id"] is None and data["kind_label"] == "通报"
    audience = {"projects": [world.projects["Q"].pk], "units": ["contractor"]}
    data = send(client_as("chief"), "patch", url, {"audience": audience}).json()
    assert data["audience"]["projects"] == [world.projects["Q"].pk]
    assert data["audience"]["streets"] == []
    assert [e["action"] for e in data["events"]] == ["created", "edited", "edited", "edited"]
    assert send(client_as("admin"), "patch", url, {"title": "x"}).status_code == 404
    # A sent document is no longer edited.
    done = sent(world)
    response = send(client_as("chief"), "patch", f"/documents/{done.pk}", {"title": "x"})
    assert response.status_code == 400 and detail(response)


# --- visibility -------------------------------------------------------------------------------


def test_another_contractor_gets_404_on_pms_inbox_row(world, client_as):
    row = document_objects(world)["recipient"]
    pm2 = client_as("pm2")
    url = f"/inbox/{row.pk}"
    for response in (
        get(pm2, url),
        get(pm2, f"{url}/replies"),
        send(pm2, "post", f"{url}/sign"),
        send(pm2, "post", f"{url}/replies", {"body": "x"}),
    ):
        assert response.status_code == 404 and detail(response) == NOT_FOUND
    assert get(pm2, "/inbox").json()["count"] == 0
    # Staff read the tracking table, not inbox rows.
    assert get(client_as("chief"), url).status_code == 404
    # pm2 opening nothing changed nothing.
    assert Recipient.objects.get(pk=row.pk).read_by_id == world.users["pm"].pk


def test_another_agency_sees_none_of_agency_as_documents(world, client_as):
    objects = document_objects(world)
    outsider = client_as("outsider")
    assert get(outsider, "/documents").json()["count"] == 0
    assert get(outsider, "/documents/archive").json() == []
    for key in ("draft", "pending", "sent"):
        pk = objects[key].pk
        assert get(outsider, f"/documents/{pk}").status_code == 404
        assert get(outsider, f"/documents/{pk}/recipients").status_code == 404
        assert send(outsider, "patch", f"/documents/{pk}", {"title": "x"}).status_code == 404
        for action in ("submit", "approve", "remind", "withdraw"):
            response = send(outsider, "post", f"/documents/{pk}/actions/{action}", {"comment": "x"})
            assert response.status_code == 404, (key, action)
    submission = objects["submission"].pk
    assert get(outsider, f"/submissions/{submission}").status_code == 404
    assert send(outsider, "post", f"/submissions/{submission}/acknowledge").status_code == 404
    assert get(outsider, "/submissions").json()["count"] == 0

    # Their own drafts are theirs alone.
    response = send(outsider, "post", "/documents", notice(world, project_id=None))
    assert response.status_code == 201, response.content
    assert get(outsider, "/documents").json()["count"] == 1
    assert get(client_as("chief"), f"/documents/{response.json()['id']}").status_code == 404
    # A project of agency A is not theirs to name.
    foreign = send(outsider, "post", "/documents", notice(world))
    assert foreign.status_code == 400 and foreign.json()["detail"]


def test_staff_see_drafts_only_as_drafter_or_approver(world, client_as):
    objects = document_objects(world)
    admin_ids = {d["id"] for d in get(client_as("admin"), "/documents").json()["items"]}
    assert objects["sent"].pk in admin_ids
    assert objects["draft"].pk not in admin_ids and objects["pending"].pk not in admin_ids
    chief_ids = {d["id"] for d in get(client_as("chief"), "/documents").json()["items"]}
    assert {objects["draft"].pk, objects["pending"].pk, objects["sent"].pk} <= chief_ids
    pending = get(client_as("chief"), "/documents", {"status": "pending"}).json()
    assert [d["id"] for d in pending["items"]] == [objects["pending"].pk]
    found = get(client_as("chief"), "/documents", {"q": "深基坑"}).json()
    assert [d["id"] for d in found["items"]] == [objects["pending"].pk]
    year = get(client_as("chief"), "/documents/archive").json()
    assert year == [{"year": timezone.localdate().year, "count": 1}]


def test_companies_have_no_sender_side(world, client_as):
    objects = document_objects(world)
    pm = client_as("pm")
    assert get(pm, "/documents").json()["count"] == 0
    assert get(pm, f"/documents/{objects['sent'].pk}").status_code == 404
    assert get(pm, f"/documents/{objects['sent'].pk}/recipients").status_code == 404
    refused = send(pm, "post", "/documents", notice(world, attachments=[]))
    assert refused.status_code == 403 and detail(refused)
    # Refused before the input is read: bad base64 does not matter.
    junk = notice(world, attachments=[{"filename": "a.pdf", "content_base64": "!!"}])
    assert send(pm, "post", "/documents", junk).status_code == 403
    assert (
        send(pm, "post", "/documents/audience-preview", {"all_projects": True}).status_code == 403
    )
    assert send(client_as("admin"), "post", "/documents", notice(world)).status_code == 403


def test_anonymous_callers_get_401(world, client):
    objects = document_objects(world)
    for url in ("/documents", f"/documents/{objects['sent'].pk}", "/inbox", "/submissions"):
        assert get(client, url).status_code == 401
    assert send(client, "post", "/documents", notice(world)).status_code == 401


# --- input errors: 400 or 422 with a message, never 500 ---------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "bogus"},
        {"kind": "supervision_letter"},
        {"title": "  "},
        {"title": "长" * 201},
        {"reply_deadline": None},
        {"sign_deadline": day(-1)},
        {"sign_deadline": day(9)},
        {"attachments": [{"filename": "a.pdf", "content_base64": "not base64!"}]},
        {"attachments": [{"filename": "a.pdf", "content_base64": "中文"}]},
        {"attachments": [{"filename": "a.pdf", "content_base64": b64(b"GIF89a not a pdf")}]},
        {"attachments": [{"filename": "a.exe", "content_base64": b64(PDF_BYTES)}]},
        {"attachments": [{"filename": "a.pdf", "content_base64": ""}]},
        {"attachments": [{"filename": "a.pdf", "content_base64": b64(PDF_BYTES)}] * 11},
        {"project_id": 0},
    ],
)
def test_bad_drafts_are_400_with_a_message(world, client_as, change):
    response = send(client_as("chief"), "post", "/documents", notice(world, **change))
    assert response.status_code == 400, response.content
    assert detail(response)
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"sign_deadline": "2026-02-30"},
        {"reply_deadline": "明天"},
        {"audience": {"streets": ["台湖镇"]}},
        {"audience": {"projects": [2**63]}},
        {"project_id": 2**63},
        {"attachments": "通知.pdf"},
        {"title": None},
        {"title": "通知\x00"},  # PostgreSQL cannot store NUL
        {"attachments": [{"filename": "a\x00.pdf", "content_base64": b64(PDF_BYTES)}]},
    ],
)
def test_malformed_drafts_are_422_with_a_chinese_detail(world, client_as, change):
    response = send(client_as("chief"), "post", "/documents", notice(world, **change))
    assert response.status_code == 422, response.content
    assert detail(response) == "请求参数不正确。"


def test_ids_beyond_the_database_unknown_actions_and_bad_filters(world, client_as):
    objects = document_objects(world)
    chief, pm = client_as("chief"), client_as("pm")
    huge = 2**63
    for client, url in (
        (chief, f"/documents/{huge}"),
        (chief, f"/documents/{huge}/recipients"),
        (pm, f"/inbox/{huge}"),
        (pm, f"/inbox/{huge}/replies"),
        (pm, f"/submissions/{huge}"),
        (chief, "/documents?year=abc"),
        (chief, "/documents?year=100000"),
        (pm, "/inbox?year=-1"),
        (chief, f"/documents?page={huge}"),
        (pm, f"/inbox?page={huge}"),
        (pm, f"/submissions?page={huge}"),
        (chief, "/documents?q=%00"),
        (pm, "/inbox?kind=notice%00"),
        (pm, "/submissions?status=%00"),
    ):
        response = get(client, url)
        assert response.status_code == 422, url
        assert detail(response) == "请求参数不正确。"
    assert get(chief, f"/documents/{huge - 1}").status_code == 404
    assert send(chief, "post", f"/documents/{huge}/actions/close").status_code == 422
    unknown = send(chief, "post", f"/documents/{objects['sent'].pk}/actions/fly")
    assert unknown.status_code == 404 and detail(unknown) == NOT_FOUND
    # Unknown filter values just find nothing.
    assert get(chief, "/documents", {"status": "lost", "kind": "x"}).json()["count"] == 0
    assert get(pm, "/inbox", {"state": "nonsense"}).json()["count"] == 1
    assert get(chief, "/documents", {"q": "%_'\"\\"}).status_code == 200
    everyone = get(chief, f"/documents/{objects['sent'].pk}/recipients", {"state": "x"})
    assert everyone.status_code == 200 and len(everyone.json()["items"]) == 1
    # Wrong state: 400 with the document's status in words.
    closed = send(chief, "post", f"/documents/{objects['draft'].pk}/actions/close")
    assert closed.status_code == 400 and detail(closed)


def test_a_draft_without_recipients_cannot_be_sent(world, client_as):
    chief = client_as("chief")
    body = notice(world, audience={"projects": [world.projects["R"].pk]})
    pk = send(chief, "post", "/documents", body).json()["id"]
    response = send(chief, "post", f"/documents/{pk}/actions/submit")
    assert response.status_code == 400 and detail(response)
    assert Document.objects.get(pk=pk).status == "draft"


def test_replies_need_a_text_and_valid_files(world, client_as):
    document = sent(world)
    row = Recipient.objects.get(document=document)
    pm = client_as("pm")
    url = f"/inbox/{row.pk}/replies"
    for body in (
        {"body": "  "},
        {"body": "见附件", "attachments": [{"filename": "a.pdf", "content_base64": "%%%"}]},
        {"body": "见附件", "attachments": [{"filename": "a.docx", "content_base64": b64(b"x")}]},
    ):
        response = send(pm, "post", url, body)
        assert response.status_code == 400 and detail(response), body
    assert send(pm, "post", url, {"attachments": []}).status_code == 422
    assert not row.replies.exists()


def test_audience_preview_counts_what_sending_would_reach(world, client_as):
    chief = client_as("chief")
    response = send(
        chief,
        "post",
        "/documents/audience-preview",
        {"streets": [world.streets["A1"].pk], "units": ["contractor", "supervision", "builder"]},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"inboxes": 3, "projects": 1, "organizations": 3}
    everyone = send(chief, "post", "/documents/audience-preview", {"all_projects": True}).json()
    assert everyone == {"inboxes": 2, "projects": 2, "organizations": 2}
    nobody = send(chief, "post", "/documents/audience-preview", {}).json()
    assert nobody["inboxes"] == 0
    # Agency B reaches its own project R only (contractor A's team there), none of agency A's.
    outsider = send(
        client_as("outsider"), "post", "/documents/audience-preview", {"all_projects": 1}
    )
    assert outsider.status_code == 200
    assert outsider.json() == {"inboxes": 1, "projects": 1, "organizations": 1}


# --- submissions (收文) -----------------------------------------------------------------------


def test_a_report_is_routed_to_the_lead_supervisor_who_acknowledges_it(world, client_as):
    project = world.projects["P"]
    project.lead_supervisor = world.users["supervisor"]
    project.save(update_fields=["lead_supervisor"])
    pm, supervisor = client_as("pm"), client_as("supervisor")
    body = {
        "kind": "report",
        "title": "关于十一月安全生产情况的报告",
        "body": "本月无事故。",
        "project_id": project.pk,
        "attachments": [{"filename": "情况报告.pdf", "content_base64": b64(PDF_BYTES)}],
    }
    response = send(pm, "post", "/submissions", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["status_label"] == "待受理"
    assert data["routed_to_name"] == "supervisor" and data["agency_id"] == world.orgs["agency"].pk
    assert data["organization_name"] == world.orgs["contractor_a"].name
    assert data["attachments"][0]["filename"] == "情况报告.pdf" and data["can_handle"] is False
    url = f"/submissions/{data['id']}"

    mine = get(supervisor, "/submissions", {"mine": "true"}).json()
    assert [s["id"] for s in mine["items"]] == [data["id"]]
    assert get(client_as("chief"), "/submissions", {"mine": "true"}).json()["count"] == 0
    assert get(supervisor, url).json()["can_handle"] is True
    assert get(client_as("pm2"), url).status_code == 404
    assert get(client_as("safety"), url).status_code == 200  # the same company
    refused = send(pm, "post", f"{url}/acknowledge", {"comment": "x"})
    assert refused.status_code == 403 and detail(refused)
    assert send(client_as("admin"), "post", f"{url}/acknowledge").status_code == 403

    response = send(supervisor, "post", f"{url}/acknowledge", {"comment": "已收悉"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "acknowledged" and data["number"]
    assert data["handled_by_name"] == "supervisor" and data["comment"] == "已收悉"
    assert data["can_handle"] is False
    twice = send(client_as("chief"), "post", f"{url}/acknowledge")
    assert twice.status_code == 400 and detail(twice)
    assert get(pm, "/submissions", {"status": "acknowledged"}).json()["count"] == 1


def test_a_submission_is_returned_with_a_reason(world, client_as):
    submission = document_objects(world)["submission"]
    chief = client_as("chief")
    url = f"/submissions/{submission.pk}/return"
    bare = send(chief, "post", url, {"comment": ""})
    assert bare.status_code == 400 and detail(bare)
    response = send(chief, "post", url, {"comment": "材料不全，请补充监测报告"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "returned"
    assert Submission.objects.get(pk=submission.pk).handled_by_id == world.users["chief"].pk


def test_submissions_refuse_staff_and_bad_input(world, client_as):
    pm = client_as("pm")
    base = {"kind": "report", "title": "报告", "body": "内容", "project_id": world.projects["P"].pk}
    refused = send(client_as("supervisor"), "post", "/submissions", base)
    assert refused.status_code == 403 and detail(refused)
    for change in (
        {"kind": "bogus"},
        {"title": ""},
        {"project_id": world.projects["Q"].pk},  # not pm's project
        {"project_id": world.projects["R"].pk, "kind": "scheme_filing"},
        {"kind": "scheme_filing"},  # no dangerous work named
        {"dangerous_work_id": 999999},
        {"body": "", "attachments": []},
        {"attachments": [{"filename": "a.pdf", "content_base64": "@@"}]},
        # Contractor A works under both agencies (P and R): without a project it must choose.
        {"project_id": None},
        {"agency_id": world.orgs["builder"].pk, "project_id": None},
    ):
        response = send(pm, "post", "/submissions", {**base, **change})
        assert response.status_code == 400, (change, response.content)
        assert detail(response)
    malformed = send(pm, "post", "/submissions", {**base, "project_id": "P"})
    assert malformed.status_code == 422
    assert not Submission.objects.exists()


def test_a_scheme_filing_names_its_dangerous_work(world, client_as):
    from anjian.dangerous_works.testing import register

    work = register(world, 5.5)
    body = {
        "kind": "scheme_filing",
        "title": "1#楼基坑专项方案备案",
        "dangerous_work_id": work.pk,
        "attachments": [{"filename": "方案.pdf", "content_base64": b64(PDF_BYTES)}],
    }
    response = send(client_as("pm"), "post", "/submissions", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["project_id"] == world.projects["P"].pk and data["dangerous_work_id"] == work.pk
    assert data["dangerous_work_name"] == work.name
    hidden = send(client_as("pm2"), "post", "/submissions", body)
    assert hidden.status_code == 400 and detail(hidden)


# --- lists do not grow in queries with their rows ---------------------------------------------


def test_lists_query_a_fixed_number_of_times(world, client_as, django_assert_max_num_queries):
    document_objects(world)
    chief, pm = client_as("chief"), client_as("pm")
    calls = [(chief, "/documents"), (chief, "/submissions"), (pm, "/inbox"), (pm, "/submissions")]

    def pinned(at_least):
        for client, path in calls:
            # session, user, count, page (and the inbox's project memberships)
            with django_assert_max_num_queries(6):
                response = get(client, path)
            assert response.status_code == 200 and response.json()["count"] >= at_least, path

    pinned(1)
    for title in ("一", "二", "三", "四"):
        sent(world, title=f"关于第{title}季度安全检查的通知")
        svc.submission_create(
            by=world.users["pm"],
            fields={"kind": "report", "title": title, "body": "x", "project": world.projects["P"]},
        )
    pinned(5)
    # The tracking table: the same queries for one inbox as for three with replies.
    one = Document.objects.order_by("-id").first()
    svc.recipient_reply(recipient=one.recipients.get(), by=world.users["pm"], body="收到")
    with django_assert_max_num_queries(8) as before:
        assert len(get(chief, f"/documents/{one.pk}/recipients").json()["items"]) == 1
    units = ["contractor", "supervision", "builder"]
    three = sent(world, audience={"streets": [world.streets["A1"].pk], "units": units})
    for persona in ("pm", "engineer"):
        user = world.users[persona]
        row = three.recipients.get(organization_id=user.organization_id)
        svc.recipient_reply(recipient=row, by=user, body="收到", files=[])
    with django_assert_max_num_queries(len(before)):
        items = get(chief, f"/documents/{three.pk}/recipients").json()["items"]
    assert len(items) == 3 and sum(len(i["replies"]) for i in items) == 2


# --- the description --------------------------------------------------------------------------


def test_openapi_lists_the_documents_operations(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    expected = {
        "/api/v1/documents": {"get", "post"},
        "/api/v1/documents/audience-preview": {"post"},
        "/api/v1/documents/archive": {"get"},
        "/api/v1/documents/{document_id}": {"get", "patch"},
        "/api/v1/documents/{document_id}/actions/{action}": {"post"},
        "/api/v1/documents/{document_id}/recipients": {"get"},
        "/api/v1/inbox": {"get"},
        "/api/v1/inbox/{recipient_id}": {"get"},
        "/api/v1/inbox/{recipient_id}/sign": {"post"},
        "/api/v1/inbox/{recipient_id}/replies": {"get", "post"},
        "/api/v1/submissions": {"get", "post"},
        "/api/v1/submissions/{submission_id}": {"get"},
        "/api/v1/submissions/{submission_id}/acknowledge": {"post"},
        "/api/v1/submissions/{submission_id}/return": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation["tags"] == ["documents"]
            assert operation["summary"] and operation["description"], (method, path)
    actions = paths["/api/v1/documents/{document_id}/actions/{action}"]["post"]["description"]
    assert all(f"`{a}`" in actions for a in ("submit", "approve", "return", "remind"))
