"""Writes for the project registry: projects, participating units and key people."""

from django.db import transaction
from django.utils.translation import gettext as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.errors import DomainError

from .choices import ParticipantRole, ProjectRole
from .models import Project, ProjectMember, ProjectParticipant

# Which kind of organisation may take part in which role.
ROLE_ORG_KINDS = {
    ParticipantRole.BUILDER: {OrgKind.BUILDER},
    ParticipantRole.CONTRACTOR: {OrgKind.CONTRACTOR},
    ParticipantRole.SUBCONTRACTOR: {OrgKind.CONTRACTOR},
    ParticipantRole.SUPERVISION: {OrgKind.SUPERVISION},
    ParticipantRole.SURVEY: {OrgKind.SURVEY},
    ParticipantRole.DESIGN: {OrgKind.DESIGN},
    ParticipantRole.MONITORING: {OrgKind.MONITORING},
}


def _require_editor(by, project: Project | None = None):
    if not by.can_edit_registry:
        raise DomainError(_("You may not edit the project registry."))
    if project is not None and project.pk:
        if not Project.objects.editable_by(by).filter(pk=project.pk).exists():
            raise DomainError(_("This project is outside your jurisdiction."))


@transaction.atomic
def project_save(*, project: Project, by) -> Project:
    """Validate and save a project (create or update) within the editor's jurisdiction."""
    _require_editor(by, project)
    if not by.is_admin and by.organization is not None:
        if not by.organization.jurisdiction.filter(pk=project.street_id).exists():
            raise DomainError(_("This street is outside your jurisdiction."), field="street")
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def participant_add(*, project: Project, by, **fields) -> ProjectParticipant:
    """Add an organisation to a project in a role that fits its kind."""
    _require_editor(by, project)
    participant = ProjectParticipant(project=project, **fields)
    allowed = ROLE_ORG_KINDS.get(participant.role, set())
    if participant.organization.kind not in allowed:
        raise DomainError(
            _("A %(kind)s cannot take part as %(role)s.")
            % {
                "kind": participant.organization.get_kind_display(),
                "role": participant.get_role_display(),
            },
            field="organization",
        )
    if ProjectParticipant.objects.filter(
        project=project, organization=participant.organization, role=participant.role
    ).exists():
        raise DomainError(_("This unit already takes part in this role."), field="organization")
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def participant_remove(*, participant: ProjectParticipant, by) -> None:
    """Remove a participating unit from a project."""
    _require_editor(by, participant.project)
    participant.delete()


@transaction.atomic
def member_save(*, member: ProjectMember, by) -> ProjectMember:
    """Add or update a key person; a linked account must belong to a participating unit."""
    _require_editor(by, member.project)
    if member.user_id:
        user_org = member.user.organization_id
        if not ProjectParticipant.objects.filter(
            project=member.project, organization_id=user_org
        ).exists():
            raise DomainError(
                _("The account's organisation does not take part in this project."), field="user"
            )
        if member.organization_id is None:
            member.organization_id = user_org
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_remove(*, member: ProjectMember, by) -> None:
    """Remove a key person from a project."""
    _require_editor(by, member.project)
    member.delete()


@transaction.atomic
def project_import(*, result, by) -> list[Project]:
    """Save every row of a fully valid Excel import (projects, new units, key people) at once."""
    _require_editor(by)
    if not result.ok:
        raise ValueError("refusing to import a sheet with errors")
    created = []
    saved_orgs: dict[str, Organization] = {}
    for row in result.rows:
        project = row.project
        project.save()
        for role, org in row.units:
            if org.pk is None:
                org = saved_orgs.get(org.credit_code) or org
                if org.pk is None:
                    org.save()
                    saved_orgs[org.credit_code] = org
            ProjectParticipant.objects.create(project=project, organization=org, role=role)
        for role, name, phone in row.people:
            unit_role = (
                ParticipantRole.CONTRACTOR
                if role == ProjectRole.PM
                else (ParticipantRole.SUPERVISION)
            )
            org = next((o for r, o in row.units if r == unit_role), None)
            ProjectMember.objects.create(
                project=project,
                role=role,
                name=name,
                phone=phone,
                organization=org if org is not None and org.pk else None,
            )
        created.append(project)
    return created
