"""Draft themes measured against an analyst's own grouping (issue 16).

../shared/reference/seed003_themes.csv holds the themes an analyst drew from a QI hour and the
quotes under each. The quotes go through the real pipeline as a chat: an X export with the
host's questions and one response per quote (tagged A<question>, from 40 accounts in turn),
ingested, built by dbt, drafted by the themes step and counted by dbt again. Printed per
question and as a macro average over the questions with 2+ analyst themes: the adjusted Rand
index and NMI of each response's primary theme against the analyst's theme (a quote listed
under two themes counts under the first), and the number of themes found against the
analyst's. In the same run, on the same cleaned responses: TF-IDF + k-means, TF-IDF + NMF, LDA,
TF-IDF + agglomerative (each with k picked by silhouette over 2..8) and random assignment (mean
of 20 seeds). Then a guided run: themes.yaml holds only the analyst's theme labels, and the
share of quotes put under the analyst's theme is printed. The pipeline runs with TF-IDF + LSA
(`pipeline`) and, when a sentence-embedding model is in use (TWEETCHAT_THEME_MODEL, or
models/all-MiniLM-L6-v2 from `make theme-model`), again with it (`pipeline_model`), in the same
process on the same warehouse.

    python -m benchmarks.themes [--work DIR] [--save] [--speed]

--speed times the themes of one question of 500 responses (the reference's quotes in turn, with
a number so none is a duplicate): TF-IDF + LSA and the model in use, in the same process, the
model loaded before the clock starts; the model's first run (empty vector cache) and a rerun
(every excerpt's vector cached) side by side.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import yaml
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "seed003_themes.csv"
RESULTS = ROOT / "benchmarks" / "results"
CHAT_ID = "seed003-qi-hour"
HASHTAG = "QIHourBench"
ACCOUNTS = 40
STARTS = datetime(2021, 3, 10, 19, 0, tzinfo=UTC)


def log(message: str) -> None:
    print(f"[themes {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def read_reference(path: Path = REFERENCE) -> tuple[OrderedDict, list[dict]]:
    """(question id -> text, the quotes: question, theme label, quote), each quote once per
    question (a quote listed under two themes keeps its first)."""
    questions: OrderedDict[str, str] = OrderedDict()
    quotes, seen = [], set()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            questions.setdefault(row["question_id"], row["question_text"])
            key = (row["question_id"], " ".join(row["quote"].lower().split()))
            if key in seen or not row["quote"].strip():
                continue
            seen.add(key)
            quotes.append(
                {"question": row["question_id"], "theme": row["theme_label"], "quote": row["quote"]}
            )
    return questions, quotes


def write_chat(root: Path, questions, quotes) -> None:
    """The quotes as an X API v2 export and a chats.yaml: host questions, tagged answers."""
    from tests.conftest import write_page, x_post  # the test suite's export builders

    def stamp(seconds: int) -> str:
        return (STARTS + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    users = [("h", "host_bench")] + [(f"u{i}", f"member{i}_bench") for i in range(ACCOUNTS)]
    posts = [
        x_post(f"q{q}", "h", stamp(300 * n), f"Q{q}: {text} #{HASHTAG}", hashtags=[HASHTAG])
        for n, (q, text) in enumerate(questions.items())
    ]
    position = {q: n for n, q in enumerate(questions)}
    for number, quote in enumerate(quotes):
        seconds = 300 * position[quote["question"]] + 30 + number % 240
        posts.append(
            x_post(
                f"r{number}",
                f"u{number % ACCOUNTS}",
                stamp(seconds),
                f"A{quote['question']} {quote['quote']} #{HASHTAG}",
                hashtags=[HASHTAG],
            )
        )
    write_page(root / "raw" / "chat.jsonl", posts, users=users)
    (root / "chats.yaml").write_text(
        yaml.safe_dump(
            {
                "timezone": "UTC",
                "chats": [
                    {
                        "id": CHAT_ID,
                        "hashtags": [f"#{HASHTAG}"],
                        "hosts": ["host_bench"],
                        "starts": STARTS.strftime("%Y-%m-%dT%H:%M"),
                        "window_hours_after": 24,
                        "questions": [{"id": q, "text": t} for q, t in questions.items()],
                    }
                ],
            },
            sort_keys=False,
        )
    )


def build(root: Path, themes_file: Path | None, model: str = "tfidf") -> tuple[Path, float]:
    """Ingest, dbt, themes, dbt: the pipeline's steps; returns the database and the seconds the
    themes step took."""
    from orchestration.ingest import load_directory
    from orchestration.registry import load_registry
    from orchestration.themes.edits import load_edits
    from orchestration.themes.store import build_themes
    from orchestration.warehouse import connect, write_registry
    from tests.conftest import dbt_build

    database = root / "warehouse.duckdb"
    if not database.exists():
        with connect(database) as con:
            write_registry(con, load_registry(root / "chats.yaml"))
            load_directory(con, root / "raw")
        dbt_build(database)
    with connect(database) as con:
        started = time.perf_counter()
        build_themes(con, "0001-01-01", "9999-12-01", load_edits(themes_file), model)
        seconds = time.perf_counter() - started
    dbt_build(database)
    return database, seconds


def pipeline_assignments(database: Path, quotes) -> dict[str, list]:
    """Per question: (post id, cleaned text, analyst theme, primary theme or None)."""
    with duckdb.connect(str(database), read_only=True) as con:
        texts = con.execute(
            "select post_id, question_id, response_text from marts.theme_response_texts"
        ).fetchall()
        primary = dict(
            con.execute(
                "select distinct post_id, theme_id from marts.theme_responses where is_primary"
            ).fetchall()
        )
    truth = {f"r{number}": quote["theme"] for number, quote in enumerate(quotes)}
    by_question: dict[str, list] = {}
    for post_id, question_id, text in sorted(texts, key=lambda r: int(r[0][1:])):
        by_question.setdefault(question_id, []).append(
            (post_id, text, truth[post_id], primary.get(post_id))
        )
    return by_question


def _pick_k(matrix, fit, top=8):
    """Labels of the k in 2..top (below the row count) with the best cosine silhouette."""
    best, best_score = None, -2.0
    for k in range(2, min(top, matrix.shape[0] - 1) + 1):
        labels = fit(k)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(matrix, labels, metric="cosine")
        if score > best_score:
            best, best_score = labels, score
    return best if best is not None else np.zeros(matrix.shape[0], dtype=int)


def baselines(texts: list[str]) -> dict[str, np.ndarray]:
    tfidf = TfidfVectorizer(stop_words="english").fit_transform(texts)
    counts = CountVectorizer(stop_words="english").fit_transform(texts)
    dense = tfidf.toarray()
    return {
        "tfidf_kmeans": _pick_k(
            tfidf, lambda k: KMeans(k, n_init=10, random_state=0).fit_predict(tfidf)
        ),
        "tfidf_nmf": _pick_k(
            tfidf,
            lambda k: (
                NMF(k, init="nndsvda", random_state=0, max_iter=500)
                .fit_transform(tfidf)
                .argmax(axis=1)
            ),
        ),
        "lda": _pick_k(
            tfidf,
            lambda k: (
                LatentDirichletAllocation(k, random_state=0).fit_transform(counts).argmax(axis=1)
            ),
        ),
        "tfidf_agglomerative": _pick_k(
            tfidf,
            lambda k: AgglomerativeClustering(k, metric="cosine", linkage="average").fit_predict(
                dense
            ),
        ),
    }


def _scores(truth, found) -> dict:
    return {
        "ari": float(adjusted_rand_score(truth, found)),
        "nmi": float(normalized_mutual_info_score(truth, found)),
        "themes": len(set(found)),
    }


METHODS = ["pipeline", "tfidf_kmeans", "tfidf_nmf", "lda", "tfidf_agglomerative", "random"]


def evaluate(by_question: dict[str, list], model_primary: dict[str, str] | None = None) -> dict:
    """Per question and macro (questions with 2+ analyst themes): ARI, NMI, theme counts.
    `model_primary` (post id -> primary theme) scores the pipeline run with a model as well."""
    methods = ["pipeline"] + (["pipeline_model"] if model_primary is not None else [])
    methods += METHODS[1:]
    per_question = {}
    for question_id, rows in by_question.items():
        truth = [row[2] for row in rows]
        texts = [row[1] for row in rows]
        found = {"pipeline": [row[3] or "(no theme)" for row in rows], **baselines(texts)}
        if model_primary is not None:
            found["pipeline_model"] = [model_primary.get(row[0]) or "(no theme)" for row in rows]
        scores = {name: _scores(truth, labels) for name, labels in found.items()}
        k = len(set(found["pipeline"]))
        randoms = [
            _scores(truth, np.random.default_rng(seed).integers(0, max(k, 2), len(rows)))
            for seed in range(20)
        ]
        scores["random"] = {
            key: float(np.mean([r[key] for r in randoms])) for key in ("ari", "nmi", "themes")
        }
        per_question[question_id] = {
            "responses": len(rows),
            "analyst_themes": len(set(truth)),
            **scores,
        }
    counted = [q for q, s in per_question.items() if s["analyst_themes"] >= 2]
    macro = {
        name: {
            key: float(np.mean([per_question[q][name][key] for q in counted]))
            for key in ("ari", "nmi", "themes")
        }
        for name in methods
    }
    macro["analyst_themes"] = float(np.mean([per_question[q]["analyst_themes"] for q in counted]))
    return {
        "questions": per_question,
        "macro": macro,
        "macro_questions": counted,
        "methods": methods,
    }


def guided_share(database: Path, quotes) -> float:
    """The share of quotes whose primary theme is the analyst's own theme of that quote."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            """
            select responses.post_id, themes.label, themes.origin
            from marts.theme_responses as responses
            join marts.question_themes as themes
              on responses.chat_id = themes.chat_id and responses.question_id = themes.question_id
             and responses.theme_id = themes.theme_id
            where responses.is_primary
            """
        ).fetchall()
    labels = {post_id: label for post_id, label, origin in rows if origin == "analyst"}
    hits = sum(labels.get(f"r{n}") == quote["theme"] for n, quote in enumerate(quotes))
    return hits / len(quotes)


def print_table(result: dict) -> None:
    methods = result.get("methods", METHODS)
    header = f"{'question':>8} {'n':>4} {'k*':>3} " + " ".join(f"{m[:18]:>20}" for m in methods)
    print(header)
    for question_id, scores in result["questions"].items():
        cells = " ".join(
            f"{scores[m]['ari']:>6.3f}/{scores[m]['nmi']:.2f}/{scores[m]['themes']:>4.1f}"
            for m in methods
        )
        print(f"{question_id:>8} {scores['responses']:>4} {scores['analyst_themes']:>3} {cells}")
    macro = result["macro"]
    cells = " ".join(
        f"{macro[m]['ari']:>6.3f}/{macro[m]['nmi']:.2f}/{macro[m]['themes']:>4.1f}" for m in methods
    )
    print(f"{'macro':>8} {'':>4} {macro['analyst_themes']:>3.1f} {cells}")
    print(
        "cells: ARI/NMI/themes found; k* = the analyst's themes; macro over",
        result["macro_questions"],
    )


def analyst_labels_only(questions, quotes) -> dict:
    """A themes.yaml holding the analyst's theme labels of each question, and nothing else."""
    return {
        "chats": {
            CHAT_ID: {
                "questions": {
                    question: {
                        "themes": [
                            {"label": label}
                            for label in OrderedDict.fromkeys(
                                q["theme"] for q in quotes if q["question"] == question
                            )
                        ]
                    }
                    for question in questions
                }
            }
        }
    }


def run(work: Path) -> dict:
    from orchestration.themes.representation import describe_representation, model_folder_in_use

    questions, quotes = read_reference()
    write_chat(work, questions, quotes)
    model = model_folder_in_use()
    log(f"{len(quotes)} quotes under {len(questions)} questions: ingest, dbt, themes, dbt")
    themes_file = work / "themes.yaml"
    themes_file.write_text(yaml.safe_dump(analyst_labels_only(questions, quotes), sort_keys=False))
    database, seconds = build(work, None)
    by_question = pipeline_assignments(database, quotes)
    database, _ = build(work, themes_file)
    guided = guided_share(database, quotes)
    model_primary, model_seconds, model_guided = None, None, None
    if model:
        log(f"again with {describe_representation(model)}")
        database, model_seconds = build(work, None, model)
        model_primary = {
            row[0]: row[3]
            for rows in pipeline_assignments(database, quotes).values()
            for row in rows
        }
        database, _ = build(work, themes_file, model)
        model_guided = guided_share(database, quotes)
    result = evaluate(by_question, model_primary)
    result["representation"] = describe_representation("tfidf")
    result["themes_step_seconds"] = seconds
    result["guided_share"] = guided
    if model:
        result["model_representation"] = describe_representation(model)
        result["model_themes_step_seconds"] = model_seconds
        result["model_guided_share"] = model_guided
    return result


def speed(responses: int = 500, repeats: int = 3) -> dict:
    """Seconds (best of `repeats`, wall and CPU) to draft one question of `responses`
    responses, per representation: TF-IDF + LSA, and the model in use when there is one. For
    the model, `first` starts from an empty vector cache (the real DuckDB table, in memory) and
    `cached` reruns on the cache the first run wrote: every excerpt is encoded once."""
    import duckdb

    from orchestration.themes.representation import describe_representation, model_folder_in_use
    from orchestration.themes.store import draft_responses
    from orchestration.themes.vector_cache import VectorCache

    _questions, quotes = read_reference()
    rows = [
        (CHAT_ID, "2021-03-01", "1", "x", f"r{n}", f"member{n % ACCOUNTS}", None,
         f"{quotes[n % len(quotes)]['quote']} (reply {n})")
        for n in range(responses)
    ]  # fmt: skip

    def timed(model, fresh_cache: bool, cache_con) -> tuple[float, float, object]:
        best = (float("inf"), float("inf"), None)
        for _ in range(repeats):
            if fresh_cache:
                cache_con.execute("drop table if exists analysis.theme_vector_cache")
            cache = VectorCache(cache_con)
            wall, cpu = time.perf_counter(), time.process_time()
            run = draft_responses(rows, model=model, cache=cache)
            cache_con.execute("begin")
            cache.write(cache_con)
            cache_con.execute("commit")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best = min(best, (wall, cpu, run), key=lambda timing: timing[0])
        return best

    timings = {}
    for model in ["tfidf", model_folder_in_use()]:
        if model is None:
            continue
        draft_responses(rows[:10], model=model)  # loads the model and lemma tables once
        with duckdb.connect(":memory:") as cache_con:
            first_wall, first_cpu, run = timed(model, True, cache_con)
            cached_wall, cached_cpu, _run = timed(model, False, cache_con)
        excerpts = sum(1 for row in run.excerpt_rows if row[10] is not None)
        timings[describe_representation(model)] = {
            "excerpts": excerpts,
            "first_seconds": first_wall,
            "first_cpu_seconds": first_cpu,
            "cached_seconds": cached_wall,
            "cached_cpu_seconds": cached_cpu,
        }
    return timings


def print_speed(timings: dict, responses: int = 500) -> None:
    print(f"themes of one question of {responses} responses (best of 3; wall / CPU seconds)")
    print(f"{'first run':>17} {'cached rerun':>17}  excerpts  representation")
    for name, timing in timings.items():
        print(
            f"{timing['first_seconds']:>7.2f} / {timing['first_cpu_seconds']:>6.2f} "
            f"{timing['cached_seconds']:>7.2f} / {timing['cached_cpu_seconds']:>6.2f}  "
            f"{timing['excerpts']:>8}  {name}"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the export and warehouse")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    parser.add_argument("--speed", action="store_true", help="time 500 responses only")
    args = parser.parse_args(argv)
    if args.speed:
        if not REFERENCE.exists():
            sys.exit(f"{REFERENCE} is missing: the benchmark needs ../shared/reference")
        print_speed(speed())
        return
    if not REFERENCE.exists():
        sys.exit(f"{REFERENCE} is missing: the benchmark needs ../shared/reference")
    work = args.work or Path(tempfile.mkdtemp(prefix="themes-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result = run(work)
    print_table(result)
    print(f"pipeline: {result['representation']}")
    if "model_representation" in result:
        print(f"pipeline_model: {result['model_representation']}")
    for prefix, name in (("", "pipeline"), ("model_", "pipeline_model")):
        if f"{prefix}guided_share" not in result:
            continue
        print(
            f"{name}: guided run (themes.yaml holds the analyst's labels only): "
            f"{100 * result[prefix + 'guided_share']:.1f} % of quotes under the analyst's theme; "
            f"themes step {result[prefix + 'themes_step_seconds']:.2f} s"
        )
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-themes.json"
        path.write_text(json.dumps(result, indent=2))
        log(f"wrote {path}")


if __name__ == "__main__":
    main()
