"""The access matrix: every page and every API operation, and who may read and write it.

Each URL pattern of the site and each operation of the OpenAPI description needs a row here;
a new URL without a row fails `test_every_url_pattern_has_a_row`. For each row and persona the
test asserts allowed (2xx/3xx other than a login redirect) or refused (login redirect/401 for
anonymous, 403 or 404 for everybody else). Deny by default: a row lists who is allowed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from anjian.api.api import api
from anjian.core.testing.personas import PERSONAS, make_draft_template, make_template
from anjian.dangerous_works.testing import PDF, work_objects
from anjian.documents.testing import document_objects
from anjian.evaluations.testing import evaluation_objects
from anjian.hazards.testing import hazard_objects
from anjian.inspections.testing import jpeg, record_objects, signature_data_url

ANON = "anonymous"
EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {ANON}
AGENCY = frozenset({"supervisor", "chief", "leader", "admin", "outsider"})
AGENCY_A = frozenset({"supervisor", "chief", "leader", "admin"})
EDITORS = frozenset({"supervisor", "chief", "admin", "outsider"})
EDITORS_A = frozenset({"supervisor", "chief", "admin"})
ADMIN = frozenset({"admin"})
# Who may see project P (street A1, contractor A of group G, supervising firm S).
P_READERS = AGENCY_A | {"pm", "safety", "engineer", "grouphq"}
NOBODY = frozenset()
# Who starts supervision inspections, and who may fill in the record of `supervisor`.
INSPECTORS = frozenset({"supervisor", "chief", "outsider"})
RECORD_EDITORS = frozenset({"supervisor", "chief"})


@dataclass(frozen=True)
class Row:
    """Who may GET and who may POST a page; kwargs are built from the world."""

    get: frozenset | None = None
    post: frozenset | None = None
    kwargs: Callable = field(default=lambda w: {})
    data: Callable = field(default=lambda w: {})
    get_ok: tuple = (200,)
    post_may_redirect_to_login: bool = False


def p(w):
    return {"pk": w.projects["P"].pk}


def participant(w):
    return {"pk": w.projects["P"].pk, "participant_pk": w.projects["P"].participants.first().pk}


def member(w):
    return {"pk": w.projects["P"].pk, "member_pk": w.projects["P"].members.first().pk}


def rec(w):
    return {"pk": record_objects(w)["inspection"].pk}


def tpl(w):
    return {"pk": make_template(w).pk}


def draft(w):
    return {"pk": make_draft_template(w).pk}


def draft_section(w):
    template = make_draft_template(w)
    return {"pk": template.pk, "section_pk": template.sections.first().pk}


def draft_item(w):
    template = make_draft_template(w)
    return {"pk": template.pk, "item_pk": template.sections.first().items.first().pk}


def rec_item(w):
    objects = record_objects(w)
    return {"pk": objects["inspection"].pk, "item_pk": objects["item"].pk}


def rec_section(w):
    objects = record_objects(w)
    return {"pk": objects["inspection"].pk, "section_pk": objects["section"].pk}


def rec_photo(w):
    objects = record_objects(w)
    return {"pk": objects["inspection"].pk, "photo_pk": objects["photo"].pk, "variant": "thumb"}


def rec_finding(w):
    objects = record_objects(w)
    return {"pk": objects["inspection"].pk, "finding_pk": objects["finding"].pk}


def rec_signature(w):
    objects = record_objects(w)
    return {"pk": objects["inspection"].pk, "signature_pk": objects["signature"].pk}


PAGES: dict[str, Row] = {
    "core:home": Row(get=SIGNED_IN),
    "core:healthz": Row(get=EVERYONE),
    "core:regions": Row(get=ADMIN, post=ADMIN),
    "set_language": Row(post=EVERYONE, data=lambda w: {"language": "en", "next": "/"}),
    "accounts:login": Row(get=EVERYONE, get_ok=(200, 302)),
    "accounts:logout": Row(post=EVERYONE, post_may_redirect_to_login=True),
    "accounts:password_change": Row(get=SIGNED_IN, post=SIGNED_IN),
    "accounts:profile": Row(get=SIGNED_IN, post=SIGNED_IN, data=lambda w: {"action": "x"}),
    "accounts:token_revoke": Row(post=NOBODY, kwargs=lambda w: {"pk": 999999}),
    "accounts:user_list": Row(get=ADMIN),
    "accounts:agency_settings": Row(get=ADMIN, post=ADMIN),
    "accounts:user_create": Row(get=ADMIN, post=ADMIN),
    "accounts:user_detail": Row(get=ADMIN, kwargs=lambda w: {"pk": w.users["pm"].pk}),
    "accounts:user_edit": Row(get=ADMIN, post=ADMIN, kwargs=lambda w: {"pk": w.users["pm"].pk}),
    "accounts:org_list": Row(get=AGENCY),
    "accounts:org_create": Row(get=EDITORS, post=EDITORS),
    "accounts:org_detail": Row(
        get=AGENCY | {"pm", "safety", "engineer", "grouphq"},
        kwargs=lambda w: {"pk": w.orgs["builder"].pk},
    ),
    "accounts:org_edit": Row(
        get=EDITORS, post=EDITORS, kwargs=lambda w: {"pk": w.orgs["builder"].pk}
    ),
    "projects:list": Row(get=SIGNED_IN),
    "projects:export": Row(get=SIGNED_IN),
    "projects:import": Row(get=EDITORS, post=EDITORS),
    "projects:import_template": Row(get=EDITORS),
    "projects:create": Row(get=EDITORS, post=EDITORS),
    "projects:detail": Row(get=P_READERS, kwargs=p),
    "projects:edit": Row(get=EDITORS_A, post=EDITORS_A, kwargs=p),
    "projects:participants": Row(get=P_READERS, kwargs=p),
    "projects:participant_add": Row(post=EDITORS_A, kwargs=p),
    "projects:participant_delete": Row(post=EDITORS_A, kwargs=participant),
    "projects:people": Row(get=P_READERS, kwargs=p),
    "projects:member_add": Row(get=EDITORS_A, post=EDITORS_A, kwargs=p),
    "projects:member_edit": Row(get=EDITORS_A, post=EDITORS_A, kwargs=member),
    "projects:member_delete": Row(post=EDITORS_A, kwargs=member),
    "projects:history": Row(get=P_READERS, kwargs=p),
    # Inspection records (an in-progress record of project P by `supervisor`).
    "inspections:list": Row(get=SIGNED_IN),
    "inspections:start": Row(get=INSPECTORS, post=INSPECTORS),
    "inspections:detail": Row(get=AGENCY_A, kwargs=rec),
    "inspections:answer": Row(post=RECORD_EDITORS, kwargs=rec_item, data=lambda w: {"note": "x"}),
    "inspections:section_mark": Row(post=RECORD_EDITORS, kwargs=rec_section),
    "inspections:notes": Row(post=RECORD_EDITORS, kwargs=rec),
    "inspections:photo_upload": Row(post=RECORD_EDITORS, kwargs=rec),
    "inspections:photo_file": Row(get=AGENCY_A, kwargs=rec_photo),
    "inspections:finding_create": Row(post=RECORD_EDITORS, kwargs=rec),
    "inspections:finding_edit": Row(get=RECORD_EDITORS, post=RECORD_EDITORS, kwargs=rec_finding),
    "inspections:finding_delete": Row(post=RECORD_EDITORS, kwargs=rec_finding),
    "inspections:sign": Row(get=RECORD_EDITORS, post=RECORD_EDITORS, kwargs=rec),
    "inspections:signature_file": Row(get=AGENCY_A, kwargs=rec_signature),
    "inspections:finish": Row(post=RECORD_EDITORS, kwargs=rec),
    "inspections:reopen": Row(post=RECORD_EDITORS, kwargs=rec),
    "inspections:pdf": Row(get=AGENCY_A, kwargs=rec),
    "inspections:verify": Row(
        get=EVERYONE, kwargs=lambda w: {"token": record_objects(w)["inspection"].verify_token}
    ),
    "inspections:project_tab": Row(get=P_READERS, kwargs=p),
    # Checklist templates: agency staff read them; administrators of the owner agency build
    # them (a published test-checklist v1 and its draft v2, both of agency A).
    "inspections:template_list": Row(get=AGENCY),
    "inspections:template_create": Row(get=ADMIN, post=ADMIN),
    "inspections:template_import": Row(get=ADMIN, post=ADMIN),
    "inspections:template_import_sample": Row(get=ADMIN),
    "inspections:template_detail": Row(get=AGENCY, kwargs=tpl),
    "inspections:template_preview": Row(get=AGENCY, kwargs=tpl),
    "inspections:template_export": Row(get=AGENCY, kwargs=tpl),
    "inspections:template_edit": Row(get=ADMIN, post=ADMIN, kwargs=draft),
    "inspections:template_new_version": Row(post=ADMIN, kwargs=tpl),
    "inspections:template_publish": Row(post=ADMIN, kwargs=draft),
    "inspections:template_delete": Row(post=ADMIN, kwargs=draft),
    "inspections:section_create": Row(get=ADMIN, post=ADMIN, kwargs=draft),
    "inspections:section_edit": Row(get=ADMIN, post=ADMIN, kwargs=draft_section),
    "inspections:section_delete": Row(post=ADMIN, kwargs=draft_section),
    "inspections:section_move": Row(
        post=ADMIN, kwargs=draft_section, data=lambda w: {"direction": "up"}
    ),
    "inspections:item_create": Row(get=ADMIN, post=ADMIN, kwargs=draft_section),
    "inspections:item_edit": Row(get=ADMIN, post=ADMIN, kwargs=draft_item),
    "inspections:item_delete": Row(post=ADMIN, kwargs=draft_item),
    "inspections:item_move": Row(
        post=ADMIN, kwargs=draft_item, data=lambda w: {"direction": "down"}
    ),
    # The API's own documentation is public; its operations are below.
    "api:openapi-json": Row(get=EVERYONE),
    "api:openapi-view": Row(get=EVERYONE),
}


@dataclass(frozen=True)
class Op:
    """Who may call an API operation; path parameters are built from the world."""

    allowed: frozenset
    params: Callable = field(default=lambda w: {})
    body: Callable | None = None
    # Allowed callers may still get a 400 (a business rule, e.g. finishing an incomplete
    # record); what matters is that refused callers get 401/403/404 before any rule runs.
    expect_4xx_when_allowed: bool = False
    multipart: Callable | None = None


API_OPS: dict[tuple[str, str], Op] = {
    ("get", "/api/v1/me"): Op(SIGNED_IN),
    ("get", "/api/v1/organizations"): Op(SIGNED_IN),
    ("get", "/api/v1/organizations/{org_id}"): Op(
        AGENCY | {"pm", "safety", "engineer", "grouphq"},
        lambda w: {"org_id": w.orgs["builder"].pk},
    ),
    ("get", "/api/v1/projects"): Op(SIGNED_IN),
    ("get", "/api/v1/projects/{project_id}"): Op(
        P_READERS, lambda w: {"project_id": w.projects["P"].pk}
    ),
    ("get", "/api/v1/templates"): Op(SIGNED_IN),
    ("get", "/api/v1/templates/{template_id}"): Op(
        SIGNED_IN, lambda w: {"template_id": make_template(w).pk}
    ),
    ("get", "/api/v1/major-clauses"): Op(SIGNED_IN),
}

API_OPS.update(
    {
        ("get", "/api/v1/inspections"): Op(SIGNED_IN),
        ("get", "/api/v1/inspections/{inspection_id}"): Op(AGENCY_A, lambda w: _rec_id(w)),
        ("post", "/api/v1/inspections"): Op(
            RECORD_EDITORS,
            body=lambda w: {
                "project_id": w.projects["P"].pk,
                "template_id": record_objects(w)["template"].pk,
            },
        ),
        ("post", "/api/v1/inspections/{inspection_id}/answers"): Op(
            RECORD_EDITORS,
            lambda w: _rec_id(w),
            body=lambda w: {"item_id": record_objects(w)["item"].pk, "note": "x"},
        ),
        ("post", "/api/v1/inspections/{inspection_id}/photos"): Op(
            RECORD_EDITORS,
            lambda w: _rec_id(w),
            multipart=lambda w: {"photo": SimpleUploadedFile("a.jpg", jpeg())},
        ),
        ("post", "/api/v1/inspections/{inspection_id}/findings"): Op(
            RECORD_EDITORS,
            lambda w: _rec_id(w),
            body=lambda w: {"description": "问题", "location": "现场"},
        ),
        ("post", "/api/v1/inspections/{inspection_id}/signatures"): Op(
            RECORD_EDITORS,
            lambda w: _rec_id(w),
            body=lambda w: {
                "role": "representative",
                "image": signature_data_url(),
                "signer_name": "张伟",
            },
        ),
        ("post", "/api/v1/inspections/{inspection_id}/finish"): Op(
            RECORD_EDITORS, lambda w: _rec_id(w), expect_4xx_when_allowed=True
        ),
        ("post", "/api/v1/inspections/{inspection_id}/reopen"): Op(
            RECORD_EDITORS,
            lambda w: _rec_id(w),
            body=lambda w: {"reason": "x"},
            expect_4xx_when_allowed=True,
        ),
    }
)


def _rec_id(w):
    return {"inspection_id": record_objects(w)["inspection"].pk}


# Supervision plans: agency A's plan of this month with a visit to P and a 双随机 draw
# (`plan_world`). Staff see their own agency's plans; supervisors, chiefs and administrators
# plan; the chief or an administrator publishes; leaders only read.
PLAN_PUBLISHERS_A = frozenset({"chief", "admin"})


def _plan_objects(w):
    from anjian.core.testing.personas import plan_world

    return plan_world(w)


def _plan_pk(w):
    return {"pk": _plan_objects(w)["plan"].pk}


def _visit_pk(w):
    return {"pk": _plan_objects(w)["visit"].pk}


def _draw_pk(w):
    return {"pk": _plan_objects(w)["draw"].pk}


PAGES.update(
    {
        "inspections:plan_list": Row(get=AGENCY),
        "inspections:plan_create": Row(get=EDITORS, post=EDITORS),
        "inspections:plan_detail": Row(get=AGENCY_A, kwargs=_plan_pk),
        "inspections:plan_publish": Row(post=PLAN_PUBLISHERS_A, kwargs=_plan_pk),
        "inspections:visit_create": Row(get=EDITORS_A, post=EDITORS_A, kwargs=_plan_pk),
        "inspections:visit_edit": Row(get=EDITORS_A, post=EDITORS_A, kwargs=_visit_pk),
        "inspections:visit_cancel": Row(post=EDITORS_A, kwargs=_visit_pk),
        "inspections:coverage": Row(get=AGENCY),
        "inspections:draw_list": Row(get=AGENCY),
        "inspections:draw_create": Row(get=EDITORS, post=EDITORS),
        "inspections:draw_detail": Row(get=AGENCY_A, kwargs=_draw_pk),
    }
)

API_OPS.update(
    {
        ("get", "/api/v1/plans"): Op(AGENCY),
        ("get", "/api/v1/plans/{plan_id}"): Op(
            AGENCY_A, lambda w: {"plan_id": _plan_objects(w)["plan"].pk}
        ),
        ("post", "/api/v1/plans"): Op(EDITORS, body=lambda w: {"month": "2031-05-01"}),
        ("post", "/api/v1/plans/{plan_id}/publish"): Op(
            PLAN_PUBLISHERS_A, lambda w: {"plan_id": _plan_objects(w)["plan"].pk}
        ),
        ("post", "/api/v1/plans/{plan_id}/visits"): Op(
            EDITORS_A,
            lambda w: {"plan_id": _plan_objects(w)["plan"].pk},
            body=lambda w: {
                "project_id": w.projects["Q"].pk,
                "date": _plan_objects(w)["visit"].date.isoformat(),
                "inspector_ids": [w.users["supervisor"].pk, w.users["chief"].pk],
            },
        ),
        ("get", "/api/v1/visits"): Op(AGENCY),
        ("post", "/api/v1/visits/{visit_id}/cancel"): Op(
            EDITORS_A, lambda w: {"visit_id": _plan_objects(w)["visit"].pk}, body=lambda w: {}
        ),
        # The outsider draws from agency B's project R with agency B's two supervisors.
        ("post", "/api/v1/draws"): Op(
            EDITORS, lambda w: _plan_objects(w) and {}, body=lambda w: {"k": 1}
        ),
        ("get", "/api/v1/draws/{draw_id}"): Op(
            AGENCY_A, lambda w: {"draw_id": _plan_objects(w)["draw"].pk}
        ),
    }
)


# Notifications and to-dos: everyone signed in has an inbox and a to-do list; a notification
# (one of pm's) is opened and marked read by its recipient only.
PM_ONLY = frozenset({"pm"})


def _pm_note(w):
    from anjian.notifications.models import Notification
    from anjian.notifications.services import notify

    notify(users=[w.users["pm"]], title="矩阵通知", url="/", key="matrix", email=False)
    return Notification.objects.get(user=w.users["pm"], key="matrix")


PAGES.update(
    {
        "notifications:inbox": Row(get=SIGNED_IN),
        "notifications:open": Row(
            get=PM_ONLY, kwargs=lambda w: {"pk": _pm_note(w).pk}, get_ok=(302,)
        ),
        "notifications:read_all": Row(post=SIGNED_IN),
        "notifications:todos": Row(get=SIGNED_IN),
    }
)

API_OPS.update(
    {
        ("get", "/api/v1/notifications"): Op(SIGNED_IN),
        ("post", "/api/v1/notifications/{notification_id}/read"): Op(
            PM_ONLY, lambda w: {"notification_id": _pm_note(w).pk}
        ),
        ("post", "/api/v1/notifications/read-all"): Op(SIGNED_IN),
        ("get", "/api/v1/todos"): Op(SIGNED_IN),
    }
)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from _walk(entry.url_patterns, prefix + namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def site_url_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method, path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    }


def api_operation_url_names() -> set[str]:
    names = set()
    for name in site_url_names():
        if name.startswith("api:") and name not in PAGES:
            names.add(name)
    return names


# Hazards and notices of project P (`hazard_objects`): an issued hazard on a rectification
# notice, a replied hazard on a full stop notice with a resumption application, a letter.
def hz(w):
    return {"pk": hazard_objects(w)["hazard"].pk}


def hz_notice(w):
    return {"pk": hazard_objects(w)["notice"].pk}


CONTRACTOR_P = frozenset({"pm", "safety"})
PAGES.update(
    {
        "hazards:ledger": Row(get=SIGNED_IN),
        "hazards:ledger_export": Row(get=SIGNED_IN),
        "hazards:project_tab": Row(get=P_READERS, kwargs=p),
        "hazards:detail": Row(get=P_READERS, kwargs=hz),
        "hazards:reply": Row(
            post=CONTRACTOR_P,
            kwargs=hz,
            data=lambda w: {
                "measures": "已整改",
                "responsible_person": "张伟",
                "completed_on": "2026-01-01",
                "photos": SimpleUploadedFile("a.jpg", jpeg()),
            },
        ),
        "hazards:act": Row(
            post=RECORD_EDITORS,
            kwargs=lambda w: {**hz(w), "action": "withdraw"},
            data=lambda w: {"comment": "误判"},
        ),
        "hazards:photo": Row(
            get=P_READERS,
            kwargs=lambda w: {"photo_pk": hazard_objects(w)["photo"].pk, "variant": "thumb"},
        ),
        "hazards:notice_detail": Row(get=P_READERS, kwargs=hz_notice),
        "hazards:notice_receive": Row(post=CONTRACTOR_P, kwargs=hz_notice),
        "hazards:notice_reply_sign": Row(
            get=frozenset({"pm", "engineer"}), post=frozenset({"pm", "engineer"}), kwargs=hz_notice
        ),
        "hazards:resumption_apply": Row(
            post=CONTRACTOR_P,
            kwargs=lambda w: {"pk": hazard_objects(w)["stop"].pk},
            data=lambda w: {"statement": "已整改"},
        ),
        "hazards:resumption_review": Row(
            post=frozenset({"chief"}),
            kwargs=lambda w: {
                "pk": hazard_objects(w)["stop"].pk,
                "application_pk": hazard_objects(w)["application"].pk,
            },
            data=lambda w: {"decision": "reject", "review_mode": "onsite", "comment": "未整改到位"},
        ),
        "hazards:notice_pdf": Row(get=P_READERS, kwargs=hz_notice),
        "hazards:reply_pdf": Row(get=P_READERS, kwargs=hz_notice),
        "hazards:letter_pdf": Row(
            get=P_READERS, kwargs=lambda w: {"pk": hazard_objects(w)["letter"].pk}
        ),
    }
)


def _hz_id(w):
    return {"hazard_id": hazard_objects(w)["hazard"].pk}


def _act_op(allowed, body=None):
    return Op(
        allowed, _hz_id, body=body or (lambda w: {"comment": "意见"}), expect_4xx_when_allowed=True
    )


API_OPS.update(
    {
        ("get", "/api/v1/hazards"): Op(SIGNED_IN),
        ("get", "/api/v1/hazards/{hazard_id}"): Op(P_READERS, _hz_id),
        ("get", "/api/v1/hazards/{hazard_id}/timeline"): Op(P_READERS, _hz_id),
        ("post", "/api/v1/hazards/{hazard_id}/reply"): Op(
            CONTRACTOR_P,
            _hz_id,
            multipart=lambda w: {
                "measures": "已整改",
                "responsible_person": "张伟",
                "completed_on": "2026-01-01",
                "photos": SimpleUploadedFile("a.jpg", jpeg()),
            },
        ),
        ("post", "/api/v1/hazards/{hazard_id}/confirm"): _act_op(frozenset({"engineer"})),
        ("post", "/api/v1/hazards/{hazard_id}/return"): _act_op(frozenset({"engineer"})),
        ("post", "/api/v1/hazards/{hazard_id}/accept"): _act_op(RECORD_EDITORS),
        ("post", "/api/v1/hazards/{hazard_id}/reject"): _act_op(RECORD_EDITORS),
        ("post", "/api/v1/hazards/{hazard_id}/withdraw"): _act_op(RECORD_EDITORS),
        ("post", "/api/v1/hazards/{hazard_id}/dispute"): _act_op(CONTRACTOR_P),
        ("post", "/api/v1/hazards/{hazard_id}/uphold"): _act_op(frozenset({"chief"})),
        ("post", "/api/v1/hazards/{hazard_id}/cancel"): _act_op(frozenset({"chief"})),
        ("get", "/api/v1/notices"): Op(SIGNED_IN),
        ("get", "/api/v1/notices/{notice_id}"): Op(
            P_READERS, lambda w: {"notice_id": hazard_objects(w)["notice"].pk}
        ),
        ("post", "/api/v1/notices/{notice_id}/receive"): Op(
            CONTRACTOR_P, lambda w: {"notice_id": hazard_objects(w)["notice"].pk}
        ),
        ("post", "/api/v1/notices/{notice_id}/resumption"): Op(
            CONTRACTOR_P,
            lambda w: {"notice_id": hazard_objects(w)["stop"].pk},
            body=lambda w: {"statement": "已整改"},
            expect_4xx_when_allowed=True,
        ),
        ("post", "/api/v1/notices/{notice_id}/resumption/{application_id}/review"): Op(
            frozenset({"chief"}),
            lambda w: {
                "notice_id": hazard_objects(w)["stop"].pk,
                "application_id": hazard_objects(w)["application"].pk,
            },
            body=lambda w: {"approve": False, "comment": "未整改到位"},
        ),
    }
)


# 危大工程 of project P (`work_objects`): one identified, one in the 监理's review, one under
# construction with an open monitoring alarm and documents.
DW_CONTRACTOR = frozenset({"pm", "safety"})
DW_REGISTRARS = frozenset({"supervisor", "chief", "pm", "safety"})
DW_SITE = frozenset({"pm", "safety", "engineer"})
DW_REPORTERS = frozenset({"supervisor", "chief", "engineer"})


def _dw(key):
    return lambda w: {"work_id": work_objects(w)[key].pk}


def _dw_body(w, **extra):
    body = {
        "name": "5#楼基坑",
        "subtype": "PIT:excavation",
        "params": {"excavation_depth": 4},
        "location": "5#楼",
    }
    body.update(extra)
    return body


def _dw_rule(w):
    from anjian.dangerous_works.models import ThresholdRule

    work_objects(w)
    return {"rule_id": ThresholdRule.objects.order_by("pk").first().pk}


API_OPS.update(
    {
        ("get", "/api/v1/dangerous-works"): Op(SIGNED_IN),
        ("post", "/api/v1/dangerous-works"): Op(
            DW_REGISTRARS,
            lambda w: work_objects(w) and {},
            body=lambda w: _dw_body(w, project_id=w.projects["P"].pk),
        ),
        ("post", "/api/v1/dangerous-works/classify"): Op(
            SIGNED_IN,
            body=lambda w: {"subtype": "PIT:excavation", "params": {"excavation_depth": 5.5}},
        ),
        ("get", "/api/v1/dangerous-works/{work_id}"): Op(P_READERS, _dw("building")),
        ("put", "/api/v1/dangerous-works/{work_id}"): Op(
            DW_CONTRACTOR, _dw("identified"), body=_dw_body
        ),
        ("post", "/api/v1/dangerous-works/{work_id}/steps/{action}"): Op(
            DW_CONTRACTOR,
            lambda w: {"work_id": work_objects(w)["identified"].pk, "action": "draft"},
            body=lambda w: {"comment": "开始编制"},
        ),
        ("post", "/api/v1/dangerous-works/{work_id}/site-started"): Op(
            DW_REPORTERS,
            _dw("identified"),
            body=lambda w: {
                "started_on": timezone.localdate().isoformat(),
                "comment": "现场已开挖",
            },
        ),
        ("get", "/api/v1/dangerous-works/{work_id}/timeline"): Op(P_READERS, _dw("building")),
        ("get", "/api/v1/dangerous-works/{work_id}/documents"): Op(P_READERS, _dw("building")),
        ("post", "/api/v1/dangerous-works/{work_id}/documents"): Op(
            DW_SITE,
            _dw("building"),
            multipart=lambda w: {
                "kind": "monitoring_report",
                "title": "监测日报",
                "file": SimpleUploadedFile("report.pdf", PDF),
            },
        ),
        ("get", "/api/v1/dangerous-works/{work_id}/readings"): Op(P_READERS, _dw("building")),
        ("post", "/api/v1/dangerous-works/{work_id}/readings"): Op(
            DW_SITE,
            _dw("building"),
            body=lambda w: {
                "point": "ZQS-1",
                "quantity": "支护桩顶水平位移",
                "value": "12",
                "unit": "mm",
                "alarm_value": "30",
            },
        ),
        ("post", "/api/v1/dangerous-works/readings/{reading_id}/handle"): Op(
            DW_SITE,
            lambda w: {"reading_id": work_objects(w)["reading"].pk},
            body=lambda w: {"handling": "加密监测，坡顶卸载"},
        ),
        ("get", "/api/v1/dangerous-works/{work_id}/patrols"): Op(P_READERS, _dw("building")),
        ("post", "/api/v1/dangerous-works/{work_id}/patrols"): Op(
            DW_CONTRACTOR,
            _dw("building"),
            body=lambda w: {"party": "contractor", "result": "normal"},
        ),
        ("get", "/api/v1/threshold-rules"): Op(SIGNED_IN),
        ("put", "/api/v1/threshold-rules/{rule_id}"): Op(
            ADMIN, _dw_rule, body=lambda w: {"threshold": "3.5"}
        ),
        ("get", "/api/v1/dangerous-work-categories"): Op(SIGNED_IN),
        ("put", "/api/v1/dangerous-work-categories/{category}"): Op(
            ADMIN,
            lambda w: {"category": "PIT"},
            body=lambda w: {"needs_acceptance": True, "monitoring": "super", "patrol_hours": 24},
        ),
    }
)


def _dwp(key):
    return lambda w: {"pk": work_objects(w)[key].pk}


def _dw_signature(w):
    from anjian.dangerous_works.models import WorkSignature

    return {"pk": WorkSignature.objects.filter(step__work=work_objects(w)["building"]).first().pk}


DW_FORM = {
    "name": "6#楼基坑",
    "subtype": "PIT:excavation",
    "param_excavation_depth": "4",
    "location": "6#楼",
}
PAGES.update(
    {
        "dangerous_works:list": Row(get=SIGNED_IN),
        "dangerous_works:map_data": Row(get=SIGNED_IN),
        "dangerous_works:export": Row(get=SIGNED_IN),
        "dangerous_works:classify": Row(get=SIGNED_IN),
        "dangerous_works:thresholds": Row(get=AGENCY),
        "dangerous_works:threshold_edit": Row(
            post=ADMIN,
            kwargs=lambda w: {"rule_pk": _dw_rule(w)["rule_id"]},
            data=lambda w: {"threshold": "3.5", "is_active": "1"},
        ),
        "dangerous_works:category_edit": Row(
            post=ADMIN,
            kwargs=lambda w: {"category": "PIT"},
            data=lambda w: {"needs_acceptance": "on", "monitoring": "super", "patrol_hours": "24"},
        ),
        "dangerous_works:project_tab": Row(get=P_READERS, kwargs=p),
        "dangerous_works:register": Row(
            get=DW_REGISTRARS, post=DW_REGISTRARS, kwargs=p, data=lambda w: DW_FORM
        ),
        "dangerous_works:detail": Row(get=P_READERS, kwargs=_dwp("building")),
        "dangerous_works:edit": Row(
            get=DW_CONTRACTOR,
            post=DW_CONTRACTOR,
            kwargs=_dwp("identified"),
            data=lambda w: DW_FORM,
        ),
        "dangerous_works:act": Row(
            post=DW_CONTRACTOR,
            kwargs=lambda w: {**_dwp("identified")(w), "action": "draft"},
            data=lambda w: {"comment": "开始编制"},
        ),
        "dangerous_works:document_upload": Row(
            post=DW_SITE,
            kwargs=_dwp("building"),
            data=lambda w: {
                "kind": "monitoring_report",
                "title": "监测日报",
                "file": SimpleUploadedFile("report.pdf", PDF),
            },
        ),
        "dangerous_works:reading_add": Row(
            post=DW_SITE,
            kwargs=_dwp("building"),
            data=lambda w: {
                "point": "ZQS-2",
                "quantity": "周边地表沉降",
                "value": "8",
                "unit": "mm",
                "alarm_value": "30",
                "source": "third_party",
            },
        ),
        # The 监理 may record patrols too (as 监理单位): a contractor patrol from them is a 400.
        "dangerous_works:patrol_add": Row(
            post=DW_SITE,
            kwargs=_dwp("building"),
            data=lambda w: {"party": "contractor", "result": "normal"},
        ),
        "dangerous_works:site_started": Row(
            post=DW_REPORTERS,
            kwargs=_dwp("identified"),
            data=lambda w: {"started_on": timezone.localdate().isoformat(), "comment": "已开挖"},
        ),
        "dangerous_works:document": Row(
            get=P_READERS, kwargs=lambda w: {"pk": work_objects(w)["document"].pk}
        ),
        "dangerous_works:signature": Row(get=P_READERS, kwargs=_dw_signature),
        "dangerous_works:alarm_handle": Row(
            post=DW_SITE,
            kwargs=lambda w: {"pk": work_objects(w)["reading"].pk},
            data=lambda w: {"handling": "加密监测，坡顶卸载"},
        ),
    }
)


# 考评 and 排名 (`evaluation_objects`): P's draft and submitted self-evaluations, its confirmed
# 评定, an accident, its final 考评 (不合格, notified) and last month's published contractor
# ranking; Q has no final 考评 yet and there is no group ranking.
EVAL_DECIDERS = frozenset({"supervisor", "chief"})
RANKING_PUBLISHERS = frozenset({"leader", "chief"})
COMPANY_A_READERS = AGENCY | {"pm", "safety", "grouphq"}


def _ev(key):
    return lambda w: {"evaluation_id": evaluation_objects(w)[key].pk}


def _evp(key):
    return lambda w: {"pk": evaluation_objects(w)[key].pk}


def _final_id(w):
    return {"final_id": evaluation_objects(w)["final"].pk}


def _p_id(w):
    return {"project_id": w.projects["P"].pk}


API_OPS.update(
    {
        ("get", "/api/v1/evaluations"): Op(SIGNED_IN),
        ("post", "/api/v1/evaluations"): Op(
            CONTRACTOR_P,
            lambda w: evaluation_objects(w) and {},
            body=lambda w: {
                "project_id": w.projects["P"].pk,
                "kind": "self",
                "period": f"{timezone.localdate():%Y-%m}",
            },
        ),
        ("get", "/api/v1/evaluations/{evaluation_id}"): Op(P_READERS, _ev("submitted")),
        ("put", "/api/v1/evaluations/{evaluation_id}/answers"): Op(
            CONTRACTOR_P, _ev("draft"), body=lambda w: {"answers": {}, "remarks": "本月自评"}
        ),
        ("post", "/api/v1/evaluations/{evaluation_id}/submit"): Op(
            CONTRACTOR_P, _ev("draft"), body=lambda w: {"signature": signature_data_url()}
        ),
        ("post", "/api/v1/evaluations/{evaluation_id}/review"): Op(
            frozenset({"engineer"}),
            _ev("submitted"),
            body=lambda w: {"agrees": True, "opinion": "同意", "signature": signature_data_url()},
        ),
        ("get", "/api/v1/projects/{project_id}/accidents"): Op(P_READERS, _p_id),
        ("post", "/api/v1/accidents"): Op(
            EVAL_DECIDERS,
            body=lambda w: {
                "project_id": w.projects["P"].pk,
                "occurred_on": timezone.localdate().isoformat(),
                "level": "general",
                "description": "高处坠落",
            },
        ),
        ("get", "/api/v1/final-evaluations"): Op(SIGNED_IN),
        ("get", "/api/v1/final-evaluations/{final_id}"): Op(P_READERS, _final_id),
        ("get", "/api/v1/projects/{project_id}/final-evaluation/facts"): Op(P_READERS, _p_id),
        ("post", "/api/v1/final-evaluations"): Op(
            EVAL_DECIDERS,
            lambda w: evaluation_objects(w) and {},
            body=lambda w: {"project_id": w.projects["Q"].pk, "result": "pass", "reasons": ""},
        ),
        ("post", "/api/v1/final-evaluations/{final_id}/objection"): Op(
            CONTRACTOR_P, _final_id, body=lambda w: {"objection": "事故为分包单位责任"}
        ),
        # P's final 考评 has no objection yet: the chief gets a 400, everyone else 403/404.
        ("post", "/api/v1/final-evaluations/{final_id}/review"): Op(
            frozenset({"chief"}),
            _final_id,
            body=lambda w: {"result": "fail", "comment": "维持不合格"},
            expect_4xx_when_allowed=True,
        ),
        ("get", "/api/v1/rankings"): Op(SIGNED_IN),
        ("post", "/api/v1/rankings"): Op(
            RANKING_PUBLISHERS,
            lambda w: evaluation_objects(w) and {},
            body=lambda w: {
                "unit": "group",
                "period_type": "month",
                "day": evaluation_objects(w)["last_month"].isoformat(),
            },
        ),
        ("get", "/api/v1/rankings/preview"): Op(AGENCY),
        ("get", "/api/v1/rankings/{snapshot_id}"): Op(
            SIGNED_IN, lambda w: {"snapshot_id": evaluation_objects(w)["snapshot"].pk}
        ),
        ("get", "/api/v1/companies/{org_id}/ranking-history"): Op(
            COMPANY_A_READERS, lambda w: {"org_id": w.orgs["contractor_a"].pk}
        ),
        ("get", "/api/v1/ranking-formula"): Op(AGENCY),
        ("put", "/api/v1/ranking-formula"): Op(
            ADMIN,
            body=lambda w: {
                "min_inspections": 2,
                "major_penalty": "2",
                "stop_penalty": "5",
                "overdue_penalty": "1",
            },
        ),
    }
)


def _ev_signature(w):
    return {"pk": evaluation_objects(w)["submitted"].signatures.first().pk}


PAGES.update(
    {
        "evaluations:list": Row(get=SIGNED_IN),
        "evaluations:project_tab": Row(get=P_READERS, kwargs=p),
        "evaluations:new": Row(
            # supervisors may create the commission's 评定 (a self-evaluation from them is a 400)
            get=CONTRACTOR_P | EVAL_DECIDERS,
            post=CONTRACTOR_P | EVAL_DECIDERS,
            kwargs=p,
            data=lambda w: {"kind": "self", "period": f"{timezone.localdate():%Y-%m}"},
        ),
        "evaluations:accident_add": Row(
            post=EVAL_DECIDERS,
            kwargs=p,
            data=lambda w: {
                "occurred_on": timezone.localdate().isoformat(),
                "level": "general",
                "is_liability": "on",
                "deaths": "0",
                "injuries": "1",
                "description": "高处坠落",
            },
        ),
        "evaluations:final_new": Row(
            get=EVAL_DECIDERS,
            post=EVAL_DECIDERS,
            kwargs=lambda w: {"pk": w.projects["Q"].pk} if evaluation_objects(w) else {},
            data=lambda w: {"result": "pass", "reasons": ""},
        ),
        "evaluations:detail": Row(get=P_READERS, kwargs=_evp("submitted")),
        "evaluations:score": Row(post=CONTRACTOR_P, kwargs=_evp("draft"), data=lambda w: {}),
        "evaluations:submit": Row(
            post=CONTRACTOR_P, kwargs=_evp("draft"), data=lambda w: {"image": signature_data_url()}
        ),
        "evaluations:review": Row(
            post=frozenset({"engineer"}),
            kwargs=_evp("submitted"),
            data=lambda w: {"decision": "agree", "opinion": "同意", "image": signature_data_url()},
        ),
        "evaluations:signature": Row(get=P_READERS, kwargs=_ev_signature),
        "evaluations:final_detail": Row(get=P_READERS, kwargs=_evp("final")),
        "evaluations:final_pdf": Row(get=P_READERS, kwargs=_evp("final")),
        "evaluations:final_object": Row(
            post=CONTRACTOR_P, kwargs=_evp("final"), data=lambda w: {"objection": "有异议"}
        ),
        "evaluations:final_review": Row(
            post=frozenset({"chief"}),
            kwargs=_evp("final"),
            data=lambda w: {"result": "fail", "comment": "维持"},
        ),
        "evaluations:rankings": Row(get=SIGNED_IN),
        "evaluations:publish": Row(
            post=RANKING_PUBLISHERS,
            data=lambda w: {
                "p-unit": "group",
                "p-period_type": "month",
                "p-day": evaluation_objects(w)["last_month"].isoformat(),
            },
        ),
        "evaluations:formula": Row(
            get=AGENCY,
            post=ADMIN,
            data=lambda w: {
                "min_inspections": "2",
                "major_penalty": "2",
                "stop_penalty": "5",
                "overdue_penalty": "1",
            },
        ),
        "evaluations:ranking_detail": Row(
            get=SIGNED_IN, kwargs=lambda w: {"pk": evaluation_objects(w)["snapshot"].pk}
        ),
        "evaluations:ranking_export": Row(
            get=SIGNED_IN, kwargs=lambda w: {"pk": evaluation_objects(w)["snapshot"].pk}
        ),
        "evaluations:company": Row(
            get=COMPANY_A_READERS, kwargs=lambda w: {"pk": w.orgs["contractor_a"].pk}
        ),
    }
)


# --- 公文收发 (`document_objects`, cached per world): a draft and a pending document by the
# supervisor, a sent 通知 with pm's inbox row on P read, signed and replied to, and pm's report
# routed to the supervisor (P's lead supervisor). Agency B's supervisor drafts in agency B.
DOC_DRAFTERS = frozenset({"supervisor", "chief", "leader", "outsider"})
DOC_DRAFT_EDITORS = frozenset({"supervisor", "chief", "leader"})
DOC_APPROVERS = frozenset({"chief", "leader"})
DOC_INBOX_P = frozenset({"pm", "safety"})
COMPANIES = frozenset({"pm", "safety", "engineer", "pm2", "grouphq"})
SUBMISSION_HANDLERS = frozenset({"supervisor", "chief", "leader"})


def _doc(key):
    return lambda w: {"pk": document_objects(w)[key].pk}


def _doc_id(key):
    return lambda w: {"document_id": document_objects(w)[key].pk}


def _rcp(w):
    return {"recipient_id": document_objects(w)["recipient"].pk}


def _sub(w):
    return {"submission_id": document_objects(w)["submission"].pk}


PAGES.update(
    {
        "documents:list": Row(get=SIGNED_IN, get_ok=(200, 302)),
        "documents:new": Row(get=DOC_DRAFTERS, post=DOC_DRAFTERS),
        "documents:archive": Row(get=AGENCY),
        "documents:audience_preview": Row(get=AGENCY, post=AGENCY),
        # A recipient is redirected to their own inbox copy (302).
        "documents:detail": Row(get=AGENCY_A | DOC_INBOX_P, kwargs=_doc("sent"), get_ok=(200, 302)),
        "documents:edit": Row(get=DOC_DRAFT_EDITORS, post=DOC_DRAFT_EDITORS, kwargs=_doc("draft")),
        # The supervisor sees the pending document but may not approve it (403).
        "documents:act": Row(
            post=DOC_APPROVERS,
            kwargs=lambda w: {"pk": document_objects(w)["pending"].pk, "action": "approve"},
        ),
        "documents:tracking_export": Row(get=AGENCY_A, kwargs=_doc("sent")),
        "documents:pdf": Row(get=AGENCY_A | DOC_INBOX_P, kwargs=_doc("sent")),
        "documents:attachment": Row(get=AGENCY_A | DOC_INBOX_P, kwargs=_doc("document_attachment")),
        "documents:attachment_delete": Row(
            post=DOC_DRAFT_EDITORS,
            kwargs=lambda w: {"pk": document_objects(w)["draft"].attachments.first().pk},
        ),
        "documents:inbox": Row(get=SIGNED_IN, get_ok=(200, 302)),
        "documents:inbox_detail": Row(get=DOC_INBOX_P, kwargs=_doc("recipient")),
        "documents:inbox_sign": Row(post=DOC_INBOX_P, kwargs=_doc("recipient")),
        "documents:inbox_reply": Row(post=DOC_INBOX_P, kwargs=_doc("recipient")),
        "documents:submissions": Row(get=SIGNED_IN),
        "documents:submission_new": Row(get=COMPANIES, post=COMPANIES),
        "documents:submission_detail": Row(get=AGENCY_A | DOC_INBOX_P, kwargs=_doc("submission")),
        "documents:submission_handle": Row(post=SUBMISSION_HANDLERS, kwargs=_doc("submission")),
    }
)

API_OPS.update(
    {
        ("get", "/api/v1/documents"): Op(SIGNED_IN),
        ("post", "/api/v1/documents"): Op(
            DOC_DRAFTERS,
            body=lambda w: {
                "kind": "notice",
                "title": "关于开展安全生产月活动的通知",
                "body": "各单位：请按要求开展活动。",
                "audience": {"all_projects": True},
            },
        ),
        ("post", "/api/v1/documents/audience-preview"): Op(
            AGENCY, body=lambda w: {"all_projects": True}
        ),
        ("get", "/api/v1/documents/archive"): Op(SIGNED_IN),
        ("get", "/api/v1/documents/{document_id}"): Op(AGENCY_A, _doc_id("sent")),
        ("patch", "/api/v1/documents/{document_id}"): Op(
            DOC_DRAFT_EDITORS,
            _doc_id("draft"),
            body=lambda w: {"title": "关于报送安全生产月活动总结的通知"},
        ),
        ("post", "/api/v1/documents/{document_id}/actions/{action}"): Op(
            DOC_APPROVERS,
            lambda w: {"document_id": document_objects(w)["pending"].pk, "action": "approve"},
            body=lambda w: {"comment": "同意"},
        ),
        ("get", "/api/v1/documents/{document_id}/recipients"): Op(AGENCY_A, _doc_id("sent")),
        ("get", "/api/v1/inbox"): Op(SIGNED_IN),
        ("get", "/api/v1/inbox/{recipient_id}"): Op(DOC_INBOX_P, _rcp),
        # pm's row is already signed: pm and safety get a 400, everyone else 403/404.
        ("post", "/api/v1/inbox/{recipient_id}/sign"): Op(
            DOC_INBOX_P, _rcp, expect_4xx_when_allowed=True
        ),
        ("get", "/api/v1/inbox/{recipient_id}/replies"): Op(DOC_INBOX_P, _rcp),
        ("post", "/api/v1/inbox/{recipient_id}/replies"): Op(
            DOC_INBOX_P, _rcp, body=lambda w: {"body": "补充：已组织复查。"}
        ),
        ("get", "/api/v1/submissions"): Op(SIGNED_IN),
        # To agency A without a project: every company user may (contractor A works under A
        # and B, the others only under A).
        ("post", "/api/v1/submissions"): Op(
            COMPANIES,
            body=lambda w: {
                "kind": "report",
                "title": "关于十二月安全生产情况的报告",
                "body": "本月无事故。",
                "agency_id": w.orgs["agency"].pk,
            },
        ),
        ("get", "/api/v1/submissions/{submission_id}"): Op(AGENCY_A | DOC_INBOX_P, _sub),
        ("post", "/api/v1/submissions/{submission_id}/acknowledge"): Op(
            SUBMISSION_HANDLERS, _sub, body=lambda w: {"comment": "已收悉"}
        ),
        ("post", "/api/v1/submissions/{submission_id}/return"): Op(
            SUBMISSION_HANDLERS, _sub, body=lambda w: {"comment": "材料不全，请补充"}
        ),
    }
)


# --- statistics: everyone signed in reads the dashboard, analysis and monthly report of their
# own scope and the risk of a project they may see; the commission's staff read where to go next
# and the formula; only the administrator changes it.
def _this_month(w):
    today = timezone.localdate()
    return {"year": today.year, "month": today.month}


def _default_formula(w):
    from anjian.stats.risk import Formula

    return {"factors": Formula.default().as_config()}


def _formula_form(w):
    from anjian.stats.risk import Formula

    data = {}
    for key, entry in Formula.default().as_config().items():
        data[f"{key}_weight"] = entry["weight"]
        data[f"{key}_cap"] = entry["cap"]
    return data


PAGES.update(
    {
        "stats:dashboard": Row(get=SIGNED_IN),
        "stats:map": Row(get=SIGNED_IN),
        "stats:analysis": Row(get=SIGNED_IN),
        "stats:company": Row(
            get=AGENCY | {"pm", "safety", "grouphq"},
            kwargs=lambda w: {"pk": w.orgs["contractor_a"].pk},
        ),
        "stats:risk": Row(get=AGENCY),
        "stats:risk_formula": Row(get=AGENCY, post=ADMIN, data=_formula_form),
        "stats:project_risk": Row(get=P_READERS, kwargs=p),
        "stats:report": Row(get=SIGNED_IN),
        "stats:report_xlsx": Row(get=SIGNED_IN, kwargs=_this_month),
        "stats:report_pdf": Row(get=SIGNED_IN, kwargs=_this_month),
    }
)

API_OPS.update(
    {
        ("get", "/api/v1/stats/dashboard"): Op(SIGNED_IN),
        ("get", "/api/v1/stats/map"): Op(SIGNED_IN),
        ("get", "/api/v1/stats/risk"): Op(AGENCY),
        ("get", "/api/v1/projects/{project_id}/risk"): Op(P_READERS, _p_id),
        ("get", "/api/v1/stats/risk-formula"): Op(AGENCY),
        ("put", "/api/v1/stats/risk-formula"): Op(ADMIN, body=_default_formula),
        ("get", "/api/v1/stats/report/{year}/{month}"): Op(SIGNED_IN, _this_month),
        ("get", "/api/v1/stats/analysis/categories"): Op(SIGNED_IN),
        ("get", "/api/v1/stats/analysis/recurrence"): Op(SIGNED_IN),
        ("get", "/api/v1/stats/analysis/self-inspection"): Op(SIGNED_IN),
        ("get", "/api/v1/stats/companies"): Op(SIGNED_IN),
        ("get", "/api/v1/stats/companies/{org_id}"): Op(
            AGENCY | {"pm", "safety", "grouphq"},
            lambda w: {"org_id": w.orgs["contractor_a"].pk},
        ),
    }
)


# --- the tests (after every row above) ------------------------------------------------------------


def test_every_url_pattern_has_a_row():
    names = site_url_names()
    missing = sorted(n for n in names if n not in PAGES and not n.startswith("api:"))
    assert not missing, f"URL patterns without an access-matrix row: {missing}"
    stale = sorted(n for n in PAGES if n not in names)
    assert not stale, f"Rows for URL names that no longer exist: {stale}"


def test_every_api_operation_has_a_row():
    ops = api_operations()
    missing = sorted(op for op in ops if op not in API_OPS)
    assert not missing, f"API operations without an access-matrix row: {missing}"
    stale = sorted(op for op in API_OPS if op not in ops)
    assert not stale, f"Rows for API operations that no longer exist: {stale}"


def _refused(response, persona, *, api_call=False) -> bool:
    if persona == ANON:
        if api_call:
            return response.status_code == 401
        return response.status_code == 302 and "/accounts/login/" in response["Location"]
    return response.status_code in (403, 404)


def _allowed(response, ok) -> bool:
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return False
    return response.status_code in ok


def _check_page(name, world, client_for) -> list[str]:
    row = PAGES[name]
    url = reverse(name, kwargs=row.kwargs(world))
    failures = []
    for persona in PERSONAS:
        client = client_for(persona)
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        if row.get is not None:
            if persona in row.get:
                if not _allowed(response, row.get_ok):
                    failures.append(f"GET {persona}: expected allowed, got {response.status_code}")
            elif not _refused(response, persona):
                failures.append(f"GET {persona}: expected refused, got {response.status_code}")
        elif response.status_code not in (405, 302, 403, 404):
            failures.append(f"GET {persona}: GET should not be served, got {response.status_code}")
        if row.post is not None:
            with transaction.atomic():
                response = client.post(url, row.data(world))
                transaction.set_rollback(True)
            if persona in row.post:
                to_login = (
                    response.status_code == 302 and "/accounts/login/" in response["Location"]
                )
                if response.status_code in (403, 404, 405) or (
                    to_login and not row.post_may_redirect_to_login
                ):
                    failures.append(f"POST {persona}: expected allowed, got {response.status_code}")
            elif not _refused(response, persona):
                failures.append(f"POST {persona}: expected refused, got {response.status_code}")
    return [f"{name} ({url}) {failure}" for failure in failures]


def _check_op(op, world, client_for) -> list[str]:
    method, path = op
    row = API_OPS[op]
    url = path.format(**row.params(world))
    failures = []
    for persona in PERSONAS:
        client = client_for(persona)
        body = row.body(world) if row.body else {}
        with transaction.atomic():
            if method == "get":
                response = client.get(url)
            elif row.multipart:
                response = client.post(url, row.multipart(world))
            else:
                response = getattr(client, method)(url, body, content_type="application/json")
            transaction.set_rollback(True)
        if persona in row.allowed:
            bad = response.status_code in (401, 403, 404, 405)
            if bad or (response.status_code >= 400 and not row.expect_4xx_when_allowed):
                failures.append(f"{persona}: expected allowed, got {response.status_code}")
        elif not _refused(response, persona, api_call=True):
            failures.append(f"{persona}: expected refused, got {response.status_code}")
    return [f"{method.upper()} {url} {failure}" for failure in failures]


def test_every_page_allows_exactly_its_roles(world, client_as):
    """One world for every row (building it per row would take minutes); a fresh client per
    persona and row, since some rows (log out) change the client."""
    failures = [f for name in sorted(PAGES) for f in _check_page(name, world, client_as)]
    assert not failures, "\n".join(failures)


def test_every_api_operation_allows_exactly_its_roles(world, client_as):
    failures = [f for op in sorted(API_OPS) for f in _check_op(op, world, client_as)]
    assert not failures, "\n".join(failures)


def test_api_operations_refuse_an_invalid_bearer_token(world, client):
    response = client.get("/api/v1/projects", HTTP_AUTHORIZATION="Bearer aj_not-a-real-token")
    assert response.status_code == 401
