"""Project enums (DOMAIN.md §4.1, §6) with Chinese labels and badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectCategory(models.TextChoices):
    BUILDING = "building", _("Building works")
    MUNICIPAL = "municipal", _("Municipal infrastructure")


class ConstructionNature(models.TextChoices):
    NEW = "new", _("New build")
    EXTENSION = "extension", _("Extension")
    RENOVATION = "renovation", _("Renovation")
    DEMOLITION = "demolition", _("Demolition")


class StructureType(models.TextChoices):
    FRAME = "frame", _("Frame")
    SHEAR_WALL = "shear_wall", _("Shear wall")
    FRAME_SHEAR = "frame_shear", _("Frame-shear wall")
    FRAME_TUBE = "frame_tube", _("Frame-tube")
    MASONRY = "masonry", _("Masonry-concrete")
    STEEL = "steel", _("Steel structure")
    OTHER = "other", _("Other")


class CoordinateSystem(models.TextChoices):
    WGS84 = "wgs84", "WGS-84"
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


class ProjectStatus(models.TextChoices):
    """Construction status (§6)."""

    NOT_STARTED = "not_started", _("Not started")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    PARTIAL_STOP = "partial_stop", _("Partially stopped")
    FULL_STOP = "full_stop", _("Fully stopped")
    SUSPENDED = "suspended", _("Supervision suspended")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Supervision terminated")


PROJECT_STATUS_COLOURS = {
    ProjectStatus.NOT_STARTED: "secondary",
    ProjectStatus.UNDER_CONSTRUCTION: "success",
    ProjectStatus.PARTIAL_STOP: "warning",
    ProjectStatus.FULL_STOP: "danger",
    ProjectStatus.SUSPENDED: "dark",
    ProjectStatus.COMPLETED: "info",
    ProjectStatus.TERMINATED: "light",
}

# Projects the commission actively supervises (used for coverage and dashboards).
ACTIVE_STATUSES = (
    ProjectStatus.NOT_STARTED,
    ProjectStatus.UNDER_CONSTRUCTION,
    ProjectStatus.PARTIAL_STOP,
    ProjectStatus.FULL_STOP,
)


class SupervisionStatus(models.TextChoices):
    """Supervision lifecycle (§4.1)."""

    REGISTERED = "registered", _("Registered")
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Under supervision")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")
    ARCHIVED = "archived", _("Archived")


class Progress(models.TextChoices):
    """形象进度."""

    FOUNDATION = "foundation", _("Foundation")
    STRUCTURE = "structure", _("Main structure")
    FINISHING = "finishing", _("Decoration and fit-out")
    CLOSING = "closing", _("Closing out")


class ParticipantRole(models.TextChoices):
    """How an organisation takes part in a project."""

    BUILDER = "builder", _("Construction unit (owner)")
    CONTRACTOR = "contractor", _("General contractor")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor")
    SUPERVISION = "supervision", _("Supervising firm")
    SURVEY = "survey", _("Survey unit")
    DESIGN = "design", _("Design unit")
    MONITORING = "monitoring", _("Monitoring unit")


class ProjectRole(models.TextChoices):
    """A person's role on a project."""

    PM = "pm", _("Project manager")
    TECH_LEAD = "tech_lead", _("Project technical lead")
    SAFETY_OFFICER = "safety_officer", _("Full-time safety officer")
    CHIEF_ENGINEER = "chief_engineer", _("Chief supervising engineer")
    ENGINEER = "engineer", _("Supervising engineer")
    OWNER_LEAD = "owner_lead", _("Owner's project lead")
    OTHER = "other", _("Other key person")


# Roles held by the contractor's site team and by the supervising firm.
CONTRACTOR_ROLES = frozenset({ProjectRole.PM, ProjectRole.TECH_LEAD, ProjectRole.SAFETY_OFFICER})
SUPERVISION_ROLES = frozenset({ProjectRole.CHIEF_ENGINEER, ProjectRole.ENGINEER})


class CertificateKind(models.TextChoices):
    CONSTRUCTOR = "constructor", _("Registered constructor")
    SAFETY_A = "safety_a", _("Safety certificate A")
    SAFETY_B = "safety_b", _("Safety certificate B")
    SAFETY_C = "safety_c", _("Safety certificate C")
    SUPERVISION_ENGINEER = "supervision_engineer", _("Registered supervising engineer")
    OTHER = "other", _("Other")
