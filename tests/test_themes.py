"""Themes of each question (metrics.md 8): excerpts, drafts, the analyst's edits, the marts.

Unit tests drive orchestration/themes directly; the warehouse tests load a hand-written export,
run the real dbt build, the themes step and dbt again (the marts count from its assignments).
"""

from __future__ import annotations

import json
import struct

import duckdb
import numpy as np
import pytest

from orchestration.themes.draft import OTHER_ID, in_response_context
from orchestration.themes.edits import ThemesFileError, load_edits
from orchestration.themes.excerpts import split_response
from orchestration.themes.representation import ThemeModelError, excerpt_vectors
from orchestration.themes.store import draft_responses
from tests.conftest import write_page, x_post
from tests.test_reports import ARTIFACTS, browser, open_page  # noqa: F401 (a fixture)

# ---------------------------------------------------------------- excerpts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fear of blame, and change fatigue", [("Fear of blame", True), ("change fatigue", True)]),
        ("Great question!", [("Great question!", False)]),
        ("Agree 👍", [("Agree 👍", False)]),
        ("🙌🙌", [("🙌🙌", False)]),
        ("Thanks all, great chat", [("Thanks all, great chat", False)]),
        (
            "Trust matters.\nRelationships take time 😊",
            [("Trust matters.", True), ("Relationships take time 😊", True)],
        ),
        ("1/2 Building will is key", [("Building will is key", True)]),
        ("Time, space and money", [("Time, space and money", True)]),
        (
            "Listening; asking good questions",
            [("Listening", True), ("asking good questions", True)],
        ),
    ],
)
def test_excerpts_split_sentences_and_clauses_and_know_content(text, expected):
    assert [(e.text, e.has_content) for e in split_response(text)] == expected


def test_excerpt_positions_and_words():
    excerpts = split_response("Psychology is core. It is hard!\n\nBut worth it")
    assert [(e.position, e.words) for e in excerpts] == [(1, 3), (2, 3), (3, 3)]


# ---------------------------------------------------------------- drafts

ANSWERS = [
    "Fear of failure stops people trying",
    "Fear of blame when things go wrong",
    "Fear of change and the unknown",
    "People fear failure and being blamed",
    "Trust between colleagues is the foundation",
    "Building trust takes time and honesty",
    "Without trust nothing changes",
    "Open honest conversations build trust",
    "No time to reflect, too busy",
    "Lack of time and protected time for QI",
    "Time pressure on the wards",
    "Great question!",
    "Giraffes are tall",
]


def responses(answers, question="1", chat="c", first=0):
    return [
        (chat, "2023-04-01", question, "x", f"p{first + i}", f"user{i % 7}", f"x:{i % 7}", text)
        for i, text in enumerate(answers)
    ]


def test_drafts_are_deterministic_with_k_from_the_data():
    first = draft_responses(responses(ANSWERS))
    second = draft_responses(list(reversed(responses(ANSWERS))))
    assert first.theme_rows == second.theme_rows
    assert sorted(first.excerpt_rows) == sorted(second.excerpt_rows)
    labels = [row[4] for row in first.theme_rows]
    assert 2 <= len([row for row in first.theme_rows if row[3] != OTHER_ID]) <= 5, labels
    themed = {row[8]: row[10] for row in first.excerpt_rows}
    # Fear of failure or blame and trust land in two themes, each whole.
    fear = {themed[ANSWERS[i]] for i in (0, 1, 3)}
    trust = {themed[ANSWERS[i]] for i in (4, 5, 7)}
    assert len(fear) == 1 and len(trust) == 1 and fear != trust, (labels, themed)
    assert themed["Great question!"] is None


def test_the_clauses_of_a_two_idea_response_join_two_themes():
    """Themes are found among whole responses, then each excerpt joins its nearest theme."""
    run = draft_responses(responses([*ANSWERS, "Fear of failure, and no time to reflect"]))
    themed = {row[8]: row[10] for row in run.excerpt_rows}
    assert themed["Fear of failure"] == themed[ANSWERS[0]], themed
    assert themed["no time to reflect"] == themed[ANSWERS[8]], themed
    assert themed["Fear of failure"] != themed["no time to reflect"], themed


def test_a_guide_reads_an_excerpt_within_its_response():
    # Rows: excerpts; columns: two guides. Excerpts 0 and 1 are one response, 2 and 3 another,
    # 4 a response alone.
    similarity = np.array([[0.30, 0.28], [0.10, 0.60], [0.60, 0.10], [0.10, 0.50], [0.2, 0.4]])
    read = in_response_context(similarity, [[0, 1], [2, 3], [4]])
    # An undecided excerpt goes with its sibling; a decided one keeps its own guide.
    assert list(read.argmax(axis=1)) == [1, 1, 0, 1, 1]
    assert np.allclose(read[0], 0.75 * similarity[0] + 0.25 * similarity[1])
    assert np.allclose(read[4], similarity[4])


def test_labels_are_phrases_and_picks_come_from_different_accounts():
    run = draft_responses(responses(ANSWERS))
    for _chat, _month, _q, theme_id, label, _keywords, origin, _pos, _new in run.theme_rows:
        assert label and label[0].isupper() and len(label.split()) <= 6, label
        assert origin == "draft" and theme_id
    picks = [row for row in run.excerpt_rows if row[12]]
    by_theme: dict[str, list] = {}
    for row in picks:
        by_theme.setdefault(row[10], []).append(row[6])
    for theme, accounts in by_theme.items():
        assert 1 <= len(accounts) <= 5 and len(set(accounts)) == len(accounts), theme


def test_a_handle_is_never_a_label_or_keyword():
    answers = [f"{text} @carol_demo" for text in ANSWERS[:11]]
    run = draft_responses(responses(answers))
    for row in run.theme_rows:
        assert "carol" not in (row[3] + row[4] + row[5]).lower(), row


@pytest.mark.parametrize("count", [0, 1, 2])
def test_questions_with_few_responses(count):
    run = draft_responses(responses(ANSWERS[4 : 4 + count]))
    themes = [row for row in run.theme_rows]
    assert len(themes) == (0 if count == 0 else 1)
    assert all(row[10] == themes[0][3] for row in run.excerpt_rows)


def test_five_hundred_responses_in_under_a_second():
    import time

    words = [
        "trust",
        "time",
        "fear",
        "blame",
        "leadership",
        "coaching",
        "listening",
        "culture",
        "data",
        "measurement",
    ]
    rng = np.random.default_rng(1)
    answers = [
        " ".join(rng.choice(words, 3)) + f" matters for teams number {i}. And also more"
        for i in range(500)
    ]
    # The default that needs nothing on disk (a sentence model is timed in benchmarks/themes.py).
    draft_responses(responses(answers[:10]), model="tfidf")  # imports, lemma tables loaded once
    started = time.perf_counter()
    run = draft_responses(responses(answers), model="tfidf")
    elapsed = time.perf_counter() - started
    assert len({row[4] for row in run.excerpt_rows}) == 500
    assert elapsed < 1.0, elapsed


# ---------------------------------------------------------------- a model on disk


def write_model2vec(folder, vocab: list[str], vectors: np.ndarray):
    """A tiny model2vec-format model: model.safetensors (embeddings) + tokenizer.json."""
    folder.mkdir()
    data = vectors.astype(np.float32).tobytes()
    header = json.dumps(
        {
            "embeddings": {
                "dtype": "F32",
                "shape": list(vectors.shape),
                "data_offsets": [0, len(data)],
            }
        }
    ).encode()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + data)
    tokenizer = {"model": {"type": "WordPiece", "vocab": {w: i for i, w in enumerate(vocab)}}}
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    (folder / "config.json").write_text(json.dumps({"model_type": "model2vec"}))


def test_a_model2vec_model_on_disk_replaces_tfidf(tmp_path, monkeypatch):
    # Two concepts the words alone do not share: 'anxiety'/'dread' and 'joy'/'delight'.
    vocab = ["[UNK]", "anxiety", "dread", "joy", "delight", "##s", "feel", "i"]
    vectors = np.array(
        [[0, 0, 0], [1, 0, 0], [1, 0.1, 0], [0, 1, 0], [0.1, 1, 0], [0, 0, 0.1], [0, 0, 0.2],
         [0, 0, 0.1]], dtype=float,
    )  # fmt: skip
    write_model2vec(tmp_path / "tiny", vocab, vectors)
    texts = ["I feel anxiety", "dreads", "joy", "I feel delight"]
    monkeypatch.setenv("TWEETCHAT_THEME_MODEL", str(tmp_path / "tiny"))
    embedded = excerpt_vectors(texts)
    assert embedded[0] @ embedded[1] > 0.7 and embedded[2] @ embedded[3] > 0.7
    assert embedded[1] @ embedded[2] < 0.2
    monkeypatch.setenv("TWEETCHAT_THEME_MODEL", "tfidf")  # even where models/ holds one
    plain = excerpt_vectors(texts)
    plain = plain.toarray() if hasattr(plain, "toarray") else plain
    assert plain[1] @ plain[2] == pytest.approx(0.0)
    with pytest.raises(ThemeModelError, match="no such folder"):
        excerpt_vectors(texts, str(tmp_path / "missing"))


# ---------------------------------------------------------------- themes.yaml


def write_themes(path, question: dict) -> None:
    import yaml

    path.write_text(yaml.safe_dump({"chats": {"c": {"questions": {"1": question}}}}))


def test_analyst_theme_guides_assignment_and_keeps_its_label(tmp_path):
    path = tmp_path / "themes.yaml"
    write_themes(path, {"themes": [{"label": "Fear as a barrier", "keywords": ["fear", "blame"]}]})
    run = draft_responses(responses(ANSWERS), load_edits(path))
    analyst = [row for row in run.theme_rows if row[6] == "analyst"]
    assert [row[4] for row in analyst] == ["Fear as a barrier"]
    assert not analyst[0][8]
    fear_rows = {row[8] for row in run.excerpt_rows if row[10] == analyst[0][3]}
    assert set(ANSWERS[:4]) <= fear_rows
    assert all(row[8] for row in run.theme_rows if row[6] == "draft" and row[3] != OTHER_ID)


def test_every_edit_applies_and_survives_new_posts(tmp_path):
    base = draft_responses(responses(ANSWERS))
    theme_of = {row[8]: row[10] for row in base.excerpt_rows}
    fear, trust = theme_of[ANSWERS[0]], theme_of[ANSWERS[4]]
    time_theme = theme_of[ANSWERS[9]]
    path = tmp_path / "themes.yaml"
    write_themes(
        path,
        {
            "rename": {fear: "Fear holds people back"},
            "merge": {trust: [time_theme]},
            "move": [{"post": "p0", "to": trust}],
            "pin": [{"post": "p3", "excerpt": 1}],
            "drop": [],
        },
    )
    more = ANSWERS + ["Fear of being judged by peers", "Trust grows with small wins"]
    for answers in (ANSWERS, more):  # the same edits on more data
        run = draft_responses(responses(answers), load_edits(path))
        assert run.warnings == []
        labels = {row[3]: (row[4], row[6]) for row in run.theme_rows}
        assert labels[fear] == ("Fear holds people back", "analyst")
        assert time_theme not in labels and labels[trust][1] == "analyst"
        rows = {row[4]: row for row in run.excerpt_rows}
        assert rows["p0"][10] == trust
        assert rows["p9"][10] == trust  # merged
        assert rows["p3"][12]  # pinned
    write_themes(path, {"drop": [fear]})
    run = draft_responses(responses(ANSWERS), load_edits(path))
    assert fear not in {row[3] for row in run.theme_rows}
    assert {row[10] for row in run.excerpt_rows if row[4] == "p1"} == {OTHER_ID}


def test_stale_edits_are_warned(tmp_path):
    path = tmp_path / "themes.yaml"
    write_themes(
        path,
        {
            "rename": {"gone-theme": "X"},
            "move": [{"post": "nope", "to": OTHER_ID}],
            "unpin": [{"post": "nope2"}],
        },
    )
    run = draft_responses(responses(ANSWERS), load_edits(path))
    assert len(run.warnings) == 3
    assert "gone-theme" in run.warnings[0] and "themes.yaml" in run.warnings[0]


def test_a_bad_themes_file_names_the_place(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text(
        "chats:\n  c:\n    questions:\n      '1':\n        themes:\n          - keywords: [x]\n"
    )
    with pytest.raises(ThemesFileError, match=r"themes.yaml: chats.c.questions.1.themes\[0\]"):
        load_edits(path)
    path.write_text("chats:\n  c:\n    questions:\n      '1':\n        renam: {}\n")
    with pytest.raises(ThemesFileError, match="unknown key 'renam'"):
        load_edits(path)


# ---------------------------------------------------------------- the warehouse, graph, report

CHAT = "themes-2023-04"
TAG = ["ThemeChat"]
HOSTILE = "<script>window.__owned = 1</script> Fear & **blame** [x](javascript:alert(1))"
CHATS_YAML = f"""
timezone: UTC
chats:
  - id: {CHAT}
    title: Themes test chat
    hashtags: ["#ThemeChat"]
    hosts: [host_demo]
    starts: "2023-04-11T18:00"
    window_hours_after: 2
    questions:
      - {{id: "1", text: "What stops improvement?"}}
      - {{id: "2", text: "One word?"}}
      - {{id: "3", text: "Two words?"}}
      - {{id: "4", text: "Nobody answers this"}}
"""
Q1 = [
    ("fear1", "u1", "A1 Fear of failure stops people trying #ThemeChat"),
    ("fear2", "u2", "@host_demo @user3_demo A1: Fear of blame when things go wrong #ThemeChat"),
    ("fear3", "u3", "A1 fear of change and fear of the unknown https://example.org/x #ThemeChat"),
    ("fear4", "u4", "A1 People fear failure and blame.\nAnd being judged #ThemeChat"),
    ("trust1", "u5", "A1 Trust between colleagues is the foundation #ThemeChat"),
    ("trust2", "u6", "A1 Building trust takes honesty #ThemeChat"),
    ("trust3", "u7", "A1 Without trust and honesty nothing moves #ThemeChat"),
    ("trust4", "u8", "A1 Honest conversations build trust 🙌 #ThemeChat"),
    ("time1", "u1", "A1 Time to reflect; we are too busy #ThemeChat"),
    ("time2", "u2", "A1 Lack of protected time, busy wards #ThemeChat"),
    ("time3", "u3", "A1 Time pressure, busy clinics #ThemeChat"),
    ("thanks", "u4", "A1 Great question! #ThemeChat"),
    ("copy", "u5", "A1 Time pressure, busy clinics #ThemeChat"),  # an exact duplicate of time3
    ("hostile", "u6", f"A1 {HOSTILE} @user9_demo #ThemeChat"),
]


def theme_export(raw):
    def t(minute, second=0):
        return f"2023-04-11T18:{minute:02d}:{second:02d}.000Z"

    posts = [
        x_post(f"q{n}", "h", t(5 * n), f"Q{n} {text} #ThemeChat", hashtags=TAG)
        for n, text in ((1, "What stops improvement?"), (2, "One word?"), (3, "Two words?"),
                        (4, "Nobody answers this"))
    ]  # fmt: skip
    posts += [
        x_post(post_id, author, t(6, n), text, hashtags=TAG)
        for n, (post_id, author, text) in enumerate(Q1)
    ]
    posts += [
        x_post("host_answer", "h", t(7), "A1 Fear of failure, says the host #ThemeChat", hashtags=TAG),
        x_post("rt", "u9", t(8), "RT @user1_demo: A1 Fear of failure stops people trying",
               retweeted="fear1"),
        x_post("q2only", "u7", t(11), "A2 Curiosity #ThemeChat", hashtags=TAG),
        x_post("q3a", "u8", t(16), "A3 Patience and kindness #ThemeChat", hashtags=TAG),
        x_post("q3b", "u9", t(16, 30), "A3 Data for improvement #ThemeChat", hashtags=TAG),
    ]  # fmt: skip
    users = [(f"u{i}", f"user{i}_demo") for i in range(1, 10)] + [("h", "host_demo")]
    write_page(raw / "chat.jsonl", posts, users=users)


@pytest.fixture(scope="module")
def themed_run(tmp_path_factory):
    """The whole job (ingest, dbt, themes, dbt, checks, reports) for the chat's month."""
    import dagster as dg

    root = tmp_path_factory.mktemp("themes")
    theme_export(root / "raw")
    (root / "chats.yaml").write_text(CHATS_YAML)
    monkeypatch = pytest.MonkeyPatch()
    for name, value in {
        "TWEETCHAT_RAW": root / "raw",
        "TWEETCHAT_CHATS": root / "chats.yaml",
        "TWEETCHAT_WAREHOUSE": root / "warehouse" / "tweetchat.duckdb",
        "TWEETCHAT_OUT": root / "output",
        "DAGSTER_HOME": root / "dagster_home",
        "TWEETCHAT_PSEUDONYMISE": "1",
        "TWEETCHAT_PSEUDONYM_KEY": "themes test key",
    }.items():
        monkeypatch.setenv(name, str(value))
    (root / "dagster_home").mkdir()
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    instance = dg.DagsterInstance.get()
    result = defs.resolve_job_def("tweetchat_job").execute_in_process(
        instance=instance, partition_key="2023-04-01"
    )
    yield {"root": root, "result": result, "instance": instance, "defs": defs}
    monkeypatch.undo()


def warehouse_rows(run, sql, params=()):
    database = run["root"] / "warehouse" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_responses_are_cleaned_once_per_post_in_sql(themed_run):
    assert themed_run["result"].success
    texts = dict(
        warehouse_rows(
            themed_run,
            "select post_id, response_text from marts.theme_response_texts where question_id = '1'",
        )
    )
    assert "host_answer" not in texts and "rt" not in texts and "copy" not in texts
    assert texts["fear2"] == "Fear of blame when things go wrong"
    assert texts["fear3"] == "fear of change and fear of the unknown"
    assert texts["fear4"] == "People fear failure and blame.\nAnd being judged"
    assert len(texts) == len(Q1) - 1


def test_theme_marts_count_from_the_assignments(themed_run):
    themes = warehouse_rows(
        themed_run,
        "select question_id, theme_id, label, origin, responses, responders, share_pct, "
        "primary_responses from marts.question_themes where chat_id = ? "
        "order by question_id, theme_position",
        [CHAT],
    )
    by_question: dict[str, list] = {}
    for row in themes:
        by_question.setdefault(row[0], []).append(row)
    assert "4" not in by_question  # no responses, no themes
    assert len(by_question["2"]) == 1 and by_question["2"][0][4:7] == (1, 1, 100.0)
    assert len(by_question["3"]) == 1 and by_question["3"][0][4] == 2
    q1 = by_question["1"]
    assert 2 <= len(q1) <= 6
    # 12 themed responses ('Great question!' has no theme; the copy is not a response).
    assert sum(row[7] for row in q1) == 12
    assert abs(sum(row[6] for row in q1) - 100) <= 0.05 * len(q1)
    # Counts equal a count of theme_responses made here.
    counted = dict(
        warehouse_rows(
            themed_run,
            "select theme_id, count(distinct post_id) from marts.theme_responses "
            "where chat_id = ? and question_id = '1' group by theme_id",
            [CHAT],
        )
    )
    assert {row[1]: row[4] for row in q1} == counted
    primaries = warehouse_rows(
        themed_run,
        "select post_id, count(distinct theme_id) from marts.theme_responses "
        "where is_primary group by post_id having count(distinct theme_id) <> 1",
    )
    assert primaries == []


def test_the_asset_shows_the_themes_in_its_metadata(themed_run):
    import dagster as dg

    event = themed_run["instance"].get_latest_materialization_event(
        dg.AssetKey(["analysis", "themes"])
    )
    table = event.asset_materialization.metadata["themes_by_question"].value
    assert "themes-2023-04" in table
    assert "<script>" not in table and "javascript:" not in table
    # Which representation drew the themes: a model folder on disk, or TF-IDF.
    representation = event.asset_materialization.metadata["representation"].value
    assert representation.startswith(("all-MiniLM-L6-v2 (", "TF-IDF + LSA"))
    # A sentence model encodes each distinct excerpt once (vector cache); TF-IDF caches nothing.
    metadata = event.asset_materialization.metadata
    encoded, reused = metadata["vectors_encoded"].value, metadata["vectors_reused"].value
    if representation.startswith("TF-IDF"):
        assert encoded == reused == 0
    else:
        assert encoded + reused > 0


def test_report_sections_with_escaped_pseudonymised_quotes(themed_run):
    folder = themed_run["root"] / "output" / CHAT
    html = (folder / "report.html").read_text()
    assert 'id="key-themes"' in html and 'id="responses-by-theme"' in html
    assert "<script>window" not in html
    assert "user9_demo" not in html and "user1_demo" not in html
    assert (folder / "q1_themes.png").stat().st_size > 1000
    md = (folder / "report.md").read_text()
    assert "## Key themes" in md and "## Responses by theme" in md
    assert "<script>" not in md and "user9_demo" not in md
    from docx import Document

    paragraphs = [p.text for p in Document(str(folder / "report.docx")).paragraphs]
    assert "Key themes" in paragraphs and "Responses by theme" in paragraphs
    assert not any("user9_demo" in p for p in paragraphs)


def test_report_theme_sections_in_chromium(themed_run, browser):  # noqa: F811 (the fixture)
    page, problems = open_page(browser, themed_run["root"] / "output" / CHAT / "report.html")
    key_themes = page.inner_text("#key-themes")
    assert "Q1. What stops improvement?" in key_themes and "responses" in key_themes
    assert page.locator("#key-themes li").count() >= 4
    assert page.locator("#responses-by-theme blockquote").count() >= 6
    assert page.locator("#key-themes img").count() >= 1
    assert page.evaluate("window.__owned") is None and problems == []
    page.screenshot(path=str(ARTIFACTS / "themes-report.png"), full_page=True)


def test_themes_command_prints_drafts_and_writes_a_starter_block(themed_run, capsys, tmp_path):
    from orchestration.cli import main

    warehouse = themed_run["root"] / "warehouse" / "tweetchat.duckdb"
    path = tmp_path / "themes.yaml"
    assert (
        main(["themes", CHAT, "--warehouse", str(warehouse), "--write", "--themes", str(path)]) == 0
    )
    printed = capsys.readouterr().out
    assert "Q1. What stops improvement?" in printed and "responses from" in printed
    assert "Q4. Nobody answers this" in printed and "(no themed responses)" in printed
    edits = load_edits(path)
    assert edits.of(CHAT, "1") == {"themes": []} and edits.of(CHAT, "4") == {"themes": []}
    assert "# Draft themes" in path.read_text()
    assert (
        main(["themes", CHAT, "--warehouse", str(warehouse), "--write", "--themes", str(path)]) == 2
    )
    assert "already has a block" in capsys.readouterr().err
    assert main(["themes", "nope", "--warehouse", str(warehouse)]) == 2


def test_the_dbt_data_tests_catch_tampered_theme_marts(themed_run, tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import DBT_PROJECT_DIR

    tampered = tmp_path / "tampered.duckdb"
    shutil.copy(themed_run["root"] / "warehouse" / "tweetchat.duckdb", tampered)
    with duckdb.connect(str(tampered)) as con:
        con.execute(
            "update marts.question_themes set share_pct = share_pct + 5 where question_id = '2'"
        )
        con.execute(
            "insert into marts.theme_responses by name "
            "select * replace ('no-such-theme' as theme_id, false as is_primary) "
            "from marts.theme_responses where question_id = '3' limit 1"
        )
    env = {**os.environ, "TWEETCHAT_BUILD_DATABASE": str(tampered)}
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "test", "--profiles-dir", ".",
         "--select", "path:tests/themes"],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert completed.returncode != 0
    failed = {line for line in completed.stdout.splitlines() if "FAIL" in line}
    assert any("question_themes_shares_sum_to_100" in line for line in failed), completed.stdout
    assert any("theme_quote_picks_are_excerpts_of_their_theme" in line for line in failed)
    assert not any("theme_responses_one_primary_theme" in line for line in failed)
