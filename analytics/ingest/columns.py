"""Canonical columns per file kind and their header aliases (Japanese / English).

One table drives the readers and the import page's explanation of what each kind expects. Headers match
case-, width- and whitespace-insensitively (NFKC, lower case, spaces, underscores and brackets removed).
Columns that may hold personal data are dropped at read time, whatever the kind.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str                      # canonical name
    aliases: tuple[str, ...]       # accepted headers, best first (the canonical name is always accepted)
    required: bool = False
    note_ja: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class TableSpec:
    """The columns a kind's table supplies (the rest of a kind: ``analytics.ingest.kinds.KindSpec``)."""
    kind: str
    label_ja: str
    label_en: str
    columns: tuple[Column, ...]
    # at least one of these must be present (besides the required ones); empty = no such rule
    one_of: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


_OFFICE_CODE = ("事業所番号", "介護保険事業所番号", "事業所コード", "事業者番号", "office_code", "office_no",
                "office number", "office id", "jigyosho_no")
_NAME = ("事業所名", "事業所名称", "事業所の名称", "name", "office_name", "office name")
_PREF = ("都道府県コード", "都道府県", "都道府県名", "prefecture_code", "prefecture", "pref")
_MONTH = ("対象年月", "サービス提供年月", "提供年月", "年月", "対象月", "month", "year_month", "yyyymm")

SPECS: dict[str, TableSpec] = {
    "offices": TableSpec("offices", "事業所マスタ（介護サービス情報公表システムのオープンデータ等）",
                        "Office master (MHLW open data or a plain list)", (
        Column("office_code", _OFFICE_CODE, True, "10桁（チェックディジット検証）", "10 characters, check digit verified"),
        Column("name", _NAME),
        Column("service_code", ("サービス種類コード", "サービスの種類", "サービス種類", "サービスコード", "サービス",
                                "service_code", "service_type", "service"),
               note_ja="2桁（介護給付）・3桁（オープンデータ）のコードまたはサービス名。jigyosho_430.csv のようなファイル名からも読み取ります",
               note_en="2-digit or 3-digit open-data code or the service name; also read from file names like jigyosho_430.csv"),
        Column("prefecture_code", _PREF, note_ja="コード（1, 01, JP-01）または名称（和歌山, 和歌山県）。なければ市区町村コードまたは事業所番号の先頭2桁",
               note_en="code (1, 01, JP-01) or name; else from the municipality code or office code digits 1-2"),
        Column("municipality_code", ("都道府県コード又は市町村コード", "市区町村コード", "市町村コード",
                                     "地方公共団体コード", "自治体コード", "municipality_code", "city_code"),
               note_ja="地方公共団体コード（5桁または6桁）", note_en="local government code (5 or 6 digits)"),
        Column("municipality", ("市区町村名", "市町村名", "市区町村", "市町村", "municipality", "city")),
        Column("lat", ("緯度", "lat", "latitude")),
        Column("lon", ("経度", "lon", "lng", "longitude")),
    )),
    "registrations": TableSpec("registrations", "ケアプランデータ連携システムの利用登録事業所一覧",
                              "Registered offices of the care-plan data exchange system", (
        Column("office_code", _OFFICE_CODE, True, "10桁", "10 characters"),
        Column("registered_on", ("利用開始日", "登録日", "利用登録日", "開始日", "利用申請日", "registered_on",
                                 "registration_date", "registered", "start_date"),
               note_ja="日付（2023-10-05, 2023/10/5, 令和5年10月5日, R5.10.5）。ない一覧はスナップショット"
                       "（基準日: --as-of、表題行「令和7年8月31日時点」またはファイル名 _R070831）",
               note_en="date (ISO, 2023/10/5, 和暦); a list without it is a snapshot (as-of date: --as-of, a "
                       "title row such as 令和7年8月31日時点, or the file name _R070831)"),
        Column("ended_on", ("利用終了日", "終了日", "廃止日", "ended_on", "end_date", "ended"),
               note_ja="任意", note_en="optional"),
        Column("name", _NAME, note_ja="任意（保存しません）", note_en="optional (not stored)"),
        Column("service", ("サービス種類", "サービスの種類", "サービス種類コード", "service", "service_code"),
               note_ja="任意（保存しません）", note_en="optional (not stored)"),
        Column("prefecture_code", _PREF, note_ja="任意。なければ事業所番号の先頭2桁",
               note_en="optional; else office code digits 1-2"),
    )),
    "exchanges": TableSpec("exchanges", "帳票のやりとり記録（提供票の送受信ログ・集計）",
                          "Exchange log of care-plan sheets", (
        Column("month", _MONTH, True, "2025-08, 202508, 2025/8, 令和7年8月", "2025-08, 202508, 2025/8, 和暦"),
        Column("sender_code", ("送信元事業所番号", "送信元", "送付元事業所番号", "送付元", "送信者", "sender_code",
                               "sender", "from"), True),
        Column("receiver_code", ("送信先事業所番号", "送信先", "送付先事業所番号", "送付先", "受信者", "receiver_code",
                                 "receiver", "to"), True),
        Column("form", ("帳票", "帳票種別", "帳票種類", "様式", "form"), True,
               "予定 / 実績 / 第1表 / 第2表 / 第6表 / 第7表", "plan / actual / sheet1 / sheet2 / sheet6 / sheet7"),
        Column("channel", ("送信方法", "送付方法", "連携方法", "手段", "channel", "method"), True,
               "FAX / 郵送 / 手渡し / メール / データ連携", "fax / post / hand / email / digital"),
        Column("sheets", ("件数", "利用者数", "枚数", "sheets", "count"),
               note_ja="任意（なければ1）", note_en="optional (default 1)"),
    )),
    "profiles": TableSpec("profiles", "事業所の利用者数・ケアマネジャー数", "Office users and care managers", (
        Column("office_code", _OFFICE_CODE, True),
        Column("month", _MONTH, True),
        Column("users", ("利用者数", "実利用者数", "users")),
        Column("care_managers", ("ケアマネジャー数", "ケアマネージャー数", "介護支援専門員数", "ケアマネ数",
                                 "care_managers", "care managers")),
    ), one_of=("users", "care_managers")),
}

# cpds files carry no table of ours: the description is for the import page only.
CPDS_LABEL = ("ケアプランデータ連携システムの送受信ファイル（UPPLAN_／UPJSK_、フォルダまたはZIP）",
              "Exchange files of the system (UPPLAN_/UPJSK_, folder or ZIP)")

KIND_LABELS = {k: (s.label_ja, s.label_en) for k, s in SPECS.items()} | {"cpds": CPDS_LABEL}

# Headers that may carry personal data of care users. Matched as substrings of the normalised header.
PERSONAL_MARKERS = ("氏名", "利用者名", "フリガナ", "ふりがな", "生年月日", "被保険者番号", "被保険者証",
                    "住所", "方書", "電話", "携帯", "性別", "個人番号", "マイナンバー", "要介護度",
                    "birth", "insured", "address", "phone", "tel", "full_name", "username", "user_name")
PERSONAL_PLACEHOLDER = "（個人情報のため非表示）"

_STRIP = re.compile(r"[\s_\-・.()（）「」\[\]【】\"'＝=:：/／]+")


def norm_header(value) -> str:
    """NFKC, lower case, no spaces/underscores/brackets: '  事業所 番号 ', 'OFFICE_CODE' match their alias."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).replace("\ufeff", "")
    return _STRIP.sub("", text).lower()


def is_personal(header) -> bool:
    h = norm_header(header)
    if not h:
        return False
    if h in ("tel", "fax"):
        return True
    return any(m in h for m in PERSONAL_MARKERS if m not in ("tel",)) or h.startswith("tel")


def match_headers(kind: str, headers: list) -> dict[str, int]:
    """canonical name -> index of the header that supplies it (earliest alias wins; each header used once)."""
    spec = SPECS[kind]
    normed = [norm_header(h) for h in headers]
    used: set[int] = set()
    found: dict[str, int] = {}
    for col in spec.columns:
        for alias in (col.name,) + col.aliases:
            a = norm_header(alias)
            hits = [i for i, h in enumerate(normed) if h == a and i not in used and not is_personal(headers[i])]
            if hits:
                found[col.name] = hits[0]
                used.add(hits[0])
                break
    return found


def header_score(kind: str, row: list) -> int:
    """How many required columns a candidate header row supplies (to find the header below title rows)."""
    found = match_headers(kind, row)
    spec = SPECS[kind]
    return sum(1 for c in spec.required if c in found) * 100 + len(found)


def header_label(kind: str, name: str, lang: str = "ja") -> str:
    """The column as a person knows it from the file: its best Japanese header (its canonical name in
    English, the name the import page's column list shows); other values (e.g. ``file_name``) unchanged."""
    spec = SPECS.get(kind)
    if lang != "ja" or spec is None or name not in {c.name for c in spec.columns}:
        return name
    return spec.column(name).aliases[0]


def describe(kind: str, lang: str = "ja") -> list[dict]:
    """Rows for the import page: column, required, accepted headers, note."""
    spec = SPECS.get(kind)  # cpds files carry no table of ours: nothing to list
    rows = []
    for c in spec.columns if spec else ():
        rows.append({"column": c.name, "required": c.required,
                     "aliases": " / ".join(dict.fromkeys(c.aliases + (c.name,))),
                     "note": c.note_ja if lang == "ja" else c.note_en})
    return rows


# a file or folder name that may name a care user (山田太郎様分.zip, 利用者_鈴木.csv): shown masked everywhere.
# An honorific only after a name-like word and at its end (then a non-letter, the end, or 分/宛/用 as in
# 山田太郎様分): 様式第1号.csv, 御殿場.csv and さんぽ会.csv are ordinary names.
_LETTER = r"[^\W\d_]"
_PERSONAL_NAME = re.compile(rf"(?<={_LETTER})(?:様|殿|さん)(?:分|宛て?|用)?(?!{_LETTER})|氏名|利用者(?!数)")


def display_name(name: str) -> str:
    """The name an upload is recorded and shown under: the stem replaced by the personal-data placeholder
    when it looks like it names a person (history, errors and summaries all get this one), the extension kept."""
    name = str(name)
    if not _PERSONAL_NAME.search(unicodedata.normalize("NFKC", name)):
        return name
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 and re.fullmatch(r"\.[0-9A-Za-z]{1,5}", name[dot:]) else ""
    return PERSONAL_PLACEHOLDER + ext
