"""The 危大工程 lifecycle as data (DOMAIN.md §2.2; pure: no database, no Django models).

TRANSITIONS maps (status, action) to (next status, the roles that may take it). Roles are
relative to one dangerous work:

- contractor: the project's site team (项目经理, 项目技术负责人, 专职安全员), who organise the
  scheme, its internal review (signed by the 施工单位技术负责人), the expert argumentation, the
  briefing, construction and acceptance;
- chief_engineer: the project's 总监理工程师, who reviews (审查) and signs the scheme;
- engineer: any of the project's supervising engineers (总监 or 专业监理工程师);
- issuer: supervision staff (supervisor / section chief) of the project's agency.

Gates (DOMAIN.md §2.2, 37号令 第十二、十六条):

- an over-threshold (超过一定规模) work cannot be approved without a passed argumentation: the
  总监's approval sends it to expert argumentation instead (`route`);
- construction needs approval and briefing: `start` exists only from `disclosed`;
- a work that needs acceptance cannot be completed before it passed acceptance;
- a plan change sends the work back to review, and to argumentation again when over threshold
  (the argumentation no longer counts once the plan changed).

`docs/workflows/dangerous-works.md` is generated from this table (`manage.py workflow_docs`).
"""

from dataclasses import dataclass

IDENTIFIED = "identified"
DRAFTING = "drafting"
CONTRACTOR_REVIEW = "contractor_review"
SUPERVISOR_REVIEW = "supervisor_review"
EXPERT_REVIEW = "expert_review"
REVISING = "revising"
APPROVED = "approved"
DISCLOSED = "disclosed"
IN_PROGRESS = "in_progress"
ACCEPTANCE = "acceptance"
COMPLETED = "completed"
SUSPENDED = "suspended"
EMERGENCY = "emergency"
PLAN_CHANGE = "plan_change"
CANCELLED = "cancelled"
PREVIOUS = "previous"  # `resume` returns to the status the work had when it was suspended

CONTRACTOR = "contractor"
CHIEF_ENGINEER = "chief_engineer"
ENGINEER = "engineer"
ISSUER = "issuer"

DRAFT = "draft"
SUBMIT = "submit"
APPROVE_INTERNAL = "approve_internal"
RETURN_INTERNAL = "return_internal"
APPROVE_REVIEW = "approve_review"
RETURN_REVIEW = "return_review"
ARGUE_PASS = "argue_pass"
ARGUE_REVISE = "argue_revise"
ARGUE_FAIL = "argue_fail"
DISCLOSE = "disclose"
START = "start"
REQUEST_ACCEPTANCE = "request_acceptance"
ACCEPT = "accept"
REJECT_ACCEPTANCE = "reject_acceptance"
COMPLETE = "complete"
SUSPEND = "suspend"
RESUME = "resume"
REPORT_EMERGENCY = "report_emergency"
END_EMERGENCY = "end_emergency"
CHANGE_PLAN = "change_plan"
CANCEL = "cancel"

_BUILDING = (DISCLOSED, IN_PROGRESS, ACCEPTANCE)

TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (IDENTIFIED, DRAFT): (DRAFTING, frozenset({CONTRACTOR})),
    (DRAFTING, SUBMIT): (CONTRACTOR_REVIEW, frozenset({CONTRACTOR})),
    (REVISING, SUBMIT): (CONTRACTOR_REVIEW, frozenset({CONTRACTOR})),
    (PLAN_CHANGE, SUBMIT): (CONTRACTOR_REVIEW, frozenset({CONTRACTOR})),
    (CONTRACTOR_REVIEW, APPROVE_INTERNAL): (SUPERVISOR_REVIEW, frozenset({CONTRACTOR})),
    (CONTRACTOR_REVIEW, RETURN_INTERNAL): (REVISING, frozenset({CONTRACTOR})),
    (SUPERVISOR_REVIEW, APPROVE_REVIEW): (APPROVED, frozenset({CHIEF_ENGINEER})),
    (SUPERVISOR_REVIEW, RETURN_REVIEW): (REVISING, frozenset({ENGINEER})),
    (EXPERT_REVIEW, ARGUE_PASS): (APPROVED, frozenset({CONTRACTOR})),
    (EXPERT_REVIEW, ARGUE_REVISE): (REVISING, frozenset({CONTRACTOR})),
    (EXPERT_REVIEW, ARGUE_FAIL): (REVISING, frozenset({CONTRACTOR})),
    (APPROVED, DISCLOSE): (DISCLOSED, frozenset({CONTRACTOR})),
    (DISCLOSED, START): (IN_PROGRESS, frozenset({CONTRACTOR})),
    (IN_PROGRESS, REQUEST_ACCEPTANCE): (ACCEPTANCE, frozenset({CONTRACTOR})),
    (ACCEPTANCE, ACCEPT): (IN_PROGRESS, frozenset({CONTRACTOR, CHIEF_ENGINEER})),
    (ACCEPTANCE, REJECT_ACCEPTANCE): (IN_PROGRESS, frozenset({CONTRACTOR, ENGINEER})),
    (IN_PROGRESS, COMPLETE): (COMPLETED, frozenset({CONTRACTOR})),
    **{
        (status, SUSPEND): (SUSPENDED, frozenset({CONTRACTOR, ENGINEER, ISSUER}))
        for status in _BUILDING
    },
    (SUSPENDED, RESUME): (PREVIOUS, frozenset({ENGINEER, ISSUER})),
    **{
        (status, REPORT_EMERGENCY): (EMERGENCY, frozenset({CONTRACTOR, ENGINEER}))
        for status in (*_BUILDING, SUSPENDED)
    },
    (EMERGENCY, END_EMERGENCY): (SUSPENDED, frozenset({CONTRACTOR, ENGINEER, ISSUER})),
    **{
        (status, CHANGE_PLAN): (PLAN_CHANGE, frozenset({CONTRACTOR}))
        for status in (APPROVED, *_BUILDING, SUSPENDED)
    },
    **{
        (status, CANCEL): (CANCELLED, frozenset({CONTRACTOR}))
        for status in (IDENTIFIED, DRAFTING, REVISING)
    },
}

# Statuses in which the parameters (and so the level) may still be edited.
EDITABLE = frozenset({IDENTIFIED, DRAFTING, REVISING, PLAN_CHANGE})
# Statuses before the scheme is approved (work on site now means 未批先干).
BEFORE_APPROVAL = frozenset(
    {IDENTIFIED, DRAFTING, CONTRACTOR_REVIEW, SUPERVISOR_REVIEW, EXPERT_REVIEW, REVISING}
)
# Statuses in which the work is (or may be) on site: patrols and monitoring run.
ON_SITE = frozenset({DISCLOSED, IN_PROGRESS, ACCEPTANCE, SUSPENDED, EMERGENCY})
CLOSED = frozenset({COMPLETED, CANCELLED})

COMMENT_REQUIRED = frozenset(
    {
        RETURN_INTERNAL,
        RETURN_REVIEW,
        ARGUE_REVISE,
        ARGUE_FAIL,
        REJECT_ACCEPTANCE,
        SUSPEND,
        RESUME,
        REPORT_EMERGENCY,
        END_EMERGENCY,
        CHANGE_PLAN,
        CANCEL,
    }
)
# Who must sign each step (role key, label, at least how many). 施工单位技术负责人 also signs for
# the subcontractor when a subcontractor wrote the scheme (added by the service).
SIGNERS: dict[str, tuple[tuple[str, str, int], ...]] = {
    APPROVE_INTERNAL: (("tech_chief", "施工单位技术负责人", 1),),
    APPROVE_REVIEW: (("chief_engineer", "总监理工程师", 1),),
    ARGUE_PASS: (("expert", "论证专家", 5),),
    ARGUE_REVISE: (("expert", "论证专家", 5),),
    ARGUE_FAIL: (("expert", "论证专家", 5),),
    DISCLOSE: (
        ("discloser", "交底人", 1),
        ("recipient", "被交底人", 1),
        ("safety_officer", "项目专职安全生产管理人员", 1),
    ),
    ACCEPT: (
        ("tech_lead", "施工单位项目技术负责人", 1),
        ("chief_engineer", "总监理工程师", 1),
    ),
}
SUBCONTRACTOR_SIGNER = ("sub_tech_chief", "分包单位技术负责人", 1)
# The document each step must carry (document kind).
DOCUMENTS: dict[str, str] = {
    SUBMIT: "scheme",
    ARGUE_PASS: "expert_report",
    ARGUE_REVISE: "expert_report",
    ARGUE_FAIL: "expert_report",
    DISCLOSE: "briefing",
    ACCEPT: "acceptance",
}
ARGUE_ACTIONS = frozenset({ARGUE_PASS, ARGUE_REVISE, ARGUE_FAIL})
VERDICT = {ARGUE_PASS: "passed", ARGUE_REVISE: "revise", ARGUE_FAIL: "failed"}
MIN_EXPERTS = 5

ACTION_LABELS = {
    DRAFT: "开始编制方案",
    SUBMIT: "提交方案审核",
    APPROVE_INTERNAL: "施工单位审核通过",
    RETURN_INTERNAL: "施工单位审核退回",
    APPROVE_REVIEW: "总监审查通过",
    RETURN_REVIEW: "监理审查退回",
    ARGUE_PASS: "专家论证：通过",
    ARGUE_REVISE: "专家论证：修改后通过",
    ARGUE_FAIL: "专家论证：不通过",
    DISCLOSE: "方案交底与公告",
    START: "开始施工",
    REQUEST_ACCEPTANCE: "申请验收",
    ACCEPT: "验收合格",
    REJECT_ACCEPTANCE: "验收不合格",
    COMPLETE: "施工完成",
    SUSPEND: "停工整改",
    RESUME: "复工",
    REPORT_EMERGENCY: "报告险情",
    END_EMERGENCY: "险情处置完毕",
    CHANGE_PLAN: "方案变更",
    CANCEL: "取消",
}
STATUS_LABELS = {
    IDENTIFIED: "已列入清单",
    DRAFTING: "方案编制中",
    CONTRACTOR_REVIEW: "施工单位审核中",
    SUPERVISOR_REVIEW: "监理审查中",
    EXPERT_REVIEW: "待专家论证",
    REVISING: "方案修改中",
    APPROVED: "方案已批准",
    DISCLOSED: "已交底",
    IN_PROGRESS: "施工中",
    ACCEPTANCE: "验收中",
    COMPLETED: "已完成",
    SUSPENDED: "停工整改",
    EMERGENCY: "险情处置",
    PLAN_CHANGE: "方案变更",
    CANCELLED: "已取消",
    PREVIOUS: "停工前状态",
}
STATUS_COLOURS = {
    IDENTIFIED: "secondary",
    DRAFTING: "secondary",
    CONTRACTOR_REVIEW: "info",
    SUPERVISOR_REVIEW: "info",
    EXPERT_REVIEW: "primary",
    REVISING: "warning",
    APPROVED: "primary",
    DISCLOSED: "primary",
    IN_PROGRESS: "success",
    ACCEPTANCE: "info",
    COMPLETED: "dark",
    SUSPENDED: "danger",
    EMERGENCY: "danger",
    PLAN_CHANGE: "warning",
    CANCELLED: "light",
}
ROLE_LABELS = {
    CONTRACTOR: "施工单位",
    CHIEF_ENGINEER: "总监理工程师",
    ENGINEER: "监理",
    ISSUER: "监督人员",
}


class TransitionNotAllowed(Exception):
    """The action is not possible from this status, or not for these roles."""


@dataclass(frozen=True)
class Context:
    """What the workflow needs to know about one dangerous work and one user."""

    status: str
    roles: frozenset[str]
    over_threshold: bool = False  # 超过一定规模
    argued: bool = False  # a passed argumentation that still counts (no plan change since)
    needs_acceptance: bool = False
    accepted: bool = False
    resume_to: str = IN_PROGRESS


def _possible(ctx: Context, action: str) -> bool:
    entry = TRANSITIONS.get((ctx.status, action))
    if entry is None or not (entry[1] & ctx.roles):
        return False
    if action == REQUEST_ACCEPTANCE and not (ctx.needs_acceptance and not ctx.accepted):
        return False
    if action == COMPLETE and ctx.needs_acceptance and not ctx.accepted:
        return False
    if action in ARGUE_ACTIONS and not ctx.over_threshold:
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
    """The actions these roles may take now, in table order."""
    return [
        action
        for (status, action) in TRANSITIONS
        if status == ctx.status and _possible(ctx, action)
    ]


def route(ctx: Context, action: str, target: str) -> str:
    """The gates that change a step's destination."""
    if action == APPROVE_REVIEW and ctx.over_threshold and not ctx.argued:
        return EXPERT_REVIEW  # 超规模: no approval without a passed argumentation
    if target == PREVIOUS:
        return ctx.resume_to if ctx.resume_to in _BUILDING else IN_PROGRESS
    return target


def next_status(ctx: Context, action: str) -> str:
    """The status after `action`; raises TransitionNotAllowed when it is not possible."""
    if not _possible(ctx, action):
        raise TransitionNotAllowed(f"{action} from {ctx.status} for {sorted(ctx.roles)}")
    return route(ctx, action, TRANSITIONS[(ctx.status, action)][0])


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {IDENTIFIED}: 登记（列入危大工程清单）"]
    for (status, action), (target, who) in TRANSITIONS.items():
        roles = "/".join(ROLE_LABELS[r] for r in sorted(who))
        if target == PREVIOUS:
            for back in _BUILDING:
                lines.append(
                    f"    {status} --> {back}: {ACTION_LABELS[action]}（{roles}，回到停工前状态）"
                )
            continue
        lines.append(f"    {status} --> {target}: {ACTION_LABELS[action]}（{roles}）")
        if action == APPROVE_REVIEW:
            lines.append(
                f"    {status} --> {EXPERT_REVIEW}: {ACTION_LABELS[action]}（超规模且未论证）"
            )
    lines.append(f"    {COMPLETED} --> [*]")
    lines.append(f"    {CANCELLED} --> [*]")
    return "\n".join(lines)


def markdown() -> str:
    """The whole lifecycle document (diagram, table, rules), generated from the table."""
    rows = [
        "| 状态 | 操作 | 新状态 | 谁可以 | 须签字 | 须上传 | 需填写意见 |",
        "|---|---|---|---|---|---|---|",
    ]
    for (status, action), (target, who) in TRANSITIONS.items():
        signers = "、".join(
            f"{label}≥{n}" if n > 1 else label for _k, label, n in SIGNERS.get(action, ())
        )
        rows.append(
            f"| {STATUS_LABELS[status]} `{status}` | {ACTION_LABELS[action]} `{action}` | "
            f"{STATUS_LABELS[target]} `{target}` | "
            f"{'、'.join(ROLE_LABELS[r] for r in sorted(who))} | {signers} | "
            f"{DOCUMENT_LABELS.get(DOCUMENTS.get(action, ''), '')} | "
            f"{'是' if action in COMMENT_REQUIRED else ''} |"
        )
    return "\n".join(
        [
            "# 危大工程全过程管理 (dangerous works lifecycle)",
            "",
            "<!-- Generated from anjian/dangerous_works/workflow.py by "
            "`python manage.py workflow_docs`; do not edit by hand. -->",
            "",
            "```mermaid",
            mermaid(),
            "```",
            "",
            *rows,
            "",
            "## Gates",
            "",
            "- 超过一定规模的危大工程：总监审查通过后，如没有仍然有效的“通过”或“修改后通过”的专家论证，"
            "进入“待专家论证”，不能直接批准（37号令第十二条）。修改后通过的方案修改后须重新履行审核、审查签字。",
            "- 论证须有不少于5名专家签字；与本项目有利害关系的单位人员不得作为专家（第十二条）。",
            "- 开始施工只能在“已交底”之后：方案未批准、未交底不得施工（第十五条）。",
            "- 需要验收的危大工程（按类别设置，管理员可改）验收合格前不能完成；验收合格须项目技术负责人与"
            "总监理工程师签字（第二十一条）。",
            "- 方案变更回到审核；超规模的危大工程变更后原论证失效，须重新论证（第十六条）。",
            "- 停工整改的复工由监理或监督人员决定，回到停工前的状态；险情处置完毕后先进入停工整改。",
            "- 每一步在同一事务中写入一条步骤记录（谁、何时、意见、签字、文件）。",
            "",
        ]
    )


DOCUMENT_LABELS = {
    "scheme": "专项施工方案",
    "review": "审核/审查意见",
    "expert_report": "专家论证报告",
    "briefing": "交底记录",
    "monitoring_plan": "监测方案",
    "monitoring_report": "监测报告",
    "acceptance": "验收记录",
    "patrol": "巡视记录",
    "other": "其他",
}
