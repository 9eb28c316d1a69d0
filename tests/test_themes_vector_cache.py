"""The excerpt vector cache (orchestration/themes/vector_cache.py) on a real DuckDB table, with
the tiny BERT model the encoder tests build: a rerun encodes nothing and drafts the same themes,
a month with new posts encodes only those, another model encodes afresh, and nothing is kept
from a run that did not write its themes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from orchestration.themes.representation import excerpt_vectors
from orchestration.themes.store import draft_responses
from orchestration.themes.vector_cache import TABLE, VectorCache, model_fingerprint
from tests.test_themes_minilm import TINY_SENTENCES, write_tiny_bert

ANSWERS = [
    "Fear of blame, and change fatigue",
    "People are afraid of failing",
    "Trust is the currency of change.",
    "We build relationships",
    "Relationships take time",
    "Fear of failing and fear of blame",
]


def responses(answers, first: int = 0):
    return [
        ("chat", "2024-01-01", "1", "x", f"p{n}", f"user{n % 3}", None, text)
        for n, text in enumerate(answers, start=first)
    ]


def committed(con, cache: VectorCache) -> int:
    con.execute("begin")
    written = cache.write(con)
    con.execute("commit")
    return written


def cached_rows(con) -> int:
    return con.execute(f"select count(*) from {TABLE}").fetchone()[0]


@pytest.fixture
def tiny_model(tmp_path):
    folder = tmp_path / "tiny-bert"
    write_tiny_bert(folder)
    return str(folder)


def test_a_rerun_encodes_nothing_and_drafts_the_same_themes(tiny_model, tmp_path):
    with duckdb.connect(str(tmp_path / "cache.duckdb")) as con:
        first_cache = VectorCache(con)
        first = draft_responses(responses(ANSWERS), model=tiny_model, cache=first_cache)
        assert first_cache.encoded > 0 and first_cache.reused == 0
        assert committed(con, first_cache) == first_cache.encoded == cached_rows(con)
    # A new process: only the table carries the vectors over.
    with duckdb.connect(str(tmp_path / "cache.duckdb")) as con:
        again_cache = VectorCache(con)
        again = draft_responses(responses(ANSWERS), model=tiny_model, cache=again_cache)
        assert again_cache.encoded == 0 and again_cache.reused == first_cache.encoded
    assert again.excerpt_rows == first.excerpt_rows and again.theme_rows == first.theme_rows


def test_cached_vectors_equal_encoded_ones(tiny_model):
    with duckdb.connect(":memory:") as con:
        cache = VectorCache(con)
        excerpt_vectors(TINY_SENTENCES, tiny_model, cache)
        committed(con, cache)
        from_table = excerpt_vectors(TINY_SENTENCES, tiny_model, VectorCache(con))
    np.testing.assert_allclose(from_table, excerpt_vectors(TINY_SENTENCES, tiny_model), atol=1e-7)


def test_a_month_with_new_posts_encodes_only_the_new_excerpts(tiny_model):
    with duckdb.connect(":memory:") as con:
        cache = VectorCache(con)
        draft_responses(responses(ANSWERS[:4]), model=tiny_model, cache=cache)
        committed(con, cache)
        more = VectorCache(con)
        draft_responses(
            responses(ANSWERS[:4]) + responses(["Trust takes time"], first=4),
            model=tiny_model,
            cache=more,
        )
        assert more.encoded == 1 and more.reused == cache.encoded


def test_another_model_encodes_afresh_and_replaces_the_old_rows(tiny_model, tmp_path):
    other = tmp_path / "other-bert"
    write_tiny_bert(other, layers=1)
    assert model_fingerprint(other) != model_fingerprint(tiny_model)
    with duckdb.connect(":memory:") as con:
        cache = VectorCache(con)
        excerpt_vectors(TINY_SENTENCES, tiny_model, cache)
        committed(con, cache)
        switched = VectorCache(con)
        excerpt_vectors(TINY_SENTENCES, str(other), switched)
        assert switched.encoded == len(TINY_SENTENCES) and switched.reused == 0
        committed(con, switched)
        fingerprints = con.execute(f"select distinct model_fingerprint from {TABLE}").fetchall()
    assert fingerprints == [(model_fingerprint(other),)]


def test_changed_weights_change_the_fingerprint(tiny_model):
    before = model_fingerprint(tiny_model)
    weights = Path(tiny_model) / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert model_fingerprint(tiny_model) != before


def test_a_run_that_does_not_write_its_themes_leaves_no_vectors(tiny_model):
    with duckdb.connect(":memory:") as con:
        cache = VectorCache(con)
        draft_responses(responses(ANSWERS), model=tiny_model, cache=cache)
        con.execute("begin")
        cache.write(con)
        con.execute("rollback")  # as when writing the themes fails
        assert cached_rows(con) == 0


def test_tfidf_uses_no_cache():
    cache = VectorCache()
    draft_responses(responses(ANSWERS), model="tfidf", cache=cache)
    assert cache.encoded == cache.reused == 0 and not cache.pending
