"""疫情防控检查 template as seed data: compliance items (符合/不符合/不适用), not scored.

Local practice, not a national standard: every item is ``editable_default`` so an administrator
adapts it to the rules in force.
"""

from __future__ import annotations

COMPLIANCE_CHOICES: list[tuple[str, str]] = [
    ("COMPLIANT", "符合"),
    ("NON_COMPLIANT", "不符合"),
    ("NA", "不适用"),
]

_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "人员进出管理与登记",
        [
            "施工现场实行封闭管理，出入口设专人值守",
            "进出人员实名登记，登记信息完整（姓名、单位、联系方式、来源地）",
            "外来访客、送货人员经核验登记后方可进入，并有陪同或限定活动区域",
        ],
    ),
    (
        "体温检测",
        [
            "出入口配备体温检测设备，设备完好且在有效期内",
            "进场人员逐一测温并记录，记录可追溯",
            "体温异常人员按规定处置并报告",
        ],
    ),
    (
        "口罩佩戴",
        [
            "现场储备足量口罩，按规定发放并有发放记录",
            "人员密集场所、室内作业及交谈时按要求规范佩戴口罩",
        ],
    ),
    (
        "消毒记录",
        [
            "制定消毒制度，明确消毒区域、频次和责任人",
            "办公区、宿舍、食堂、厕所等重点区域按频次消毒并有记录",
            "消毒药剂储存、配比和使用符合要求，有专人管理",
        ],
    ),
    (
        "宿舍居住密度",
        [
            "宿舍人均居住面积和每间居住人数符合防控要求",
            "宿舍保持通风，不使用通铺",
            "宿舍人员固定，建立住宿人员台账",
        ],
    ),
    (
        "食堂管理",
        [
            "食堂实行错峰就餐或分餐制，就餐人员保持间距",
            "炊事人员持有效健康证明，上岗时佩戴口罩、帽子和手套",
            "餐具每餐消毒，食材来源可追溯并有进货台账",
        ],
    ),
    (
        "隔离观察室",
        [
            "设置独立的临时隔离观察室，位置相对偏僻且通风良好",
            "隔离观察室配备必要的防护用品、消毒用品和生活用品",
            "明确隔离观察人员的转运和报告流程",
        ],
    ),
    (
        "应急预案",
        [
            "编制疫情防控专项方案和应急预案，明确组织机构和责任人",
            "组织开展疫情防控培训和应急演练，有记录",
            "与属地街道、社区卫生服务机构建立联络机制，联系方式张贴公示",
        ],
    ),
]


def _template() -> dict:
    """Build the template dict, numbering sections 'EP-1' and items 'EP-1-1'."""
    sections = []
    for section_index, (name, texts) in enumerate(_SECTIONS, start=1):
        section_code = f"EP-{section_index}"
        sections.append(
            {
                "code": section_code,
                "name": name,
                "items": [
                    {
                        "code": f"{section_code}-{item_index}",
                        "text": text,
                        "kind": "COMPLIANCE",
                        "editable_default": True,
                    }
                    for item_index, text in enumerate(texts, start=1)
                ],
            }
        )
    return {
        "code": "EPIDEMIC",
        "name": "疫情防控检查",
        "kind": "COMPLIANCE",
        "scored": False,
        "result_choices": COMPLIANCE_CHOICES,
        "editable_default": True,
        "sections": sections,
    }


EPIDEMIC_TEMPLATE: dict = _template()
