import pytest
from django.test import Client
from django.urls import reverse

from anjian.accounts.models import ApiToken, Organization
from anjian.core.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert "登录" in response.content.decode()


def test_wrong_password_five_times_locks_the_login_with_a_chinese_message(world, settings):
    settings.LOGIN_MAX_FAILURES = 5
    client = Client()
    for _ in range(5):
        response = client.post(reverse("accounts:login"), {"username": "pm", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "pm", "password": PASSWORD})
    body = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "登录失败次数过多" in body or "Too many failed logins" in body


def test_correct_password_logs_in_and_redirects_home(world):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "pm", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(world.users["pm"].pk)


def test_profile_creates_a_token_and_shows_it_once(client_as, world):
    client = client_as("pm")
    response = client.post(reverse("accounts:profile"), {"action": "token", "name": "数据接口"})
    body = response.content.decode()
    token = ApiToken.objects.get(user=world.users["pm"])
    assert 'data-testid="new-token"' in body
    again = client.get(reverse("accounts:profile")).content.decode()
    assert 'data-testid="new-token"' not in again and token.key_prefix in again


def test_profile_token_revoke(client_as, world):
    client = client_as("pm")
    client.post(reverse("accounts:profile"), {"action": "token", "name": "x"})
    token = ApiToken.objects.get()
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_invalid_credit_code_is_refused_with_a_chinese_message(client_as):
    client = client_as("admin")
    response = client.post(
        reverse("accounts:org_create"),
        {"name": "北京测试建设有限公司", "kind": "builder", "credit_code": "91110112000000001X"},
    )
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()
    assert not Organization.objects.filter(name="北京测试建设有限公司").exists()


def test_admin_creates_a_user_with_a_password(client_as, world):
    client = client_as("admin")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "newsupervisor",
            "name": "新监督员",
            "organization": world.orgs["agency"].pk,
            "agency_role": "supervisor",
            "is_active": "on",
            "password": "Zx9!long-enough-pass",
        },
    )
    assert response.status_code == 302
    assert Client().login(username="newsupervisor", password="Zx9!long-enough-pass")


def test_agency_role_is_refused_for_a_company_user(client_as, world):
    client = client_as("admin")
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "bad",
            "organization": world.orgs["contractor_a"].pk,
            "agency_role": "supervisor",
            "password": "Zx9!long-enough-pass",
        },
    )
    assert response.status_code == 200
    assert "监督机构" in response.content.decode() or "agency" in response.content.decode()


def test_admin_changes_the_numbering_pattern_and_deadlines(client_as, world):
    import json

    from anjian.accounts.models import AgencySettings
    from anjian.core.numbering import next_number

    data = {
        "inspection_pattern": "通安检〔{year}〕{seq:03d}号",
        "rectify_pattern": "〔{year}〕安监改字第{seq:04d}号",
        "partial_stop_pattern": "〔{year}〕安监局停字第{seq:04d}号",
        "full_stop_pattern": "〔{year}〕安监停字第{seq:04d}号",
        "resume_pattern": "〔{year}〕安监复字第{seq:04d}号",
        "letter_pattern": "〔{year}〕安监督字第{seq:04d}号",
        "dangerous_work_pattern": "通危大〔{year}〕{seq:04d}号",
        "evaluation_notice_pattern": "〔{year}〕安监考字第{seq:04d}号",
        "document_notice_pattern": "通安监通〔{year}〕{seq}号",
        "document_bulletin_pattern": "安监通报〔{year}〕{seq}号",
        "document_file_pattern": "安监发〔{year}〕{seq}号",
        "document_letter_pattern": "安监函〔{year}〕{seq}号",
        "submission_pattern": "收文〔{year}〕{seq:04d}号",
        "document_sign_days": 2,
        "document_reminder_hours": "4，48, 24",
        "letter_reply_days": 5,
        "min_inspectors": 2,
        "revisit_days": 20,
        "general_days": 5,
        "major_days": 1,
        "escalation_ladder": json.dumps(
            [{"code": "warning", "hours": 0, "notify": ["contractor"]}]
        ),
    }
    response = client_as("admin").post("/accounts/agency-settings/", data)
    assert response.status_code == 302
    row = AgencySettings.for_agency(world.orgs["agency"])
    assert row.deadline_days == {"general": 5, "major": 1} and row.revisit_days == 20
    assert row.document_sign_days == 2 and row.letter_reply_days == 5
    assert row.document_reminder_hours == [48, 24, 4]
    assert next_number(agency=world.orgs["agency"], kind="document_notice", year=2026) == (
        "通安监通〔2026〕1号"
    )
    assert (
        next_number(agency=world.orgs["agency"], kind="inspection", year=2026)
        == "通安检〔2026〕001号"
    )
    assert (
        next_number(agency=world.orgs["agency"], kind="dangerous_work", year=2026)
        == "通危大〔2026〕0001号"
    )


def test_bad_pattern_and_ladder_are_refused_with_messages(client_as, world):
    response = client_as("admin").post(
        "/accounts/agency-settings/",
        {
            "inspection_pattern": "no sequence",
            "escalation_ladder": '[{"code": "x", "hours": "soon"}]',
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "{seq}" in body
    assert "no sequence" in body  # what was typed is kept
