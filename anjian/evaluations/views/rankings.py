"""排名 pages: published rankings and the live preview (试算), publishing, one ranking with the
inputs behind every score, its Excel export, a company's history and the formula settings.

A published ranking is rendered only from its snapshot (formula and entries' inputs), never
recomputed; the preview is computed now by `services.ranking_preview`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anjian.accounts.choices import OrgKind
from anjian.accounts.models import Organization
from anjian.core.errors import DomainError
from anjian.core.http import paginate, render_page
from anjian.projects.models import Project

from .. import services as svc
from ..excel import ranking_workbook_response
from ..models import RankingConfig, RankingEntry, RankingSnapshot
from ..ranking import Formula
from ..selectors import company_history, may_see_company, snapshots_visible_to

PREVIEW_PREFIX = "p"
FORMULA_FIELDS = ("min_inspections", "major_penalty", "stop_penalty", "overdue_penalty")


# --- helpers -------------------------------------------------------------------------------------


def _agency_of(user) -> Organization | None:
    """The agency the user works for, when the user is its staff (else None)."""
    if not (user.is_authenticated and user.is_agency_staff and user.organization_id):
        return None
    org = user.organization
    return org if org.kind == OrgKind.AGENCY else None


def _previous_month(today: datetime.date) -> datetime.date:
    return today.replace(day=1) - datetime.timedelta(days=1)


@dataclass
class Row:
    """One unit's line in a ranking table (published or preview)."""

    organization_id: int
    name: str
    rank: int | None
    score: Decimal | None
    ranked: bool
    inputs: dict
    url: str = ""
    mine: bool = False
    previous_rank: int | None = None
    previous_score: Decimal | None = None
    previous_label: str = ""
    has_previous: bool = False
    projects: list = field(default_factory=list)
    hidden_projects: int = 0

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost (negative) since the previous ranking."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def rank_change_abs(self) -> int | None:
        change = self.rank_change
        return None if change is None else abs(change)

    @property
    def score_change(self) -> Decimal | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


def previous_entries(
    *, agency_id: int, unit: str, period_type: str, before: datetime.date, org_ids
) -> dict[int, RankingEntry]:
    """{organization id: its entry in the latest earlier published ranking of the same kind}.

    The batched form of `selectors.previous_entry` (one query for the whole table).
    """
    found: dict[int, RankingEntry] = {}
    if not org_ids:
        return found
    rows = (
        RankingEntry.objects.filter(
            organization_id__in=list(org_ids),
            snapshot__agency_id=agency_id,
            snapshot__unit=unit,
            snapshot__period_type=period_type,
            snapshot__period_start__lt=before,
        )
        .select_related("snapshot")
        .only("organization_id", "rank", "score", "ranked", "snapshot__label")
        .order_by("organization_id", "-snapshot__period_start")
    )
    for entry in rows:
        found.setdefault(entry.organization_id, entry)
    return found


def _rows(user, items, *, agency_id, unit, period_type, start, organizations=None) -> list[Row]:
    """Table rows from (organization id, name, rank, score, ranked, inputs) tuples, with the
    change against the previous ranking, the company link and the user's own row marked."""
    items = list(items)
    ids = [item[0] for item in items]
    previous = previous_entries(
        agency_id=agency_id, unit=unit, period_type=period_type, before=start, org_ids=ids
    )
    if organizations is None:
        organizations = Organization.objects.in_bulk(ids)
    # The user's own unit, its group HQ and, for a group HQ user, its subsidiaries.
    mine = set()
    if user.organization_id:
        mine = {user.organization_id, user.organization.group_id} - {None}
    # A ranking is public (通报), but a project's own figures only to those who may see the
    # project: other companies' projects are counted, not listed (the API does the same).
    project_ids = {
        p.get("project_id") for item in items for p in ((item[5] or {}).get("projects") or [])
    }
    visible = set(
        Project.objects.visible_to(user).filter(pk__in=project_ids).values_list("pk", flat=True)
    )
    rows = []
    for org_id, name, rank, score, ranked, inputs in items:
        org = organizations.get(org_id)
        prev = previous.get(org_id)
        every = (inputs or {}).get("projects") or []
        shown = [p for p in every if p.get("project_id") in visible]
        rows.append(
            Row(
                organization_id=org_id,
                name=name,
                rank=rank,
                score=score,
                ranked=ranked,
                inputs=inputs or {},
                projects=shown,
                hidden_projects=len(every) - len(shown),
                url=reverse("evaluations:company", args=[org_id])
                if org is not None and may_see_company(user, org)
                else "",
                mine=org_id in mine
                or (org is not None and org.group_id and org.group_id == user.organization_id),
                has_previous=prev is not None,
                previous_rank=prev.rank if prev is not None and prev.ranked else None,
                previous_score=prev.score if prev is not None and prev.ranked else None,
                previous_label=prev.snapshot.label if prev is not None else "",
            )
        )
    return rows


def _chart_data(rows) -> list[dict]:
    return [
        {"name": row.name, "score": float(row.score), "mine": row.mine}
        for row in rows
        if row.ranked and row.score is not None
    ]


def snapshot_rows(user, snapshot: RankingSnapshot) -> list[Row]:
    """The snapshot's rows, ranked first by rank then the unranked by name (from the stored
    entries only)."""
    entries = sorted(
        snapshot.entries.select_related("organization"),
        key=lambda e: (not e.ranked, e.rank or 0, e.name),
    )
    return _rows(
        user,
        [(e.organization_id, e.name, e.rank, e.score, e.ranked, e.inputs) for e in entries],
        agency_id=snapshot.agency_id,
        unit=snapshot.unit,
        period_type=snapshot.period_type,
        start=snapshot.period_start,
        organizations={e.organization_id: e.organization for e in entries},
    )


# --- the rankings page and the preview ----------------------------------------------------------


class ListFilterForm(forms.Form):
    unit = forms.ChoiceField(
        label=gettext_lazy("Ranked units"),
        choices=[("", gettext_lazy("All units"))] + RankingSnapshot.Unit.choices,
        required=False,
    )
    period_type = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[("", gettext_lazy("All periods"))] + RankingSnapshot.Period.choices,
        required=False,
    )

    def value(self, name) -> str:
        return self.cleaned_data.get(name, "") if self.is_valid() else ""


class PreviewForm(forms.Form):
    unit = forms.ChoiceField(
        label=gettext_lazy("Ranked units"), choices=RankingSnapshot.Unit.choices
    )
    period_type = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=RankingSnapshot.Period.choices
    )
    day = forms.DateField(
        label=gettext_lazy("A day in the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    @classmethod
    def from_query(cls, query) -> "PreviewForm":
        """The form bound to the query, or to the defaults (contractors, the previous month)."""
        names = [f"{PREVIEW_PREFIX}-{name}" for name in cls.base_fields]
        if not any(query.get(name) for name in names):
            query = {
                f"{PREVIEW_PREFIX}-unit": RankingSnapshot.Unit.CONTRACTOR,
                f"{PREVIEW_PREFIX}-period_type": RankingSnapshot.Period.MONTH,
                f"{PREVIEW_PREFIX}-day": _previous_month(timezone.localdate())
                .replace(day=1)
                .isoformat(),
            }
        return cls(query, prefix=PREVIEW_PREFIX)

    def query(self) -> str:
        """The cleaned values as a query string of this form."""
        values = self.cleaned_data
        return urlencode(
            {
                f"{PREVIEW_PREFIX}-unit": values["unit"],
                f"{PREVIEW_PREFIX}-period_type": values["period_type"],
                f"{PREVIEW_PREFIX}-day": values["day"].isoformat(),
            }
        )


def _preview_context(request, agency) -> dict:
    """The 试算 panel: the form and, when it is valid, the ranking computed now."""
    form = PreviewForm.from_query(request.GET)
    context = {"preview_form": form, "can_publish": svc.can_publish(request.user)}
    if not form.is_valid():
        return context
    values = form.cleaned_data
    try:
        start, end, label, formula, entries = svc.ranking_preview(
            agency=agency,
            unit=values["unit"],
            period_type=values["period_type"],
            day=values["day"],
        )
    except DomainError as error:
        context["preview_error"] = str(error.message)
        return context
    rows = _rows(
        request.user,
        [(e.unit_id, e.unit_name, e.rank, e.score, e.ranked, e.inputs()) for e in entries],
        agency_id=agency.pk,
        unit=values["unit"],
        period_type=values["period_type"],
        start=start,
    )
    context.update(
        preview={
            "start": start,
            "end": end,
            "label": label,
            "unit_label": RankingSnapshot.Unit(values["unit"]).label,
            "formula": formula,
            "rows": rows,
            "ranked": [row for row in rows if row.ranked],
            "unranked": [row for row in rows if not row.ranked],
            "values": values,
            "published": RankingSnapshot.objects.filter(
                agency=agency,
                unit=values["unit"],
                period_type=values["period_type"],
                period_start=start,
            ).first(),
        }
    )
    return context


@login_required
@require_GET
def rankings(request):
    """Published rankings (every signed-in user) and, for agency staff, the live preview."""
    agency = _agency_of(request.user)
    target = getattr(request.htmx, "target", None) if getattr(request, "htmx", False) else None
    if target == "preview":
        if agency is None:
            raise PermissionDenied
        return render_page(
            request, "evaluations/rankings.html", _preview_context(request, agency), "preview"
        )
    filters = ListFilterForm(request.GET)
    snapshots = (
        snapshots_visible_to(request.user)
        .select_related("agency", "published_by")
        .annotate(ranked_count=Count("entries", filter=Q(entries__ranked=True)))
        .order_by("-period_start", "-published_at", "-pk")
    )
    if unit := filters.value("unit"):
        snapshots = snapshots.filter(unit=unit)
    if period_type := filters.value("period_type"):
        snapshots = snapshots.filter(period_type=period_type)
    context = {
        "filters": filters,
        "page": paginate(request, snapshots),
        "agency": agency,
        "is_admin": request.user.is_admin,
    }
    if agency is not None and target != "results":
        context["formula"] = svc.formula_for(agency)
        context.update(_preview_context(request, agency))
    return render_page(request, "evaluations/rankings.html", context, "results")


@login_required
@require_POST
def publish(request):
    """The leader or the section chief publishes the previewed ranking as a snapshot."""
    agency = _agency_of(request.user)
    if agency is None or not svc.can_publish(request.user):
        raise PermissionDenied
    form = PreviewForm(request.POST, prefix=PREVIEW_PREFIX)
    back = reverse("evaluations:rankings")
    if not form.is_valid():
        messages.error(request, _("Choose the ranked units, the period and a day in it."))
        return redirect(back)
    values = form.cleaned_data
    back += "?" + form.query()
    try:
        snapshot = svc.ranking_publish(
            agency=agency,
            by=request.user,
            unit=values["unit"],
            period_type=values["period_type"],
            day=values["day"],
        )
    except DomainError as error:
        if error.status_code == 403:
            raise PermissionDenied from None
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(
        request,
        _("%(label)s ranking of %(unit)s published; the companies have been notified.")
        % {"label": snapshot.label, "unit": snapshot.get_unit_display()},
    )
    return redirect(snapshot)


# --- one published ranking -----------------------------------------------------------------------


def _snapshot_for_user(user, pk) -> RankingSnapshot:
    return get_object_or_404(
        snapshots_visible_to(user).select_related("agency", "published_by"), pk=pk
    )


@login_required
@require_GET
def ranking_detail(request, pk):
    """One published ranking: formula, chart, table with the change and every score's inputs."""
    snapshot = _snapshot_for_user(request.user, pk)
    rows = snapshot_rows(request.user, snapshot)
    ranked = [row for row in rows if row.ranked]
    return render(
        request,
        "evaluations/ranking_detail.html",
        {
            "snapshot": snapshot,
            "formula": Formula.from_dict(snapshot.formula),
            "rows": rows,
            "ranked": ranked,
            "unranked": [row for row in rows if not row.ranked],
            "chart": _chart_data(ranked),
            "chart_height": 80 + 34 * len(ranked),
            "mine": next((row for row in rows if row.mine), None),
        },
    )


@login_required
@require_GET
def ranking_export(request, pk):
    """The published ranking as an Excel workbook: the ranking and the projects' contributions."""
    snapshot = _snapshot_for_user(request.user, pk)
    rows = snapshot_rows(request.user, snapshot)
    return ranking_workbook_response(snapshot, rows)


# --- a company's history -------------------------------------------------------------------------


def _ranked_counts(snapshot_ids) -> dict[int, int]:
    return dict(
        RankingEntry.objects.filter(snapshot_id__in=set(snapshot_ids), ranked=True)
        .order_by()
        .values_list("snapshot_id")
        .annotate(n=Count("id"))
    )


@login_required
@require_GET
def company(request, pk):
    """A contractor's or group HQ's published ranks over time and why it ranks where it does."""
    org = get_object_or_404(Organization.objects.select_related("group"), pk=pk)
    if not may_see_company(request.user, org):
        raise Http404
    history = company_history(org)
    subsidiaries = []
    if org.kind == OrgKind.GROUP:
        latest_by_org: dict[int, RankingEntry] = {}
        for entry in (
            RankingEntry.objects.filter(
                organization__group=org, snapshot__unit=RankingSnapshot.Unit.CONTRACTOR
            )
            .select_related("snapshot", "organization")
            .order_by("organization_id", "-snapshot__period_start", "-snapshot__published_at")
        ):
            latest_by_org.setdefault(entry.organization_id, entry)
        subsidiaries = sorted(latest_by_org.values(), key=lambda e: e.name)
        others = Organization.objects.filter(group=org).exclude(pk__in=list(latest_by_org))
        unranked_subsidiaries = list(others.order_by("name").values("pk", "name"))
    else:
        unranked_subsidiaries = []
    counts = _ranked_counts([e.snapshot_id for e in history + subsidiaries])
    for entry in history + subsidiaries:
        entry.total_ranked = counts.get(entry.snapshot_id, 0)
    latest = max(
        history,
        key=lambda e: (e.snapshot.period_end, e.snapshot.published_at),
        default=None,
    )
    series: dict[str, dict] = {}
    for entry in history:
        s = entry.snapshot
        key = f"{s.agency_id}-{s.unit}-{s.period_type}"
        line = series.setdefault(
            key,
            {
                "key": key,
                "name": f"{s.get_unit_display()} · {s.get_period_type_display()}",
                "labels": [],
                "ranks": [],
                "scores": [],
                "totals": [],
            },
        )
        line["labels"].append(s.label)
        line["ranks"].append(entry.rank if entry.ranked else None)
        line["scores"].append(float(entry.score) if entry.score is not None else None)
        line["totals"].append(entry.total_ranked)
    lines = sorted(series.values(), key=lambda line: -len(line["labels"]))
    return render(
        request,
        "evaluations/company.html",
        {
            "org": org,
            "history": list(reversed(history)),
            "latest": latest,
            "latest_projects": (latest.inputs or {}).get("projects", []) if latest else [],
            "lines": lines,
            "subsidiaries": subsidiaries,
            "unranked_subsidiaries": unranked_subsidiaries,
        },
    )


# --- the formula ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def formula(request):
    """The agency's ranking formula: staff read it, administrators change it."""
    agency = _agency_of(request.user)
    if agency is None:
        raise PermissionDenied
    current = svc.formula_for(agency)
    values = {name: getattr(current, name) for name in FORMULA_FIELDS}
    error = None
    status = 200
    if request.method == "POST":
        if not request.user.is_admin:
            raise PermissionDenied
        values = {name: (request.POST.get(name) or "").strip()[:20] for name in FORMULA_FIELDS}
        try:
            svc.ranking_config_save(agency=agency, by=request.user, data=values)
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied from None
            error = exc
            status = 400
        else:
            messages.success(request, _("The ranking formula has been saved."))
            return redirect("evaluations:formula")
    config = RankingConfig.objects.filter(agency=agency).first()
    return render(
        request,
        "evaluations/formula.html",
        {
            "agency": agency,
            "formula": current,
            "values": values,
            "error": error,
            "error_field": getattr(error, "field", None),
            "can_edit": request.user.is_admin,
            "config": config,
        },
        status=status,
    )
