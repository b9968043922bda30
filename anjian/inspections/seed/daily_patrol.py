"""日常安全巡查 template as seed data: compliance items with a default hazard grade.

A finding on an item becomes a 一般隐患 (``GENERAL``) by default. Where an item matches a
重大事故隐患 clause of the 2024 判定标准, ``major_clause`` suggests that clause's code; the
inspector still decides (DOMAIN §3.1: never infer MAJOR without a matching clause).
"""

from __future__ import annotations

from anjian.inspections.seed.epidemic import COMPLIANCE_CHOICES

# (section name, [(item text, suggested major clause code or None)])
_SECTIONS: list[tuple[str, list[tuple[str, str | None]]]] = [
    (
        "安全管理",
        [
            ("项目负责人、专职安全员按规定在岗履职，持有效考核合格证书", "MH2024-4-2"),
            ("特种作业人员持有效操作资格证书上岗", "MH2024-4-3"),
            ("危大工程专项施工方案已编制、审批，超规模方案已组织专家论证", "MH2024-4-4"),
            ("班前安全技术交底已进行并有签字记录", None),
            ("安全隐患排查整改记录完整，整改闭合", None),
        ],
    ),
    (
        "文明施工",
        [
            ("围挡连续、稳固、整洁，大门及门卫值守到位", None),
            ("主要道路硬化，裸土覆盖，采取洒水降尘措施", None),
            ("材料分类码放整齐，易燃易爆物品专库存放", None),
            ("生活区与作业区分开设置，宿舍无违规使用大功率电器", None),
        ],
    ),
    (
        "脚手架",
        [
            ("脚手架地基基础坚实平整，排水通畅", "MH2024-7-1"),
            ("连墙件按方案设置，无缺失、无擅自拆除", "MH2024-7-2"),
            ("脚手板满铺、防护栏杆和挡脚板齐全，密目网封闭严密", None),
            ("附着式升降脚手架防倾覆、防坠落、同步控制装置齐全有效", "MH2024-7-3"),
        ],
    ),
    (
        "基坑",
        [
            ("基坑按方案分层分段开挖，无超挖", "MH2024-5-2"),
            ("坑边堆载、机械距离符合设计要求", "MH2024-14-1"),
            ("深基坑第三方监测正常开展，监测数据未超报警值", "MH2024-5-3"),
            ("基坑周边防护栏杆、上下通道设置符合要求", None),
            ("支护结构无明显变形、渗漏、流土等坍塌征兆", "MH2024-5-4"),
        ],
    ),
    (
        "模板支架",
        [
            ("模板支架地基基础承载力满足设计要求，垫板、底座齐全", "MH2024-6-1"),
            ("立杆间距、步距、剪刀撑按方案设置", None),
            ("支架上施工荷载未超过设计值，材料堆放均匀", "MH2024-6-2"),
            ("混凝土浇筑顺序和分层厚度符合专项施工方案", "MH2024-6-4"),
        ],
    ),
    (
        "高处作业",
        [
            ("临边、洞口防护设施齐全牢固", None),
            ("电梯井道内按规定设置水平防护和井道防护门", "MH2024-9-4"),
            ("高处作业人员正确系挂安全带，佩戴安全帽", None),
            ("悬挑式卸料平台搁置点、拉结点设置在稳定主体结构上并可靠连接", "MH2024-9-3"),
            ("高处作业吊篮未超载，安全锁有效，安全绳独立悬挂", "MH2024-9-5"),
        ],
    ),
    (
        "临时用电",
        [
            ("采用TN-S接零保护系统，三级配电、二级漏电保护", None),
            ("配电箱、开关箱设置规范，一机一闸一漏一箱", None),
            ("与外电架空线路安全距离符合要求或已采取防护措施", "MH2024-10-2"),
            ("特殊作业环境照明使用安全电压", "MH2024-10-1"),
        ],
    ),
    (
        "起重机械",
        [
            ("起重机械经验收合格并办理使用登记", "MH2024-8-1"),
            ("安全装置（限位、力矩限制器、防坠安全器等）齐全有效", "MH2024-8-4"),
            ("塔式起重机附着、垂直度及与周边建筑、群塔安全距离符合要求", "MH2024-8-8"),
            ("吊索具完好，无达到报废标准的钢丝绳和吊具", "MH2024-8-9"),
            ("信号司索人员持证上岗，吊装区域设置警戒", None),
        ],
    ),
    (
        "施工机具",
        [
            ("平刨、圆盘锯等木工机械防护装置齐全", None),
            ("电焊机设置二次空载降压保护器，一次线、二次线符合要求", None),
            ("气瓶间距及与明火距离符合要求，乙炔瓶安装回火防止器", None),
            ("手持电动工具及移动设备做保护接零并设置漏电保护器", None),
        ],
    ),
    (
        "消防",
        [
            ("消防通道畅通，消防水源和消火栓设置符合要求", None),
            ("灭火器材按规定配置且在有效期内", None),
            ("动火作业办理审批手续，配备监护人和灭火器材", None),
            ("易燃材料堆放远离火源，宿舍未违规使用明火", None),
        ],
    ),
]


def _template() -> dict:
    """Build the template dict, numbering sections 'DP-1' and items 'DP-1-1'."""
    sections = []
    for section_index, (name, entries) in enumerate(_SECTIONS, start=1):
        section_code = f"DP-{section_index}"
        sections.append(
            {
                "code": section_code,
                "name": name,
                "items": [
                    {
                        "code": f"{section_code}-{item_index}",
                        "text": text,
                        "kind": "COMPLIANCE",
                        "hazard_grade": "GENERAL",
                        "major_clause": major_clause,
                        "editable_default": True,
                    }
                    for item_index, (text, major_clause) in enumerate(entries, start=1)
                ],
            }
        )
    return {
        "code": "DAILY_PATROL",
        "name": "日常安全巡查",
        "kind": "COMPLIANCE",
        "scored": False,
        "result_choices": COMPLIANCE_CHOICES,
        "editable_default": True,
        "sections": sections,
    }


DAILY_PATROL_TEMPLATE: dict = _template()
