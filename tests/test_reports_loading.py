"""Reports read every chat's rows once per table (reports/loading.py) and keep the report
files of a chat whose rows, charts and code did not change (reports/report_stamps.py).

On the sample run: the rows loaded for all chats at once equal, frame for frame and dtype for
dtype, the rows loaded for each chat alone (`load_chat_report`); the report assets materialised again
on a copy of the run rewrite no report or chart file, and a changed row of April rewrites
April's report and no other chat's.
"""

import shutil
from dataclasses import fields

import dagster as dg
import duckdb
import pandas as pd

from orchestration.defs.reports import charts, chat_reports
from orchestration.defs.resources import build_resources
from orchestration.reports import draw_charts_of_chats
from orchestration.reports.chart_stamps import STAMPS_FILE, Stamps
from orchestration.reports.content import chat_ids, load_chat_report
from orchestration.reports.loading import _as_alone, load_chat_reports
from orchestration.reports.report_stamps import STAMP_FILE
from tests.conftest import sample_settings

APRIL, MARCH = "leadingqi-2023-04", "leadingqi-2023-03"
RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def assert_same(one, other, where: str) -> None:
    if isinstance(one, pd.DataFrame):
        assert isinstance(other, pd.DataFrame), where
        pd.testing.assert_frame_equal(one, other, check_exact=True, obj=where)
    elif isinstance(one, (list, tuple)):
        assert len(one) == len(other), where
        for index, (a, b) in enumerate(zip(one, other, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(one, dict):
        assert list(one) == list(other), where
        for key in one:
            assert_same(one[key], other[key], f"{where}.{key}")
    elif hasattr(one, "__dataclass_fields__"):
        for f in fields(one):
            assert_same(getattr(one, f.name), getattr(other, f.name), f"{where}.{f.name}")
    else:
        assert type(one) is type(other) and (one == other or (one != one and other != other)), (
            f"{where}: {one!r} != {other!r}"
        )


def test_rows_loaded_for_all_chats_equal_rows_loaded_per_chat(sample_run):
    database = sample_settings(sample_run["root"]).build_database
    with duckdb.connect(str(database), read_only=True) as con:
        chats = chat_ids(con, "2023-01-01", "2023-05-01")
        assert len(chats) == 4
        run_id = sample_run["result"].run_id
        for run in (None, run_id):
            together = load_chat_reports(con, chats, run_id=run)
            alone = [load_chat_report(con, chat_id, run_id=run) for chat_id in chats]
            assert [r.chat_id for r in together] == chats
            for one, other in zip(together, alone, strict=True):
                assert_same(one, other, one.chat_id)
        assert sum(len(r.questions) for r in together) >= 4
        assert load_chat_reports(con, []) == []


def test_a_slice_gets_the_dtypes_duckdb_gives_its_rows_alone():
    with duckdb.connect() as con:
        sql = (
            "select * from (values ('a', 1, true, 'x'), ('a', 2, false, null), "
            "('b', null, null, null)) as t(chat_id, n, flag, word)"
        )
        whole = con.execute(sql).df()
        for chat_id in ("a", "b"):
            alone = con.execute(f"{sql} where chat_id = '{chat_id}'").df()
            part = _as_alone(whole[whole["chat_id"] == chat_id])
            pd.testing.assert_frame_equal(part, alone, check_exact=True)
        empty = con.execute(f"{sql} where chat_id = 'c'").df()
        pd.testing.assert_frame_equal(_as_alone(whole.iloc[0:0]), empty)


def materialise(asset, settings, first, last) -> dict:
    result = dg.materialize(
        [asset], resources=build_resources(settings), tags={RANGE[0]: first, RANGE[1]: last}
    )
    assert result.success
    return result.get_asset_materialization_events()[0].materialization.metadata


def file_mtimes(out):
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.suffix in (".png", ".html", ".docx", ".md") and p.parent.name != "quality"
    }


def test_unchanged_chats_keep_their_report_files_and_a_changed_chat_is_rewritten(
    sample_run, tmp_path
):
    source = sample_settings(sample_run["root"])
    settings = sample_settings(tmp_path)
    settings.build_database.parent.mkdir(parents=True)
    shutil.copy2(source.build_database, settings.build_database)
    shutil.copytree(source.out_dir, settings.out_dir)  # copy2: the files keep their mtimes
    out = settings.out_dir
    # The sample run wrote every report once; this pass stamps them (its digests are new).
    materialise(chat_reports, settings, "2023-01-01", "2023-04-01")
    assert (out / APRIL / STAMP_FILE).exists()
    before = file_mtimes(out)
    april_html = (out / APRIL / "report.html").read_bytes()

    assert materialise(charts, settings, "2023-01-01", "2023-04-01")["charts_drawn"].value == 0
    metadata = materialise(chat_reports, settings, "2023-01-01", "2023-04-01")
    assert metadata["reports_written"].value == 0
    assert file_mtimes(out) == before

    # A report file gone is written again, from the same rows: the same text.
    (out / APRIL / "report.html").unlink()
    assert (
        materialise(chat_reports, settings, "2023-04-01", "2023-04-01")["reports_written"].value
        == 1
    )
    html = (out / APRIL / "report.html").read_text(encoding="utf-8")
    # The same but for the time it was generated.
    assert len(html) == len(april_html.decode("utf-8"))

    # One participant of April posted more: April's chart and report change, March's do not.
    with duckdb.connect(str(settings.build_database)) as con:
        con.execute(
            "update marts.participants set originals = originals + 5 where chat_id = ? "
            "and participant_rank = 1 and not is_host",
            [APRIL],
        )
    before = file_mtimes(out)
    materialise(charts, settings, "2023-03-01", "2023-04-01")
    assert (
        materialise(chat_reports, settings, "2023-03-01", "2023-04-01")["reports_written"].value
        == 1
    )
    after = file_mtimes(out)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == [
        f"{APRIL}/participants.png",
        f"{APRIL}/report.docx",
        f"{APRIL}/report.html",
        f"{APRIL}/report.md",
    ]


def test_stamps_forget_a_chart_the_chat_no_longer_has(sample_run, tmp_path):
    database = sample_settings(sample_run["root"]).build_database
    with duckdb.connect(str(database), read_only=True) as con:
        (report,) = load_chat_reports(con, [MARCH])
    chat_dir = tmp_path / MARCH
    list(draw_charts_of_chats([(report, chat_dir)]))
    recorded = Stamps(chat_dir).recorded
    gone = f"q{report.questions[-1].question_id}_wordcloud.png"
    assert gone in recorded and (chat_dir / STAMPS_FILE).exists()

    report.questions = report.questions[:-1]
    ((_, again),) = draw_charts_of_chats([(report, chat_dir)])
    assert again.drawn == 1  # the timeline, which marks when each question was asked
    assert gone not in Stamps(chat_dir).recorded
    assert set(Stamps(chat_dir).recorded) == set(recorded) - {
        gone,
        gone.replace("wordcloud", "words"),
        gone.replace("wordcloud", "themes"),
    }
