"""The access matrix: every page and every API operation, and who may read and write it.

Each URL pattern of the site and each operation of the OpenAPI description needs a row here;
a new URL without a row fails `test_every_url_pattern_has_a_row`. For each row and persona the
test asserts allowed (2xx/3xx other than a login redirect) or refused (login redirect/401 for
anonymous, 403 or 404 for everybody else). Deny by default: a row lists who is allowed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from anjian.api.api import api
from anjian.core.testing.personas import PERSONAS
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


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_access(name, world, client_as):
    row = PAGES[name]
    url = reverse(name, kwargs=row.kwargs(world))
    post_data = row.data(world)  # built once, outside the rolled-back requests
    failures = []
    for persona in PERSONAS:
        client = client_as(persona)
        if row.get is not None:
            response = client.get(url)
            if persona in row.get:
                if not _allowed(response, row.get_ok):
                    failures.append(f"GET {persona}: expected allowed, got {response.status_code}")
            elif not _refused(response, persona):
                failures.append(f"GET {persona}: expected refused, got {response.status_code}")
        else:
            response = client.get(url)
            if response.status_code not in (405, 302, 403, 404):
                failures.append(
                    f"GET {persona}: GET should not be served, got {response.status_code}"
                )
        if row.post is not None:
            with transaction.atomic():
                response = client.post(url, post_data)
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
    assert not failures, f"{name} ({url}):\n" + "\n".join(failures)


@pytest.mark.parametrize("op", sorted(API_OPS), ids=lambda op: f"{op[0].upper()} {op[1]}")
def test_api_access(op, world, client_as):
    method, path = op
    row = API_OPS[op]
    url = path.format(**row.params(world))
    body = row.body(world) if row.body else {}  # built once, outside the rolled-back requests
    failures = []
    for persona in PERSONAS:
        client = client_as(persona)
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
    assert not failures, f"{method.upper()} {url}:\n" + "\n".join(failures)


def test_api_operations_refuse_an_invalid_bearer_token(world, client):
    response = client.get("/api/v1/projects", HTTP_AUTHORIZATION="Bearer aj_not-a-real-token")
    assert response.status_code == 401
