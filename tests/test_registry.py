"""chats.yaml as metrics.md section 1 defines it: defaults, timezones, clear errors."""

from datetime import datetime

import pytest

from orchestration.registry import RegistryError, load_registry


def write(tmp_path, text):
    path = tmp_path / "chats.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_london_time_in_winter_and_summer(tmp_path):
    path = write(
        tmp_path,
        """
timezone: Europe/London
chats:
  - {id: jan, hashtags: ["#LeadingQI"], starts: "2023-01-31T19:00"}
  - {id: apr, hashtags: [QIHour], hosts: ["@Host_demo"], starts: "2023-04-25T19:00", window_hours_after: 120}
""",
    )
    jan, apr = load_registry(path).chats
    assert jan.starts_utc == datetime(2023, 1, 31, 19, 0)  # GMT
    assert apr.starts_utc == datetime(2023, 4, 25, 18, 0)  # BST
    assert (jan.duration_minutes, jan.window_hours_before, jan.window_hours_after) == (60, 0, 24)
    assert apr.hashtags == ("#QIHour",) and apr.hosts == ("Host_demo",)
    assert apr.window_end_utc == datetime(2023, 4, 30, 18, 0)
    assert [m.isoformat() for m in load_registry(path).months()] == ["2023-01-01", "2023-04-01"]
    # A hashtag without '#' is read, and the registry says how it read it.
    (notice,) = load_registry(path).notices
    assert f"{path}: chat 'apr': field 'hashtags': 'QIHour' has no '#'" in notice
    assert "read as '#QIHour'" in notice


def test_explicit_offset_wins(tmp_path):
    path = write(
        tmp_path,
        'chats:\n  - {id: a, hashtags: ["#x"], starts: "2023-04-25T19:00+01:00", timezone: Europe/London}\n',
    )
    (chat,) = load_registry(path).chats
    assert chat.starts_utc == datetime(2023, 4, 25, 18, 0)
    assert chat.starts_local == datetime(2023, 4, 25, 19, 0)


@pytest.mark.parametrize(
    ("chat", "field", "words"),
    [
        ('{id: a, starts: "2023-04-25T19:00"}', "hashtags", "missing"),
        ('{hashtags: ["#x"], starts: "2023-04-25T19:00"}', "id", "missing"),
        ('{id: a, hashtags: ["#x"]}', "starts", "missing"),
        (
            '{id: a, hashtags: ["#x"], starts: "2023-04-25T19:00", timezone: Mars/Base}',
            "timezone",
            "unknown timezone",
        ),
        (
            '{id: a, hashtags: ["#x"], starts: "2023-04-25T19:00", timezone: BST}',
            "timezone",
            "Europe/London",
        ),
        (
            '{id: a, hashtags: ["#x"], starts: "2023-03-26T01:30", timezone: Europe/London}',
            "starts",
            "does not exist",
        ),
        (
            '{id: a, hashtags: ["#x"], starts: "2023-10-29T01:30", timezone: Europe/London}',
            "starts",
            "happens twice",
        ),
        ('{id: a, hashtags: ["#x"], starts: "next tuesday"}', "starts", "not a date"),
        (
            '{id: a, hashtags: ["#x"], starts: "2023-04-25T19:00", duration_minutes: 0}',
            "duration_minutes",
            "more than 0",
        ),
        (
            '{id: a, hashtags: ["#x"], starts: "2023-04-25T19:00", window_hours_afer: 5}',
            "window_hours_afer",
            "unknown field",
        ),
        (
            '{id: a, hashtags: ["two words"], starts: "2023-04-25T19:00"}',
            "hashtags",
            "not a hashtag",
        ),
    ],
)
def test_errors_name_file_chat_and_field(tmp_path, chat, field, words):
    path = write(tmp_path, f"chats:\n  - {chat}\n")
    with pytest.raises(RegistryError) as raised:
        load_registry(path)
    message = str(raised.value)
    assert str(path) in message and f"field '{field}'" in message and words in message


def test_duplicate_ids_and_bad_yaml(tmp_path):
    dup = write(
        tmp_path,
        'chats:\n  - {id: a, hashtags: ["#x"], starts: "2023-04-25T19:00"}\n  - {id: a, hashtags: ["#y"], starts: "2023-05-25T19:00"}\n',
    )
    with pytest.raises(RegistryError, match="used twice"):
        load_registry(dup)
    bad = write(tmp_path, "chats: [\n")
    with pytest.raises(RegistryError, match="line"):
        load_registry(bad)
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "missing.yaml")
