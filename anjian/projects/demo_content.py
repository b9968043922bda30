"""Deterministic Chinese demo content for one district (北京市通州区); data and small functions.

Every organisation below is fictional; a likeness to a real company is a coincidence. Streets and
their administrative codes are real (统计用区划代码); centre coordinates are approximate WGS-84.
Codes such as category and structure type use the values of ``anjian.projects.choices``.
Pass a ``random.Random(seed)`` to every function so the same seed gives the same content.
"""

from __future__ import annotations

import datetime
import random

from anjian.core.validators import CREDIT_CODE_CHARSET, make_credit_code

DISTRICT = {"province": "北京市", "city": "北京市", "district": "通州区", "area_code": "110112"}
COORDINATE_SYSTEM = "wgs84"
# Everything generated stays inside this box (lon_min, lat_min, lon_max, lat_max).
BOUNDING_BOX = (116.55, 39.70, 116.95, 39.98)
# Fixed "today" so that generated dates do not depend on the clock.
DEMO_TODAY = datetime.date(2025, 6, 30)

STREETS = [
    {
        "name": "中仓街道",
        "code": "110112001",
        "lon": 116.655,
        "lat": 39.902,
        "roads": ["新华大街", "南大街", "西大街", "车站路", "中山大街"],
    },
    {
        "name": "新华街道",
        "code": "110112002",
        "lon": 116.645,
        "lat": 39.910,
        "roads": ["新华西街", "新华北路", "新华南路", "通惠北路", "西海子路"],
    },
    {
        "name": "北苑街道",
        "code": "110112003",
        "lon": 116.632,
        "lat": 39.905,
        "roads": ["北苑南路", "杨庄路", "通朝大街", "西马庄路", "北苑东路"],
    },
    {
        "name": "玉桥街道",
        "code": "110112004",
        "lon": 116.660,
        "lat": 39.884,
        "roads": ["玉桥中路", "玉桥西路", "玉桥东路", "运河西大街", "梨园北街"],
    },
    {
        "name": "永顺镇",
        "code": "110112005",
        "lon": 116.648,
        "lat": 39.928,
        "roads": ["永顺南街", "永顺东街", "北关大道", "潞苑北大街", "永顺西路"],
    },
    {
        "name": "梨园镇",
        "code": "110112006",
        "lon": 116.650,
        "lat": 39.868,
        "roads": ["梨园南街", "九棵树东路", "云景东路", "群芳中路", "大稿路"],
    },
    {
        "name": "宋庄镇",
        "code": "110112104",
        "lon": 116.718,
        "lat": 39.955,
        "roads": ["宋庄路", "徐宋路", "小堡南街", "翟里路", "白庙路"],
    },
    {
        "name": "张家湾镇",
        "code": "110112105",
        "lon": 116.705,
        "lat": 39.845,
        "roads": ["张凤路", "张采路", "通马路", "张家湾中路", "萧太后河南路"],
    },
    {
        "name": "马驹桥镇",
        "code": "110112109",
        "lon": 116.578,
        "lat": 39.765,
        "roads": ["漷马路", "兴贸二街", "景盛南二街", "马驹桥中街", "凉水河南路"],
    },
    {
        "name": "西集镇",
        "code": "110112110",
        "lon": 116.855,
        "lat": 39.790,
        "roads": ["西集大街", "西集中路", "耿楼路", "沙古堆路", "京哈路辅路"],
    },
    {
        "name": "台湖镇",
        "code": "110112114",
        "lon": 116.628,
        "lat": 39.838,
        "roads": ["台马路", "北神树路", "台湖东路", "兴光三街", "次一路"],
    },
    {
        "name": "潞城镇",
        "code": "110112119",
        "lon": 116.742,
        "lat": 39.908,
        "roads": ["宋梁路", "潞城中路", "东夏园路", "胡各庄路", "运潮减河南路"],
    },
]

RIVERS = ["北运河", "通惠河", "萧太后河", "凉水河", "运潮减河", "玉带河"]

# 集团总公司 and their 施工总承包 subsidiaries (all fictional).
GROUPS = [
    {
        "name": "京通建工集团有限公司",
        "short": "京通建工",
        "subsidiaries": [
            {"name": "京通建工集团第一建筑工程有限公司", "qualification": "建筑工程施工总承包特级"},
            {"name": "京通建工集团市政工程有限公司", "qualification": "市政公用工程施工总承包一级"},
            {"name": "京通建工集团安装工程有限公司", "qualification": "机电工程施工总承包一级"},
        ],
    },
    {
        "name": "燕潞建设集团有限公司",
        "short": "燕潞建设",
        "subsidiaries": [
            {"name": "燕潞建设集团第三工程有限公司", "qualification": "建筑工程施工总承包一级"},
            {"name": "燕潞建设集团基础工程有限公司", "qualification": "地基基础工程专业承包一级"},
        ],
    },
    {
        "name": "华岳筑城建设集团有限公司",
        "short": "华岳筑城",
        "subsidiaries": [
            {"name": "华岳筑城建设集团华北工程有限公司", "qualification": "建筑工程施工总承包一级"},
            {"name": "华岳筑城（北京）建筑工程有限公司", "qualification": "建筑工程施工总承包一级"},
            {
                "name": "华岳筑城建设集团装饰工程有限公司",
                "qualification": "建筑装修装饰工程专业承包一级",
            },
        ],
    },
    {
        "name": "通衢路桥建设集团有限公司",
        "short": "通衢路桥",
        "subsidiaries": [
            {
                "name": "通衢路桥建设集团第二工程有限公司",
                "qualification": "市政公用工程施工总承包一级",
            },
            {
                "name": "通衢路桥建设集团管廊工程有限公司",
                "qualification": "市政公用工程施工总承包一级",
            },
        ],
    },
    {
        "name": "瀚海恒筑建设集团有限公司",
        "short": "瀚海恒筑",
        "subsidiaries": [
            {"name": "瀚海恒筑建设集团北京分公司", "qualification": "建筑工程施工总承包一级"},
            {"name": "北京瀚海恒筑建筑工程有限公司", "qualification": "建筑工程施工总承包二级"},
        ],
    },
]

# 施工总承包单位 without a group.
INDEPENDENT_CONTRACTORS = [
    {"name": "北京运兴建筑工程有限公司", "qualification": "建筑工程施工总承包二级"},
    {"name": "北京通惠恒业建设工程有限公司", "qualification": "建筑工程施工总承包一级"},
    {"name": "北京潞安市政工程有限公司", "qualification": "市政公用工程施工总承包二级"},
    {"name": "北京宏筑兴业建设有限公司", "qualification": "建筑工程施工总承包三级"},
]

# 专业分包 and 劳务分包.
SUBCONTRACTORS = [
    {"name": "北京恒安起重设备安装有限公司", "kind": "specialty", "scope": "起重设备安装"},
    {"name": "北京坚基基坑支护工程有限公司", "kind": "specialty", "scope": "地基基础（基坑支护）"},
    {"name": "北京明筑幕墙装饰工程有限公司", "kind": "specialty", "scope": "建筑幕墙"},
    {"name": "北京京安钢构工程有限公司", "kind": "specialty", "scope": "钢结构"},
    {"name": "北京鑫运达建筑劳务有限公司", "kind": "labour", "scope": "施工劳务"},
    {"name": "北京诚友建筑劳务分包有限公司", "kind": "labour", "scope": "施工劳务"},
    {"name": "河北燕赵匠心建筑劳务有限公司", "kind": "labour", "scope": "施工劳务"},
]

# 建设单位: developers, a city investment company, institutions' 基建处.
BUILDERS = [
    {"name": "北京潞悦置业有限公司", "kind": "developer"},
    {"name": "北京通和嘉业房地产开发有限公司", "kind": "developer"},
    {"name": "北京运河新城置业有限公司", "kind": "developer"},
    {"name": "北京东方润宸房地产开发有限公司", "kind": "developer"},
    {"name": "北京运通城市发展投资有限公司", "kind": "city_investment"},
    {"name": "北京通惠实验学校基建处", "kind": "institution"},
    {"name": "北京运河康复医院基建处", "kind": "institution"},
]

SUPERVISING_FIRMS = [
    {"name": "北京正衡建设工程监理有限公司", "qualification": "房屋建筑工程监理甲级"},
    {"name": "北京筑信工程项目管理有限公司", "qualification": "工程监理综合资质"},
    {"name": "北京京诚路桥工程监理有限公司", "qualification": "市政公用工程监理甲级"},
    {"name": "北京方略建设监理有限公司", "qualification": "房屋建筑工程监理乙级"},
]

SURVEYORS = [
    {"name": "北京燕岩工程勘察有限公司", "qualification": "工程勘察专业类岩土工程甲级"},
    {"name": "北京京东南岩土勘察院有限公司", "qualification": "工程勘察综合资质甲级"},
]

DESIGNERS = [
    {"name": "北京运河城市规划设计研究院有限公司", "qualification": "建筑行业（建筑工程）甲级"},
    {"name": "北京京华营造建筑设计有限公司", "qualification": "建筑行业（建筑工程）甲级"},
    {"name": "北京恒和市政工程设计院有限公司", "qualification": "市政行业甲级"},
]

MONITORING_UNITS = [
    {"name": "北京岩测科技有限公司", "qualification": "基坑监测"},
    {"name": "北京京测安信工程检测有限公司", "qualification": "建设工程质量检测"},
    {"name": "北京中衡基坑监测技术有限公司", "qualification": "基坑监测"},
]

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金"
    "陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_NAMES = (
    "建国 建军 国强 志强 志刚 海涛 海峰 立新 立军 永刚 永军 红梅 丽娟 秀英 桂英 玉兰 "
    "文博 文杰 俊杰 子豪 浩然 宇航 晓东 晓明 晓峰 晓燕 晓丽 春生 春华 秋菊 冬梅 建华 "
    "振华 振宇 宏伟 宏亮 鹏飞 鹏程 凯 磊 伟 静 敏 丹 军 勇 杰 涛 斌 超 强 明 亮 刚 "
    "平 辉 鑫 娜 颖 琳 雪 婷 佳怡 欣怡 思远 嘉伟 雨辰 一鸣 泽宇 明轩 少华 德明 德胜 "
    "学军 学文 新民 新宇 长江 金龙 国栋 继红 淑珍 淑华 云飞 梦瑶 子涵 晨阳 家豪"
).split()

MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 158 159 "
    "176 177 180 181 185 186 187 188 189 199"
).split()
LANDLINE_PREFIXES = ("6954", "6956", "8052", "8157", "8958", "6059")

# Building uses: (label, structure choices, floors above, floors below, area range m²).
BUILDING_USES = {
    "住宅": (("shear_wall", "frame_shear"), (9, 28), (1, 3), (30000, 180000)),
    "安置房": (("shear_wall",), (12, 27), (1, 2), (60000, 220000)),
    "学校": (("frame",), (3, 5), (0, 1), (12000, 45000)),
    "医院": (("frame_shear", "frame"), (5, 14), (1, 3), (25000, 110000)),
    "办公": (("frame_tube", "frame_shear"), (10, 32), (2, 4), (40000, 160000)),
    "研发": (("frame", "frame_shear"), (4, 12), (1, 2), (15000, 80000)),
    "仓储": (("steel",), (1, 2), (0, 0), (8000, 60000)),
    "配套": (("masonry", "frame"), (1, 3), (0, 1), (1500, 6000)),
}
# Municipal kinds: (permit class, metres of line, pit depth range or None, 万元 per metre).
MUNICIPAL_KINDS = {
    "道路": ("18", (600, 4500), None, (1.2, 3.5)),
    "桥梁": ("18", (120, 680), (3.0, 6.5), (25.0, 60.0)),
    "综合管廊": ("19", (800, 3800), (7.5, 11.0), (8.0, 15.0)),
    "雨污管线": ("17", (1200, 6000), (3.2, 5.8), (0.6, 1.8)),
    "供热管网": ("16", (900, 5200), (2.2, 4.5), (0.8, 2.0)),
}
SCHOOL_NAMES = [
    "北京城市副中心第{n}实验学校",
    "通州区{short}中心小学",
    "北京通惠实验学校{short}校区",
]
PARK_NAMES = ["文化产业园", "智能制造产业园", "科技创新园", "数字经济产业园"]
LOGISTICS_PARKS = ["物流园", "智能制造产业园", "商贸物流基地"]
# Which kind of 建设单位 (see BUILDERS) usually owns a project of each usage.
BUILDER_KIND_BY_USAGE = {
    "住宅": "developer",
    "办公": "developer",
    "研发": "developer",
    "仓储": "developer",
    "学校": "institution",
    "医院": "institution",
}
PHASES = ["一期", "二期", "三期"]
PARCEL_LETTERS = "ABCDEFGH"


def street_by_name(name: str) -> dict:
    """Return the street record called ``name``."""
    for street in STREETS:
        if street["name"] == name:
            return street
    raise KeyError(name)


def person_name(rng: random.Random) -> str:
    """Return a realistic Chinese full name."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def phone(rng: random.Random) -> str:
    """Return a mobile number with a common carrier prefix."""
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    """Return a Beijing office landline such as 010-69541234."""
    return f"010-{rng.choice(LANDLINE_PREFIXES)}{rng.randrange(10**4):04d}"


def coordinate_near(rng: random.Random, street: dict, spread: float = 0.008) -> tuple[float, float]:
    """Return a (lon, lat) jittered around the street centre, clamped to the bounding box."""
    lon_min, lat_min, lon_max, lat_max = BOUNDING_BOX
    lon = street["lon"] + rng.uniform(-spread, spread)
    lat = street["lat"] + rng.uniform(-spread * 0.75, spread * 0.75)
    lon = min(max(lon, lon_min), lon_max)
    lat = min(max(lat, lat_min), lat_max)
    return round(lon, 6), round(lat, 6)


def address(rng: random.Random, street: dict | str) -> tuple[str, float, float]:
    """Return ('北京市通州区<street><road>N号', lon, lat) near the street centre."""
    if isinstance(street, str):
        street = street_by_name(street)
    road = rng.choice(street["roads"])
    text = f"北京市通州区{street['name']}{road}{rng.randint(1, 199)}号"
    lon, lat = coordinate_near(rng, street)
    return text, lon, lat


def _org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * weight for char, weight in zip(body8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, kind: str = "company") -> str:
    """Return a valid 统一社会信用代码; kind is 'company' (91…) or 'institution' (12…)."""
    prefix = {"company": "91", "institution": "12"}[kind]
    if kind == "company" and rng.random() < 0.5:
        # Codes issued since 2015 carry a body that starts with "MA".
        org_body = "MA0" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(5))
    else:
        org_body = f"{rng.randrange(10**7, 10**8)}"
    org_code = org_body + _org_code_check_char(org_body)
    return make_credit_code(prefix + DISTRICT["area_code"] + org_code)


def permit_number(
    rng: random.Random, date: datetime.date, seq: int | None = None, klass: str = "01"
) -> str:
    """Return an 18-digit 施工许可证编号: area code, yyyymmdd, same-day sequence, class code."""
    if seq is None:
        seq = rng.randint(1, 12)
    return f"{DISTRICT['area_code']}{date:%Y%m%d}{seq:02d}{klass}"


def constructor_registration_number(rng: random.Random, level: int = 1) -> str:
    """Return a 注册建造师 registration number such as 京111131400123."""
    return f"京{level}11{rng.randint(5, 23):02d}{rng.randint(10, 99)}{rng.randrange(10**5):05d}"


def safety_certificate_b(rng: random.Random, year: int | None = None) -> str:
    """Return a 安全生产考核合格证书 B证 number such as 京建安B(2019)0012345."""
    year = year or rng.randint(2014, 2024)
    return f"京建安B({year}){rng.randrange(1, 10**7):07d}"


def safety_certificate_c(
    rng: random.Random, subtype: str | None = None, year: int | None = None
) -> str:
    """Return a C证 number such as 京建安C3(2020)0045678; subtype is C1, C2 or C3."""
    subtype = subtype or rng.choice(("C1", "C2", "C3"))
    year = year or rng.randint(2014, 2024)
    return f"京建安{subtype}({year}){rng.randrange(1, 10**7):07d}"


def supervision_engineer_number(rng: random.Random) -> str:
    """Return a 注册监理工程师 registration number such as 11012345."""
    return f"11{rng.randrange(1, 10**6):06d}"


def safety_licence_number(rng: random.Random) -> str:
    """Return a contractor's 安全生产许可证 number such as (京)JZ安许证字[2019]012345."""
    return f"(京)JZ安许证字[{rng.randint(2005, 2023)}]{rng.randrange(1, 10**6):06d}"


def _parcel(rng: random.Random) -> str:
    """Return a parcel label such as B-03 or 0105-612."""
    if rng.random() < 0.6:
        return f"{rng.choice(PARCEL_LETTERS)}-{rng.randint(1, 12):02d}"
    return f"{rng.randint(1, 9):02d}{rng.randint(1, 12):02d}-{rng.randint(601, 699)}"


def _building_name(rng: random.Random, usage: str, street: str, floors: int) -> str:
    """Return a building project name for the usage."""
    short = street.removesuffix("街道").removesuffix("镇")
    first = rng.randint(1, 3)
    span = f"{first}#~{first + rng.randint(3, 9)}#楼"
    if usage == "住宅":
        return rng.choice(
            [
                f"通州区{street}{_parcel(rng)}地块住宅项目",
                f"{street}{_parcel(rng)}地块R2二类居住用地项目（{span}）",
                f"{street}共有产权住房项目（{rng.choice(PHASES)}）",
            ]
        )
    if usage == "安置房":
        return f"{street}棚户区改造安置房（{rng.choice(PHASES)}）{span}"
    if usage == "学校":
        school = rng.choice(SCHOOL_NAMES).format(n=rng.choice("一二三四五六七八九"), short=short)
        return f"{school}新建工程"
    if usage == "医院":
        return rng.choice(
            [f"{street}社区卫生服务中心新建工程", f"北京运河康复医院{short}院区门急诊楼扩建工程"]
        )
    if usage == "办公":
        return f"通州区{street}{_parcel(rng)}地块商业办公项目"
    if usage == "研发":
        return f"{street}{rng.choice(PARK_NAMES)}{rng.randint(1, 6)}#研发楼工程"
    if usage == "仓储":
        return f"{street}{rng.choice(LOGISTICS_PARKS)}仓储用房项目"
    return f"{street}{_parcel(rng)}地块配套公建（{floors}层）工程"


def _municipal_name(rng: random.Random, usage: str, street: dict) -> str:
    """Return a municipal project name for the usage."""
    name = street["name"]
    road, cross, cross2 = rng.sample(street["roads"], 3)
    lot = f"（{'一二三四'[rng.randint(0, 3)]}标段）"
    if usage == "道路":
        return rng.choice(
            [
                f"{name}{road}（{cross}—{cross2}）道路工程",
                f"{name}{rng.choice(PARK_NAMES)}配套道路工程",
            ]
        )
    if usage == "桥梁":
        return f"{road}跨{rng.choice(RIVERS)}桥梁工程"
    if usage == "综合管廊":
        return f"{name}综合管廊工程{lot}"
    if usage == "雨污管线":
        return rng.choice([f"{name}雨污分流改造工程{lot}", f"{name}{road}再生水管线工程"])
    return f"{name}供热管网改造工程"


def _pit_depth(rng: random.Random, floors_below: int) -> float | None:
    """Return a foundation pit depth in metres for the number of basement levels."""
    if floors_below == 0:
        return None
    low, high = {1: (3.2, 5.8), 2: (8.5, 11.5)}.get(floors_below, (12.5, 16.0))
    return round(rng.uniform(low, high), 1)


def project_name(
    rng: random.Random,
    street: dict | str | None = None,
    today: datetime.date = DEMO_TODAY,
) -> dict:
    """Return a demo project: its name plus category, usage, structure, scale, cost and dates."""
    if street is None:
        street = rng.choice(STREETS)
    elif isinstance(street, str):
        street = street_by_name(street)
    text, lon, lat = address(rng, street)
    data = {
        "street": street["name"],
        "street_code": street["code"],
        "address": text,
        "lon": lon,
        "lat": lat,
        "coordinate_system": COORDINATE_SYSTEM,
        "nature": "new",
    }
    if rng.random() < 0.7:
        usage = rng.choice(list(BUILDING_USES))
        structures, above, below, area = BUILDING_USES[usage]
        floors_above = rng.randint(*above)
        floors_below = rng.randint(*below)
        floor_area = round(rng.uniform(*area), -1)
        storey = 6.5 if usage == "仓储" else rng.uniform(3.0, 3.6 if usage == "办公" else 3.3)
        data.update(
            name=_building_name(rng, usage, street["name"], floors_above),
            category="building",
            usage=usage,
            structure=rng.choice(structures),
            floor_area=floor_area,
            floors_above=floors_above,
            floors_below=floors_below,
            height=round(floors_above * storey + rng.uniform(0.3, 1.5), 1),
            pit_depth=_pit_depth(rng, floors_below),
            length=None,
            cost_wan=round(floor_area * rng.uniform(0.32, 0.48), -1),
            permit_class="01",
        )
        if usage == "医院" and "扩建" in data["name"]:
            data["nature"] = "extension"
        days = 360 + floors_above * 18 + floors_below * 40 + rng.randint(-30, 60)
    else:
        usage = rng.choice(list(MUNICIPAL_KINDS))
        klass, length_range, pit_range, cost_per_metre = MUNICIPAL_KINDS[usage]
        length = round(rng.uniform(*length_range), -1)
        data.update(
            name=_municipal_name(rng, usage, street),
            category="municipal",
            usage=usage,
            structure="other",
            floor_area=None,
            floors_above=0,
            floors_below=0,
            height=None,
            pit_depth=round(rng.uniform(*pit_range), 1) if pit_range else None,
            length=length,
            cost_wan=round(length * rng.uniform(*cost_per_metre), -1),
            permit_class=klass,
        )
        if "改造" in data["name"]:
            data["nature"] = "renovation"
        days = 240 + int(length / 12) + rng.randint(-30, 60)
    start = today + datetime.timedelta(days=rng.randint(-900, 60))
    end = start + datetime.timedelta(days=days)
    actual_start = start + datetime.timedelta(days=rng.randint(0, 30))
    actual_end = end + datetime.timedelta(days=rng.randint(-20, 45))
    data.update(
        contract_start=start,
        contract_end=end,
        duration_days=days,
        actual_start=actual_start if actual_start <= today else None,
        actual_end=actual_end if actual_end <= today else None,
        permit_date=start - datetime.timedelta(days=rng.randint(7, 40)),
        builder_kind=BUILDER_KIND_BY_USAGE.get(usage, "city_investment"),
    )
    return data
