import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client):
    assert client.get(reverse("core:healthz")).json() == {"status": "ok"}


def test_unknown_page_shows_the_friendly_chinese_404(client_as):
    response = client_as("pm").get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404 and 'data-testid="error-404"' in body
    assert "页面不存在" in body or "未找到" in body


def test_company_user_opening_another_companys_project_gets_404(world, client_as):
    response = client_as("pm2").get(reverse("projects:detail", args=[world.projects["P"].pk]))
    assert response.status_code == 404


def test_company_user_opening_an_editor_page_gets_the_403_page(world, client_as):
    response = client_as("pm").get(reverse("projects:edit", args=[world.projects["P"].pk]))
    assert response.status_code == 403 and 'data-testid="error-403"' in response.content.decode()


@pytest.mark.parametrize(
    "persona,visible_count", [("supervisor", 2), ("pm", 2), ("pm2", 1), ("grouphq", 2)]
)
def test_home_page_counts_the_users_projects(world, client_as, persona, visible_count):
    body = client_as(persona).get("/").content.decode()
    assert f'data-testid="project-count">{visible_count}<' in body


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("core:healthz"), HTTP_X_REQUEST_ID="abc-123-def-456")
    assert response["X-Request-ID"] == "abc-123-def-456"
    assert len(client.get(reverse("core:healthz"))["X-Request-ID"]) == 32


def test_language_switcher_turns_the_ui_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log in" in client.get(reverse("accounts:login")).content.decode()


def test_admin_adds_a_street_to_a_district(world, client_as):
    from anjian.core.models import Street

    response = client_as("admin").post(
        reverse("core:regions"),
        {"action": "street", "street-district": world.district.pk, "street-name": "宋庄镇"},
    )
    assert response.status_code == 302
    assert Street.objects.filter(district=world.district, name="宋庄镇").exists()


def test_district_code_must_have_six_digits(client_as, world):
    response = client_as("admin").post(
        reverse("core:regions"),
        {
            "action": "district",
            "district-province": "北京市",
            "district-city": "北京市",
            "district-name": "测试区",
            "district-area_code": "12ab",
        },
    )
    assert "6位数字" in response.content.decode()
