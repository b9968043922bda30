"""危大工程 scope and the 超过一定规模 thresholds (建办质〔2018〕31号 附件1/附件2, DOMAIN.md §2.1).

Pure data and one pure function, no database: the register (issue 5) seeds an editable threshold
table from THRESHOLD_RULES and classifies each dangerous work with `classify`. Any one triggered
rule decides (the standard lists OR-conditions). A sub-type listed as always 危大 (for example a
附着式升降脚手架) is 危大 whatever its parameters; a sub-type listed as always 超规模 (暗挖工程,
水下作业, 四新) is over the larger threshold whatever its parameters.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

DANGER = "danger"  # 危险性较大的分部分项工程
SUPER = "super"  # 超过一定规模的危大工程（需专家论证）
NONE = "none"

LEVEL_LABELS = {DANGER: "危大工程", SUPER: "超过一定规模的危大工程", NONE: "不属于危大工程"}

CATEGORIES = {
    "PIT": "基坑工程",
    "FORMWORK": "模板工程及支撑体系",
    "LIFTING": "起重吊装及起重机械安装拆卸工程",
    "SCAFFOLD": "脚手架工程",
    "DEMOLITION": "拆除工程",
    "TUNNEL": "暗挖工程",
    "OTHER": "其它",
}

# (category, sub-type) → label
SUBTYPES = {
    ("PIT", "excavation"): "基坑开挖、支护、降水",
    ("FORMWORK", "tool_formwork"): "工具式模板（滑模、爬模、飞模、隧道模）",
    ("FORMWORK", "concrete_support"): "混凝土模板支撑工程",
    ("FORMWORK", "load_bearing_frame"): "承重支撑体系",
    ("LIFTING", "non_standard"): "非常规起重设备、方法的起重吊装",
    ("LIFTING", "machine_installation"): "采用起重机械进行安装的工程",
    ("LIFTING", "machine_erection"): "起重机械安装和拆卸",
    ("SCAFFOLD", "floor_standing"): "落地式钢管脚手架",
    ("SCAFFOLD", "attached_lifting"): "附着式升降脚手架",
    ("SCAFFOLD", "cantilever"): "悬挑式脚手架",
    ("SCAFFOLD", "gondola"): "高处作业吊篮",
    ("SCAFFOLD", "platform"): "卸料平台、操作平台",
    ("SCAFFOLD", "special_shaped"): "异型脚手架",
    ("DEMOLITION", "demolition"): "拆除工程",
    ("TUNNEL", "tunnel"): "暗挖工程（矿山法、盾构法、顶管法）",
    ("OTHER", "curtain_wall"): "建筑幕墙安装",
    ("OTHER", "steel_structure"): "钢结构安装",
    ("OTHER", "space_frame"): "网架、索膜结构安装",
    ("OTHER", "manual_pile"): "人工挖孔桩",
    ("OTHER", "underwater"): "水下作业",
    ("OTHER", "precast"): "装配式混凝土预制构件安装",
    ("OTHER", "jacking"): "整体顶升、平移、转体",
    ("OTHER", "new_technology"): "采用新技术、新工艺、新材料、新设备（无标准）",
}

# Sub-types that are 危大 by their nature, and those that are always 超过一定规模.
ALWAYS_DANGER = {
    ("FORMWORK", "tool_formwork"),
    ("FORMWORK", "load_bearing_frame"),
    ("LIFTING", "machine_installation"),
    ("LIFTING", "machine_erection"),
    ("SCAFFOLD", "attached_lifting"),
    ("SCAFFOLD", "cantilever"),
    ("SCAFFOLD", "gondola"),
    ("SCAFFOLD", "platform"),
    ("SCAFFOLD", "special_shaped"),
    ("TUNNEL", "tunnel"),
    ("OTHER", "curtain_wall"),
    ("OTHER", "steel_structure"),
    ("OTHER", "space_frame"),
    ("OTHER", "manual_pile"),
    ("OTHER", "underwater"),
    ("OTHER", "precast"),
    ("OTHER", "new_technology"),
}
ALWAYS_SUPER = {
    ("FORMWORK", "tool_formwork"),
    ("TUNNEL", "tunnel"),
    ("OTHER", "underwater"),
    ("OTHER", "new_technology"),
}

PARAMETERS = {
    "excavation_depth": ("开挖深度", "m"),
    "complex_conditions": ("地质条件、周围环境或地下管线复杂，或影响毗邻建筑（构筑）物安全", ""),
    "erection_height": ("搭设高度", "m"),
    "span": ("搭设跨度", "m"),
    "construction_load": ("施工总荷载（设计值）", "kN/m²"),
    "line_load": ("集中线荷载（设计值）", "kN/m"),
    "point_load": ("单点集中荷载", "kN"),
    "lift_weight": ("单件起吊重量", "kN"),
    "lifting_capacity": ("起重量", "kN"),
    "total_height": ("搭设总高度", "m"),
    "foundation_elevation": ("基础标高", "m"),
    "lift_height": ("提升高度", "m"),
    "segment_height": ("分段架体搭设高度", "m"),
    "affects_surroundings": ("可能影响行人、交通、电力设施、通讯设施或其他建、构筑物安全", ""),
    "special_structure": (
        "码头、桥梁、高架、烟囱、水塔或可能引发有毒有害气（液）体、粉尘扩散或易燃易爆事故",
        "",
    ),
    "heritage_zone": ("位于文物保护建筑、优秀历史建筑或历史文化风貌区影响范围内", ""),
    "working_height": ("施工高度", "m"),
    "jacking_load": ("顶升、平移、转体施工总荷载", "kN"),
    "pile_depth": ("开挖深度", "m"),
}


@dataclass(frozen=True)
class Rule:
    """One threshold: `param op threshold` makes the work at least `level`."""

    category: str
    subtype: str
    level: str
    param: str
    op: str
    threshold: float
    unit: str = ""

    def triggers(self, params: dict) -> bool:
        value = params.get(self.param)
        if value is None or value == "":
            return False
        if self.op == "true":
            return bool(value)
        compare = {">=": operator.ge, ">": operator.gt}[self.op]
        return compare(float(value), self.threshold)

    @property
    def text(self) -> str:
        label, unit = PARAMETERS.get(self.param, (self.param, self.unit))
        if self.op == "true":
            return label
        number = f"{self.threshold:g}"
        return f"{label}≥{number}{unit}" if self.op == ">=" else f"{label}>{number}{unit}"


def _r(category, subtype, level, param, op, threshold=0, unit=""):
    return Rule(category, subtype, level, param, op, float(threshold), unit)


THRESHOLD_RULES: tuple[Rule, ...] = (
    _r("PIT", "excavation", DANGER, "excavation_depth", ">=", 3, "m"),
    _r("PIT", "excavation", DANGER, "complex_conditions", "true"),
    _r("PIT", "excavation", SUPER, "excavation_depth", ">=", 5, "m"),
    _r("FORMWORK", "concrete_support", DANGER, "erection_height", ">=", 5, "m"),
    _r("FORMWORK", "concrete_support", DANGER, "span", ">=", 10, "m"),
    _r("FORMWORK", "concrete_support", DANGER, "construction_load", ">=", 10, "kN/m²"),
    _r("FORMWORK", "concrete_support", DANGER, "line_load", ">=", 15, "kN/m"),
    _r("FORMWORK", "concrete_support", SUPER, "erection_height", ">=", 8, "m"),
    _r("FORMWORK", "concrete_support", SUPER, "span", ">=", 18, "m"),
    _r("FORMWORK", "concrete_support", SUPER, "construction_load", ">=", 15, "kN/m²"),
    _r("FORMWORK", "concrete_support", SUPER, "line_load", ">=", 20, "kN/m"),
    _r("FORMWORK", "load_bearing_frame", SUPER, "point_load", ">=", 7, "kN"),
    _r("LIFTING", "non_standard", DANGER, "lift_weight", ">=", 10, "kN"),
    _r("LIFTING", "non_standard", SUPER, "lift_weight", ">=", 100, "kN"),
    _r("LIFTING", "machine_erection", SUPER, "lifting_capacity", ">=", 300, "kN"),
    _r("LIFTING", "machine_erection", SUPER, "total_height", ">=", 200, "m"),
    _r("LIFTING", "machine_erection", SUPER, "foundation_elevation", ">=", 200, "m"),
    _r("SCAFFOLD", "floor_standing", DANGER, "erection_height", ">=", 24, "m"),
    _r("SCAFFOLD", "floor_standing", SUPER, "erection_height", ">=", 50, "m"),
    _r("SCAFFOLD", "attached_lifting", SUPER, "lift_height", ">=", 150, "m"),
    _r("SCAFFOLD", "cantilever", SUPER, "segment_height", ">=", 20, "m"),
    _r("DEMOLITION", "demolition", DANGER, "affects_surroundings", "true"),
    _r("DEMOLITION", "demolition", SUPER, "special_structure", "true"),
    _r("DEMOLITION", "demolition", SUPER, "heritage_zone", "true"),
    _r("OTHER", "curtain_wall", SUPER, "working_height", ">=", 50, "m"),
    _r("OTHER", "steel_structure", SUPER, "span", ">=", 36, "m"),
    _r("OTHER", "space_frame", SUPER, "span", ">=", 60, "m"),
    _r("OTHER", "manual_pile", SUPER, "pile_depth", ">=", 16, "m"),
    _r("OTHER", "jacking", SUPER, "jacking_load", ">=", 1000, "kN"),
)


@dataclass(frozen=True)
class Classification:
    """The level of a dangerous work and why."""

    level: str
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def needs_expert_review(self) -> bool:
        """超过一定规模: the scheme must pass expert argumentation (专家论证)."""
        return self.level == SUPER


def classify(category: str, subtype: str, params: dict, rules=THRESHOLD_RULES) -> Classification:
    """危大 / 超规模 / none for a work of `category`/`subtype` with these parameters."""
    key = (category, subtype)
    if key not in SUBTYPES:
        raise ValueError(f"未知的危大工程类别：{category}/{subtype}")
    mine = [rule for rule in rules if (rule.category, rule.subtype) == key]
    super_reasons = [rule.text for rule in mine if rule.level == SUPER and rule.triggers(params)]
    if key in ALWAYS_SUPER:
        super_reasons.insert(0, f"{SUBTYPES[key]}（按规定均属超过一定规模）")
    if super_reasons:
        return Classification(SUPER, tuple(super_reasons))
    danger_reasons = [rule.text for rule in mine if rule.level == DANGER and rule.triggers(params)]
    if key in ALWAYS_DANGER:
        danger_reasons.insert(0, f"{SUBTYPES[key]}（按规定均属危大工程）")
    if danger_reasons:
        return Classification(DANGER, tuple(danger_reasons))
    return Classification(NONE, ())
