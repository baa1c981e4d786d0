"""One KindSpec per kind of file (issue 19, 4): looked up once by ``ingest_files``; the rest of ingest asks
the spec, never the kind's name."""
from __future__ import annotations

import ast
import pathlib

import pytest

from analytics.cli import build_parser
from analytics.domain.file_kinds import FILE_KINDS
from analytics.ingest import KINDS, columns, ingest_files, kinds, spec_for

INGEST = pathlib.Path(kinds.__file__).parent


def test_every_kind_has_one_spec_with_its_table_and_key():
    assert KINDS == FILE_KINDS == tuple(kinds.SPECS)
    for name in KINDS:
        spec = spec_for(name)
        assert spec.name == name and spec.label_ja and spec.label_en
        assert spec.table is columns.SPECS.get(name)
    assert spec_for("registrations").dedupe_key == ("office_code", "registered_on")
    assert spec_for("exchanges").dedupe_key == (
        "month", "sender_code", "receiver_code", "form", "channel")
    # the 標準仕様's files: the same pair, month and form for other サービス種類コード is another exchange
    assert spec_for("cpds").dedupe_key == spec_for("exchanges").dedupe_key + ("sender_service", "receiver_service")
    assert [k for k in KINDS if spec_for(k).folder_is_one_input] == ["cpds"]
    assert [k for k in KINDS if spec_for(k).refresh is None] == ["profiles"]


def test_the_cli_offers_the_same_kinds():
    parser = build_parser()
    for name in KINDS:
        assert parser.parse_args(["ingest", name, "x.csv"]).kind == name
    with pytest.raises(SystemExit):
        parser.parse_args(["ingest", "office", "x.csv"])


def test_an_unknown_kind_is_named_with_the_known_ones(duck_url):
    from analytics.store import engine as store_engine
    with pytest.raises(ValueError, match="unknown kind 'office'; one of offices, registrations"):
        ingest_files(store_engine.get_engine(duck_url), "office", [])


def _kind_name_comparisons(path: pathlib.Path) -> list[str]:
    """Comparisons of a name with a kind's string (``kind == "cpds"``, ``kind in ("exchanges", …)``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                if any(isinstance(v, ast.Constant) and v.value in FILE_KINDS for v in values):
                    found.append(f"{path.name}:{node.lineno}")
    return found


def test_ingest_never_dispatches_on_the_kinds_name():
    hits = [h for p in sorted(INGEST.glob("*.py")) for h in _kind_name_comparisons(p)]
    assert hits == []
