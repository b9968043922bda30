"""The workflow table: every allowed and every refused transition for each role (no DB)."""

import itertools

import pytest

from anjian.hazards import workflow as wf

ROLES = [wf.ISSUER, wf.CHIEF, wf.CONTRACTOR, wf.ENGINEER]
STATUSES = [
    wf.ISSUED,
    wf.RECTIFYING,
    wf.REPLIED,
    wf.CONFIRMED,
    wf.DISPUTED,
    wf.CLOSED,
    wf.WITHDRAWN,
]
ACTIONS = sorted(wf.ACTION_LABELS)

# The expected table, written out by hand: (status, action, role, engineer_confirms) -> target.
EXPECTED = {}
for confirms in (False, True):
    for status in (wf.ISSUED, wf.RECTIFYING):
        EXPECTED[(status, wf.REPLY, wf.CONTRACTOR, confirms)] = wf.REPLIED
        EXPECTED[(status, wf.WITHDRAW, wf.ISSUER, confirms)] = wf.WITHDRAWN
        EXPECTED[(status, wf.DISPUTE, wf.CONTRACTOR, confirms)] = wf.DISPUTED
    EXPECTED[(wf.REPLIED, wf.REJECT, wf.ISSUER, confirms)] = wf.RECTIFYING
    EXPECTED[(wf.REPLIED, wf.WITHDRAW, wf.ISSUER, confirms)] = wf.WITHDRAWN
    EXPECTED[(wf.CONFIRMED, wf.ACCEPT, wf.ISSUER, confirms)] = wf.CLOSED
    EXPECTED[(wf.CONFIRMED, wf.REJECT, wf.ISSUER, confirms)] = wf.RECTIFYING
    EXPECTED[(wf.CONFIRMED, wf.WITHDRAW, wf.ISSUER, confirms)] = wf.WITHDRAWN
    EXPECTED[(wf.DISPUTED, wf.UPHOLD, wf.CHIEF, confirms)] = wf.RECTIFYING
    EXPECTED[(wf.DISPUTED, wf.CANCEL, wf.CHIEF, confirms)] = wf.WITHDRAWN
EXPECTED[(wf.REPLIED, wf.ACCEPT, wf.ISSUER, False)] = wf.CLOSED  # no 监理 confirmation needed
EXPECTED[(wf.REPLIED, wf.CONFIRM, wf.ENGINEER, True)] = wf.CONFIRMED
EXPECTED[(wf.REPLIED, wf.RETURN, wf.ENGINEER, True)] = wf.RECTIFYING

CASES = list(itertools.product(STATUSES, ACTIONS, ROLES, (False, True)))


@pytest.mark.parametrize("status,action,role,confirms", CASES)
def test_transition_table(status, action, role, confirms):
    ctx = wf.Context(status=status, roles=frozenset({role}), engineer_confirms=confirms)
    expected = EXPECTED.get((status, action, role, confirms))
    if expected is None:
        with pytest.raises(wf.TransitionNotAllowed):
            wf.next_status(ctx, action)
        assert action not in wf.allowed_actions(ctx)
    else:
        assert wf.next_status(ctx, action) == expected
        assert action in wf.allowed_actions(ctx)


def test_a_contractor_can_never_close_a_hazard_whatever_else_it_is():
    for status, confirms in itertools.product(STATUSES, (False, True)):
        ctx = wf.Context(
            status=status, roles=frozenset({wf.CONTRACTOR, wf.ENGINEER}), engineer_confirms=confirms
        )
        assert wf.ACCEPT not in wf.allowed_actions(ctx)


def test_closed_and_withdrawn_are_final_for_everyone():
    for status in (wf.CLOSED, wf.WITHDRAWN):
        ctx = wf.Context(status=status, roles=frozenset(ROLES), engineer_confirms=True)
        assert wf.allowed_actions(ctx) == []


def test_the_generated_document_is_up_to_date():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "hazard-rectification.md"
    assert doc.read_text(encoding="utf-8") == wf.markdown(), (
        "Run `python manage.py workflow_docs` to regenerate docs/workflows/"
    )
