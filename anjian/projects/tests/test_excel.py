import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from anjian.accounts.models import Organization
from anjian.core.validators import make_credit_code
from anjian.projects import excel
from anjian.projects.models import Project, ProjectMember

pytestmark = pytest.mark.django_db


def sheet(rows, headers=None):
    wb = Workbook()
    ws = wb.active
    ws.append(headers or excel.HEADERS)
    for row in rows:
        ws.append([row.get(h, "") for h in (headers or excel.HEADERS)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(
        "projects.xlsx",
        buffer.getvalue(),
        content_type=excel.XLSX_TYPE if hasattr(excel, "XLSX_TYPE") else None,
    )


def good_row(**extra):
    row = {
        "项目名称": "台湖镇C-01地块住宅项目",
        "施工许可证编号": "110112202604010101",
        "工程类别": "房屋建筑",
        "街道": "台湖镇",
        "详细地址": "北京市通州区台湖镇测试路9号",
        "经度": 116.62,
        "纬度": 39.83,
        "合同开工日期": "2026-04-10",
        "合同竣工日期": "2028-04-10",
        "施工总承包单位": "北京新建工程有限公司",
        "施工单位信用代码": make_credit_code("91110112MA0000001"),
        "项目经理": "钱多多",
        "项目经理电话": "13912345678",
    }
    row.update(extra)
    return row


def upload(client, rows, headers=None):
    return client.post(reverse("projects:import"), {"file": sheet(rows, headers)})


def test_valid_sheet_imports_projects_units_and_people(world, client_as):
    response = upload(client_as("supervisor"), [good_row()])
    assert response.status_code == 302
    project = Project.objects.get(permit_number="110112202604010101")
    assert project.street == world.streets["A1"] and project.agency == world.orgs["agency"]
    contractor = Organization.objects.get(name="北京新建工程有限公司")
    assert project.participants.get().organization == contractor
    assert ProjectMember.objects.get(project=project).name == "钱多多"


def test_one_bad_row_saves_nothing_and_reports_each_problem_by_row(world, client_as):
    rows = [
        good_row(),
        good_row(
            **{
                "项目名称": "第二个项目",
                "施工许可证编号": "110112202613400101",  # month 13: no such date
                "街道": "不存在镇",
                "工程类别": "桥梁",
                "经度": "东经",
            }
        ),
    ]
    before = Project.objects.count()
    response = upload(client_as("supervisor"), rows)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-errors"' in body
    assert Project.objects.count() == before
    assert not Organization.objects.filter(name="北京新建工程有限公司").exists()
    result = excel.parse_import(sheet(rows), by=world.users["supervisor"])
    problems = {(row, column) for row, column, _message in result.errors}
    assert problems >= {(3, "施工许可证编号"), (3, "街道"), (3, "工程类别"), (3, "经度")}
    assert all(row == 3 for row, _c, _m in result.errors)
    assert "日期" in body


def test_duplicate_permit_numbers_in_one_sheet_are_reported(world):
    rows = [good_row(), good_row(**{"项目名称": "重复"})]
    result = excel.parse_import(sheet(rows), by=world.users["supervisor"])
    assert any("第 2 行" in m or "row 2" in m for _r, _c, m in result.errors)


def test_permit_number_already_registered_is_reported(world):
    existing = world.projects["P"].permit_number
    result = excel.parse_import(
        sheet([good_row(**{"施工许可证编号": existing})]), by=world.users["supervisor"]
    )
    assert [(r, c) for r, c, _m in result.errors] == [(2, "施工许可证编号")]


def test_missing_required_column_is_reported_before_rows(world):
    headers = [h for h in excel.HEADERS if h != "街道"]
    result = excel.parse_import(sheet([good_row()], headers), by=world.users["supervisor"])
    assert result.errors and result.errors[0][0] == 1 and "街道" in result.errors[0][1]


def test_a_non_excel_file_is_refused_with_a_message(world, client_as):
    bad = SimpleUploadedFile("projects.xlsx", b"not a workbook")
    response = client_as("supervisor").post(reverse("projects:import"), {"file": bad})
    assert (
        response.status_code == 200 and 'data-testid="import-errors"' in response.content.decode()
    )


def test_export_contains_only_visible_filtered_projects(world, client_as):
    response = client_as("pm2").get(reverse("projects:export"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert list(rows[0]) == excel.HEADERS
    assert [r[0] for r in rows[1:]] == [world.projects["Q"].name]


def test_template_round_trips_through_the_import(world, client_as):
    response = client_as("supervisor").get(reverse("projects:import_template"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in next(wb.active.iter_rows(max_row=1))]
    assert headers == excel.HEADERS
