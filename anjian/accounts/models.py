"""Organisations, users, API tokens and failed-login records."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ChangeLoggedModel, District, Street
from anjian.core.validators import normalize_credit_code, validate_credit_code, validate_phone

from .choices import AGENCY_EDITORS, ORG_KIND_COLOURS, AgencyRole, OrgKind


class OrganizationQuerySet(models.QuerySet):
    """Organisations, narrowed to what a user may see."""

    def visible_to(self, user):
        """Agency staff see every organisation; companies see their own and their partners."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_agency_staff:
            return self
        org = user.organization
        if org is None:
            return self.none()
        from anjian.projects.models import Project, ProjectParticipant

        projects = Project.objects.visible_to(user).values("pk")
        partner_ids = ProjectParticipant.objects.filter(project__in=projects).values(
            "organization_id"
        )
        q = Q(pk=org.pk) | Q(pk__in=partner_ids)
        if org.group_id:
            q |= Q(pk=org.group_id)
        if org.kind == OrgKind.GROUP:
            q |= Q(group=org)
        return self.filter(q)


class Organization(ChangeLoggedModel):
    """A company or agency: 监督机构, 建设/施工/监理/勘察/设计/监测单位 or 集团总公司."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrgKind.choices, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, checked with its check character."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    group = models.ForeignKey(
        "self",
        verbose_name=_("group headquarters"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        limit_choices_to={"kind": OrgKind.GROUP},
        help_text=_("The 集团总公司 a contractor belongs to."),
    )
    # Jurisdiction of a supervision agency.
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    jurisdiction = models.ManyToManyField(
        Street, verbose_name=_("jurisdiction (streets)"), blank=True, related_name="agencies"
    )
    # Numbering of the agency's documents, e.g. 〔{year}〕安监检字第{seq:04d}号.
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        self.credit_code = normalize_credit_code(self.credit_code)
        errors = {}
        if self.group_id and self.kind != OrgKind.CONTRACTOR:
            errors["group"] = _("Only a contractor can belong to a group headquarters.")
        if self.group_id and self.group_id == self.pk:
            errors["group"] = _("An organisation cannot be its own group headquarters.")
        if self.kind == OrgKind.AGENCY and not self.district_id:
            errors["district"] = _("A supervision agency needs its district.")
        if errors:
            raise ValidationError(errors)

    @property
    def kind_colour(self) -> str:
        return ORG_KIND_COLOURS.get(self.kind, "secondary")


class User(AbstractUser, ChangeLoggedModel):
    """A person who logs in; belongs to one organisation, with an agency role for staff."""

    changelog_exclude = ("updated_at", "last_login")
    changelog_secret = ("password",)

    name = models.CharField(_("full name"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    agency_role = models.CharField(
        _("agency role"), max_length=20, choices=AgencyRole.choices, blank=True
    )
    title = models.CharField(_("job title"), max_length=40, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.name or self.username

    def get_full_name(self):
        return self.name or super().get_full_name()

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.agency_role and (
            self.organization is None or self.organization.kind != OrgKind.AGENCY
        ):
            raise ValidationError(
                {"agency_role": _("Only members of a supervision agency have an agency role.")}
            )

    @property
    def org_kind(self) -> str | None:
        return self.organization.kind if self.organization_id else None

    @property
    def is_agency_staff(self) -> bool:
        """Commission staff (any agency role) — or a platform superuser."""
        return self.is_superuser or (bool(self.agency_role) and self.org_kind == OrgKind.AGENCY)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or (
            self.agency_role == AgencyRole.ADMIN and self.org_kind == OrgKind.AGENCY
        )

    @property
    def is_group_viewer(self) -> bool:
        return self.org_kind == OrgKind.GROUP and not self.is_agency_staff

    @property
    def is_company_user(self) -> bool:
        return not self.is_agency_staff and self.organization_id is not None

    @property
    def can_edit_registry(self) -> bool:
        """May create and edit projects and organisations."""
        return self.is_superuser or (self.is_agency_staff and self.agency_role in AGENCY_EDITORS)

    @cached_property
    def role_label(self) -> str:
        """The user's role in words, for the navigation bar and the home page."""
        if self.is_superuser and not self.agency_role:
            return str(_("Platform superuser"))
        if self.agency_role:
            return self.get_agency_role_display()
        if self.is_group_viewer:
            return str(_("Group headquarters"))
        membership = self.project_memberships.filter(is_active=True).order_by("role").first()
        if membership is not None:
            return membership.get_role_display()
        if self.organization_id:
            return self.organization.get_kind_display()
        return ""


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(ChangeLoggedModel):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    PREFIX = "aj_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    key_prefix = models.CharField(_("token prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()
    changelog_exclude = ("updated_at", "last_used_at")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    def changelog_parent(self):
        return self.user

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """One failed login attempt, kept to lock an account or address after repeated failures."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")

    def __str__(self):
        return f"{self.username} @ {self.address or '-'} {self.at:%Y-%m-%d %H:%M}"


def default_deadline_days() -> dict:
    """Default deadline by grade: general 7 days, major immediately ([U], editable)."""
    return {"general": 7, "major": 0}


def default_document_reminder_hours() -> list:
    """Reminders before a document's receipt or reply deadline: a day before, and 4 hours before."""
    return [24, 4]


def default_escalation_ladder() -> list:
    """Reminder a day before, warning at the deadline, escalation after 3 days, letter after 7."""
    return [
        {"code": "reminder", "hours": -24, "notify": ["contractor"]},
        {"code": "warning", "hours": 0, "notify": ["contractor", "supervisor"]},
        {"code": "escalation", "hours": 72, "notify": ["chief", "group"]},
        {
            "code": "letter",
            "hours": 168,
            "notify": ["contractor", "chief", "group"],
            "letter": True,
        },
    ]


class AgencySettings(ChangeLoggedModel):
    """An agency's configurable rules: document numbering, inspectors per inspection, etc."""

    agency = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="agency_settings"
    )
    number_patterns = models.JSONField(
        _("document number patterns"),
        default=dict,
        blank=True,
        help_text=_('Per document kind, e.g. {"inspection": "〔{year}〕安监检字第{seq:04d}号"}.'),
    )
    min_inspectors = models.PositiveSmallIntegerField(
        _("minimum inspectors per supervision inspection"), default=2
    )
    revisit_days = models.PositiveSmallIntegerField(
        _("coverage: days without a visit before a project is flagged"), default=30
    )
    deadline_days = models.JSONField(
        _("default rectification deadlines (days) by grade"),
        default=default_deadline_days,
        blank=True,
        help_text=_('e.g. {"general": 7, "major": 0}; 0 means immediately (end of today).'),
    )
    escalation_ladder = models.JSONField(
        _("overdue escalation ladder"),
        default=default_escalation_ladder,
        blank=True,
        help_text=_(
            "Rungs in order: code, hours relative to the deadline, who is notified "
            "(contractor, supervisor, chief, group), letter (issue a 督办函)."
        ),
    )

    document_sign_days = models.PositiveSmallIntegerField(
        _("official documents: days to sign for a document (default deadline)"), default=3
    )
    document_reminder_hours = models.JSONField(
        _("official documents: reminders, hours before the deadline"),
        default=default_document_reminder_hours,
        blank=True,
    )
    letter_reply_days = models.PositiveSmallIntegerField(
        _("supervision letter: working days to reply"), default=3
    )
    risk_weights = models.JSONField(
        _("project risk score: weight and cap per factor"),
        default=dict,
        blank=True,
        help_text=_(
            'e.g. {"open_major": {"weight": 10, "cap": 40}}; missing factors use the '
            "defaults, weight 0 switches a factor off."
        ),
    )

    class Meta:
        verbose_name = _("agency settings")
        verbose_name_plural = _("agency settings")

    def __str__(self):
        return f"{self.agency} settings"

    def changelog_parent(self):
        return self.agency

    @classmethod
    def for_agency(cls, agency):
        """The agency's settings row, created with the defaults when missing."""
        return cls.for_agency_id(agency.pk)

    @classmethod
    def for_agency_id(cls, agency_id):
        settings_row, _ = cls.objects.get_or_create(agency_id=agency_id)
        return settings_row
