"""The public figures the demo database is calibrated to (domain-facts §2–§3), as hard-coded tables.

Every number here is either a sourced figure or a documented guess standing in for one:
- 居宅介護支援 offices per prefecture: the seven sourced counts (介護サービス施設・事業所調査 2019-10-01),
  the other 40 prefectures in proportion to their population aged 65+ (rounded, thousands, ≈2022 estimates
  from 人口推計; a weight, not a statistic the app shows) so the national total is 40,118.
- service offices: 287,000 (MHLW's target population, 2025-08) − 40,118, split by service in national
  proportions (訪問介護 / 通所介護 / 訪問看護 from the 2022 survey; the other services rounded guesses of the
  same survey's order of magnitude; 居宅療養管理指導 (31, pharmacies and clinics) takes the remainder), and
  split by prefecture in proportion to the 65+ population.
- registrations: the national curve through the anchors below; 和歌山県 has exactly 71 registered offices on
  2023-10-05 (× the sample fraction); model areas reach their published adoption rates by the as-of date.
"""
from __future__ import annotations

import datetime as dt

AS_OF = dt.date(2025, 8, 31)
LAUNCH = dt.date(2023, 4, 20)
SOURCE = "デモデータ（架空）"
SCALES = {"national": 1.0, "small": 1 / 20, "tiny": 1 / 200}   # tiny: tests only (Python API)

# Population aged 65+ per prefecture (thousands, ≈2022; rounded): the weight for offices and municipalities.
POP65 = {
    "01": 1680, "02": 420, "03": 410, "04": 660, "05": 360, "06": 360, "07": 590, "08": 860, "09": 570,
    "10": 590, "11": 1990, "12": 1720, "13": 3200, "14": 2380, "15": 720, "16": 330, "17": 340, "18": 230,
    "19": 250, "20": 650, "21": 600, "22": 1100, "23": 1900, "24": 530, "25": 370, "26": 750, "27": 2440,
    "28": 1590, "29": 420, "30": 300, "31": 170, "32": 230, "33": 570, "34": 820, "35": 470, "36": 240,
    "37": 300, "38": 440, "39": 240, "40": 1420, "41": 250, "42": 440, "43": 560, "44": 380, "45": 350,
    "46": 520, "47": 330,
}

KYOTAKU_TOTAL = 40_118
# Sourced 居宅介護支援 counts (2019-10-01); the rest of KYOTAKU_TOTAL goes by POP65.
KYOTAKU_KNOWN = {"13": 3498, "27": 3755, "12": 1902, "11": 1801, "40": 1565, "01": 1560, "34": 883}
TARGET_OFFICES = 287_000

# Service offices by primary 2-digit service code (national counts). 31 is the remainder to TARGET_OFFICES.
SERVICE_COUNTS = {
    "11": 36_400, "12": 1_700, "13": 15_700, "14": 5_900, "15": 24_500, "16": 8_200, "17": 7_100,
    "21": 11_900, "22": 3_600, "32": 14_100, "33": 5_700, "41": 1_000, "71": 200, "72": 3_300,
    "73": 5_500, "76": 1_300, "77": 900, "78": 19_300,
}
SERVICE_COUNTS["31"] = TARGET_OFFICES - KYOTAKU_TOTAL - sum(SERVICE_COUNTS.values())
# Second services listed under the same 事業所番号 (counted once as an office): primary → (extra, probability).
SECONDARY = {"17": ("41", 0.9), "21": ("15", 0.3), "16": ("14", 0.3), "11": ("76", 0.03), "43": ("46", 0.05)}
# 地域密着型 services get class '9' in position 3 of the 事業所番号; the rest '7' (指定).
COMMUNITY_SERVICES = frozenset({"32", "71", "72", "73", "76", "77", "78"})
# Services that receive 提供票 from 居宅介護支援 offices (exchange partners).
PARTNER_SERVICES = frozenset({"11", "12", "13", "14", "15", "16", "17", "21", "22", "71", "72", "76", "78"})

SERVICE_LABEL = {
    "43": "居宅介護支援事業所", "11": "ヘルパーステーション", "12": "訪問入浴サービス", "13": "訪問看護ステーション",
    "14": "訪問リハビリテーション", "15": "デイサービスセンター", "16": "デイケアセンター", "17": "福祉用具センター",
    "21": "ショートステイ", "22": "短期入所療養センター", "31": "薬局", "32": "グループホーム",
    "33": "介護付き有料老人ホーム", "41": "福祉用具販売店", "71": "夜間訪問介護ステーション", "72": "認知症デイサービス",
    "73": "小規模多機能ホーム", "76": "定期巡回サービス", "77": "看護小規模多機能ホーム", "78": "小規模デイサービス",
}
NAME_STEMS = ("さくら", "ひまわり", "あおば", "みどり", "ひかり", "やすらぎ", "ふれあい", "こもれび", "すみれ",
              "たんぽぽ", "かがやき", "なごみ", "ほほえみ", "あさひ", "つばき", "わかば", "やまびこ", "そよかぜ",
              "いずみ", "はるかぜ", "さわやか", "ぬくもり", "あじさい", "もみじ", "すずらん", "ゆうあい")

# Registered offices (MHLW series, national, not ended) at anchor dates; linear between them.
# 2023-07-21 ≈4 % of 居宅介護支援 (ケアマネタイムス) with service offices; 2023-10-05 8,100 (slides);
# 2024-04 step (居宅介護支援費(Ⅱ) requires the system); 2025-05 end 7.2 % of 287,000; 2025-06-01
# free pass; 2025-08 end 28,191.
REGISTRATION_ANCHORS = (
    (dt.date(2023, 4, 20), 300), (dt.date(2023, 7, 21), 3_300), (dt.date(2023, 10, 5), 8_100),
    (dt.date(2024, 3, 31), 11_000), (dt.date(2024, 5, 31), 13_800), (dt.date(2025, 5, 31), 20_660),
    (dt.date(2025, 6, 30), 23_800), (dt.date(2025, 8, 31), 28_191),
)
CALIBRATION_DATE = dt.date(2023, 10, 5)
WAKAYAMA_ON_CALIBRATION = 71
UNKNOWN_REGISTRATIONS = 48      # registrations whose office is not in the master (national; ≥ 12 at any scale)
ENDED_REGISTRATIONS = 170       # ended registrations (national)
KYOTAKU_WEIGHT = 3.3            # 居宅介護支援 ≈ 35 % of registrations → ≈25 % adoption vs ≈7 % for service offices

# Model areas: (prefecture, municipality 5-digit codes, adoption rate at AS_OF). Sources: domain-facts §2.
MODEL_AREAS = (
    ("30", ("30205", "30381", "30382", "30383", "30390", "30391", "30392"), 0.35),  # 御坊市・日高郡
    ("45", ("45202",), 0.362),   # 都城市
    ("31", ("31202",), 0.40),    # 米子市
)

# Exchange logs: months and behaviour.
EXCHANGE_MONTHS = 12            # the 12 months ending with AS_OF's month
MISSED_DIGITAL_START, MISSED_DIGITAL_END = 0.30, 0.20   # both registered but still on paper (二重管理)
PAPER_CHANNELS = (("fax", 0.80), ("post", 0.08), ("hand", 0.08), ("email", 0.04))
PARTNER_SCOPE = (0.65, 0.33, 0.02)   # partner in same municipality / same prefecture / anywhere
SERVICES_PER_USER = 2.0
REGISTERED_PARTNER_BIAS = 0.35   # share of a registered 居宅介護支援 office's partners drawn from registered ones

# Real capitals (5-digit 地方公共団体コード; check digit computed); the first municipality of each prefecture.
CAPITAL_CODES = {
    "01": "01100", "02": "02201", "03": "03201", "04": "04100", "05": "05201", "06": "06201", "07": "07201",
    "08": "08201", "09": "09201", "10": "10201", "11": "11100", "12": "12100", "13": "13104", "14": "14100",
    "15": "15100", "16": "16201", "17": "17201", "18": "18201", "19": "19201", "20": "20201", "21": "21201",
    "22": "22100", "23": "23100", "24": "24201", "25": "25201", "26": "26100", "27": "27100", "28": "28100",
    "29": "29201", "30": "30201", "31": "31201", "32": "32201", "33": "33100", "34": "34100", "35": "35203",
    "36": "36201", "37": "37201", "38": "38201", "39": "39201", "40": "40130", "41": "41201", "42": "42201",
    "43": "43100", "44": "44201", "45": "45201", "46": "46201", "47": "47201",
}
CAPITAL_SHARE = {"13": 0.04, "11": 0.15, "12": 0.15, "14": 0.35, "28": 0.25}   # else 0.28 of the prefecture

# Real municipalities with population weights (thousands): all 30 of 和歌山県, plus the model cities.
REAL_MUNICIPALITIES = {
    "30": (
        ("30201", "和歌山市", 356), ("30202", "海南市", 48), ("30203", "橋本市", 61), ("30204", "有田市", 27),
        ("30205", "御坊市", 22), ("30206", "田辺市", 70), ("30207", "新宮市", 27), ("30208", "紀の川市", 60),
        ("30209", "岩出市", 53), ("30304", "紀美野町", 8), ("30341", "かつらぎ町", 16), ("30343", "九度山町", 4),
        ("30344", "高野町", 3), ("30361", "湯浅町", 11), ("30362", "広川町", 7), ("30366", "有田川町", 25),
        ("30381", "美浜町", 7), ("30382", "日高町", 7), ("30383", "由良町", 5), ("30390", "印南町", 8),
        ("30391", "みなべ町", 12), ("30392", "日高川町", 9), ("30401", "白浜町", 20), ("30404", "上富田町", 15),
        ("30406", "すさみ町", 4), ("30421", "那智勝浦町", 14), ("30422", "太地町", 3), ("30424", "古座川町", 3),
        ("30427", "北山村", 1), ("30428", "串本町", 15),
    ),
    # 都城市 ≈ 343 target offices (124 registered = 36.2 %), ≈12 % of the prefecture's offices
    "45": (("45201", "宮崎市", 400), ("45202", "都城市", 150)),
    "31": (("31201", "鳥取市", 185), ("31202", "米子市", 147)),
}
# Total population (thousands) of the prefectures listed only in part above: their share of offices.
PREF_POP_TOTAL = {"45": 1060, "31": 545}
# Generated municipality names: fictitious, real-looking (the demo says it is fictitious everywhere).
MUNI_STEMS = ("桜", "緑", "青葉", "若葉", "朝日", "富士見", "高原", "川辺", "松原", "梅ヶ", "竹原", "柳沢", "星野",
              "泉", "白浜", "黒川", "赤坂", "大野", "小松", "中山", "北川", "南条", "東郷", "西原", "本宮", "新田",
              "長浜", "高森", "花園", "美里", "清水", "千歳", "若松", "鶴見", "亀山", "松風", "霧島", "緑ヶ丘",
              "日向", "月見", "水城", "岩瀬", "石田", "森山", "野田", "桐生", "杉山", "藤沢", "菊川", "萩原")
