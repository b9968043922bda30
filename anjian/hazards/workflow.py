"""The rectification workflow as data (pure: no database, no Django models).

TRANSITIONS maps (status, action) to (next status, the roles that may take it). Roles are
relative to one hazard:

- issuer: supervision staff (supervisor / section chief) of the hazard's agency;
- chief: the section chief of the hazard's agency;
- contractor: the project's site team (项目经理, 项目技术负责人, 专职安全员);
- engineer: the project's supervising engineers (总监理工程师, 专业监理工程师).

A contractor can never accept (close) its own hazard: no row gives `contractor` the accept
action. `docs/workflows/hazard-rectification.md` is generated from this table.
"""

from dataclasses import dataclass

ISSUED = "issued"
RECTIFYING = "rectifying"
REPLIED = "replied"
CONFIRMED = "confirmed"
DISPUTED = "disputed"
CLOSED = "closed"
WITHDRAWN = "withdrawn"

ISSUER = "issuer"
CHIEF = "chief"
CONTRACTOR = "contractor"
ENGINEER = "engineer"

REPLY = "reply"
CONFIRM = "confirm"
RETURN = "return"  # the supervising engineer sends the reply back to the contractor
ACCEPT = "accept"
REJECT = "reject"
WITHDRAW = "withdraw"
DISPUTE = "dispute"
UPHOLD = "uphold"  # the chief upholds the hazard after a dispute
CANCEL = "cancel"  # the chief accepts the dispute and withdraws the hazard

TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (ISSUED, REPLY): (REPLIED, frozenset({CONTRACTOR})),
    (RECTIFYING, REPLY): (REPLIED, frozenset({CONTRACTOR})),
    (REPLIED, CONFIRM): (CONFIRMED, frozenset({ENGINEER})),
    (REPLIED, RETURN): (RECTIFYING, frozenset({ENGINEER})),
    (REPLIED, ACCEPT): (CLOSED, frozenset({ISSUER})),
    (CONFIRMED, ACCEPT): (CLOSED, frozenset({ISSUER})),
    (REPLIED, REJECT): (RECTIFYING, frozenset({ISSUER})),
    (CONFIRMED, REJECT): (RECTIFYING, frozenset({ISSUER})),
    (ISSUED, WITHDRAW): (WITHDRAWN, frozenset({ISSUER})),
    (RECTIFYING, WITHDRAW): (WITHDRAWN, frozenset({ISSUER})),
    (REPLIED, WITHDRAW): (WITHDRAWN, frozenset({ISSUER})),
    (CONFIRMED, WITHDRAW): (WITHDRAWN, frozenset({ISSUER})),
    (ISSUED, DISPUTE): (DISPUTED, frozenset({CONTRACTOR})),
    (RECTIFYING, DISPUTE): (DISPUTED, frozenset({CONTRACTOR})),
    (DISPUTED, UPHOLD): (RECTIFYING, frozenset({CHIEF})),
    (DISPUTED, CANCEL): (WITHDRAWN, frozenset({CHIEF})),
}

# Actions that need a written comment (reason), and those that set a new deadline.
COMMENT_REQUIRED = frozenset({REJECT, RETURN, WITHDRAW, DISPUTE, UPHOLD, CANCEL})
NEW_DEADLINE = frozenset({REJECT, UPHOLD, RETURN})

ACTION_LABELS = {
    REPLY: "提交整改回复",
    CONFIRM: "监理确认",
    RETURN: "监理退回",
    ACCEPT: "复查通过（销号）",
    REJECT: "复查不通过（驳回）",
    WITHDRAW: "撤销",
    DISPUTE: "申诉",
    UPHOLD: "维持原判",
    CANCEL: "采纳申诉并撤销",
}
STATUS_LABELS = {
    ISSUED: "待整改",
    RECTIFYING: "重新整改",
    REPLIED: "已回复待复查",
    CONFIRMED: "监理已确认",
    DISPUTED: "申诉中",
    CLOSED: "已销号",
    WITHDRAWN: "已撤销",
}
ROLE_LABELS = {
    ISSUER: "监督人员",
    CHIEF: "监督科长",
    CONTRACTOR: "施工单位",
    ENGINEER: "监理",
}


class TransitionNotAllowed(Exception):
    """The action is not possible from this status, or not for these roles."""


@dataclass(frozen=True)
class Context:
    """What the workflow needs to know about one hazard and one user."""

    status: str
    roles: frozenset[str]
    engineer_confirms: bool = False


def _possible(ctx: Context, action: str) -> bool:
    entry = TRANSITIONS.get((ctx.status, action))
    if entry is None:
        return False
    _next, who = entry
    if not (who & ctx.roles):
        return False
    # Where the project requires the supervising engineer's confirmation, the issuer reviews
    # only confirmed replies.
    if action == ACCEPT and ctx.status == REPLIED and ctx.engineer_confirms:
        return False
    if action in (CONFIRM, RETURN) and not ctx.engineer_confirms:
        return False
    return True


def roles_for_action(action: str) -> frozenset[str]:
    """Every role that may take `action` in some status."""
    roles: set[str] = set()
    for (_status, name), (_target, who) in TRANSITIONS.items():
        if name == action:
            roles |= who
    return frozenset(roles)


def allowed_actions(ctx: Context) -> list[str]:
    """The actions these roles may take on a hazard in this status, in table order."""
    seen = []
    for (status, action), _entry in TRANSITIONS.items():
        if status == ctx.status and action not in seen and _possible(ctx, action):
            seen.append(action)
    return seen


def next_status(ctx: Context, action: str) -> str:
    """The status after `action`; raises TransitionNotAllowed when it is not possible."""
    if not _possible(ctx, action):
        raise TransitionNotAllowed(f"{action} from {ctx.status} for {sorted(ctx.roles)}")
    return TRANSITIONS[(ctx.status, action)][0]


def mermaid() -> str:
    """The state diagram of TRANSITIONS as Mermaid source."""
    lines = ["stateDiagram-v2", f"    [*] --> {ISSUED}: 下发整改通知书"]
    for (status, action), (target, who) in TRANSITIONS.items():
        roles = "/".join(ROLE_LABELS[r] for r in sorted(who))
        lines.append(f"    {status} --> {target}: {ACTION_LABELS[action]}（{roles}）")
    lines.append(f"    {CLOSED} --> [*]")
    lines.append(f"    {WITHDRAWN} --> [*]")
    return "\n".join(lines)


def markdown() -> str:
    """The whole workflow document (diagram, table, rules), generated from the table."""
    rows = [
        "| 状态 | 操作 | 新状态 | 谁可以 | 需填写意见 | 设定新期限 |",
        "|---|---|---|---|---|---|",
    ]
    for (status, action), (target, who) in TRANSITIONS.items():
        rows.append(
            f"| {STATUS_LABELS[status]} `{status}` | {ACTION_LABELS[action]} `{action}` | "
            f"{STATUS_LABELS[target]} `{target}` | "
            f"{'、'.join(ROLE_LABELS[r] for r in sorted(who))} | "
            f"{'是' if action in COMMENT_REQUIRED else ''} | "
            f"{'是' if action in NEW_DEADLINE else ''} |"
        )
    return "\n".join(
        [
            "# 隐患整改闭环 (hazard rectification workflow)",
            "",
            "<!-- Generated from anjian/hazards/workflow.py by "
            "`python manage.py workflow_docs`; do not edit by hand. -->",
            "",
            "```mermaid",
            mermaid(),
            "```",
            "",
            *rows,
            "",
            "## Rules",
            "",
            "- 施工单位永远不能对自己的隐患复查销号：表中没有任何一行允许施工单位执行“复查通过”。",
            "- 项目要求监理确认时（工程信息中的“整改回复须经监理确认”），监督人员只复查监理已确认的回复；"
            "不要求时，监理确认与退回不可用。",
            "- 驳回、退回、撤销、申诉、维持原判、采纳申诉都必须填写意见；驳回、退回与维持原判须设定新的整改期限。",
            "- 每次状态变化在同一事务中写入一条隐患时间线事件（HazardEvent）。",
            "- 逾期不是状态：期限已过且仍待施工单位整改（待整改/重新整改）即为逾期，由逾期预警任务处理。",
            "",
        ]
    )
