"""The adversarial run in the suite (issue 24, point 6): mutations of valid files of every kind
(``benchmarks/badfiles.py``: truncation, NUL bytes, mixed encodings, big cells, formulas, broken 和暦,
damaged XLSX and ZIPs, bombs, traversal names, bad CRCs, lying sizes, byte flips, header shuffles, extra and
missing columns, huge and negative numbers) imported into a real DuckDB database.

For every (kind, mutation) a couple of seeds drawn by hypothesis (derandomized, no example database: the same
cases on every run) and, per case, the invariants of ``badfiles.invariants``: no exception other than a
refusal leaves ``ingest_files`` (no traceback); a refusal has a message in Japanese and English and leaves every
table as it was; a loaded file has rows_read = accepted + duplicates + rejected (+ companions: cpds) and one recorded import.
Sizes are ``badfiles.SUITE`` (cells of a few KB, a 3 MB bomb); ``make fuzz`` runs the full sizes, many more
seeds and a time limit per file. A failure names the case: rebuild it with the reproducer in the message.
"""
from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from benchmarks import badfiles

EXAMPLES = 2  # per (kind, mutation): 5 kinds × ~34 mutations ≈ 340 imports, ~30 s on 2 cores

CASES = [(kind, m) for kind in badfiles.KINDS for m in badfiles.MUTATIONS[kind]]


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory):
    from analytics.store import engine as store_engine
    url = f"duckdb:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.duckdb'}"
    yield store_engine.get_engine(url)
    store_engine.dispose(url)


@pytest.mark.parametrize(("kind", "mutation"), CASES, ids=[f"{k}-{m}" for k, m in CASES])
def test_bad_files_are_refused_or_loaded_never_crash(kind, mutation, fuzz_engine, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("folders")

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing seed is the reproducer
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(seed=st.integers(0, 2**31 - 1))
    def run(seed):
        case = badfiles.case(kind, seed, badfiles.SUITE, mutation)
        out = badfiles.ingest_case(fuzz_engine, case, workdir)
        assert out.status in ("loaded", "refused"), (
            f"{kind} seed={seed} mutation={mutation}: {out.status} {out.detail} at {out.where}: {out.message}\n"
            f"reproduce: {case.reproducer(small=True)}\n{out.trace}")
    run()


def test_the_generator_is_deterministic_and_reaches_every_mutation():
    for kind in badfiles.KINDS:
        assert {badfiles.mutation_of(kind, seed) for seed in range(400)} == set(badfiles.MUTATIONS[kind])
        assert badfiles.case(kind, 3, badfiles.SUITE).mutation == badfiles.mutation_of(kind, 3)
        for mutation in ("zip_bomb", "formula", "mixed_encoding", "zip_traversal"):
            a, b = (badfiles.case(kind, 7, badfiles.SUITE, mutation) for _ in range(2))
            assert (a.name, a.data, a.folder) == (b.name, b.data, b.folder)
    unmutated = badfiles.render(badfiles.seeds("exchanges", random.Random(0))[0])
    assert unmutated.data.startswith(b"month,sender_code")


def test_valid_seed_files_load(tmp_path):
    """The files mutations start from are valid: each loads with no row rejected (into a database of its
    own: the module's has taken mutated copies of the same rows, so they would be duplicates or conflicts)."""
    from analytics.store import engine as store_engine
    url = f"duckdb:///{tmp_path / 'seeds.duckdb'}"
    fuzz_engine = store_engine.get_engine(url)
    try:
        _seed_files_load(fuzz_engine, tmp_path)
    finally:
        store_engine.dispose(url)


def _seed_files_load(fuzz_engine, tmp_path):
    for kind in badfiles.KINDS:
        for seed_file in badfiles.seeds(kind, random.Random(0)):
            case = replace(badfiles.render(seed_file), kind=kind)
            out = badfiles.ingest_case(fuzz_engine, case, tmp_path)
            assert out.status == "loaded", (kind, seed_file.name, out)
            assert out.counts["rows_read"] > 0 and out.counts["rejected"] == 0, (kind, seed_file.name, out.counts)
