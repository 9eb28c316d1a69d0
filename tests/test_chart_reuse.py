"""Charts are drawn again only when the rows they are drawn from changed (charts.json).

On a copy of the sample run's working database and output folder, so the session's run is
left as it is: the charts asset materialised again for April rewrites no chart file; a
changed participants row of April redraws April's participants chart and nothing else.
"""

import shutil

import dagster as dg
import duckdb

from orchestration.defs.reports import charts
from orchestration.defs.resources import build_resources
from orchestration.reports import draw_charts_of_chats
from orchestration.reports.chart_stamps import STAMPS_FILE, digest
from orchestration.reports.content import load_chat_report
from tests.conftest import sample_settings

APRIL, MARCH = "leadingqi-2023-04", "leadingqi-2023-03"
RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def chart_mtimes(out):
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.png")}


def materialise_charts(settings, first, last) -> dict:
    result = dg.materialize(
        [charts],
        resources=build_resources(settings),
        tags={RANGE[0]: first, RANGE[1]: last},
    )
    assert result.success
    # One materialisation a month of the range, all with the run's metadata.
    return result.get_asset_materialization_events()[0].materialization.metadata


def copied_run(sample_run, tmp_path):
    source = sample_settings(sample_run["root"])
    settings = sample_settings(tmp_path)
    settings.build_database.parent.mkdir(parents=True)
    shutil.copy2(source.build_database, settings.build_database)
    shutil.copytree(source.out_dir, settings.out_dir)  # copy2: the files keep their mtimes
    return settings


def test_a_month_drawn_again_rewrites_no_chart_and_a_changed_chat_is_redrawn(sample_run, tmp_path):
    settings = copied_run(sample_run, tmp_path)
    out = settings.out_dir
    assert (out / APRIL / STAMPS_FILE).exists() and (out / "series" / STAMPS_FILE).exists()
    before = chart_mtimes(out)
    assert len(before) > 40

    metadata = materialise_charts(settings, "2023-04-01", "2023-04-01")
    assert metadata["charts_drawn"].value == 0
    assert chart_mtimes(out) == before

    # One participant of April posted more: only the chart drawn from that row changes.
    with duckdb.connect(str(settings.build_database)) as con:
        con.execute(
            "update marts.participants set originals = originals + 7 "
            "where chat_id = ? and participant_rank = 1",
            [APRIL],
        )
    metadata = materialise_charts(settings, "2023-03-01", "2023-04-01")
    after = chart_mtimes(out)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == [f"{APRIL}/participants.png"]
    assert metadata["charts_drawn"].value == 1


def test_charts_redrawn_when_reuse_is_off_or_their_file_is_gone(sample_run, tmp_path):
    with duckdb.connect(str(sample_settings(sample_run["root"]).build_database)) as con:
        report = load_chat_report(con, MARCH)
    jobs = [(report, tmp_path / MARCH)]
    ((_, first),) = draw_charts_of_chats(jobs)
    assert first.drawn >= 10 and first.timeline.exists()
    ((_, again),) = draw_charts_of_chats(jobs)
    assert again.drawn == 0 and again == first.__class__(**{**vars(first), "drawn": 0})
    first.timeline.unlink()
    ((_, missing),) = draw_charts_of_chats(jobs)
    assert missing.drawn == 1 and missing.timeline.exists()
    ((_, forced),) = draw_charts_of_chats(jobs, reuse=False)
    assert forced.drawn == first.drawn


def test_the_digest_tells_rows_apart(sample_run):
    with duckdb.connect(str(sample_settings(sample_run["root"]).build_database)) as con:
        report = load_chat_report(con, APRIL)
    participants = report.participants
    assert digest(participants) == digest(participants.copy())
    changed = participants.copy()
    changed.loc[0, "replies"] += 1
    assert digest(changed) != digest(participants)
    assert digest(participants.iloc[::-1]) != digest(participants)
    assert digest(report.timeline, report.title) != digest(report.timeline, report.title + "!")
