"""Month detection from post times alone (orchestration/months.py), and the raw-directory sensor
on files it cannot read: one warning, and the cursor moves on."""

from __future__ import annotations

import json
import logging
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.cli import months_to_run
from orchestration.definitions import build_definitions
from orchestration.defs.resources import SettingsResource
from orchestration.defs.sensors import raw_directory_sensor
from orchestration.months import (
    SCAN_ERRORS,
    MonthScanError,
    MonthScanner,
    MonthScanTimeout,
    directory_months,
    file_months,
)
from orchestration.readers import detect_format
from orchestration.readers.canonical import create_raw_tables
from orchestration.readers.json_records import head_records
from orchestration.registry import load_registry
from orchestration.settings import SAMPLE_DIR, Settings
from tests.conftest import FIXTURES, x_post

SAMPLE_CHATS = SAMPLE_DIR / "chats.yaml"
APRIL_FILE = SAMPLE_DIR / "raw" / "2023-04" / "leadingqi-2023-04_search_week.jsonl"


def export_files_to_compare() -> list[Path]:
    files = sorted((SAMPLE_DIR / "raw").rglob("*.jsonl"))
    if FIXTURES.is_dir():
        files += sorted(
            path
            for path in FIXTURES.rglob("*")
            if path.suffix in (".json", ".jsonl", ".csv") and path.stat().st_size > 0
        )
    return files


def loaded_times(path: Path) -> set:
    """The times of the posts the file's reader lands as section 'data', loading it whole."""
    with duckdb.connect() as con:
        create_raw_tables(con)
        detect_format(path).load(con, path, path.name)
        return {
            row[0]
            for row in con.execute(
                "select created_at from raw.posts where section = 'data' and created_at is not null"
            ).fetchall()
        }


@pytest.mark.parametrize(
    "path", export_files_to_compare(), ids=lambda path: f"{path.parent.name}/{path.name}"
)
def test_a_readers_timestamp_scan_finds_the_times_its_load_lands(path):
    try:
        reader = detect_format(path)
    except ValueError as error:
        pytest.skip(f"not an export of a known format: {error}")
    if not reader.scans_times:
        pytest.skip(f"{reader.format} has no timestamp scan (small files are loaded)")
    if path.suffix != ".csv" and not head_records(path)[0]:
        pytest.skip("one pretty-printed document: small, so loaded whole")
    with duckdb.connect() as con:
        scanned = {
            row[0]
            for row in con.execute(reader.post_times(con, path)).fetchall()
            if row[0] is not None
        }
    assert scanned == loaded_times(path)


def test_the_sample_files_hold_the_months_of_their_folders():
    chats = load_registry(SAMPLE_CHATS).chats
    for path in sorted((SAMPLE_DIR / "raw").rglob("*.jsonl")):
        assert file_months(path, chats) == [date.fromisoformat(f"{path.parent.name}-01")]
    months, problems = directory_months(SAMPLE_DIR / "raw", chats)
    assert months == [date(2023, month, 1) for month in (1, 2, 3, 4)] and problems == []


def test_a_large_file_of_a_format_without_a_timestamp_scan_is_refused_by_name(
    tmp_path, monkeypatch
):
    bluesky = next((FIXTURES / "MarshalX+atproto").glob("*.json"), None)
    if bluesky is None:
        pytest.skip(f"{FIXTURES} (the shared real exports) is missing")
    assert not detect_format(bluesky).scans_times
    monkeypatch.setattr("orchestration.months.LOAD_BYTES", 100)
    with pytest.raises(MonthScanError, match=f"{re.escape(str(bluesky))}.*bluesky file"):
        file_months(bluesky, load_registry(SAMPLE_CHATS).chats)


class Warnings(logging.Handler):
    """The warnings the sensor logs in one tick."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def tick(raw: Path, tmp_path: Path, cursor: str | None = None):
    """One evaluation of the real sensor with the real resource; (result, warnings)."""
    settings = SettingsResource.from_settings(
        Settings(
            raw_dir=raw,
            chats_file=SAMPLE_CHATS,
            published_database=tmp_path / "warehouse" / "tweetchat.duckdb",
            out_dir=tmp_path / "output",
        )
    )
    warnings = Warnings()
    with (
        dg.DagsterInstance.ephemeral() as instance,
        dg.build_sensor_context(
            instance=instance,
            resources={"settings": settings},
            cursor=cursor,
            repository_def=build_definitions().get_repository_def(),
        ) as context,
    ):
        context.log.addHandler(warnings)
        result = raw_directory_sensor.evaluate_tick(context)
    return result, warnings.messages


def test_a_file_the_sensor_cannot_read_is_reported_once_and_the_cursor_moves_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(APRIL_FILE, raw / "april.jsonl")
    (raw / "notes.csv").write_text("this is not an export\nnor is this\n", encoding="utf-8")
    (raw / "empty.json").write_bytes(b"")

    first, warned = tick(raw, tmp_path)
    assert [request.partition_key for request in first.run_requests] == ["2023-04-01"]
    assert len(warned) == 2
    (empty,) = [message for message in warned if message.startswith("empty.json:")]
    (notes,) = [message for message in warned if message.startswith("notes.csv:")]
    assert "the file is empty" in empty and "not a known export format" in notes
    assert {"april.jsonl", "empty.json", "notes.csv"} <= set(json.loads(first.cursor))

    again, warned_again = tick(raw, tmp_path, cursor=first.cursor)
    assert not again.run_requests and warned_again == []
    assert again.skip_message == "no new or changed export files"


def test_a_tick_of_unreadable_files_only_says_so_and_moves_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "notes.csv").write_text("this is not an export\n", encoding="utf-8")
    first, warned = tick(raw, tmp_path)
    assert not first.run_requests and len(warned) == 1
    assert "could not be read: notes.csv" in first.skip_message
    again, warned_again = tick(raw, tmp_path, cursor=first.cursor)
    assert warned_again == [] and again.skip_message == "no new or changed export files"


def test_every_x_v2_line_shape_gives_the_times_ingest_lands(tmp_path):
    # A page (with a referenced post in includes, whose time must not count), a stream line,
    # a flattened post, an array line of a page and a flattened post, and a corrupt line.
    page = {
        "data": [
            x_post("1", "10", "2023-04-25T19:05:00.000Z", "A1 #LeadingQI"),
            x_post("2", "11", "2023-04-25T19:06:00.000Z", "RT", retweeted="9"),
        ],
        "includes": {"tweets": [x_post("9", "12", "2022-01-01T10:00:00.000Z", "old")]},
    }
    stream = {
        "data": x_post("3", "10", "2023-04-25T20:00:00+01:00", "stream"),
        "matching_rules": [],
    }
    flat = x_post("4", "13", "2023-05-02T08:00:00.000Z", "flattened")
    in_array = [
        {"data": [x_post("5", "10", "2023-06-01T00:00:00Z", "p")]},
        x_post("6", "1", "2023-06-02T00:00:00Z", "f"),
    ]
    lines = [
        json.dumps(page),
        json.dumps(stream),
        json.dumps(flat),
        json.dumps(in_array),
        '{"data": [',
    ]
    path = tmp_path / "shapes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = detect_format(path)
    assert reader.format == "x_v2"
    with duckdb.connect() as con:
        scanned = {row[0] for row in con.execute(reader.post_times(con, path)).fetchall()}
    assert scanned == loaded_times(path)
    assert len(scanned) == 6 and datetime(2022, 1, 1, 10) not in scanned


def test_tweetchat_run_without_month_builds_the_months_the_sensor_would_request(tmp_path, capsys):
    registry = load_registry(SAMPLE_CHATS)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(APRIL_FILE, raw / "april.jsonl")
    shutil.copy(SAMPLE_DIR / "raw" / "2023-02" / "leadingqi-2023-02_conversation.jsonl", raw)
    assert months_to_run(None, registry, raw) == ("2023-02-01", "2023-04-01")
    assert months_to_run("2023-03", registry, raw) == ("2023-03-01", "2023-03-01")
    (raw / "notes.csv").write_text("this is not an export\n", encoding="utf-8")
    assert months_to_run(None, registry, raw) == ("2023-01-01", "2023-04-01")
    notices = capsys.readouterr().err
    assert "notes.csv: not a known export format" in notices
    assert "the months of some export files are unknown; every registry month is built" in notices


def write_repeated(path: Path, source: Path, megabytes: int) -> Path:
    """`source` repeated into `path` until it holds `megabytes` (a file slow enough to time)."""
    chunk = source.read_bytes()
    with path.open("wb") as handle:
        while handle.tell() < megabytes * 2**20:
            handle.write(chunk)
    return path


def test_a_scan_past_its_time_is_stopped(tmp_path):
    path = write_repeated(tmp_path / "big.jsonl", APRIL_FILE, 40)
    chats = load_registry(SAMPLE_CHATS).chats
    with pytest.raises(MonthScanTimeout, match="took longer than 0 s"):
        file_months(path, chats, seconds=0)
    assert file_months(path, chats, seconds=600) == [date(2023, 4, 1)]
    # Stopped on the connection a folder's files share, the next file is still read on it.
    with MonthScanner(chats) as scanner:
        with pytest.raises(MonthScanTimeout):
            scanner.months(path, seconds=0)
        assert scanner.months(APRIL_FILE) == [date(2023, 4, 1)]
        assert scanner.months(path, seconds=600) == [date(2023, 4, 1)]


def test_a_formats_file_that_cannot_be_read_is_a_problem_of_each_file(tmp_path):
    """Not a crash: `tweetchat run` notes it and builds the registry's months, and the sensor
    warns per file and moves its cursor on."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(APRIL_FILE, raw / APRIL_FILE.name)
    (raw / "formats.yaml").write_text("a: [b\n")
    months, problems = directory_months(raw, load_registry(SAMPLE_CHATS).chats)
    assert months == [] and len(problems) == 1 and "formats.yaml" in problems[0]


def test_a_file_too_slow_for_the_tick_is_reported_once(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_repeated(raw / "big.jsonl", APRIL_FILE, 40)
    # No time at all for reading months: the first file is too slow whatever its size.
    monkeypatch.setenv("DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS", "0")
    first, warned = tick(raw, tmp_path)
    assert not first.run_requests
    (message,) = warned
    assert message.startswith("big.jsonl: skipped by the sensor") and "took longer" in message
    again, warned_again = tick(raw, tmp_path, cursor=first.cursor)
    assert warned_again == [] and again.skip_message == "no new or changed export files"


def test_one_scanner_tells_each_file_of_a_folder_what_it_tells_alone(tmp_path):
    """A folder scanned on one connection (MonthScanner): files read by a timestamp scan, a
    file that cannot be read, and pretty-printed documents loaded whole (on connections of
    their own, so one's posts never count for the next) each give their own months."""
    chats = load_registry(SAMPLE_CHATS).chats
    raw = tmp_path / "raw"
    files = []
    for path in sorted((SAMPLE_DIR / "raw").rglob("*.jsonl")):
        page = json.loads(path.read_text().splitlines()[0])
        month = path.parent.name
        (raw / month).mkdir(parents=True, exist_ok=True)
        files.append(shutil.copy(path, raw / month / path.name))
        if page.get("data"):
            # The same page as one pretty-printed document: loaded, not scanned.
            document = raw / month / f"{path.stem}.page.json"
            document.write_text(json.dumps(page, indent=2))
            files.append(document)
    broken = raw / "2023-02" / "broken.jsonl"
    broken.write_bytes(b"\xff\xfe not an export\n")
    files.insert(3, broken)
    alone = {}
    for path in map(Path, files):
        try:
            alone[path] = file_months(path, chats, raw)
        except SCAN_ERRORS as error:
            alone[path] = str(error)
    with MonthScanner(chats, raw) as scanner:
        for path in map(Path, files):
            try:
                told = scanner.months(path)
            except SCAN_ERRORS as error:
                told = str(error)
            assert told == alone[path], path
    assert sum(path.name.endswith(".page.json") for path in alone) >= 4
    assert all(
        months == [date.fromisoformat(f"{path.parent.name}-01")]
        for path, months in alone.items()
        if path != broken
    )
    months, problems = directory_months(raw, chats)
    assert months == [date(2023, month, 1) for month in (1, 2, 3, 4)]
    assert len(problems) == 1 and str(broken) in problems[0]
