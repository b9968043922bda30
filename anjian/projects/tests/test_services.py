import pytest
from django.contrib.contenttypes.models import ContentType

from anjian.core.context import acting_as
from anjian.core.errors import DomainError
from anjian.core.models import ChangeLogEntry
from anjian.projects.choices import ParticipantRole
from anjian.projects.models import Project, ProjectMember
from anjian.projects.services import member_save, participant_add, project_save

pytestmark = pytest.mark.django_db


def test_supervisor_cannot_create_a_project_outside_the_jurisdiction(world):
    project = Project(
        name="越界项目",
        permit_number="110112202603150201",
        category="building",
        street=world.streets["B1"],
        address="顺义区某路",
        agency=world.orgs["agency"],
    )
    with pytest.raises(DomainError):
        project_save(project=project, by=world.users["supervisor"])
    assert not Project.objects.filter(name="越界项目").exists()


def test_leader_and_company_users_cannot_edit_projects(world):
    project = world.projects["P"]
    for persona in ("leader", "pm", "grouphq"):
        with pytest.raises(DomainError):
            project_save(project=project, by=world.users[persona])


def test_saving_a_project_writes_a_change_log_entry_with_before_and_after(world):
    project = world.projects["P"]
    supervisor = world.users["supervisor"]
    project.address = "北京市通州区台湖镇新地址1号"
    with acting_as(supervisor, request_id="req-12345678"):
        project_save(project=project, by=supervisor)
    entry = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Project), object_id=str(project.pk)
    ).first()
    assert entry.action == "update"
    assert entry.actor == supervisor and entry.request_id == "req-12345678"
    assert entry.after["address"] == "北京市通州区台湖镇新地址1号"
    assert entry.before["address"] != entry.after["address"]


def test_change_log_is_append_only(world):
    entry = ChangeLogEntry.objects.first()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        ChangeLogEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        ChangeLogEntry.objects.update(object_repr="x")


def test_user_password_is_never_written_to_the_change_log(world):
    entries = ChangeLogEntry.objects.filter(object_repr="pm", action="create")
    assert entries and all(e.after["password"] in ("******", "") for e in entries)


def test_participant_must_fit_the_role(world):
    with pytest.raises(DomainError):
        participant_add(
            project=world.projects["P"],
            by=world.users["supervisor"],
            organization=world.orgs["firm"],
            role=ParticipantRole.CONTRACTOR,
        )


def test_participant_changes_show_in_the_projects_history(world, client_as):
    from django.urls import reverse

    with acting_as(world.users["supervisor"]):
        participant_add(
            project=world.projects["Q"],
            by=world.users["supervisor"],
            organization=world.orgs["firm"],
            role=ParticipantRole.SUPERVISION,
        )
    body = client_as("supervisor").get(reverse("projects:history", args=[world.projects["Q"].pk]))
    assert world.orgs["firm"].name in body.content.decode()


def test_member_account_must_belong_to_a_participating_unit(world):
    member = ProjectMember(
        project=world.projects["Q"], role="pm", name="张三", user=world.users["pm"]
    )
    with pytest.raises(DomainError):
        member_save(member=member, by=world.users["supervisor"])
