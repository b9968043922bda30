"""Organisation kinds and agency roles, with Chinese labels and badge colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    """What an organisation is (监督机构, 建设单位, 施工单位, …)."""

    AGENCY = "agency", _("Supervision agency")
    BUILDER = "builder", _("Construction unit (owner)")
    CONTRACTOR = "contractor", _("Contractor")
    SUPERVISION = "supervision", _("Supervising firm")
    SURVEY = "survey", _("Survey unit")
    DESIGN = "design", _("Design unit")
    MONITORING = "monitoring", _("Monitoring unit")
    GROUP = "group", _("Group headquarters")


ORG_KIND_COLOURS = {
    OrgKind.AGENCY: "primary",
    OrgKind.BUILDER: "info",
    OrgKind.CONTRACTOR: "success",
    OrgKind.SUPERVISION: "info",
    OrgKind.SURVEY: "secondary",
    OrgKind.DESIGN: "secondary",
    OrgKind.MONITORING: "warning",
    OrgKind.GROUP: "dark",
}


class AgencyRole(models.TextChoices):
    """Roles of the commission's own staff."""

    SUPERVISOR = "supervisor", _("Supervisor")
    CHIEF = "chief", _("Section chief")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


# Agency roles allowed to create and edit projects and organisations.
AGENCY_EDITORS = frozenset({AgencyRole.SUPERVISOR, AgencyRole.CHIEF, AgencyRole.ADMIN})
