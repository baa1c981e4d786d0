"""Table tests for analytics.domain.codes: prefectures, 事業所番号, 地方公共団体コード, services."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.domain import codes
from analytics.domain.codes import (
    PREFECTURES,
    SERVICES,
    is_kyotaku_service,
    is_valid_municipality_code,
    is_valid_office_code,
    municipality_check_digit,
    normalise_municipality_code,
    normalise_office_code,
    normalise_text,
    office_check_digit,
    office_code_problem,
    office_kind,
    parse_prefecture,
    prefecture_from_office_code,
    prefecture_name,
    prefecture_region,
    service_from_code,
    service_name,
)

# ---------------------------------------------------------------- prefectures

def test_prefecture_table_is_complete():
    assert len(PREFECTURES) == 47
    assert PREFECTURES["code"].tolist() == [f"{i:02d}" for i in range(1, 48)]
    assert PREFECTURES["iso"].tolist() == [f"JP-{i:02d}" for i in range(1, 48)]
    assert PREFECTURES["name_ja"].is_unique and PREFECTURES["name_en"].is_unique
    assert set(PREFECTURES["region_ja"]) == {ja for ja, _ in codes.REGIONS}
    assert set(PREFECTURES["region_en"]) == {en for _, en in codes.REGIONS}
    assert PREFECTURES["lat"].between(24, 46).all() and PREFECTURES["lon"].between(122, 146).all()
    assert isinstance(codes.prefectures(), pd.DataFrame)


@pytest.mark.parametrize("code, ja, en, region", [
    ("01", "北海道", "Hokkaido", "北海道"),
    ("02", "青森県", "Aomori", "東北"),
    ("13", "東京都", "Tokyo", "関東"),
    ("15", "新潟県", "Niigata", "中部"),
    ("23", "愛知県", "Aichi", "中部"),
    ("24", "三重県", "Mie", "近畿"),
    ("26", "京都府", "Kyoto", "近畿"),
    ("27", "大阪府", "Osaka", "近畿"),
    ("30", "和歌山県", "Wakayama", "近畿"),
    ("31", "鳥取県", "Tottori", "中国"),
    ("36", "徳島県", "Tokushima", "四国"),
    ("40", "福岡県", "Fukuoka", "九州・沖縄"),
    ("47", "沖縄県", "Okinawa", "九州・沖縄"),
])
def test_prefecture_names(code, ja, en, region):
    assert prefecture_name(code) == ja
    assert prefecture_name(code, "en") == en
    assert prefecture_region(code) == region
    assert parse_prefecture(ja) == code
    assert parse_prefecture(en) == code


@pytest.mark.parametrize("value, expected", [
    (1, "01"), ("1", "01"), ("01", "01"), ("JP-01", "01"), ("jp-01", "01"), ("JP01", "01"),
    (30, "30"), (30.0, "30"), ("30", "30"), ("３０", "30"), ("ＪＰ－３０", "30"),
    ("和歌山", "30"), ("和歌山県", "30"), (" 和歌山県 ", "30"), ("Wakayama", "30"), ("WAKAYAMA", "30"),
    ("wakayama-ken", "30"), ("Wakayama Prefecture", "30"),
    ("東京", "13"), ("東京都", "13"), ("Tokyo-to", "13"),
    ("大阪", "27"), ("大阪府", "27"), ("京都", "26"), ("京都府", "26"),
    ("北海道", "01"), ("Hokkaido", "01"), ("Hyōgo", "28"), ("Kōchi", "39"), ("鹿児島", "46"),
    ("47", "47"), ("沖縄県", "47"),
])
def test_parse_prefecture(value, expected):
    assert parse_prefecture(value) == expected


@pytest.mark.parametrize("value", [None, "", "0", "00", 48, "48", "JP-48", "和歌", "東京府", "Edo", math.nan,
                                   True, "1.5"])
def test_parse_prefecture_unknown(value):
    assert parse_prefecture(value) is None


@pytest.mark.parametrize("number", range(1, 48))
def test_prefecture_round_trip(number):
    code = f"{number:02d}"
    for form in (number, str(number), code, f"JP-{code}", prefecture_name(code), prefecture_name(code, "en"),
                 code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        assert parse_prefecture(form) == code, form
    short = PREFECTURES.set_index("code").loc[code, "name_short"]
    assert parse_prefecture(short) == code


# ---------------------------------------------------------------- 事業所番号

@pytest.mark.parametrize("code9, check", [
    ("117120136", "9"), ("111120034", "9"), ("017010231", "3"),
    ("11A120136", "2"),   # A counts 10: 10 × 1 = 10 → digits 1 + 0
    ("000000000", "0"),
])
def test_office_check_digit(code9, check):
    assert office_check_digit(code9) == check


def test_office_check_digit_letter_values():
    # the 3rd character is the 7th from the right, multiplied by 2; A=10, H=17, J=18 (I skipped), R=24, Z=32
    assert office_check_digit("110000000") == "7"  # 1×1 + 1×2 = 3 → 7
    assert office_check_digit("11A000000") == "5"  # 3 + (20 → 2+0) = 5 → 5
    assert office_check_digit("11H000000") == "0"  # 3 + (34 → 3+4) = 10 → 0
    assert office_check_digit("11J000000") == "8"  # 3 + (36 → 9) = 12 → 8
    assert office_check_digit("11R000000") == "5"  # 3 + (48 → 12) = 15 → 5
    assert office_check_digit("11Z000000") == "7"  # 3 + (64 → 10) = 13 → 7
    with pytest.raises(ValueError):
        office_check_digit("12345678")


@pytest.mark.parametrize("code, valid", [
    ("1171201369", True), ("1111200349", True), ("0170102313", True),
    ("11A1201362", True),          # letter in position 3
    ("1171201368", False),         # wrong check digit
    ("117120136", False),          # 9 characters
    ("11712013690", False),        # 11 characters
    ("1A71201369", False),         # letter in position 2
    ("11I1201369", False),         # I never used
    ("4871201369", False),         # prefecture 48
    ("11a1201362", False),         # lower case: normalise first
    (1171201369, False),           # not text
    (None, False),
])
def test_is_valid_office_code(code, valid):
    assert is_valid_office_code(code) is valid


@pytest.mark.parametrize("value, expected", [
    ("1171201369", "1171201369"),
    ("0170102313", "0170102313"),
    ("170102313", "0170102313"),           # Excel dropped the leading zero
    (170102313, "0170102313"),             # read as a number
    (170102313.0, "0170102313"),           # read as a float
    ("170102313.0", "0170102313"),
    ('="0170102313"', "0170102313"),       # Excel text quoting
    ('= "0170102313" ', "0170102313"),
    ("１１７１２０１３６９", "1171201369"),  # 全角
    (" 1171201369 ", "1171201369"),
    ("11712-01369", "1171201369"),
    ("11a1201362", "11A1201362"),          # lower-case letter
    ("11Ａ1201362", "11A1201362"),          # 全角 letter
    ("1171201368", None),                  # bad check digit
    ("117120136", None),                   # 9 digits whose padded form fails the check
    ("", None), (None, None), (math.nan, None), ("abc", None),
])
def test_normalise_office_code(value, expected):
    assert normalise_office_code(value) == expected


@pytest.mark.parametrize("value, ja_part, en_part", [
    ("", "空", "empty"),
    (None, "空", "empty"),
    ("12345", "5桁", "has 5"),
    ("117120136901", "12桁", "has 12"),
    ("1A71201369", "3桁目だけ", "3rd character"),
    ("11I1201369", "「I」", "'I'"),
    ("11712#1369", "「#」", "'#'"),
    ("4871201369", "「48」", "'48'"),
    ("1171201368", "末尾は 9", "should be 9"),
    ("11A1201369", "末尾は 2", "should be 2"),
])
def test_office_code_problem(value, ja_part, en_part):
    problem = office_code_problem(value)
    assert problem is not None
    ja, en = problem
    assert ja_part in ja and ja.endswith("。")
    assert en_part in en


@pytest.mark.parametrize("value", ["1171201369", "170102313", '="0170102313"', "１１１１２００３４９"])
def test_office_code_problem_none_when_valid(value):
    assert office_code_problem(value) is None


@pytest.mark.parametrize("value, pref", [("1171201369", "11"), ("170102313", "01"), ("3071234567", None)])
def test_prefecture_from_office_code(value, pref):
    assert prefecture_from_office_code(value) == pref


def test_office_codes_generated_for_every_prefecture_validate():
    for number in range(1, 48):
        code9 = f"{number:02d}7120001"
        code = code9 + office_check_digit(code9)
        assert is_valid_office_code(code)
        assert normalise_office_code(code) == code
        assert prefecture_from_office_code(code) == f"{number:02d}"


# ---------------------------------------------------------------- 地方公共団体コード

@pytest.mark.parametrize("code5, check", [("01101", "1"), ("13101", "6"), ("30201", "5"), ("27100", "4"),
                                          ("47201", "8")])
def test_municipality_check_digit(code5, check):
    assert municipality_check_digit(code5) == check


@pytest.mark.parametrize("value, expected", [
    ("011011", "011011"),   # 札幌市中央区
    ("131016", "131016"),   # 千代田区
    ("01101", "011011"),
    ("13101", "131016"),
    (13101, "131016"),
    (131016, "131016"),
    (131016.0, "131016"),
    ("１３１０１６", "131016"),
    ('="011011"', "011011"),
    ("1101", "011011"),     # 5-digit code with its leading zero lost
    ("302015", "302015"),   # 和歌山市
    ("131017", None),       # bad check digit
    ("481010", None),       # prefecture 48
    ("1310", "013102"),     # 4 digits → zero-padded 5-digit form 01310 + check digit 2
    ("", None), (None, None), ("abcde", None), ("1234567", None),
])
def test_normalise_municipality_code(value, expected):
    assert normalise_municipality_code(value) == expected


@pytest.mark.parametrize("code, valid", [("011011", True), ("131016", True), ("131015", False), ("13101", False),
                                         (131016, False)])
def test_is_valid_municipality_code(code, valid):
    assert is_valid_municipality_code(code) is valid


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("value, expected", [
    ("ＡＢＣ１２３", "ABC123"), ("ｹｱﾌﾟﾗﾝ", "ケアプラン"), ("  訪問介護  ", "訪問介護"), ('="0170102313"', "0170102313"),
    ("'0170102313", "0170102313"), (None, ""), (math.nan, ""), (pd.NA, ""), (123, "123"), ("\u3000東京\u3000", "東京"),
])
def test_normalise_text(value, expected):
    assert normalise_text(value) == expected


# ---------------------------------------------------------------- services

@pytest.mark.parametrize("value, expected", [
    # 2-character 介護給付 codes
    ("11", "11"), ("43", "43"), ("46", "46"), ("78", "78"), (43, "43"), ("４３", "43"), ("2A", "2A"),
    ("A1", "A1"), ("a5", "A5"), ("AF", "AF"),
    # 3-digit open-data file codes
    ("110", "11"), ("120", "12"), ("130", "13"), ("140", "14"), ("150", "15"), ("155", "78"), ("160", "16"),
    ("170", "17"), ("210", "21"), ("220", "22"), ("230", "23"), ("551", "2A"), ("320", "32"),
    ("331", "33"), ("334", "33"), ("337", "33"), ("361", "36"), ("364", "36"), ("410", "41"), ("430", "43"),
    (430, "43"), ("510", "51"), ("520", "52"), ("530", "53"), ("540", "54"), ("550", "55"),
    ("710", "71"), ("720", "72"), ("730", "73"), ("760", "76"), ("770", "77"), ("780", "78"),
    ("jigyosho_430.csv", "43"),
    # names
    ("居宅介護支援", "43"), ("居宅介護支援事業所", "43"), ("介護予防支援", "46"), ("訪問介護", "11"),
    ("通所介護", "15"), ("地域密着型通所介護", "78"), ("ﾂｳｼｮｶｲｺﾞ", None), ("Home-visit care", "11"),
    ("特定施設入居者生活介護", "33"), ("特定施設入居者生活介護（有料老人ホーム）", "33"),
    ("短期入所療養介護（介護医療院）", "2A"), ("看護小規模多機能型居宅介護", "77"),
    # unknown
    ("99", None), ("999", None), ("", None), (None, None), ("訪問", None), (True, None),
])
def test_service_from_code(value, expected):
    assert service_from_code(value) == expected


@pytest.mark.parametrize("value, expected", [("43", True), ("430", True), ("46", True), ("居宅介護支援", True),
                                             ("11", False), ("780", False), ("AF", False), (None, False)])
def test_is_kyotaku_service(value, expected):
    assert is_kyotaku_service(value) is expected


@pytest.mark.parametrize("services, kind", [
    (["11", "430"], "kyotaku"), (["46"], "kyotaku"), (["110", "150"], "service"), ([], "service"),
    ("430", "kyotaku"), ("110", "service"), ([None, "xx"], "service"),
])
def test_office_kind(services, kind):
    assert office_kind(services) == kind


def test_services_table_consistent():
    table = codes.services()
    kaigo = set(table.loc[table["system"] == "kaigo", "code"])
    # every open-data code maps into the 介護給付 system, never into itself
    opendata = table[table["system"] == "opendata"]
    assert set(opendata["kaigo_code"]) <= kaigo
    assert opendata["code"].str.fullmatch(r"\d{3}").all()
    assert table.loc[table["system"] == "kaigo", "code"].str.fullmatch(r"[0-9A-Z]{2}").all()
    assert not table.duplicated(["system", "code"]).any()
    assert set(table.loc[table["kyotaku"], "kaigo_code"]) == {"43", "46"}
    assert len(SERVICES) == len(table)


@pytest.mark.parametrize("value, ja, en", [("430", "居宅介護支援", "Home care management (care plan office)"),
                                           ("11", "訪問介護", "Home-visit care"), ("xx", None, None)])
def test_service_name(value, ja, en):
    assert service_name(value) == ja
    assert service_name(value, "en") == en


def test_prefecture_names_in_jis_order_both_languages():
    ja, en = codes.prefecture_names("ja"), codes.prefecture_names("en")
    assert list(ja) == [f"{i:02d}" for i in range(1, 48)] == list(en)
    assert (ja["01"], ja["30"], ja["47"]) == ("北海道", "和歌山県", "沖縄県")
    assert en["30"] == "Wakayama"


@pytest.mark.parametrize("value", ["301010001", "３０１０１０００１", 301010001.0, "301010001.0"])
def test_nine_digits_never_suggest_a_check_digit(value):
    ja, en = office_code_problem(value)
    assert ja == ("事業所番号が9桁です。Excelで先頭の0が消えた場合は先頭に0を補ってください。"
                  "それ以外は10桁の番号を確認してください。")
    assert en.startswith("The office number has 9 digits: if Excel dropped a leading 0, add it back")
    assert "check digit" not in en and "検査数字" not in ja


def test_nine_digits_that_are_a_lost_leading_zero_are_still_restored():
    assert normalise_office_code("170102313") == "0170102313" and office_code_problem("170102313") is None
    assert normalise_office_code(170102313) == "0170102313"  # an Excel number
