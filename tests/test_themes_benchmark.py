"""benchmarks/themes.py: the reference read as the analyst wrote it, and every method scored
and printed in one process (the full pipeline run is `python -m benchmarks.themes`)."""

import pytest

from benchmarks import themes as bench


def test_every_baseline_is_scored_beside_the_pipeline_and_printed(capsys):
    texts = [
        "fear of failure", "fear of blame", "afraid of failing", "fear of the unknown",
        "trust and honesty", "building trust", "honest open teams", "trust takes time",
        "no time to reflect", "too busy", "time pressure", "lack of time",
    ]  # fmt: skip
    truth = ["fear"] * 4 + ["trust"] * 4 + ["time"] * 4
    found = ["a"] * 4 + ["b"] * 4 + ["c"] * 4  # the pipeline, as if perfect
    rows = [(f"r{i}", text, truth[i], found[i]) for i, text in enumerate(texts)]
    result = bench.evaluate({"1": rows, "2": rows[:6]})
    assert result["macro_questions"] == ["1", "2"]
    scores = result["questions"]["1"]
    assert scores["pipeline"]["ari"] == pytest.approx(1.0)
    for method in ("tfidf_kmeans", "tfidf_nmf", "lda", "tfidf_agglomerative", "random"):
        assert -1 <= scores[method]["ari"] <= 1 and 2 <= scores[method]["themes"] <= 8
    assert scores["random"]["ari"] < 0.5
    bench.print_table(result)
    printed = capsys.readouterr().out
    assert "macro" in printed and "tfidf_agglomerativ" in printed and "1.000/1.00" in printed


def test_a_model_run_is_scored_as_a_second_pipeline_in_the_same_table(capsys):
    texts = ["fear of failure", "afraid of failing", "trust matters", "honest teams"] * 2
    truth = ["fear", "fear", "trust", "trust"] * 2
    rows = [(f"r{i}", text, truth[i], "t1") for i, text in enumerate(texts)]
    model_primary = {f"r{i}": truth[i] for i in range(len(texts))}  # as if perfect
    result = bench.evaluate({"1": rows}, model_primary)
    assert result["methods"][:2] == ["pipeline", "pipeline_model"]
    assert result["macro"]["pipeline"]["ari"] == pytest.approx(0.0)
    assert result["macro"]["pipeline_model"]["ari"] == pytest.approx(1.0)
    bench.print_table(result)
    assert "pipeline_model" in capsys.readouterr().out


def test_the_reference_keeps_a_quote_under_its_first_theme():
    if not bench.REFERENCE.exists():
        pytest.skip(f"{bench.REFERENCE} is missing (../shared/reference)")
    questions, quotes = bench.read_reference()
    assert list(questions)[:2] == ["1", "2a"] and len(questions) == 8
    keys = [(q["question"], " ".join(q["quote"].lower().split())) for q in quotes]
    assert len(keys) == len(set(keys)) and 200 <= len(quotes) <= 222


def test_speed_times_first_run_and_cached_rerun_side_by_side(capsys):
    if not bench.REFERENCE.exists():
        pytest.skip(f"{bench.REFERENCE} is missing (../shared/reference)")
    from orchestration.themes.representation import model_folder_in_use

    timings = bench.speed(responses=30, repeats=1)
    assert len(timings) == (2 if model_folder_in_use() else 1)
    for timing in timings.values():
        assert timing["excerpts"] >= 30
        assert timing["first_seconds"] > 0 and timing["cached_seconds"] > 0
    bench.print_speed(timings, responses=30)
    printed = capsys.readouterr().out
    assert "first run" in printed and "cached rerun" in printed and "TF-IDF + LSA" in printed
