"""Reference data the demo registry is drawn from: Ningbo's districts, industries and name parts."""
from __future__ import annotations

from dataclasses import dataclass

from registry.params import districts as shipped_districts


@dataclass(frozen=True)
class DemoDistrict:
    """A shipped district (`registry/params/districts.toml` names it) and how the demo fills it."""

    code: str
    division: str        # administrative division code: characters 3-8 of a credit code
    weight: float        # share of the registry's firms
    name_prefixes: tuple[str, ...]  # how firms there start their names

    @property
    def name_zh(self) -> str:
        return _SHIPPED[self.code]["name_zh"]

    @property
    def name_en(self) -> str:
        return _SHIPPED[self.code]["name_en"]


_SHIPPED = {district["code"]: district for district in shipped_districts()}


DISTRICTS = (
    DemoDistrict("haishu", "330203", 0.09, ("宁波", "宁波市海曙")),
    DemoDistrict("jiangbei", "330205", 0.06, ("宁波", "宁波市江北")),
    DemoDistrict("beilun", "330206", 0.11, ("宁波", "宁波市北仑")),
    DemoDistrict("zhenhai", "330211", 0.06, ("宁波", "宁波市镇海")),
    DemoDistrict("yinzhou", "330212", 0.16, ("宁波", "宁波市鄞州")),
    DemoDistrict("fenghua", "330213", 0.06, ("宁波", "宁波市奉化区")),
    DemoDistrict("yuyao", "330281", 0.12, ("宁波", "余姚市")),
    DemoDistrict("cixi", "330282", 0.14, ("宁波", "慈溪市")),
    DemoDistrict("ninghai", "330226", 0.06, ("宁波", "宁海县")),
    DemoDistrict("xiangshan", "330225", 0.05, ("宁波", "象山县")),
    # The national high-tech zone registers its firms under the city's own division code.
    DemoDistrict("gaoxin", "330201", 0.09, ("宁波",)),
)

# How an industry's firms look: typical size and intensities, and the technology fields of rules.md
# §2 their core technology falls in (None: not reported).
PROFILES = {
    # revenue median (万元), revenue per employee (万元), R&D / revenue median,
    # S&T staff share mean, high-tech income share mean
    "hightech_manufacturing": (2600, 90, 0.042, 0.17, 0.68),
    "traditional_manufacturing": (2200, 70, 0.018, 0.08, 0.30),
    "software": (800, 40, 0.09, 0.45, 0.80),
    "research": (300, 30, 0.14, 0.55, 0.80),
    "excluded": (2500, 150, 0.002, 0.03, 0.04),
}


@dataclass(frozen=True)
class Industry:
    code: str            # GB/T 4754-2017 division
    name_zh: str
    name_en: str
    weight: float
    profile: str         # a key of PROFILES
    industrial: bool     # counts as industry (工业) for the 规上 flag
    excluded: bool       # on the R&D super-deduction negative list (rules.md §1 `industry`)
    tech_fields: dict    # {tech_field or None: weight}
    suffixes: tuple[str, ...]  # what the firm name says it does, before 有限公司


INDUSTRIES = (
    Industry("C34", "通用设备制造业", "General equipment", 0.12, "hightech_manufacturing", True, False,
             {"advanced_manufacturing": 0.72, "new_materials": 0.06, "new_energy": 0.04,
              "other": 0.13, None: 0.05}, ("机械", "机电", "精工", "液压", "轴承")),
    Industry("C35", "专用设备制造业", "Special-purpose equipment", 0.07, "hightech_manufacturing", True,
             False, {"advanced_manufacturing": 0.7, "resources_environment": 0.1,
                     "biomedicine": 0.04, "other": 0.11, None: 0.05},
             ("智能装备", "机械设备", "自动化设备", "环保设备")),
    Industry("C38", "电气机械和器材制造业", "Electrical machinery", 0.10, "hightech_manufacturing", True,
             False, {"new_energy": 0.35, "advanced_manufacturing": 0.3,
                     "electronic_information": 0.2, "other": 0.1, None: 0.05},
             ("电器", "电气", "电机", "新能源")),
    Industry("C39", "计算机、通信和其他电子设备制造业", "Computers and electronics", 0.08,
             "hightech_manufacturing", True, False,
             {"electronic_information": 0.85, "new_materials": 0.05, "other": 0.06, None: 0.04},
             ("电子", "光电", "电子科技", "通信技术")),
    Industry("C40", "仪器仪表制造业", "Instruments", 0.03, "hightech_manufacturing", True, False,
             {"advanced_manufacturing": 0.5, "electronic_information": 0.4, "other": 0.06,
              None: 0.04},
             ("仪器", "仪表", "测控技术")),
    Industry("C26", "化学原料和化学制品制造业", "Chemicals", 0.04, "hightech_manufacturing", True, False,
             {"new_materials": 0.65, "resources_environment": 0.2, "other": 0.1, None: 0.05},
             ("化工", "新材料", "精细化工")),
    Industry("C27", "医药制造业", "Pharmaceuticals", 0.02, "hightech_manufacturing", True, False,
             {"biomedicine": 0.9, "other": 0.05, None: 0.05}, ("生物", "医药", "制药")),
    Industry("C36", "汽车制造业", "Motor vehicles", 0.05, "hightech_manufacturing", True, False,
             {"advanced_manufacturing": 0.6, "new_energy": 0.25, "other": 0.1, None: 0.05},
             ("汽车部件", "汽配", "汽车零部件")),
    Industry("C29", "橡胶和塑料制品业", "Rubber and plastics", 0.07, "traditional_manufacturing", True,
             False, {"new_materials": 0.45, "advanced_manufacturing": 0.1, "other": 0.35,
                     None: 0.1},
             ("塑业", "塑料制品", "橡塑")),
    Industry("C33", "金属制品业", "Metal products", 0.07, "traditional_manufacturing", True, False,
             {"new_materials": 0.25, "advanced_manufacturing": 0.3, "other": 0.35, None: 0.1},
             ("五金", "金属制品", "紧固件")),
    Industry("C18", "纺织服装、服饰业", "Apparel", 0.05, "traditional_manufacturing", True, False,
             {"new_materials": 0.1, "other": 0.7, None: 0.2}, ("服饰", "服装", "针织")),
    Industry("I65", "软件和信息技术服务业", "Software and IT services", 0.09, "software", False, False,
             {"electronic_information": 0.8, "hightech_services": 0.14, "other": 0.03, None: 0.03},
             ("软件", "信息技术", "网络科技", "数据科技")),
    Industry("I64", "互联网和相关服务", "Internet services", 0.02, "software", False, False,
             {"electronic_information": 0.6, "hightech_services": 0.3, "other": 0.06, None: 0.04},
             ("网络", "互联网科技")),
    Industry("M73", "研究和试验发展", "Research and development", 0.03, "research", False, False,
             {"biomedicine": 0.25, "new_materials": 0.25, "advanced_manufacturing": 0.2,
              "hightech_services": 0.2, "aerospace": 0.05, None: 0.05},
             ("新材料研究院", "技术研究院", "科学研究")),
    Industry("M75", "科技推广和应用服务业", "Technology services", 0.04, "research", False, False,
             {"hightech_services": 0.6, "resources_environment": 0.25, "other": 0.1, None: 0.05},
             ("科技", "技术服务", "环保科技")),
    Industry("F51", "批发业", "Wholesale", 0.05, "excluded", False, True,
             {"other": 0.6, None: 0.4}, ("贸易", "进出口", "国际贸易")),
    Industry("F52", "零售业", "Retail", 0.02, "excluded", False, True,
             {"other": 0.6, None: 0.4}, ("商贸", "百货")),
    Industry("K70", "房地产业", "Real estate", 0.02, "excluded", False, True,
             {"other": 0.5, None: 0.5}, ("置业", "房地产开发")),
    Industry("L72", "商务服务业", "Business services", 0.02, "excluded", False, True,
             {"other": 0.6, None: 0.4}, ("企业管理咨询", "商务服务")),
    Industry("H62", "餐饮业", "Catering", 0.01, "excluded", False, True,
             {"other": 0.5, None: 0.5}, ("餐饮管理",)),
)

# 字号 (trade names): a character from each of the first two lists; once every pair is taken,
# one or two more characters from the third list.
TRADE_NAME_FIRST = tuple("华东永金明天新宏恒盛瑞泰联中凯博德精海鑫远光亿嘉兴立信隆达安福创"
                         "汇正宇佳伟源通力丰旭科欣晶瀚甬鄞舜慈姚浙锦荣昌振腾鼎诚卓")
TRADE_NAME_SECOND = tuple("达鑫泰隆盛宇辉源兴成通瑞丰安力创科远华光特誉能恒威峰杰康美"
                          "顺驰航琪越晟楷瀚铭翔骏阳仁和邦捷锐润昊川弘朗")
TRADE_NAME_THIRD = tuple("博远达通泰华盛德科源丰汇鼎铭宏瑞嘉信诚越晟睿航捷锐骏鹏腾飞翔宸奥菱杉柏樟")
# The most common surnames, weighted roughly as in Zhejiang, and given-name characters.
SURNAMES = tuple("王陈张李周吴徐林胡杨黄朱郑孙钱沈赵刘何叶方施蒋俞金邵潘袁姚")
GIVEN_NAME_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海波"
                         "斌浩宇晨欣怡佳琳雪梅")

# What an officer writes when returning a filing (stored text, as officers write it).
RETURN_COMMENTS = (
    "研发费用与上年差异较大，请核实并补充说明。",
    "高新技术产品收入缺少佐证材料，请补充后重新提交。",
    "研发项目明细不完整，请补充后重新提交。",
    "营业收入与财务报表不一致，请更正。",
)
REVOKED_REASON = "经复核不符合认定条件，取消高新技术企业资格"
WITHDRAWN_REASON = "企业主动申请撤销入库登记"

# Ningbo's 2025 targets (宁波市科技创新"十四五"规划 and the city's 2025 work plan, as quoted in
# programs.md §I): the demo sets its current year's targets to these values scaled by its number
# of firms against a Ningbo-sized registry of about 60,000 firms (an assumption of the demo,
# labelled so on every target).
NINGBO_REGISTRY_FIRMS = 60_000
NINGBO_2025_TARGETS = (
    # (indicator, value, source sentence)
    ("hnte_valid", 10_000, "宁波2025：有效高新技术企业超过10000家"),
    ("tech_sme_registered", 8_500, "宁波2025：入库科技型中小企业8500家"),
    ("tax_relief", 2_500_000, "宁波2025：企业享受研发费用加计扣除等税收优惠超过250亿元"),
    ("tax_relief.firms", 12_000, "宁波2025：享受税收优惠企业12000家"),
    ("gazelle_valid", 40, "宁波2025：瞪羚企业约40家"),
)
DEMO_TARGET_NOTE = "（演示数据：按演示规模 {firms:,} 家企业 ÷ 60000 缩放）"
