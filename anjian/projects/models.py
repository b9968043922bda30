"""Projects (工程信息), the organisations taking part and the key people."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.models import ChangeLoggedModel, Street
from anjian.core.validators import validate_permit_number, validate_phone

from .choices import (
    PROJECT_STATUS_COLOURS,
    CertificateKind,
    ConstructionNature,
    CoordinateSystem,
    ParticipantRole,
    Progress,
    ProjectCategory,
    ProjectRole,
    ProjectStatus,
    StructureType,
    SupervisionStatus,
)


class ProjectQuerySet(models.QuerySet):
    """Projects, narrowed to what a user may see."""

    def visible_to(self, user):
        """Agency staff: their jurisdiction (admins: all); companies: projects they take part in;
        group HQ: projects of its subsidiaries; anyone else: nothing."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.is_admin:
            return self
        org = user.organization
        if org is None:
            return self.none()
        if user.is_agency_staff:
            return self.filter(street__in=org.jurisdiction.all())
        if org.kind == OrgKind.GROUP:
            takes_part = ProjectParticipant.objects.filter(
                project=OuterRef("pk"), organization__group=org
            )
        else:
            takes_part = ProjectParticipant.objects.filter(project=OuterRef("pk"), organization=org)
        return self.filter(Exists(takes_part))

    def editable_by(self, user):
        """Projects the user may edit: registry editors within their visible projects."""
        if not user.is_authenticated or not user.can_edit_registry:
            return self.none()
        return self.visible_to(user)


class Project(ChangeLoggedModel):
    """A construction project under supervision, with the fields of DOMAIN.md §6."""

    # identity
    name = models.CharField(_("project name"), max_length=200, db_index=True)
    code = models.CharField(_("project code"), max_length=40, blank=True)
    permit_number = models.CharField(
        _("construction permit number"),
        max_length=30,
        unique=True,
        validators=[validate_permit_number],
    )
    permit_authority = models.CharField(_("permit issued by"), max_length=80, blank=True)
    permit_date = models.DateField(_("permit date"), null=True, blank=True)
    supervision_reg_no = models.CharField(
        _("supervision registration number"), max_length=40, blank=True
    )
    # classification
    category = models.CharField(
        _("category"), max_length=20, choices=ProjectCategory.choices, db_index=True
    )
    subcategory = models.CharField(_("sub-category"), max_length=40, blank=True)
    nature = models.CharField(
        _("nature of construction"),
        max_length=20,
        choices=ConstructionNature.choices,
        default=ConstructionNature.NEW,
    )
    structure_type = models.CharField(
        _("structure type"), max_length=20, choices=StructureType.choices, blank=True
    )
    usage = models.CharField(_("use"), max_length=40, blank=True)
    # location
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="projects"
    )
    address = models.CharField(_("address"), max_length=200)
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(73), MaxValueValidator(136)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(54)],
    )
    coordinate_system = models.CharField(
        _("coordinate system"),
        max_length=10,
        choices=CoordinateSystem.choices,
        default=CoordinateSystem.WGS84,
    )
    # scale
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    floors_above = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    floors_below = models.PositiveSmallIntegerField(_("floors below ground"), null=True, blank=True)
    height = models.DecimalField(
        _("building height (m)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    pit_depth = models.DecimalField(
        _("excavation depth (m)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    length = models.DecimalField(
        _("line length (m)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    cost = models.DecimalField(
        _("contract value (10k yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    safety_fee = models.DecimalField(
        _("safety and civilised construction fee (10k yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # dates
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract completion"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual completion"), null=True, blank=True)
    # supervision
    agency = models.ForeignKey(
        Organization,
        verbose_name=_("supervision agency"),
        on_delete=models.PROTECT,
        related_name="supervised_projects",
        limit_choices_to={"kind": OrgKind.AGENCY},
    )
    lead_supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead supervisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_projects",
    )
    supervision_status = models.CharField(
        _("supervision status"),
        max_length=20,
        choices=SupervisionStatus.choices,
        default=SupervisionStatus.ACTIVE,
        db_index=True,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.UNDER_CONSTRUCTION,
        db_index=True,
    )
    progress = models.CharField(
        _("progress stage"), max_length=20, choices=Progress.choices, blank=True
    )
    engineer_confirms_rectification = models.BooleanField(
        _("rectification replies must be confirmed by the supervising engineer"), default=True
    )
    note = models.TextField(_("note"), blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["street", "status"], name="project_street_status"),
            models.Index(fields=["-created_at", "-id"], name="project_recent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            errors["contract_end"] = _("The completion date cannot be before the start date.")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            errors["actual_end"] = _("The completion date cannot be before the start date.")
        if (self.longitude is None) != (self.latitude is None):
            errors["latitude"] = _("Give both longitude and latitude, or neither.")
        if errors:
            raise ValidationError(errors)

    @property
    def status_colour(self) -> str:
        return PROJECT_STATUS_COLOURS.get(self.status, "secondary")

    @property
    def contract_days(self) -> int | None:
        """合同工期 in days, derived from the contract dates."""
        if self.contract_start and self.contract_end:
            return (self.contract_end - self.contract_start).days + 1
        return None

    def participant(self, role):
        """The first organisation taking part in `role` (uses prefetched participants)."""
        for p in self.participants.all():
            if p.role == role:
                return p.organization
        return None


class ProjectParticipant(ChangeLoggedModel):
    """An organisation taking part in a project (建设/施工/监理/勘察/设计/监测, subcontractors)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    lead_name = models.CharField(_("project lead"), max_length=40, blank=True)
    lead_phone = models.CharField(
        _("lead phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    qualification = models.CharField(_("qualification"), max_length=80, blank=True)
    safety_licence_no = models.CharField(_("safety production licence"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")
        ordering = ["project", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization", "role"], name="participant_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "role"], name="participant_org_role"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}：{self.organization}"

    def changelog_parent(self):
        return self.project


class ProjectMember(ChangeLoggedModel):
    """A key person on a project (项目经理, 专职安全员, 总监…), with an account when they log in."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=20, choices=ProjectRole.choices)
    name = models.CharField(_("full name"), max_length=40)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="project_memberships",
    )
    registration_no = models.CharField(_("registration certificate"), max_length=40, blank=True)
    safety_cert_kind = models.CharField(
        _("safety certificate"), max_length=30, choices=CertificateKind.choices, blank=True
    )
    safety_cert_no = models.CharField(_("safety certificate number"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("key person")
        verbose_name_plural = _("key people")
        ordering = ["project", "role", "id"]
        indexes = [models.Index(fields=["user", "project"], name="member_user_project")]

    def __str__(self):
        return f"{self.get_role_display()}：{self.name}"

    def changelog_parent(self):
        return self.project


__all__ = [
    "Project",
    "ProjectMember",
    "ProjectParticipant",
    "ProjectRole",
    "ParticipantRole",
    "ProjectStatus",
]
