"""Template helpers of 公文收发: the counts of the documents pages' tab bar (`_nav.html`)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def documents_nav(context) -> dict:
    """What the tab bar shows the current user, with its counts (a query or two, no more).

    Agency staff: 发文, 待我审批 (section chiefs and leaders, with how many wait), 收文 (with how
    many are routed to them to handle), 归档. Companies: their inbox (with how many still owe a
    receipt or reply) and their submissions."""
    from ..selectors import inbox_waiting, pending_approval, submissions_to_handle
    from ..services import APPROVERS

    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff": False}
    if user.is_agency_staff:
        approver = user.is_superuser or user.agency_role in APPROVERS
        return {
            "staff": True,
            "approver": approver,
            "approve": pending_approval(user).count() if approver else 0,
            "incoming": submissions_to_handle(user).count(),
        }
    return {"staff": False, "inbox": inbox_waiting(user).count() if user.organization_id else 0}
