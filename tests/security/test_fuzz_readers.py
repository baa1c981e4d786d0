"""Hypothesis fuzz of every reader: generated files (random headers, cells, partial rows, encodings,
truncation, garbage bytes, ZIPs of exchange files) never crash the import; the only allowed failure is a
whole-file refusal (``FileRefused``), and every data row is accounted for: rows_read = accepted + duplicates
+ rejected.

Two layers: ``_check`` (read + validate, in memory, many examples) and ``ingest_files`` into a real DuckDB
database (fewer examples, the stored counts). Together well over a thousand generated files per run.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import ingest
from analytics.domain import codes
from analytics.errors import FileRefused
from analytics.ingest import columns, spec_for

CHECK_EXAMPLES = 300     # × 5 kinds: in-memory read + validate
LOAD_EXAMPLES = 40       # × 5 kinds: through the database

VALID_OFFICES = ["3070100015", "3070100023", "3070200013", "2770200018", "0170100010"]
VALUES = {
    "office": VALID_OFFICES + ["3070299999", "307010001", "=307010001", "３０７０１０００１５", "x", "", "30-70-1",
                               "１２３４５６７８９０", "0170100013", "170100010"],
    "date": ["2023-10-05", "2023/10/5", "令和5年10月5日", "R5.10.5", "H31.4.30", "45000", "2023-02-30", "昨日", ""],
    "month": ["2025-08", "202508", "2025/8", "令和7年8月", "R7.8", "2025-13", "八月", ""],
    "form": ["予定", "実績", "第1表", "第2表", "第6表", "第7表", "plan", "actual", "他", ""],
    "channel": ["FAX", "ファックス", "郵送", "手渡し", "メール", "データ連携", "digital", "伝書鳩", ""],
    "int": ["1", "12", "０", "-3", "1.5", "1,200", "多数", "", "99999999999999999999"],
    "pref": ["30", "和歌山", "和歌山県", "JP-30", "1", "99", "Wakayama", "", "大和国"],
    "text": ["紀の川ケアプラン", "ｶﾅ", "=HYPERLINK(\"x\")", "\"quoted, comma\"", "", "a\u3000b", "山田 太郎"],
    "muni": ["302015", "30201", "99999", "和歌山市", ""],
    "float": ["34.2", "135.1", "north", ""],
}
CELL_KIND = {"office_code": "office", "sender_code": "office", "receiver_code": "office",
             "registered_on": "date", "ended_on": "date", "month": "month", "form": "form", "channel": "channel",
             "sheets": "int", "users": "int", "care_managers": "int", "prefecture_code": "pref",
             "municipality_code": "muni", "lat": "float", "lon": "float"}
ENCODINGS = ["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16"]
GARBAGE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


_CELLS = {k: st.one_of(st.sampled_from(v), GARBAGE) for k, v in VALUES.items()}


def cell(kind_of_cell: str):
    return _CELLS.get(kind_of_cell, _CELLS["text"])  # built once: strategy construction is costly


@st.composite
def table_file(draw, kind: str) -> tuple[str, bytes]:
    spec = columns.SPECS[kind]
    chosen = draw(st.lists(st.sampled_from(spec.columns), unique_by=lambda c: c.name, min_size=1,
                           max_size=len(spec.columns)))
    if draw(st.booleans()):  # most files carry the required columns
        chosen = [c for c in spec.columns if c.required and c not in chosen] + chosen
    headers = [draw(st.sampled_from(c.aliases)) for c in chosen]
    if draw(st.integers(0, 4)) == 0:
        headers.append(draw(st.sampled_from(["氏名", "被保険者番号", "生年月日", "住所", "備考"])))
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        row = [draw(cell(CELL_KIND.get(c.name, "text"))) for c in chosen]
        row += [draw(GARBAGE)] * (len(headers) - len(chosen))
        cut = draw(st.integers(0, 5))
        if cut == 0:
            row = row[:draw(st.integers(0, len(row)))]            # a partial row
        elif cut == 1:
            row = row + [draw(GARBAGE)]                           # one cell too many
        rows.append(row)
    delim = draw(st.sampled_from([",", ",", "\t", ";"]))
    lines = [delim.join(headers)] + [delim.join(r) for r in rows]
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["事業所一覧", "", "令和7年8月 集計", "\"title, with comma\""])))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    mode = draw(st.integers(0, 9))
    if mode == 0:
        data = data[:draw(st.integers(0, len(data)))]             # truncated mid-file (mid-character too)
    elif mode == 1:
        data = draw(st.binary(max_size=300))                      # not a table at all
    elif mode == 2:
        pos = draw(st.integers(0, len(data)))
        data = data[:pos] + draw(st.binary(min_size=1, max_size=20)) + data[pos:]
    name = draw(st.sampled_from([f"{kind}.csv", "jigyosho_430.csv", "list.txt", "data.tsv"]))
    return name, data


def _user_rows(draw) -> bytes:
    n = draw(st.integers(0, 6))
    lines = ["保険者番号,被保険者番号,氏名"] if draw(st.booleans()) else []
    for _ in range(n):
        lines.append(",".join([draw(st.sampled_from(["302018", "271007", "12", ""])),
                               draw(st.sampled_from(["0000012345", "H123456789", "999", ""])),
                               draw(st.sampled_from(["山田太郎", "", "x"]))]))
    text = "\r\n".join(lines)
    data = text.encode(draw(st.sampled_from(["utf-8", "cp932", "utf-8-sig"])), errors="replace")
    if draw(st.integers(0, 6)) == 0:
        data = draw(st.binary(max_size=80))
    return data


@st.composite
def cpds_file(draw) -> tuple[str, object]:
    members = []
    for _ in range(draw(st.integers(1, 6))):
        prefix = draw(st.sampled_from(["UPPLAN", "UPJSK", "upplan", "OTHER"]))
        month = draw(st.sampled_from(["202508", "202507", "202513", "2025"]))
        sender, receiver = draw(st.sampled_from(VALUES["office"])), draw(st.sampled_from(VALUES["office"]))
        stamp = draw(st.sampled_from(["_20250805120000", "", "_x"]))
        members.append((f"{prefix}_{month}_{sender}_{receiver}{stamp}.csv", _user_rows(draw)))
    if draw(st.booleans()):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in dict(members).items():
                z.writestr(name, data)
        data = buf.getvalue()
        if draw(st.integers(0, 5)) == 0:
            data = data[:draw(st.integers(0, len(data)))]
        return "exchange.zip", data
    if len(members) == 1:
        return members[0]
    return "folder", members


def strategy(kind: str):
    return cpds_file() if kind == "cpds" else table_file(kind)


def _accounted(kind: str, name: str, content) -> None:
    try:
        checked = spec_for(kind).check(name, content)
        rows, errors, rows_read, _agg = checked
    except FileRefused as exc:
        assert exc.ja and exc.en
        return
    rejected = errors["row"].nunique() if len(errors) else 0
    skipped = getattr(checked, "skipped", 0)   # total rows (合計): counted in rows_read, neither of the others
    # a companion (cpds: a known file of the unit that is no exchange) is counted in rows_read too
    companions = getattr(checked, "companions", 0)
    # every row is accepted (a row of ``rows``), rejected (at least one error for its position), a total or
    # a companion
    assert len(rows) + rejected + skipped + companions == rows_read, (len(rows), rejected, skipped, companions,
                                                                      rows_read)
    # no row is both accepted and rejected (the fast path's Arrow rows carry no position: nothing to compare)
    if "pos" in errors and len(rows) and "_pos" in getattr(rows, "columns", getattr(rows, "column_names", [])):
        assert not set(rows["_pos"].to_pylist() if hasattr(rows["_pos"], "to_pylist") else rows["_pos"]) \
            & set(errors["pos"])


@pytest.mark.parametrize("kind", ingest.KINDS)
def test_readers_never_crash_and_count_every_row(kind):
    @settings(max_examples=CHECK_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy(kind))
    def run(item):
        name, content = item
        _accounted(kind, name, content)
    run()


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory):
    from analytics.store import engine as store_engine
    url = f"duckdb:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.duckdb'}"
    yield store_engine.get_engine(url)
    store_engine.dispose(url)


def _zipped(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in dict(members).items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ingest.KINDS)
def test_imports_store_every_row_as_accepted_duplicate_or_rejected(kind, fuzz_engine):
    """Through the database: the summary adds up, and the import log agrees with it."""
    @settings(max_examples=LOAD_EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(st.lists(strategy(kind), min_size=1, max_size=2))
    def run(items):
        # the same file twice in one call proves duplicates are accounted for too
        items = [(n, _zipped(c) if isinstance(c, list) else c) for n, c in items + items[:1]]
        summary = ingest.ingest_files(fuzz_engine, kind, [(n, c) for n, c in items], imported_by="fuzz")
        assert summary.files == len(items)
        assert summary.rows_read == summary.accepted + summary.duplicates + summary.rejected
        assert len(summary.refused) + len(summary.batch_ids) == len(items)
        for message in summary.refused:
            assert " / " in message  # Japanese and English
    run()


def test_generated_values_include_valid_codes():
    # the generator must reach the accepting paths, not only the rejecting ones
    assert all(codes.is_valid_office_code(c) for c in VALID_OFFICES)
