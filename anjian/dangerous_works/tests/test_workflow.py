"""The 危大工程 lifecycle table and its gates (DOMAIN.md §2.2; pure, no database).

EXPECTED is written out by hand from DOMAIN.md §2.2 so that the table in workflow.py is checked
against the rules rather than against itself.
"""

import itertools

import pytest

from anjian.dangerous_works import workflow as wf

C, CE, E, ISS = wf.CONTRACTOR, wf.CHIEF_ENGINEER, wf.ENGINEER, wf.ISSUER
ROLES = [C, CE, E, ISS]
STATUSES = [s for s in wf.STATUS_LABELS if s != wf.PREVIOUS]
ACTIONS = sorted(wf.ACTION_LABELS)
BUILDING = (wf.DISCLOSED, wf.IN_PROGRESS, wf.ACCEPTANCE)

# (status, action) -> (target, roles that may take it)
EXPECTED: dict[tuple[str, str], tuple[str, set[str]]] = {
    (wf.IDENTIFIED, wf.DRAFT): (wf.DRAFTING, {C}),
    (wf.DRAFTING, wf.SUBMIT): (wf.CONTRACTOR_REVIEW, {C}),
    (wf.REVISING, wf.SUBMIT): (wf.CONTRACTOR_REVIEW, {C}),
    (wf.PLAN_CHANGE, wf.SUBMIT): (wf.CONTRACTOR_REVIEW, {C}),
    (wf.CONTRACTOR_REVIEW, wf.APPROVE_INTERNAL): (wf.SUPERVISOR_REVIEW, {C}),
    (wf.CONTRACTOR_REVIEW, wf.RETURN_INTERNAL): (wf.REVISING, {C}),
    (wf.SUPERVISOR_REVIEW, wf.APPROVE_REVIEW): (wf.APPROVED, {CE}),
    (wf.SUPERVISOR_REVIEW, wf.RETURN_REVIEW): (wf.REVISING, {E}),
    (wf.EXPERT_REVIEW, wf.ARGUE_PASS): (wf.APPROVED, {C}),
    (wf.EXPERT_REVIEW, wf.ARGUE_REVISE): (wf.REVISING, {C}),
    (wf.EXPERT_REVIEW, wf.ARGUE_FAIL): (wf.REVISING, {C}),
    (wf.APPROVED, wf.DISCLOSE): (wf.DISCLOSED, {C}),
    (wf.DISCLOSED, wf.START): (wf.IN_PROGRESS, {C}),
    (wf.IN_PROGRESS, wf.REQUEST_ACCEPTANCE): (wf.ACCEPTANCE, {C}),
    # 第二十一条: the 总监 signs the acceptance and may record it as well
    (wf.ACCEPTANCE, wf.ACCEPT): (wf.IN_PROGRESS, {C, CE}),
    (wf.ACCEPTANCE, wf.REJECT_ACCEPTANCE): (wf.IN_PROGRESS, {C, E}),
    (wf.IN_PROGRESS, wf.COMPLETE): (wf.COMPLETED, {C}),
    (wf.SUSPENDED, wf.RESUME): (wf.PREVIOUS, {E, ISS}),
    (wf.EMERGENCY, wf.END_EMERGENCY): (wf.SUSPENDED, {C, E, ISS}),
}
for _status in BUILDING:
    EXPECTED[(_status, wf.SUSPEND)] = (wf.SUSPENDED, {C, E, ISS})
for _status in (*BUILDING, wf.SUSPENDED):
    EXPECTED[(_status, wf.REPORT_EMERGENCY)] = (wf.EMERGENCY, {C, E})
for _status in (wf.APPROVED, *BUILDING, wf.SUSPENDED):
    EXPECTED[(_status, wf.CHANGE_PLAN)] = (wf.PLAN_CHANGE, {C})
for _status in (wf.IDENTIFIED, wf.DRAFTING, wf.REVISING):
    EXPECTED[(_status, wf.CANCEL)] = (wf.CANCELLED, {C})


def gate_free(status, roles, action=None, **extra) -> wf.Context:
    """A context in which no gate stands in the way of `action`."""
    values = {"over_threshold": action in wf.ARGUE_ACTIONS}
    if action == wf.REQUEST_ACCEPTANCE:
        values.update(needs_acceptance=True, accepted=False)
    values.update(extra)
    return wf.Context(status=status, roles=frozenset(roles), **values)


def expected_target(status, action, resume_to=wf.IN_PROGRESS):
    target = EXPECTED[(status, action)][0]
    return resume_to if target == wf.PREVIOUS else target


def test_the_table_is_the_one_written_out_by_hand():
    assert {k: (t, set(r)) for k, (t, r) in wf.TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize("status,action,role", list(itertools.product(STATUSES, ACTIONS, ROLES)))
def test_every_action_for_every_role_in_every_status(status, action, role):
    ctx = gate_free(status, {role}, action)
    entry = EXPECTED.get((status, action))
    if entry is not None and role in entry[1]:
        assert wf.next_status(ctx, action) == expected_target(status, action)
        assert action in wf.allowed_actions(ctx)
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_status(ctx, action)
        assert action not in wf.allowed_actions(ctx)


@pytest.mark.parametrize("status", STATUSES)
def test_with_every_role_at_once_only_the_status_actions_are_offered(status):
    ctx = gate_free(status, ROLES, over_threshold=True, needs_acceptance=True)
    expected = {a for (s, a) in EXPECTED if s == status}
    if status == wf.IN_PROGRESS:
        expected.remove(wf.COMPLETE)  # acceptance needed and not passed
    assert set(wf.allowed_actions(ctx)) == expected


def test_unknown_actions_and_no_roles_are_refused():
    with pytest.raises(wf.TransitionNotAllowed):
        wf.next_status(gate_free(wf.IDENTIFIED, ROLES), "approve_everything")
    for status, action in EXPECTED:
        ctx = gate_free(status, set(), action)
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_status(ctx, action)
        assert wf.allowed_actions(ctx) == []


def test_closed_statuses_are_final_for_everyone():
    for status in (wf.COMPLETED, wf.CANCELLED):
        ctx = gate_free(status, ROLES, over_threshold=True, needs_acceptance=True)
        assert wf.allowed_actions(ctx) == []


def test_roles_for_action_is_the_union_over_statuses():
    assert wf.roles_for_action(wf.SUSPEND) == {C, E, ISS}
    assert wf.roles_for_action(wf.APPROVE_REVIEW) == {CE}
    assert wf.roles_for_action(wf.RESUME) == {E, ISS}
    assert wf.roles_for_action("nothing") == frozenset()


# --- gates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "over_threshold,argued,expected",
    [
        (False, False, wf.APPROVED),
        (False, True, wf.APPROVED),
        (True, False, wf.EXPERT_REVIEW),  # 超规模: no approval without a passed argumentation
        (True, True, wf.APPROVED),  # e.g. re-review after 修改后通过
    ],
)
def test_approve_review_of_an_over_threshold_work_needs_an_argumentation(
    over_threshold, argued, expected
):
    ctx = wf.Context(
        status=wf.SUPERVISOR_REVIEW,
        roles=frozenset({CE}),
        over_threshold=over_threshold,
        argued=argued,
    )
    assert wf.next_status(ctx, wf.APPROVE_REVIEW) == expected
    assert wf.route(ctx, wf.APPROVE_REVIEW, wf.APPROVED) == expected


@pytest.mark.parametrize("action", sorted(wf.ARGUE_ACTIONS))
def test_argumentation_is_impossible_for_an_ordinary_dangerous_work(action):
    ordinary = wf.Context(status=wf.EXPERT_REVIEW, roles=frozenset({C}), over_threshold=False)
    with pytest.raises(wf.TransitionNotAllowed):
        wf.next_status(ordinary, action)
    assert wf.allowed_actions(ordinary) == []
    over = wf.Context(status=wf.EXPERT_REVIEW, roles=frozenset({C}), over_threshold=True)
    assert wf.next_status(over, action) == (wf.APPROVED if action == wf.ARGUE_PASS else wf.REVISING)


@pytest.mark.parametrize(
    "needs_acceptance,accepted,possible",
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
)
def test_request_acceptance_only_when_needed_and_not_yet_passed(
    needs_acceptance, accepted, possible
):
    ctx = wf.Context(
        status=wf.IN_PROGRESS,
        roles=frozenset({C}),
        needs_acceptance=needs_acceptance,
        accepted=accepted,
    )
    assert (wf.REQUEST_ACCEPTANCE in wf.allowed_actions(ctx)) is possible
    if possible:
        assert wf.next_status(ctx, wf.REQUEST_ACCEPTANCE) == wf.ACCEPTANCE
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_status(ctx, wf.REQUEST_ACCEPTANCE)


@pytest.mark.parametrize(
    "needs_acceptance,accepted,possible",
    [(True, False, False), (True, True, True), (False, False, True)],
)
def test_complete_is_refused_until_a_needed_acceptance_passed(needs_acceptance, accepted, possible):
    ctx = wf.Context(
        status=wf.IN_PROGRESS,
        roles=frozenset({C}),
        needs_acceptance=needs_acceptance,
        accepted=accepted,
    )
    assert (wf.COMPLETE in wf.allowed_actions(ctx)) is possible
    if possible:
        assert wf.next_status(ctx, wf.COMPLETE) == wf.COMPLETED
    else:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_status(ctx, wf.COMPLETE)


def test_construction_needs_approval_and_briefing():
    for status in STATUSES:
        ctx = gate_free(status, ROLES, over_threshold=True, needs_acceptance=True)
        if status == wf.DISCLOSED:
            assert wf.next_status(ctx, wf.START) == wf.IN_PROGRESS
        else:
            assert wf.START not in wf.allowed_actions(ctx)


@pytest.mark.parametrize("resume_to", [wf.DISCLOSED, wf.IN_PROGRESS, wf.ACCEPTANCE])
def test_resume_returns_to_the_status_before_the_suspension(resume_to):
    ctx = wf.Context(status=wf.SUSPENDED, roles=frozenset({ISS}), resume_to=resume_to)
    assert wf.next_status(ctx, wf.RESUME) == resume_to


@pytest.mark.parametrize("resume_to", [wf.SUSPENDED, wf.EMERGENCY, wf.APPROVED, "", "nonsense"])
def test_resume_never_returns_outside_construction(resume_to):
    ctx = wf.Context(status=wf.SUSPENDED, roles=frozenset({E}), resume_to=resume_to)
    assert wf.next_status(ctx, wf.RESUME) == wf.IN_PROGRESS


def test_an_emergency_ends_in_suspension_and_only_supervision_resumes():
    ctx = wf.Context(status=wf.EMERGENCY, roles=frozenset({C}))
    assert wf.next_status(ctx, wf.END_EMERGENCY) == wf.SUSPENDED
    suspended = wf.Context(status=wf.SUSPENDED, roles=frozenset({C}))
    assert wf.RESUME not in wf.allowed_actions(suspended)


def test_a_plan_change_goes_back_to_review():
    for status in (wf.APPROVED, *BUILDING, wf.SUSPENDED):
        ctx = wf.Context(status=status, roles=frozenset({C}), over_threshold=True, argued=True)
        assert wf.next_status(ctx, wf.CHANGE_PLAN) == wf.PLAN_CHANGE
    ctx = wf.Context(status=wf.PLAN_CHANGE, roles=frozenset({C}))
    assert wf.allowed_actions(ctx) == [wf.SUBMIT]
    assert wf.next_status(ctx, wf.SUBMIT) == wf.CONTRACTOR_REVIEW


def test_status_groups():
    assert wf.EDITABLE == {wf.IDENTIFIED, wf.DRAFTING, wf.REVISING, wf.PLAN_CHANGE}
    assert wf.ON_SITE == {wf.DISCLOSED, wf.IN_PROGRESS, wf.ACCEPTANCE, wf.SUSPENDED, wf.EMERGENCY}
    assert wf.CLOSED == {wf.COMPLETED, wf.CANCELLED}
    assert not wf.BEFORE_APPROVAL & (wf.ON_SITE | wf.CLOSED | {wf.APPROVED})


def test_signers_documents_and_comments_follow_the_rules():
    assert wf.SIGNERS[wf.APPROVE_INTERNAL] == (("tech_chief", "施工单位技术负责人", 1),)
    assert wf.SIGNERS[wf.APPROVE_REVIEW] == (("chief_engineer", "总监理工程师", 1),)
    for action in wf.ARGUE_ACTIONS:
        assert wf.SIGNERS[action] == (("expert", "论证专家", wf.MIN_EXPERTS),)
        assert wf.DOCUMENTS[action] == "expert_report"
    assert wf.MIN_EXPERTS == 5
    assert {role for role, _l, _n in wf.SIGNERS[wf.DISCLOSE]} == {
        "discloser",
        "recipient",
        "safety_officer",
    }
    assert {role for role, _l, _n in wf.SIGNERS[wf.ACCEPT]} == {"tech_lead", "chief_engineer"}
    assert wf.DOCUMENTS[wf.SUBMIT] == "scheme"
    assert wf.DOCUMENTS[wf.ACCEPT] == "acceptance"
    assert wf.DOCUMENTS[wf.DISCLOSE] == "briefing"
    assert set(wf.DOCUMENTS.values()) <= set(wf.DOCUMENT_LABELS)
    # every step that turns a work back or aside says why
    for action in (wf.RETURN_INTERNAL, wf.RETURN_REVIEW, wf.SUSPEND, wf.CHANGE_PLAN, wf.CANCEL):
        assert action in wf.COMMENT_REQUIRED
    assert wf.COMMENT_REQUIRED <= set(wf.ACTION_LABELS)


def test_every_label_and_colour_is_defined():
    assert set(ACTIONS) == {a for _s, a in EXPECTED}
    assert set(wf.STATUS_LABELS) == {*STATUSES, wf.PREVIOUS}
    assert set(wf.STATUS_COLOURS) == set(STATUSES)
    assert set(wf.ROLE_LABELS) == set(ROLES)


# --- the generated documents -------------------------------------------------------------------


def test_the_mermaid_diagram_shows_every_status_and_action():
    diagram = wf.mermaid()
    assert diagram.startswith("stateDiagram-v2")
    for status in STATUSES:
        assert status in diagram
    for label in wf.ACTION_LABELS.values():
        assert label in diagram
    assert f"{wf.SUPERVISOR_REVIEW} --> {wf.EXPERT_REVIEW}" in diagram
    for back in BUILDING:  # resume is drawn back to each status it may return to
        assert f"{wf.SUSPENDED} --> {back}: {wf.ACTION_LABELS[wf.RESUME]}" in diagram
    assert wf.PREVIOUS not in diagram
    # header, start, one line per row (resume: three), the extra 超规模 route, two ends
    assert len(diagram.splitlines()) == 2 + len(wf.TRANSITIONS) + 2 + 1 + 2


def test_the_markdown_lists_every_row_with_labels():
    text = wf.markdown()
    assert "```mermaid\n" + wf.mermaid() + "\n```" in text
    for label in wf.STATUS_LABELS.values():
        assert label in text
    for label in wf.ACTION_LABELS.values():
        assert label in text
    for label in wf.ROLE_LABELS.values():
        assert label in text
    assert "论证专家≥5" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(wf.TRANSITIONS)
