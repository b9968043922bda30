"""Demo data for 危大工程: about thirty dangerous works on the demo projects, in every status,
with every district warning.

Every work is registered and walked through its lifecycle with the real services (work_register,
work_act, document_upload, reading_add, alarm_handle, patrol_add, report_site_started), so its
steps, signatures, documents, argumentations and notifications are real. Each call is backdated
right after it ran (`_Clock.backdate`), so a timeline reads as weeks of history (the change log is
append-only: it keeps the time the demo was loaded). The
documents are small hand-written PDFs (Chinese text in the standard STSong-Light font, a red seal,
a Chinese title in the metadata); signatures are drawn PNG scribbles, one per signer.

Who sees what: pm / safety / engineer the works of the first demo project (a 7.2 m deep pit under
construction with an open monitoring alarm, a tower crane installed, a scheme waiting for the
总监, one waiting for expert argumentation, one just listed); pm2 the two works of the second
project (pipe jacking under construction, a trench waiting for acceptance); the commission every
work, with each warning of warnings.LABELS on at least one work.

Idempotent: a work that already exists on its project (by name) is skipped. With --scale N, the
added projects get BULK_PER_PROJECT bulk works each (bulk inserts, no files), for benchmarks.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import math
import random
import time
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from anjian.core.context import acting_as
from anjian.core.seeding import register_demo_seeder

DEMO_CODE_PREFIX = "TZ-DEMO-"
BULK_PREFIX = "BULK-DW-"
BULK_PER_PROJECT = 5
BASE_PROJECTS = 40

# 论证专家: from the city's expert pool, none works for a unit of any demo project (第十二条).
EXPERTS = [
    ("高建民", "教授级高级工程师（岩土工程）", "北京市建设工程安全技术研究院"),
    ("沈立平", "正高级工程师（结构工程）", "华北岩土工程勘察设计研究院有限公司"),
    ("何振东", "教授（土木工程）", "燕京理工大学土木工程学院"),
    ("罗惠芳", "高级工程师（施工技术）", "京华建筑科学研究院有限公司"),
    ("邵文斌", "教授级高级工程师（起重机械）", "北方城市建设设计研究总院有限公司"),
    ("秦卫国", "高级工程师（安全工程）", "北京市政路桥技术研究中心"),
    ("范晓蕾", "正高级工程师（钢结构）", "首都工程质量检测中心"),
]

# The specialties of a five-expert panel per category (the first leads the panel).
PANELS = {
    "PIT": ("岩土", "结构", "土木", "施工技术", "安全"),
    "TUNNEL": ("岩土", "土木", "结构", "施工技术", "安全"),
    "FORMWORK": ("结构", "施工技术", "土木", "钢结构", "安全"),
    "SCAFFOLD": ("施工技术", "结构", "土木", "钢结构", "安全"),
    "LIFTING": ("起重机械", "钢结构", "结构", "施工技术", "安全"),
    "DEMOLITION": ("结构", "施工技术", "岩土", "土木", "安全"),
    "OTHER": ("钢结构", "结构", "施工技术", "土木", "安全"),
}

STANDARDS = {
    "PIT": "JGJ 120-2012《建筑基坑支护技术规程》、GB 50497-2019《建筑基坑工程监测技术标准》",
    "FORMWORK": "JGJ 162-2008《建筑施工模板安全技术规范》、"
    "JGJ/T 231-2021《建筑施工承插型盘扣式钢管脚手架安全技术标准》",
    "LIFTING": "JGJ 196-2010《建筑施工塔式起重机安装、使用、拆卸安全技术规程》、"
    "JGJ 276-2012《建筑施工起重吊装工程安全技术规范》",
    "SCAFFOLD": "JGJ 130-2011《建筑施工扣件式钢管脚手架安全技术规范》、"
    "JGJ 202-2010《建筑施工工具式脚手架安全技术规范》",
    "DEMOLITION": "JGJ 147-2016《建筑拆除工程安全技术规范》",
    "TUNNEL": "GB 50268-2008《给水排水管道工程施工及验收规范》、"
    "GB 50911-2013《城市轨道交通工程监测技术规范》",
    "OTHER": "GB 50755-2012《钢结构工程施工规范》、JGJ 102-2003《玻璃幕墙工程技术规范》、"
    "JGJ 94-2008《建筑桩基技术规范》",
}
ACCEPTANCE_ITEMS = {
    "PIT": "支护桩及冠梁、钢支撑安装与预加轴力、降水井运行、监测点布设、临边防护及上下通道",
    "FORMWORK": "立杆间距与步距、扫地杆、剪刀撑、可调托撑伸出长度、基础承载力、连墙件",
    "LIFTING": "基础验收资料、附着装置、安全装置（力矩、起重量、高度、回转限位）、检测报告",
    "SCAFFOLD": "立杆基础、连墙件、剪刀撑、脚手板与挡脚板、防坠落装置、同步控制装置",
}
DISCLOSURE_POINTS = {
    "PIT": "分层分段开挖、严禁超挖；坑边1.5m内严禁堆载；支撑未形成前不得开挖下层土方",
    "FORMWORK": "按方案搭设，立杆顶部自由端长度不大于0.5m；混凝土浇筑由中部向四周对称进行",
    "LIFTING": "作业前检查吊索具；六级以上大风停止作业；吊装区域设警戒线并专人监护",
    "SCAFFOLD": "按方案设置连墙件，严禁超载；升降作业时架体上严禁站人；每次升降前检查验收",
    "DEMOLITION": "自上而下逐层拆除，严禁立体交叉作业；洒水降尘，设置警戒区和专人监护",
    "TUNNEL": "控制顶进速度与出土量，实时监测地表沉降；有限空间作业先通风检测后进入",
    "OTHER": "作业人员持证上岗，高处作业系挂安全带；吊装时设置警戒区，专人指挥",
}

ACTION_COMMENTS = {
    "draft": "项目技术负责人组织编制专项施工方案。",
    "submit": "专项施工方案编制完成，报施工单位技术负责人审核。",
    "approve_internal": "方案内容完整，计算书经公司技术部复核满足要求，同意报监理单位审查。",
    "approve_review_argue": "方案符合工程建设强制性标准，同意报请施工单位组织专家论证。",
    "approve_review": "同意按此方案实施。施工中须严格按方案组织，监理将实施专项巡视检查。",
    "argue_pass": (
        "方案内容完整、可行；计算书和验算依据、施工图符合有关标准规范；方案满足现场实际情况，"
        "能够确保施工安全。同意按此方案实施。"
    ),
    "disclose": (
        "项目技术负责人向现场管理人员进行方案交底，现场管理人员向作业人员进行安全技术交底，"
        "三方已签字；已在施工现场公告危大工程名称、施工时间和具体责任人员，"
        "危险区域已设置安全警示标志。"
    ),
    "start": "项目负责人在岗履职，专职安全员现场监督，按批准的专项方案组织施工。",
    "request_acceptance": "施工单位已完成自检，资料齐全，申请组织验收。",
    "accept": (
        "经施工单位、监理单位及相关单位共同验收合格，现场已设置验收标识牌，可进入下一道工序。"
    ),
    "complete": "危大工程施工完成，施工及监测资料已整理归档。",
}


# --- small PDFs, written by hand ---------------------------------------------------------------


def _pdf_hex(text: str) -> str:
    """A string for the UniGB-UCS2-H CMap: UCS-2 big-endian code units, in hex."""
    text = text.replace("²", "2").replace("³", "3").replace("·", "，")
    return "<" + text.encode("utf-16-be", "replace").hex().upper() + ">"


def _units(text: str) -> float:
    """Width in ems: ASCII half, everything else full."""
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def _wrap(text: str, width: float) -> list[str]:
    lines, line, used = [], "", 0.0
    for ch in text:
        step = 0.5 if ord(ch) < 128 else 1.0
        if used + step > width and line:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += step
    if line:
        lines.append(line)
    return lines


def _seal_ops(name: str, cx: float, cy: float) -> list[str]:
    """A red round company seal: ring, star and the name along the upper arc."""
    r, k = 46.0, 0.5523
    ops = ["q", "0.82 0.08 0.08 RG 0.82 0.08 0.08 rg 2.2 w"]
    ops.append(
        f"{cx + r:.1f} {cy:.1f} m "
        f"{cx + r:.1f} {cy + k * r:.1f} {cx + k * r:.1f} {cy + r:.1f} {cx:.1f} {cy + r:.1f} c "
        f"{cx - k * r:.1f} {cy + r:.1f} {cx - r:.1f} {cy + k * r:.1f} {cx - r:.1f} {cy:.1f} c "
        f"{cx - r:.1f} {cy - k * r:.1f} {cx - k * r:.1f} {cy - r:.1f} {cx:.1f} {cy - r:.1f} c "
        f"{cx + k * r:.1f} {cy - r:.1f} {cx + r:.1f} {cy - k * r:.1f} {cx + r:.1f} {cy:.1f} c S"
    )
    star = []
    for i in range(10):
        radius = 13 if i % 2 == 0 else 5.2
        angle = math.pi / 2 + i * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    ops.append(
        f"{star[0][0]:.1f} {star[0][1]:.1f} m "
        + " ".join(f"{x:.1f} {y:.1f} l" for x, y in star[1:])
        + " h f"
    )
    chars = list(name[:18])
    size = 8.5
    spread = min(math.radians(250), math.radians(15.5) * len(chars))
    start = math.pi / 2 + spread / 2
    for i, ch in enumerate(chars):
        angle = start - spread * (i + 0.5) / len(chars)
        rot = angle - math.pi / 2
        x = cx + (r - 12) * math.cos(angle) - size / 2 * math.cos(rot)
        y = cy + (r - 12) * math.sin(angle) - size / 2 * math.sin(rot)
        c, s = math.cos(rot), math.sin(rot)
        ops.append(
            f"BT /F1 {size} Tf {c:.4f} {s:.4f} {-s:.4f} {c:.4f} {x:.1f} {y:.1f} Tm "
            f"{_pdf_hex(ch)} Tj ET"
        )
    ops.append("Q")
    return ops


def demo_pdf(
    title: str,
    sections: list[tuple[str, str]],
    *,
    author: str,
    when: datetime.datetime,
    seal: str = "",
    subtitle: str = "",
) -> bytes:
    """A one-page A4 PDF with a centred title, headed paragraphs and an optional seal.

    The text uses the standard Chinese font STSong-Light (not embedded: every PDF viewer carries
    or substitutes it), so a document is a few kilobytes and takes well under a millisecond."""
    width, height, margin = 595.0, 842.0, 62.0
    ops = []
    title_size = 17.0
    y = height - 80
    for line in _wrap(title, (width - 2 * margin) / title_size):
        x = (width - _units(line) * title_size) / 2
        ops.append(f"BT /F1 {title_size} Tf 1 0 0 1 {x:.1f} {y:.1f} Tm {_pdf_hex(line)} Tj ET")
        y -= title_size * 1.5
    if subtitle:
        size = 9.5
        x = (width - _units(subtitle) * size) / 2
        ops.append(f"BT /F1 {size} Tf 1 0 0 1 {x:.1f} {y:.1f} Tm {_pdf_hex(subtitle)} Tj ET")
        y -= 16
    ops.append(f"0.4 w {margin:.1f} {y:.1f} m {width - margin:.1f} {y:.1f} l S")
    y -= 24
    size, leading = 10.5, 16.5
    for heading, text in sections:
        for line in _wrap(f"{heading}{text}", (width - 2 * margin) / size):
            if y < 130:
                break
            ops.append(f"BT /F1 {size} Tf 1 0 0 1 {margin:.1f} {y:.1f} Tm {_pdf_hex(line)} Tj ET")
            y -= leading
        y -= 5
    stamp = timezone.localtime(when).strftime("%Y年%m月%d日")
    ops.append(f"BT /F1 10.5 Tf 1 0 0 1 {width - margin - 120:.1f} 112 Tm {_pdf_hex(stamp)} Tj ET")
    if seal:
        ops.extend(_seal_ops(seal, width - margin - 70, 128))
    footer = "安监平台演示数据：本文件由系统生成，仅供演示"
    ops.append(
        f"0.5 g BT /F1 7.5 Tf 1 0 0 1 {(width - _units(footer) * 7.5) / 2:.1f} 40 Tm "
        f"{_pdf_hex(footer)} Tj ET"
    )
    content = zlib.compress("\n".join(ops).encode("ascii"))
    created = timezone.localtime(when).strftime("D:%Y%m%d%H%M%S+08'00'")
    info_title = "<FEFF" + title.encode("utf-16-be").hex().upper() + ">"
    info_author = "<FEFF" + author.encode("utf-16-be").hex().upper() + ">"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.0f} {height:.0f}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode()
        + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
        (
            f"<< /Title {info_title} /Author {info_author} /Creator (Anjian) "
            f"/Producer (Anjian demo data) /CreationDate ({created}) /ModDate ({created}) >>"
        ).encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    ident = hashlib.md5(bytes(out)).hexdigest().upper()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R "
        f"/ID [<{ident}> <{ident}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


# --- signatures --------------------------------------------------------------------------------

_SIGNATURES: dict[str, str] = {}


def _smooth(points, steps=6):
    """Catmull-Rom through the points, for a pen-like curve."""
    if len(points) < 3:
        return points
    pts = [points[0], *points, points[-1]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(
                tuple(
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                    )
                    for k in (0, 1)
                )
            )
    out.append(points[-1])
    return out


def signature_image(name: str) -> str:
    """A drawn-looking signature of `name` (the same person always signs alike), as a data URL."""
    cached = _SIGNATURES.get(name)
    if cached:
        return cached
    from PIL import Image, ImageDraw

    rng = random.Random(f"signature|{name}")
    w, h = 420, 150
    image = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    ink = rng.choice([(20, 20, 30, 255), (15, 30, 90, 255), (35, 35, 35, 255)])
    pen = rng.randint(3, 4)
    slant = rng.uniform(-0.3, 0.05)
    glyphs = max(2, len(name))
    cw = rng.uniform(78, 100) if glyphs <= 3 else 340 / glyphs
    ch = rng.uniform(70, 90)
    x0 = rng.uniform(20, 45)
    top = (h - ch) / 2 - 5

    def jitter(fx, fy, box_x, amount=0.09):
        x = box_x + (fx + rng.uniform(-amount, amount)) * cw
        y = top + (fy + rng.uniform(-amount, amount)) * ch
        return (x + slant * (top + ch - y), y)

    for index in range(glyphs):
        bx = x0 + index * cw * rng.uniform(0.88, 1.0)
        last = index == glyphs - 1
        templates = [
            # a horizontal stroke, a falling stroke and a cursive loop into the next glyph
            [
                [(0.1, 0.28), (0.5, 0.2), (0.88, 0.24)],
                [(0.52, 0.04), (0.46, 0.5), (0.32, 0.96)],
                [
                    (0.2, 0.62),
                    (0.5, 0.44),
                    (0.78, 0.68),
                    (0.56, 0.88),
                    (0.86 if last else 0.98, 0.56),
                ],
            ],
            # a left upright, a box-like loop and a crossing stroke
            [
                [(0.2, 0.08), (0.16, 0.5), (0.2, 0.92)],
                [(0.36, 0.22), (0.84, 0.2), (0.78, 0.78), (0.42, 0.74)],
                [(0.3, 0.5), (0.62, 0.46), (0.92 if last else 1.02, 0.52)],
            ],
            # a dot, a long horizontal and a zigzag
            [
                [(0.44, 0.04), (0.54, 0.16)],
                [(0.08, 0.32), (0.5, 0.28), (0.92, 0.34)],
                [(0.28, 0.46), (0.72, 0.5), (0.3, 0.72), (0.86 if last else 0.98, 0.86)],
            ],
        ]
        strokes = [[jitter(fx, fy, bx) for fx, fy in stroke] for stroke in rng.choice(templates)]
        if rng.random() < 0.5:
            strokes.append([jitter(0.66, 0.36, bx), jitter(0.86, 0.52, bx, 0.05)])
        for points in strokes:
            draw.line(_smooth(points), fill=ink, width=pen, joint="curve")
    if rng.random() < 0.5:  # a flourish under the name
        y = top + ch + rng.uniform(4, 12)
        end = x0 + glyphs * cw
        draw.line(
            _smooth([(x0 - 5, y + 4), ((x0 + end) / 2, y), (end + 15, y - 10)]),
            fill=ink,
            width=max(2, pen - 1),
            joint="curve",
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    _SIGNATURES[name] = url
    return url


# --- the scripts -------------------------------------------------------------------------------


@dataclass
class Event:
    day: int
    action: str
    opts: dict = field(default_factory=dict)


def E(day, action, **opts) -> Event:
    return Event(day, action, opts)


@dataclass
class Spec:
    """One demo work: where, what, and the events of its life (days relative to today)."""

    code: str
    name: str
    subtype: str
    location: str
    params: dict
    planned: tuple[int, int]
    registered: int
    events: list[Event]
    facts: str
    tech: str
    sub: str = ""  # a keyword of the specialist subcontractor that wrote the scheme


def approval(day, *, over, rounds=("pass",)):
    """Draft → submit → internal review → 监理 review (→ argumentation rounds) → approved."""
    events = [
        E(day, "draft"),
        E(day + 6, "submit"),
        E(day + 8, "approve_internal"),
        E(day + 10, "approve_review"),
    ]
    d = day + 10
    if over:
        for verdict in rounds:
            d += 5
            events.append(E(d, f"argue_{verdict}"))
            if verdict in ("revise", "fail"):
                events += [
                    E(
                        d + 4,
                        "submit",
                        comment="已按专家论证意见逐条修改完善并书面告知专家组，重新报审。",
                    ),
                    E(d + 5, "approve_internal"),
                    E(d + 7, "approve_review"),
                ]
                d += 7
    return events


def specs() -> list[Spec]:
    """The demo works. P1 = TZ-DEMO-00001 (pm, safety, engineer), P2 = TZ-DEMO-00002 (pm2)."""
    return [
        # --- P1 台湖镇B-03地块住宅项目（一期）: pm, safety, engineer ---------------------------
        Spec(
            "TZ-DEMO-00001",
            "地下车库深基坑开挖、支护与降水",
            "PIT:excavation",
            "地下车库及1#~4#楼基坑",
            {"excavation_depth": 7.2, "complex_conditions": True},
            (-18, 45),
            -80,
            [
                *approval(-78, over=True, rounds=("revise",)),
                E(-22, "disclose"),
                E(-20, "monitoring_plan"),
                E(-18, "start"),
                E(-14, "readings", profile="pit", days=15, alarm="ZQS-3", handled="SW-2"),
                E(-16, "patrols"),
                E(-3, "monitoring_report"),
            ],
            facts="基坑开挖深度7.2m，局部电梯井坑中坑8.6m，周长约620m；北侧距既有燃气管线约9m。",
            tech="钻孔灌注桩+一道钢筋混凝土内支撑，坑内管井降水，分层分段开挖，每层不大于2m。",
            sub="基坑",
        ),
        Spec(
            "TZ-DEMO-00001",
            "1#塔式起重机安装",
            "LIFTING:machine_erection",
            "3#楼北侧",
            {"lifting_capacity": 80, "total_height": 58},
            (-62, -55),
            -95,
            [
                *approval(-92, over=False),
                E(-66, "disclose"),
                E(-62, "start"),
                E(-62, "patrols", until=-56, every=1),
                E(-57, "request_acceptance"),
                E(-56, "accept"),
                E(-55, "complete", comment="塔吊安装完成并经检测机构检测合格，已办理使用登记。"),
            ],
            facts="QTZ125（TC6015）塔式起重机，最大起重量8t，独立高度58m，基础为4m×4m×1.4m承台。",
            tech="汽车起重机配合安装，按基础节、回转、塔帽、平衡臂、起重臂、配重的顺序进行。",
            sub="起重",
        ),
        Spec(
            "TZ-DEMO-00001",
            "1#~4#楼主体结构悬挑式脚手架",
            "SCAFFOLD:cantilever",
            "1#~4#楼4层以上外立面",
            {"segment_height": 18},
            (10, 120),
            -26,
            [
                E(-24, "draft"),
                E(-16, "submit"),
                E(-14, "approve_internal"),
                E(
                    -11,
                    "return_review",
                    comment="型钢悬挑梁锚固段长度不足1.25倍悬挑长度，阳角处未单独设计，"
                    "补充后重新报审。",
                ),
                E(-6, "submit", comment="已补充阳角处型钢悬挑梁设计及锚固验算，重新报审。"),
                E(-5, "approve_internal"),
            ],
            facts="1#~4#楼4层以上采用型钢悬挑脚手架，每6层一挑，分段搭设高度18m。",
            tech="16号工字钢悬挑梁，锚固段1.6m，钢丝绳斜拉卸荷，两步三跨设置连墙件。",
        ),
        Spec(
            "TZ-DEMO-00001",
            "会所大堂高大模板支撑体系",
            "FORMWORK:concrete_support",
            "会所首层大堂",
            {"erection_height": 8.5, "span": 12},
            (20, 50),
            -30,
            approval(-28, over=True, rounds=()),
            facts="会所大堂层高8.5m，最大梁截面400mm×1100mm，梁跨12m。",
            tech="承插型盘扣式钢管支撑架，立杆纵横间距900mm，步距1500mm，梁下加设立杆。",
        ),
        Spec(
            "TZ-DEMO-00001",
            "外墙涂料施工高处作业吊篮",
            "SCAFFOLD:gondola",
            "1#~4#楼外立面",
            {},
            (70, 110),
            -3,
            [],
            facts="ZLP630型电动吊篮12台，用于外墙涂料及装饰线条施工。",
            tech="屋面设置悬挂机构，配重按说明书设置，安全绳独立设置。",
        ),
        # --- P2 马驹桥镇兴贸二街再生水管线工程: pm2 -------------------------------------------
        Spec(
            "TZ-DEMO-00002",
            "DN1200再生水管道顶管施工（穿越兴贸二街）",
            "TUNNEL:tunnel",
            "W3工作井至W4接收井",
            {},
            (-15, 30),
            -70,
            [
                *approval(-68, over=True, rounds=("pass",)),
                E(-19, "disclose"),
                E(-18, "monitoring_plan"),
                E(-15, "start"),
                E(-14, "readings", profile="jacking", days=15),
                E(-15, "patrols"),
            ],
            facts="顶管段长186m，管径DN1200，覆土5.8m，下穿兴贸二街及DN300中压燃气管线。",
            tech="泥水平衡顶管机，工作井设后背墙，中继间两处，触变泥浆减阻。",
        ),
        Spec(
            "TZ-DEMO-00002",
            "W1~W3检查井及沟槽开挖",
            "PIT:excavation",
            "兴贸二街南侧K0+000~K0+420",
            {"excavation_depth": 3.8},
            (-24, 12),
            -45,
            [
                *approval(-43, over=False),
                E(-26, "disclose"),
                E(-24, "start"),
                E(-16, "patrols"),
                E(-1, "request_acceptance", hour=15),
            ],
            facts="沟槽开挖深度3.8m，宽3.2m，检查井3座，地下水位埋深约6m。",
            tech="钢板桩支护，挖掘机分段开挖，每段不超过30m，人工清底。",
        ),
        # --- other projects of the district -----------------------------------------------------
        Spec(
            "TZ-DEMO-00013",
            "2#~9#楼及地下车库深基坑工程",
            "PIT:excavation",
            "2#~9#楼及地下车库",
            {"excavation_depth": 5.5},
            (-160, -100),
            -210,
            [
                *approval(-205, over=True),
                E(-165, "disclose"),
                E(-160, "start"),
                E(-150, "request_acceptance"),
                E(-148, "accept"),
                E(
                    -100,
                    "complete",
                    comment="基础底板及地下室外墙完成，肥槽回填完毕，基坑工程结束。",
                ),
            ],
            facts="基坑开挖深度5.5m，面积约2.1万m²，周边为规划道路。",
            tech="上部1:1放坡+下部土钉墙支护，坑外管井降水。",
        ),
        Spec(
            "TZ-DEMO-00013",
            "主楼落地式双排钢管脚手架",
            "SCAFFOLD:floor_standing",
            "6#、7#楼外立面",
            {"erection_height": 55},
            (-20, 90),
            -60,
            [
                *approval(-58, over=True),
                E(-24, "disclose"),
                E(-20, "start"),
                E(-19, "request_acceptance"),
                E(-18, "accept", comment="首段（1~6层）架体验收合格，已悬挂验收标识牌。"),
                E(-14, "patrols"),
            ],
            facts="6#、7#楼落地式双排脚手架搭设高度55m，立杆下部双立杆。",
            tech="扣件式钢管脚手架，纵距1.5m，横距0.9m，步距1.8m，两步三跨连墙件。",
        ),
        Spec(
            "TZ-DEMO-00038",
            "5#~8#楼附着式升降脚手架",
            "SCAFFOLD:attached_lifting",
            "5#~8#楼主体结构外围",
            {"lift_height": 75},
            (-42, 80),
            -80,
            [
                *approval(-78, over=False),
                E(-44, "disclose"),
                E(-42, "start"),
                E(-41, "request_acceptance"),
                E(-40, "accept"),
                E(-12, "patrols", until=-7),
                E(
                    -6,
                    "suspend",
                    by="supervisor",
                    hour=11,
                    comment="监督检查发现7#楼架体防坠落装置失效、提升时架体上有人员作业，"
                    "责令立即停止升降作业并整改，整改完成经监理复查后方可复工。",
                ),
            ],
            facts="5#~8#楼共4栋，24层，附着式升降脚手架提升高度75m，架体高度14.4m。",
            tech="导轨式附着升降脚手架，每栋设电动葫芦同步提升，防坠、防倾、同步控制装置。",
            sub="起重",
        ),
        Spec(
            "TZ-DEMO-00027",
            "门急诊楼深基坑工程",
            "PIT:excavation",
            "门急诊楼基坑",
            {"excavation_depth": 13.9, "complex_conditions": True},
            (-30, 40),
            -95,
            [
                *approval(-92, over=True, rounds=("revise",)),
                E(-34, "disclose"),
                E(-32, "monitoring_plan"),
                E(-30, "start"),
                E(-14, "readings", profile="pit_emergency", days=13),
                E(-14, "patrols", until=-3),
                E(
                    -2,
                    "report_emergency",
                    hour=10,
                    comment="基坑北侧冠梁出现多条裂缝，坑外地表沉降DB-3累计32.5mm超报警值，"
                    "已启动应急预案：停止坑内作业、疏散人员、坑边卸载并回填反压，"
                    "已报告建设单位和监督机构。",
                ),
            ],
            facts="基坑开挖深度13.9m，北侧紧邻既有院区住院楼（距坑边约11m），东侧为市政雨水管线。",
            tech="咬合桩+两道钢筋混凝土内支撑，止水帷幕，坑内降水，岛式开挖。",
            sub="基坑",
        ),
        Spec(
            "TZ-DEMO-00024",
            "3#研发楼深基坑工程",
            "PIT:excavation",
            "3#研发楼基坑",
            {"excavation_depth": 9.3},
            (-5, 60),
            -22,
            [
                E(-20, "draft"),
                E(
                    -2,
                    "site_started",
                    started=-3,
                    comment="监督检查发现3#研发楼基坑北侧已开挖至约3m深，护坡桩尚未施工，"
                    "专项施工方案尚在编制，未经审核、审查和专家论证，已要求立即停止开挖。",
                ),
            ],
            facts="基坑开挖深度9.3m，东侧距已建2#研发楼约8m。",
            tech="护坡桩+预应力锚杆支护，坑外管井降水。",
        ),
        Spec(
            "TZ-DEMO-00004",
            "钢屋架安装临时承重支撑体系",
            "FORMWORK:load_bearing_frame",
            "1#仓储用房屋面",
            {"point_load": 12},
            (6, 40),
            -40,
            approval(-38, over=True),
            facts="屋面钢桁架跨度36m，分段吊装，跨中设置临时承重支撑胎架，单点集中荷载12kN。",
            tech="格构式钢支撑胎架，顶部设千斤顶调节标高，分级卸载。",
            sub="钢构",
        ),
        Spec(
            "TZ-DEMO-00018",
            "体育馆屋面高大模板支撑体系",
            "FORMWORK:concrete_support",
            "体育馆",
            {"erection_height": 9.6, "span": 24},
            (-30, -5),
            -80,
            [
                *approval(-78, over=True),
                E(-34, "disclose"),
                E(-30, "start"),
                E(-14, "patrols"),
            ],
            facts="体育馆屋面支模高度9.6m，预应力混凝土梁跨度24m，梁截面500mm×1600mm。",
            tech="承插型盘扣式钢管支撑架，梁下立杆间距600mm，步距1500mm。",
        ),
        Spec(
            "TZ-DEMO-00032",
            "空中钢连廊整体提升",
            "LIFTING:non_standard",
            "1#、2#塔楼之间（18~20层）",
            {"lift_weight": 3800},
            (25, 45),
            -50,
            [
                *approval(-48, over=True, rounds=()),
                E(
                    -5,
                    "argue_fail",
                    comment="1.提升吊点设在次梁上，未复核局部稳定；2.提升过程未考虑风荷载及"
                    "不同步提升工况；3.提升平台与既有结构连接节点未给出计算。"
                    "专家组一致意见：不通过，修改后重新组织论证。",
                ),
            ],
            facts="钢连廊跨度32m，重约380t，在地面拼装后整体提升约82m就位。",
            tech="液压同步提升系统，8个吊点，计算机同步控制，分级加载试提升。",
            sub="钢构",
        ),
        Spec(
            "TZ-DEMO-00032",
            "主楼单元式玻璃幕墙安装",
            "OTHER:curtain_wall",
            "1#、2#塔楼外立面",
            {"working_height": 104.5},
            (30, 180),
            -70,
            [
                *approval(-68, over=True),
                E(
                    -4,
                    "change_plan",
                    comment="建设单位调整幕墙设计，构件式幕墙改为单元式幕墙，吊装方式改为屋面"
                    "环形轨道吊，方案重新编制，须重新审核、审查并组织专家论证。",
                ),
            ],
            facts="幕墙施工高度104.5m，面积约3.6万m²。",
            tech="单元板块地面组装，屋面环形轨道吊垂直运输，楼层内接应安装。",
            sub="幕墙",
        ),
        Spec(
            "TZ-DEMO-00009",
            "3#塔式起重机安装",
            "LIFTING:machine_erection",
            "5#楼南侧",
            {"lifting_capacity": 60},
            (-10, -5),
            -30,
            [
                E(-28, "draft"),
                E(
                    -15,
                    "cancel",
                    comment="经设计调整，5#楼改用汽车起重机配合施工，取消3#塔吊安装。",
                ),
            ],
            facts="QTZ80塔式起重机，最大起重量6t。",
            tech="汽车起重机配合安装。",
        ),
        Spec(
            "TZ-DEMO-00020",
            "原厂区烟囱及水塔拆除",
            "DEMOLITION:demolition",
            "场地东北角",
            {"affects_surroundings": True, "special_structure": True},
            (1, 20),
            -45,
            [*approval(-43, over=True), E(-2, "disclose")],
            facts="砖砌烟囱高45m，钢筋混凝土水塔高28m，距东侧住宅楼约60m。",
            tech="机械配合人工自上而下逐层拆除，设置防护棚和警戒区，全程洒水降尘。",
        ),
        Spec(
            "TZ-DEMO-00012",
            "综合管廊下穿京津公路段暗挖施工",
            "TUNNEL:tunnel",
            "K1+230~K1+310",
            {},
            (-25, 50),
            -90,
            [
                *approval(-88, over=True),
                E(-28, "disclose"),
                E(-27, "monitoring_plan"),
                E(-25, "start"),
                E(-14, "readings", profile="tunnel", days=10),
                E(-14, "patrols"),
            ],
            facts="暗挖段长80m，断面8.2m×6.5m，覆土4.5m，下穿京津公路及多条市政管线。",
            tech="矿山法（CRD工法），超前小导管注浆加固，格栅钢架+喷射混凝土初支。",
        ),
        Spec(
            "TZ-DEMO-00028",
            "仓储用房钢结构安装",
            "OTHER:steel_structure",
            "1#、2#仓储用房",
            {"span": 42},
            (-12, 30),
            -60,
            [
                *approval(-58, over=True),
                E(-14, "disclose"),
                E(-12, "start"),
                E(-12, "patrols", missed=True),
            ],
            facts="门式刚架跨度42m，檐口高度14.3m，钢构件总重约1150t。",
            tech="两台50t汽车起重机分段吊装，先形成稳定单元再逐榀安装。",
            sub="钢构",
        ),
        Spec(
            "TZ-DEMO-00026",
            "桥台人工挖孔桩",
            "OTHER:manual_pile",
            "0#、3#桥台",
            {"pile_depth": 18},
            (15, 60),
            -20,
            [E(-18, "draft"), E(-3, "submit")],
            facts="桥台桩基16根，桩径1.5m，桩长18m，地下水位埋深约9m。",
            tech="人工挖孔，钢筋混凝土护壁，每节1m，孔内送风并检测有害气体。",
        ),
        Spec(
            "TZ-DEMO-00039",
            "转换层高大模板支撑体系",
            "FORMWORK:concrete_support",
            "主楼5层转换层",
            {"erection_height": 6.2, "line_load": 32},
            (30, 60),
            -40,
            [*approval(-38, over=True, rounds=()), E(-4, "argue_revise")],
            facts="转换梁最大截面1000mm×2200mm，支模高度6.2m，线荷载32kN/m。",
            tech="承插型盘扣式支撑架，转换梁下立杆间距600mm×600mm，顶托双钢管主楞。",
        ),
        Spec(
            "TZ-DEMO-00011",
            "悬挑式卸料平台",
            "SCAFFOLD:platform",
            "5#研发楼东侧4~5层",
            {},
            (-10, 60),
            -30,
            [
                *approval(-28, over=False),
                E(-12, "disclose"),
                E(-10, "start"),
                E(-10, "request_acceptance", hour=14),
                E(-9, "accept"),
                E(-9, "patrols"),
            ],
            facts="型钢悬挑卸料平台2台，尺寸4m×2.5m，限载1.5t。",
            tech="18号槽钢主梁，两侧各设两道钢丝绳斜拉，限载牌悬挂于醒目位置。",
        ),
        Spec(
            "TZ-DEMO-00036",
            "仓储用房钢构件吊装",
            "LIFTING:machine_installation",
            "仓储用房",
            {},
            (-50, -28),
            -75,
            [
                *approval(-72, over=False),
                E(-52, "disclose"),
                E(-50, "start"),
                E(-50, "patrols", until=-30, every=2),
                E(-30, "request_acceptance"),
                E(-29, "accept"),
                E(-28, "complete"),
            ],
            facts="单榀钢梁最重6.8t，采用25t汽车起重机吊装。",
            tech="汽车起重机单机吊装，溜绳控制，就位后立即设置临时支撑。",
            sub="钢构",
        ),
        Spec(
            "TZ-DEMO-00007",
            "2#~8#楼深基坑工程",
            "PIT:excavation",
            "2#~8#楼及地下车库",
            {"excavation_depth": 11.1},
            (-240, -160),
            -290,
            [
                *approval(-285, over=True),
                E(-245, "disclose"),
                E(-240, "start"),
                E(-225, "request_acceptance"),
                E(-224, "accept"),
                E(-160, "complete"),
            ],
            facts="基坑开挖深度11.1m，面积约3.4万m²。",
            tech="护坡桩+两道预应力锚杆，坑外管井降水。",
            sub="基坑",
        ),
        Spec(
            "TZ-DEMO-00029",
            "教学楼基坑工程",
            "PIT:excavation",
            "教学楼及风雨操场",
            {"excavation_depth": 4.4},
            (-120, -80),
            -150,
            [
                *approval(-148, over=False),
                E(-122, "disclose"),
                E(-120, "start"),
                E(-110, "request_acceptance"),
                E(-109, "accept"),
                E(-80, "complete"),
            ],
            facts="基坑开挖深度4.4m，周边为学校既有操场。",
            tech="1:0.75放坡+土钉墙，坑内明排水。",
        ),
        Spec(
            "TZ-DEMO-00025",
            "配套公建基坑工程",
            "PIT:excavation",
            "G-11地块配套公建",
            {"excavation_depth": 5.6},
            (25, 70),
            -25,
            [E(-23, "draft"), E(-10, "submit"), E(-7, "approve_internal")],
            facts="基坑开挖深度5.6m，西侧紧邻中仓街道既有住宅（距离约7m）。",
            tech="护坡桩+一道锚杆，桩间挂网喷射混凝土。",
        ),
        Spec(
            "TZ-DEMO-00031",
            "研发楼中庭钢网架安装",
            "OTHER:space_frame",
            "1#研发楼中庭",
            {"span": 48},
            (35, 75),
            -18,
            [E(-16, "draft"), E(-2, "submit")],
            facts="螺栓球节点正放四角锥网架，跨度48m，网架高度2.4m。",
            tech="高空散装法，满堂脚手架作拼装平台。",
            sub="钢构",
        ),
        Spec(
            "TZ-DEMO-00009",
            "3#~7#楼附着式升降脚手架",
            "SCAFFOLD:attached_lifting",
            "3#~7#楼主体结构外围",
            {"lift_height": 46},
            (20, 150),
            -12,
            [E(-10, "draft")],
            facts="3#~7#楼16层，附着式升降脚手架提升高度46m。",
            tech="导轨式附着升降脚手架，电动葫芦同步提升。",
        ),
        Spec(
            "TZ-DEMO-00040",
            "北苑南路再生水管线沟槽开挖",
            "PIT:excavation",
            "北苑南路K0+600~K1+100",
            {"excavation_depth": 3.6},
            (40, 90),
            -2,
            [],
            facts="沟槽开挖深度3.6m，沿线有通信及电力管线。",
            tech="钢板桩支护，分段开挖。",
        ),
    ]


# --- monitoring profiles -------------------------------------------------------------------------

# point, monitored item, unit, alarm value, start value, daily change, noise
PROFILES = {
    "pit": [
        ("ZQS-1", "支护桩顶水平位移", "mm", 30, 5.2, 0.85, 0.4),
        ("ZQS-2", "支护桩顶水平位移", "mm", 30, 4.1, 0.8, 0.4),
        ("ZQS-3", "支护桩顶水平位移", "mm", 30, 8.6, 1.45, 0.3),
        ("DB-1", "周边地表沉降", "mm", 25, -2.1, -0.7, 0.3),
        ("DB-2", "周边地表沉降", "mm", 25, -3.0, -0.85, 0.3),
        ("SW-1", "地下水位", "mm", 1000, 150, 18, 25),
        ("SW-2", "地下水位", "mm", 1000, 210, 16, 25),
        ("ZL-1", "支撑轴力", "kN", 2800, 1480, 48, 30),
        ("ZL-2", "支撑轴力", "kN", 2800, 1390, 44, 30),
    ],
    "pit_emergency": [
        ("ZQS-1", "支护桩顶水平位移", "mm", 35, 6.0, 1.1, 0.4),
        ("ZQS-2", "支护桩顶水平位移", "mm", 35, 7.2, 1.3, 0.4),
        ("DB-3", "周边地表沉降", "mm", 25, -4.0, -1.2, 0.4),
        ("ZL-1", "支撑轴力", "kN", 4200, 2100, 70, 40),
    ],
    "jacking": [
        ("DB-1", "地表沉降", "mm", 20, -1.0, -0.35, 0.2),
        ("DB-2", "地表沉降", "mm", 20, -0.8, -0.4, 0.2),
        ("GX-1", "燃气管线沉降", "mm", 10, -0.3, -0.2, 0.1),
    ],
    "tunnel": [
        ("DB-1", "地表沉降", "mm", 30, -3.0, -0.9, 0.3),
        ("GD-1", "拱顶沉降", "mm", 25, -2.0, -0.8, 0.3),
        ("SL-1", "净空收敛", "mm", 20, 1.5, 0.6, 0.2),
    ],
}


# --- the driver ------------------------------------------------------------------------------


class _Clock:
    """Today's date and time, and the backdating of what a service call just wrote."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.latest = self.now - datetime.timedelta(minutes=10)

    def at(self, day: int, hour: float = 10.0) -> datetime.datetime:
        midnight = timezone.make_aware(
            datetime.datetime.combine(self.today + datetime.timedelta(days=day), datetime.time())
        )
        return min(midnight + datetime.timedelta(hours=hour), self.latest)

    def date(self, day: int) -> datetime.date:
        return self.today + datetime.timedelta(days=day)

    def backdate(self, work, since, when, *, site_started=False, light=False):
        """Move every row the last call wrote (at or after `since`) to `when`; `light` for
        patrols and readings, which write no document, signature or argumentation."""
        from anjian.notifications.models import Notification

        from .models import Argumentation, DangerousWork, WorkDocument, WorkSignature, WorkStep

        WorkStep.objects.filter(work=work, at__gte=since).update(at=when)
        read = (
            when + datetime.timedelta(hours=2)
            if when < self.now - datetime.timedelta(days=2)
            else None
        )
        Notification.objects.filter(created_at__gte=since).update(created_at=when, read_at=read)
        if light:
            return
        WorkDocument.objects.filter(work=work, created_at__gte=since).update(
            created_at=when, updated_at=when
        )
        WorkSignature.objects.filter(step__work=work, created_at__gte=since).update(
            created_at=when, updated_at=when
        )
        Argumentation.objects.filter(work=work, created_at__gte=since).update(
            created_at=when, updated_at=when
        )
        fields = {"updated_at": when}
        if site_started:
            fields["site_started_reported_at"] = when
        DangerousWork.objects.filter(pk=work.pk).update(**fields)


class _People:
    """The accounts and names of one project's parties."""

    def __init__(self, project, accounts):
        from anjian.hazards.demo import _account_for
        from anjian.projects import demo_content as dc
        from anjian.projects.choices import ParticipantRole, ProjectRole
        from anjian.projects.models import ProjectMember

        self.project = project
        members = {m.role: m for m in ProjectMember.objects.filter(project=project, is_active=True)}
        self.contractor = _account_for(project, "pm")
        self.chief = _account_for(project, "chief_engineer")
        self.supervisor = project.lead_supervisor or accounts.get("supervisor")
        # The 专职安全员 records the contractor's patrols where they have an account (P1: safety).
        safety = members.get(ProjectRole.SAFETY_OFFICER)
        self.safety = safety.user if safety and safety.user_id else self.contractor
        participants = {
            p.role: p.organization
            for p in project.participants.select_related("organization").order_by("id")
        }
        self.contractor_org = participants.get(ParticipantRole.CONTRACTOR)
        self.monitoring_org = participants.get(ParticipantRole.MONITORING)
        self.firm = participants.get(ParticipantRole.SUPERVISION)
        self.subcontractors = [
            p.organization
            for p in project.participants.filter(role=ParticipantRole.SUBCONTRACTOR).select_related(
                "organization"
            )
        ]
        rng = random.Random(f"dangerous-works|{project.code}")

        def name_of(role):
            member = members.get(role)
            return member.name if member else dc.person_name(rng)

        self.pm_name = name_of(ProjectRole.PM)
        self.tech_lead = name_of(ProjectRole.TECH_LEAD)
        self.safety_name = name_of(ProjectRole.SAFETY_OFFICER)
        self.chief_name = name_of(ProjectRole.CHIEF_ENGINEER)
        org_rng = random.Random(f"tech-chief|{getattr(self.contractor_org, 'name', project.code)}")
        self.tech_chief = dc.person_name(org_rng)  # 施工单位技术负责人 (company 总工程师)
        self.site_manager = dc.person_name(rng)  # 现场管理人员（施工员）
        self.engineer = dc.person_name(rng)  # 专业监理工程师
        self.sub_chiefs = {
            org.pk: dc.person_name(random.Random(f"tech-chief|{org.name}"))
            for org in self.subcontractors
        }

    def subcontractor_for(self, keyword):
        if not keyword:
            return None
        for org in self.subcontractors:
            if keyword in org.name:
                return org
        return None


class _Story:
    """Registers one work and plays its events through the services, backdating each."""

    def __init__(self, spec: Spec, project, people: _People, clock: _Clock):
        self.spec, self.project, self.people, self.clock = spec, project, people, clock
        self.work = None
        self.rng = random.Random(f"story|{spec.code}|{spec.name}")

    # -- helpers --

    def _call(self, when, user, func, *, site_started=False, light=False, **kwargs):
        since = timezone.now()
        with acting_as(user):
            result = func(**kwargs)
        if light == "alarm" and not result.is_alarm:
            return result  # an ordinary reading writes no step and notifies nobody
        self.clock.backdate(self.work, since, when, site_started=site_started, light=bool(light))
        return result

    def _signers(self, action):
        """Signatures for every signer the step needs (workflow.SIGNERS), by the right names."""
        from . import workflow

        people, work = self.people, self.work
        names = {
            "tech_chief": people.tech_chief,
            "chief_engineer": people.chief_name,
            "discloser": people.tech_lead,
            "recipient": people.site_manager,
            "safety_officer": people.safety_name,
            "tech_lead": people.tech_lead,
        }
        required = list(workflow.SIGNERS.get(action, ()))
        if action == workflow.APPROVE_INTERNAL and work.subcontractor_id:
            required.append(workflow.SUBCONTRACTOR_SIGNER)
            names["sub_tech_chief"] = people.sub_chiefs[work.subcontractor_id]
        out = []
        for role, _label, _count in required:
            if role == "expert":
                out += [
                    {
                        "role": role,
                        "name": name,
                        "title": title,
                        "employer": employer,
                        "image": signature_image(name),
                    }
                    for name, title, employer in self._experts()
                ]
            else:
                out.append(
                    {"role": role, "name": names[role], "image": signature_image(names[role])}
                )
        return out

    def _experts(self):
        """Five experts of the work's specialties (the first leads), sometimes one or two more."""
        category = self.spec.subtype.split(":")[0]
        wanted = PANELS[category]
        panel = [e for key in wanted for e in EXPERTS if f"（{key}" in e[1]]
        others = [e for e in EXPERTS if e not in panel]
        return panel + self.rng.sample(others, self.rng.choice([0, 0, 1, 2]))

    def _pdf(self, title, sections, when, *, seal=True, author=""):
        org = self.people.contractor_org
        return demo_pdf(
            title,
            sections,
            author=author or (org.name if org else "施工单位"),
            when=when,
            seal=(org.name if org else "") if seal is True else seal or "",
            subtitle=f"{self.project.name}　编号：{self.work.number}",
        )

    # -- documents --

    def _scheme(self, when):
        from .thresholds import CATEGORIES

        work, people, spec = self.work, self.people, self.spec
        version = work.documents.filter(kind="scheme").count() + 1
        category = spec.subtype.split(":")[0]
        title = f"{work.name}专项施工方案"
        staff = (
            f"项目负责人{people.pm_name}，项目技术负责人{people.tech_lead}，"
            f"专职安全员{people.safety_name}，施工员{people.site_manager}；"
            "特种作业人员持证上岗。"
        )
        sections = [
            (
                "一、工程概况：",
                f"{spec.facts}类别：{CATEGORIES[category]}，{work.get_level_display()}（{'；'.join(work.level_reasons)}）。",
            ),
            (
                "二、编制依据：",
                f"《危险性较大的分部分项工程安全管理规定》（住建部令第37号）、建办质〔2018〕31号、{STANDARDS[category]}。",
            ),
            (
                "三、施工计划：",
                f"计划{work.planned_start:%Y年%m月%d日}开始，{work.planned_end:%Y年%m月%d日}完成；材料、设备按计划进场。",
            ),
            ("四、施工工艺技术：", spec.tech),
            (
                "五、施工安全保证措施：",
                "建立以项目负责人为第一责任人的安全保证体系；技术措施、监测监控措施、季节性施工措施。",
            ),
            ("六、施工管理及作业人员配备和分工：", staff),
            ("七、验收要求：", ACCEPTANCE_ITEMS.get(category, "按有关标准和本方案组织验收") + "。"),
            (
                "八、应急处置措施：",
                "成立应急救援小组，配备应急物资，明确应急响应程序及就近医院路线。",
            ),
            ("九、计算书及相关施工图纸：", "见附件（计算书、平面布置图、剖面图、节点详图）。"),
            (
                "编制：",
                f"{work.scheme_author or people.tech_lead}    审核：{people.tech_chief}    版本：第{version}版",
            ),
        ]
        author = work.subcontractor.name if work.subcontractor else ""
        pdf = self._pdf(f"{title}（第{version}版）", sections, when, author=author)
        return f"{title}（第{version}版）.pdf", pdf, f"{title}（第{version}版）"

    def _expert_report(self, action, when, signatures, comment):
        verdict = {"argue_pass": "通过", "argue_revise": "修改后通过", "argue_fail": "不通过"}[
            action
        ]
        experts = [s for s in signatures if s["role"] == "expert"]
        round_no = self.work.argumentations.count() + 1
        sections = [
            ("论证时间：", f"{timezone.localtime(when):%Y年%m月%d日 %H:%M}，项目部会议室"),
            ("组织单位：", self.people.contractor_org.name if self.people.contractor_org else ""),
            (
                "专家组：",
                "；".join(f"{e['name']}（{e['title']}，{e['employer']}）" for e in experts),
            ),
            ("组长：", experts[0]["name"]),
            (
                "参会人员：",
                f"建设单位项目负责人；施工单位技术负责人{self.people.tech_chief}、项目负责人"
                f"{self.people.pm_name}、项目技术负责人{self.people.tech_lead}、专职安全员"
                f"{self.people.safety_name}；总监理工程师{self.people.chief_name}、专业监理工程师"
                f"{self.people.engineer}；勘察、设计单位项目技术负责人。",
            ),
            (
                "论证内容：",
                "专项方案内容是否完整、可行；计算书和验算依据、施工图是否符合有关标准规范；方案是否满足现场实际情况并能够确保施工安全。",
            ),
            ("论证意见：", comment),
            ("论证结论：", verdict),
        ]
        title = f"{self.work.name}专项施工方案专家论证报告（第{round_no}次）"
        pdf = self._pdf(title, sections, when, seal=False, author=experts[0]["name"])
        return f"专家论证报告（第{round_no}次）.pdf", pdf, title

    def _briefing(self, when):
        category = self.spec.subtype.split(":")[0]
        sections = [
            ("交底时间：", f"{timezone.localtime(when):%Y年%m月%d日}"),
            ("交底人：", f"{self.people.tech_lead}（项目技术负责人）"),
            ("被交底人：", f"{self.people.site_manager}（现场管理人员）及作业班组全体人员"),
            ("专职安全员：", self.people.safety_name),
            ("交底内容：", f"专项施工方案主要内容、施工工艺（{self.spec.tech}）"),
            ("安全技术要点：", DISCLOSURE_POINTS[category] + "。"),
            (
                "公告：",
                "已在施工现场显著位置公告危大工程名称、施工时间和具体责任人员，危险区域设置安全警示标志。",
            ),
        ]
        title = f"{self.work.name}方案交底及安全技术交底记录"
        return "交底记录.pdf", self._pdf(title, sections, when), title

    def _acceptance(self, when):
        category = self.spec.subtype.split(":")[0]
        sections = [
            ("验收时间：", f"{timezone.localtime(when):%Y年%m月%d日}"),
            ("验收部位：", self.work.location),
            ("验收内容：", ACCEPTANCE_ITEMS.get(category, "按专项施工方案要求") + "。"),
            (
                "验收人员：",
                f"施工单位技术负责人{self.people.tech_chief}、项目负责人{self.people.pm_name}、"
                f"项目技术负责人{self.people.tech_lead}、专职安全员{self.people.safety_name}；"
                f"总监理工程师{self.people.chief_name}、专业监理工程师{self.people.engineer}。",
            ),
            ("验收结论：", "符合专项施工方案及有关标准要求，验收合格，同意进入下一道工序。"),
        ]
        title = f"{self.work.name}验收记录"
        return "验收记录.pdf", self._pdf(title, sections, when), title

    # -- events --

    def register(self):
        from . import services as svc

        spec, people, clock = self.spec, self.people, self.clock
        subcontractor = people.subcontractor_for(spec.sub)
        data = {
            "name": spec.name,
            "subtype": spec.subtype,
            "location": spec.location,
            "params": spec.params,
            "planned_start": clock.date(spec.planned[0]),
            "planned_end": clock.date(spec.planned[1]),
            "scheme_author": people.tech_lead,
            "tech_lead": people.tech_lead,
            "safety_officer": people.safety_name,
            "site_manager": people.site_manager,
            "supervising_engineer": people.engineer,
            "subcontractor": subcontractor,
        }
        if subcontractor is not None:
            data["scheme_author"] = dc_name(f"author|{subcontractor.name}")
        when = clock.at(spec.registered, 9.5)
        since = timezone.now()
        with acting_as(people.contractor):
            self.work = svc.work_register(project=self.project, by=people.contractor, data=data)
        clock.backdate(self.work, since, when)
        type(self.work).objects.filter(pk=self.work.pk).update(created_at=when)
        return self.work

    def play(self):
        for event in self.spec.events:
            handler = getattr(self, f"_on_{event.action}", None)
            if handler is not None:
                handler(event)
            else:
                self._act(event)
        self.work.refresh_from_db()
        return self.work

    def _act(self, event):
        from . import services as svc
        from . import workflow

        action, opts = event.action, dict(event.opts)
        hours = {
            "draft": 10,
            "submit": 15.5,
            "approve_internal": 10.5,
            "return_internal": 16,
            "approve_review": 16,
            "return_review": 16.5,
            "disclose": 8.5,
            "start": 9,
            "request_acceptance": 15,
            "accept": 10,
            "complete": 17,
            "suspend": 11,
            "report_emergency": 7.5,
            "change_plan": 10,
            "cancel": 11,
        }
        when = self.clock.at(event.day, opts.pop("hour", hours.get(action, 14)))
        work = self.work
        work.refresh_from_db()
        if action in workflow.ARGUE_ACTIONS:
            comment = opts.pop("comment", None) or self._opinion(action)
        elif action == workflow.APPROVE_REVIEW:
            comment = opts.pop("comment", None) or (
                ACTION_COMMENTS["approve_review_argue"]
                if work.is_over_threshold and not work.argued
                else ACTION_COMMENTS["approve_review"]
            )
        elif action == workflow.DRAFT and work.subcontractor_id:
            comment = opts.pop("comment", None) or (
                f"总承包单位组织，专业分包单位{work.subcontractor.name}编制专项施工方案。"
            )
        else:
            comment = opts.pop("comment", None) or ACTION_COMMENTS.get(action, "")
        persona = opts.pop("by", None)
        if persona == "supervisor":
            user = self.people.supervisor
        elif action in (workflow.APPROVE_REVIEW, workflow.RETURN_REVIEW) or persona == "engineer":
            user = self.people.chief
        else:
            user = self.people.contractor
        kwargs = {"work": work, "by": user, "action": action, "comment": comment, "now": when}
        signatures = self._signers(action)
        if signatures:
            kwargs["signatures"] = signatures
        if action == workflow.SUBMIT:
            filename, data, title = self._scheme(when)
            kwargs.update(document=(filename, data), document_title=title)
        elif action in workflow.ARGUE_ACTIONS:
            filename, data, title = self._expert_report(action, when, signatures, comment)
            kwargs.update(
                document=(filename, data), document_title=title, held_on=timezone.localdate(when)
            )
        elif action == workflow.DISCLOSE:
            filename, data, title = self._briefing(when)
            kwargs.update(document=(filename, data), document_title=title, posted=True)
        elif action == workflow.ACCEPT:
            filename, data, title = self._acceptance(when)
            kwargs.update(document=(filename, data), document_title=title)
        elif action == workflow.START:
            kwargs["started_on"] = timezone.localdate(when)
        self.work = self._call(when, user, svc.work_act, **kwargs)

    def _opinion(self, action):
        category = self.spec.subtype.split(":")[0]
        if action == "argue_pass":
            return ACTION_COMMENTS["argue_pass"]
        if action == "argue_revise":
            specific = {
                "PIT": "1.补充坑边堆载限值及各监测项目的报警值和控制值；2.复核北侧支护桩嵌固深度"
                "及整体稳定计算；3.完善降水井失效和基坑渗漏的应急措施。",
                "FORMWORK": "1.转换梁下立杆间距加密至600mm×450mm并复核立杆稳定；2.补充混凝土"
                "浇筑顺序及支架变形监测要求；3.补充支架基础（地下室顶板）承载力验算。",
            }.get(category, "1.补充计算书中最不利工况；2.完善应急处置措施。")
            return specific + "专家组一致意见：修改后通过，按专家意见修改完善后实施。"
        return "方案存在重大缺陷，专家组一致意见：不通过，修改后重新组织论证。"

    def _on_site_started(self, event):
        from . import services as svc

        when = self.clock.at(event.day, event.opts.get("hour", 11))
        self._call(
            when,
            self.people.supervisor,
            svc.report_site_started,
            site_started=True,
            work=self.work,
            by=self.people.supervisor,
            started_on=self.clock.date(event.opts["started"]),
            comment=event.opts["comment"],
        )

    def _on_monitoring_plan(self, event):
        from . import services as svc

        when = self.clock.at(event.day, 14)
        unit = (
            self.people.monitoring_org.name
            if self.people.monitoring_org
            else "北京中衡基坑监测技术有限公司"
        )
        sections = [
            ("一、工程概况：", self.spec.facts),
            (
                "二、监测依据：",
                "GB 50497-2019《建筑基坑工程监测技术标准》、设计文件及专项施工方案。",
            ),
            ("三、监测内容：", "、".join(sorted({p[1] for p in self._profile()})) or "按设计要求"),
            ("四、监测方法：", "全站仪、水准仪、水位计、轴力计；自动化监测与人工监测相结合。"),
            (
                "五、人员及设备：",
                f"项目负责人1名，监测员3名；仪器均在检定有效期内。监测单位：{unit}",
            ),
            ("六、测点布置与保护：", "测点按设计图纸布设，设置保护装置和标识。"),
            ("七、监测频次：", "开挖期间每天1次，变化速率较大时加密观测。"),
            (
                "八、预警标准：",
                "；".join(f"{p[0]} {p[1]} 报警值{p[3]}{p[2]}" for p in self._profile()),
            ),
            ("九、监测成果报送：", "日报当日报送施工、监理、建设单位；异常情况立即报告。"),
        ]
        title = f"{self.work.name}第三方监测方案"
        data = demo_pdf(
            title,
            sections,
            author=unit,
            when=when,
            seal=unit,
            subtitle=f"{self.project.name}　编号：{self.work.number}",
        )
        self._call(
            when,
            self.people.contractor,
            svc.document_upload,
            work=self.work,
            by=self.people.contractor,
            kind="monitoring_plan",
            title=title,
            filename="第三方监测方案.pdf",
            data=data,
        )

    def _on_monitoring_report(self, event):
        from . import services as svc
        from .models import MonitoringReading

        when = self.clock.at(event.day, 17)
        unit = (
            self.people.monitoring_org.name
            if self.people.monitoring_org
            else "北京中衡基坑监测技术有限公司"
        )
        rows = []
        for point, quantity, unit_label, alarm, *_rest in self._profile():
            values = list(
                MonitoringReading.objects.filter(
                    work=self.work, point=point, measured_at__lte=when
                ).values_list("value", flat=True)
            )
            if values:
                peak = float(max(values, key=abs))
                rows.append(
                    (
                        f"{point} {quantity}：",
                        f"最大累计值{peak:g}{unit_label}（报警值{alarm}{unit_label}）",
                    )
                )
        rows.append(
            ("结论：", "本周各监测项目总体稳定，SW-2水位异常已处置；建议继续加强坑边堆载管理。")
        )
        title = f"{self.work.name}第三方监测周报"
        data = demo_pdf(
            title,
            rows,
            author=unit,
            when=when,
            seal=unit,
            subtitle=f"{self.project.name}　编号：{self.work.number}",
        )
        self._call(
            when,
            self.people.contractor,
            svc.document_upload,
            work=self.work,
            by=self.people.contractor,
            kind="monitoring_report",
            title=title,
            filename="监测周报.pdf",
            data=data,
        )

    def _profile(self):
        for event in self.spec.events:
            if event.action == "readings":
                return PROFILES[event.opts["profile"]]
        return []

    def _on_readings(self, event):
        """Daily third-party readings; `alarm` crosses its alarm value today (left open),
        `handled` crossed it mid-way and was dealt with; pit_emergency's DB-3 ends in alarm."""
        from . import services as svc
        from .models import MonitoringReading

        opts = event.opts
        profile = PROFILES[opts["profile"]]
        days = opts["days"]
        first = event.day
        rng = random.Random(f"readings|{self.spec.code}|{self.spec.name}")
        recorder = self.people.safety
        spike_day = first + days // 2 + 1
        for index in range(days):
            day = first + index
            measured = self.clock.at(day, 8.5 + rng.uniform(0, 0.5))
            last = index == days - 1
            for point, quantity, unit, alarm, start, rate, noise in profile:
                value = start + rate * index + rng.uniform(-noise, noise)
                if point == opts.get("alarm") and last:
                    value = alarm * 1.053
                elif point == opts.get("alarm"):
                    value = min(value, alarm * 0.95)
                elif point == opts.get("handled") and day == spike_day:
                    value = alarm * 1.08
                elif opts["profile"] == "pit_emergency" and point == "DB-3" and last:
                    value = -32.5
                elif abs(value) >= alarm:
                    value = math.copysign(alarm * 0.9, value)
                digits = 0 if unit == "kN" else 1
                reading = self._call(
                    measured,
                    recorder,
                    svc.reading_add,
                    light="alarm",
                    work=self.work,
                    by=recorder,
                    point=point,
                    quantity=quantity,
                    value=str(round(value, digits)),
                    alarm_value=str(alarm),
                    unit=unit,
                    measured_at=measured,
                    source=MonitoringReading.Source.THIRD_PARTY,
                )
                MonitoringReading.objects.filter(pk=reading.pk).update(
                    created_at=measured + datetime.timedelta(minutes=40)
                )
                handle = None
                if point == opts.get("handled") and day == spike_day:
                    handle = (
                        "经查为降水井配电箱跳闸导致3口降水井停抽，已恢复供电并启用备用降水井，"
                        "加密观测至每日2次，次日水位已回落至正常范围。"
                    )
                elif opts["profile"] == "pit_emergency" and point == "DB-3" and last:
                    handle = (
                        "已启动应急预案：停止坑内作业，坑边卸载并回填反压，北侧增设两道钢支撑，"
                        "监测频率加密至每2小时1次，并报告建设单位和监督机构。"
                    )
                if handle:
                    handled = measured + datetime.timedelta(hours=5)
                    self._call(
                        handled,
                        self.people.contractor,
                        svc.alarm_handle,
                        light=True,
                        reading=reading,
                        by=self.people.contractor,
                        handling=handle,
                    )
                    MonitoringReading.objects.filter(pk=reading.pk).update(
                        handled_at=handled, updated_at=handled
                    )

    def _on_patrols(self, event):
        """Daily patrols by the contractor (自查) and the 监理 (专项巡视) from the event's day to
        `until` (or up to an hour or two ago); `missed` stops them 30 and 50 hours ago."""
        from . import services as svc
        from .models import Patrol

        opts = event.opts
        rng = random.Random(f"patrols|{self.spec.code}|{self.spec.name}")
        every = opts.get("every", 1)
        contractor_notes = [
            "巡视正常：支护及作业面无异常，安全防护到位。",
            "巡视正常，作业人员按交底要求作业。",
            "",
        ]
        engineer_notes = ["专项巡视：按方案施工，未发现异常。", "专项巡视正常。", ""]
        problems = {
            Patrol.Party.CONTRACTOR: "作业区域临边防护局部缺失，已要求班组立即恢复并复查。",
            Patrol.Party.SUPERVISION: "发现作业面下方有人员穿行，警戒区设置不到位，已要求立即整改。",
        }
        if "until" in opts:
            end = self.clock.at(opts["until"], 16)
        else:
            end = self.clock.now - datetime.timedelta(hours=1.5)
        offsets = {Patrol.Party.CONTRACTOR: 0.0, Patrol.Party.SUPERVISION: 2.5}
        if opts.get("missed"):
            offsets = {Patrol.Party.CONTRACTOR: 50.0, Patrol.Party.SUPERVISION: 30.0}
        begin = self.clock.at(event.day, 9)
        problem_at = rng.randint(2, 6)
        for party, offset in offsets.items():
            user = self.people.safety if party == Patrol.Party.CONTRACTOR else self.people.chief
            when = end - datetime.timedelta(hours=offset)
            count = 0
            times = []
            while when >= begin:
                times.append(when)
                when -= datetime.timedelta(days=every, minutes=rng.randint(-40, 40))
            for when in reversed(times):
                count += 1
                abnormal = count == problem_at and party == Patrol.Party.SUPERVISION
                abnormal = abnormal or (
                    count == problem_at + 2 and party == Patrol.Party.CONTRACTOR
                )
                notes = (
                    problems[party]
                    if abnormal
                    else rng.choice(
                        contractor_notes if party == Patrol.Party.CONTRACTOR else engineer_notes
                    )
                )
                patrol = self._call(
                    when,
                    user,
                    svc.patrol_add,
                    light=True,
                    work=self.work,
                    by=user,
                    party=party,
                    result=Patrol.Result.ABNORMAL if abnormal else Patrol.Result.NORMAL,
                    notes=notes,
                    patrolled_at=when,
                )
                Patrol.objects.filter(pk=patrol.pk).update(created_at=when, updated_at=when)


def dc_name(seed: str) -> str:
    from anjian.projects import demo_content as dc

    return dc.person_name(random.Random(seed))


# --- the seeder --------------------------------------------------------------------------------


@register_demo_seeder("dangerous_works", order=5)
def seed(*, stdout, quiet=False, scale=1):
    """The threshold table, the demo works in every status (idempotent) and, with --scale,
    bulk works on the added projects.

    Runs before the inspections (10) and hazards (20) seeders: supervision plans flag projects
    with over-threshold works for more frequent visits, and findings may point at a work."""
    from .services import seed_threshold_rules

    seed_threshold_rules()
    seed_works(stdout=stdout, quiet=quiet)
    if scale > 1:
        seed_bulk(stdout=stdout, quiet=quiet)


def seed_works(*, stdout, quiet=False) -> int:
    from anjian.accounts.models import User
    from anjian.projects.models import Project

    from . import services as svc
    from .models import DangerousWork

    all_specs = specs()
    projects = {
        p.code: p
        for p in Project.objects.filter(code__in={s.code for s in all_specs}).select_related(
            "lead_supervisor", "street"
        )
    }
    if not projects:
        return 0
    accounts = {u.username: u for u in User.objects.filter(username__in=["supervisor", "chief"])}
    existing = set(
        DangerousWork.objects.filter(project__in=projects.values()).values_list(
            "project__code", "name"
        )
    )
    clock = _Clock()
    started = time.monotonic()
    people: dict[str, _People] = {}
    created = 0
    for spec in all_specs:
        project = projects.get(spec.code)
        if project is None or (spec.code, spec.name) in existing:
            continue
        if spec.code not in people:
            _ensure_coordinates(project)
            people[spec.code] = _People(project, accounts)
        party = people[spec.code]
        if party.contractor is None or party.chief is None:
            continue
        story = _Story(spec, project, party, clock)
        story.register()
        story.play()
        created += 1
    if created:
        # The periodic job would notice the missed patrols within 15 minutes; do it now.
        svc.check_patrols(now=clock.now)
    if not quiet and created:
        stdout.write(f"Demo dangerous works: {created} in {time.monotonic() - started:.1f}s.")
    return created


def _ensure_coordinates(project):
    """The district map needs coordinates: give a project without any a point near its street."""
    if project.latitude is not None and project.longitude is not None:
        return
    rng = random.Random(f"coordinates|{project.code}")
    street = project.street
    lat = float(street.latitude) if street and street.latitude else 39.90
    lon = float(street.longitude) if street and street.longitude else 116.65
    project.latitude = Decimal(f"{lat + rng.uniform(-0.008, 0.008):.6f}")
    project.longitude = Decimal(f"{lon + rng.uniform(-0.008, 0.008):.6f}")
    type(project).objects.filter(pk=project.pk).update(
        latitude=project.latitude, longitude=project.longitude
    )


# --- bulk works for --scale ------------------------------------------------------------------

BULK_KINDS = [
    ("PIT", "excavation", "基坑开挖与支护", {"excavation_depth": 6.5}),
    ("PIT", "excavation", "沟槽开挖", {"excavation_depth": 3.5}),
    ("FORMWORK", "concrete_support", "高大模板支撑体系", {"erection_height": 8.2}),
    ("LIFTING", "machine_erection", "塔式起重机安装拆卸", {"lifting_capacity": 80}),
    ("SCAFFOLD", "floor_standing", "落地式钢管脚手架", {"erection_height": 36}),
    ("SCAFFOLD", "cantilever", "悬挑式脚手架", {"segment_height": 18}),
    ("SCAFFOLD", "gondola", "高处作业吊篮", {}),
    ("OTHER", "curtain_wall", "建筑幕墙安装", {"working_height": 45}),
    ("OTHER", "steel_structure", "钢结构安装", {"span": 30}),
    ("TUNNEL", "tunnel", "顶管施工", {}),
]
BULK_STATUSES = [
    ("identified", 8),
    ("drafting", 10),
    ("contractor_review", 5),
    ("supervisor_review", 5),
    ("expert_review", 3),
    ("revising", 3),
    ("approved", 6),
    ("disclosed", 4),
    ("in_progress", 22),
    ("acceptance", 3),
    ("completed", 25),
    ("suspended", 2),
    ("emergency", 1),
    ("plan_change", 1),
    ("cancelled", 2),
]


def _bulk_dates(rng, status, now, today, needs_acceptance) -> dict:
    """Dates that fit the status: schemes under way plan to start later; works on site started
    weeks ago, most of them accepted where required; completed ones finished months ago."""
    day = datetime.timedelta(days=1)
    dates = {"approved_at": None, "disclosed_at": None, "accepted_at": None}
    dates["completed_at"] = dates["actual_start"] = None
    if status in ("in_progress", "acceptance", "suspended", "emergency", "completed"):
        ago = rng.randint(3, 90) if status != "completed" else rng.randint(60, 365)
        start = today - ago * day
        registered = now - (ago + rng.randint(30, 90)) * day
        dates["approved_at"] = now - (ago + rng.randint(7, 20)) * day
        dates["disclosed_at"] = now - (ago + rng.randint(1, 5)) * day
        dates["actual_start"] = start
        dates["planned_start"] = start
        dates["planned_end"] = start + rng.randint(30, 150) * day
        if needs_acceptance and (status == "completed" or rng.random() < 0.8):
            dates["accepted_at"] = now - max(ago - 3, 1) * day
        if status == "completed":
            dates["planned_end"] = start + rng.randint(20, ago - 10) * day
            dates["completed_at"] = now - (today - dates["planned_end"]).days * day
    else:
        registered = now - rng.randint(3, 60) * day
        dates["planned_start"] = today + rng.randint(5, 60) * day
        dates["planned_end"] = dates["planned_start"] + rng.randint(20, 120) * day
        if status in ("approved", "disclosed"):
            dates["approved_at"] = now - rng.randint(1, 3) * day
        if status == "disclosed":
            dates["disclosed_at"] = now - 6 * datetime.timedelta(hours=1)
    dates["created_at"] = dates["updated_at"] = registered
    return dates


def seed_bulk(*, stdout, quiet=False) -> int:
    """BULK_PER_PROJECT works on each project added by --scale (beyond the first 40), with their
    registration step, a recent patrol pair and a third-party reading for most of those under
    construction. Bulk inserts, no files: volume for the district view's benchmarks."""
    from django.db import transaction

    from anjian.projects.models import Project

    from . import thresholds
    from .models import DangerousWork, MonitoringReading, Patrol, WorkStep
    from .services import category_setting

    base = Project.objects.filter(code__startswith=DEMO_CODE_PREFIX).order_by("code")
    projects = list(base.values("pk", "code")[BASE_PROJECTS:])
    done = set(
        DangerousWork.objects.filter(number__startswith=BULK_PREFIX)
        .values_list("project_id", flat=True)
        .distinct()
    )
    todo = [p for p in projects if p["pk"] not in done]
    if not todo:
        return 0
    from anjian.accounts.models import User

    recorder = User.objects.filter(username="supervisor").first()
    if recorder is None:
        return 0
    settings = {c: category_setting(c) for c in thresholds.CATEGORIES}
    statuses, weights = zip(*BULK_STATUSES, strict=True)
    rng = random.Random(20261125)
    now = timezone.now()
    today = timezone.localdate(now)
    created = 0
    for start in range(0, len(todo), 400):
        chunk = todo[start : start + 400]
        works = []
        for project in chunk:
            for k in range(BULK_PER_PROJECT):
                category, subtype, label, params = BULK_KINDS[rng.randrange(len(BULK_KINDS))]
                params = {
                    key: round(value * rng.uniform(0.9, 1.4), 1) for key, value in params.items()
                }
                result = thresholds.classify(category, subtype, params)
                status = rng.choices(statuses, weights)[0]
                setting = settings[category]
                over = result.level == thresholds.SUPER
                dates = _bulk_dates(rng, status, now, today, setting.needs_acceptance)
                approved = dates["approved_at"] is not None
                works.append(
                    DangerousWork(
                        project_id=project["pk"],
                        number=f"{BULK_PREFIX}{project['code'][-5:]}-{k:02d}",
                        name=f"{rng.randint(1, 12)}#楼{label}",
                        category=category,
                        subtype=subtype,
                        params=params,
                        level=result.level,
                        level_reasons=list(result.reasons),
                        location=f"{rng.randint(1, 12)}#楼",
                        status=status,
                        needs_acceptance=setting.needs_acceptance,
                        needs_monitoring=setting.monitoring == thresholds.DANGER
                        or (setting.monitoring == thresholds.SUPER and over),
                        argued=over and approved,
                        scheme_version=0 if status in ("identified", "drafting") else 1,
                        **dates,
                    )
                )
        with transaction.atomic():
            DangerousWork.objects.bulk_create(works, batch_size=1000)
            rows = list(
                DangerousWork.objects.filter(
                    project_id__in=[p["pk"] for p in chunk], number__startswith=BULK_PREFIX
                ).values("pk", "status", "created_at", "needs_monitoring", "level")
            )
            steps, patrols, readings = [], [], []
            for row in rows:
                steps.append(
                    WorkStep(
                        work_id=row["pk"],
                        action="registered",
                        to_status="identified",
                        at=row["created_at"],
                        payload={"level": row["level"]},
                    )
                )
                if row["status"] not in ("in_progress", "acceptance"):
                    continue
                if rng.random() < 0.9:
                    for party, hours in (("contractor", 3), ("supervision", 5)):
                        patrols.append(
                            Patrol(
                                work_id=row["pk"],
                                party=party,
                                patrolled_at=now - datetime.timedelta(hours=hours),
                                result="normal",
                                patrolled_by=recorder,
                            )
                        )
                if row["needs_monitoring"] and rng.random() < 0.9:
                    value = rng.uniform(5, 33)
                    readings.append(
                        MonitoringReading(
                            work_id=row["pk"],
                            point="ZQS-1",
                            quantity="支护桩顶水平位移",
                            value=Decimal(f"{value:.1f}"),
                            unit="mm",
                            alarm_value=Decimal("30"),
                            is_alarm=value >= 30,
                            measured_at=now - datetime.timedelta(hours=6),
                            source="third_party",
                            recorded_by=recorder,
                        )
                    )
            WorkStep.objects.bulk_create(steps, batch_size=2000)
            Patrol.objects.bulk_create(patrols, batch_size=2000)
            MonitoringReading.objects.bulk_create(readings, batch_size=2000)
        created += len(works)
    if not quiet:
        stdout.write(f"Bulk dangerous works for the scaled projects: {created}.")
    return created
