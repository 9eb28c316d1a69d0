"""The chat finder (`tweetchat chats find`): bursts of hashtag activity become registry entries."""

import csv
import random
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from orchestration.cli import main
from orchestration.finder import FinderError, find_chats, write_registry
from orchestration.registry import load_registry
from orchestration.sample.generator import write_sample
from orchestration.settings import SAMPLE_DIR
from tests.conftest import SHARED


def _essentials(chats):
    return {
        (chat.starts_local, tuple(chat.hosts), frozenset(tag.lower() for tag in chat.hashtags))
        for chat in chats
    }


def test_finds_the_sample_chats_hosts_and_start_times_exactly(tmp_path):
    found = find_chats(SAMPLE_DIR / "raw", timezone="Europe/London")
    out = tmp_path / "chats.yaml"
    write_registry(found, "Europe/London", out)
    proposed = load_registry(out)  # the loader `tweetchat run` uses
    expected = load_registry(SAMPLE_DIR / "chats.yaml")
    assert _essentials(proposed.chats) == _essentials(expected.chats)
    for mine, theirs in zip(proposed.chats, expected.chats, strict=True):
        assert [(q.id, q.text) for q in mine.questions] == [
            (q.id, q.text) for q in theirs.questions
        ]
    assert [chat.id for chat in proposed.chats] == [chat.id for chat in expected.chats]
    # Each chat says why it was proposed.
    assert out.read_text().count("# found: ") == 4


def _tags_noise(path, hashtags, first, last, count, seed=7):
    """A TAGS sheet of posts spread over the year: background use of the chats' hashtags."""
    rng = random.Random(seed)
    span = (last - first).total_seconds()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id_str", "from_user", "text", "created_at", "entities_str"])
        for number in range(count):
            moment = first + timedelta(seconds=rng.uniform(0, span))
            tag = rng.choice(hashtags)
            writer.writerow(
                [
                    str(5_000_000_000 + number),
                    f"bystander{rng.randrange(50)}",
                    f"Thinking about improvement today {tag}",
                    moment.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                    "NA",
                ]
            )


def test_a_year_of_generated_chats_with_background_noise_in_two_formats(tmp_path):
    write_sample(tmp_path, posts=12_000, log=lambda message: None)
    expected = load_registry(tmp_path / "chats.yaml")
    hashtags = sorted({tag for chat in expected.chats for tag in chat.hashtags})
    _tags_noise(
        tmp_path / "raw" / "background.csv",
        hashtags,
        datetime(2019, 1, 1, tzinfo=UTC),
        datetime(2019, 12, 31, tzinfo=UTC),
        count=3_000,
    )
    found = find_chats(tmp_path / "raw", timezone="Europe/London")
    assert len(expected.chats) == 12
    assert _essentials(found) == _essentials(expected.chats)


def test_merging_into_an_existing_registry_keeps_its_chats_and_text(tmp_path):
    registry = yaml.safe_load((SAMPLE_DIR / "chats.yaml").read_text())
    registry["chats"] = registry["chats"][:2]
    out = tmp_path / "chats.yaml"
    text = "# my own notes\n" + yaml.safe_dump(registry, sort_keys=False)
    out.write_text(text)
    found = find_chats(SAMPLE_DIR / "raw", timezone="Europe/London")
    write_registry(found, "Europe/London", out)
    merged = out.read_text()
    assert merged.startswith(text)
    chats = load_registry(out).chats
    assert [chat.id for chat in chats] == [
        "leadingqi-2023-01",
        "leadingqi-2023-02",
        "leadingqi-2023-03",
        "leadingqi-2023-04",
    ]
    # The two registered chats keep their own entries (with their published figures).
    assert chats[0].published and not chats[3].published
    # A second pass adds nothing.
    write_registry(find_chats(SAMPLE_DIR / "raw", timezone="Europe/London"), "Europe/London", out)
    assert out.read_text() == merged


def test_an_empty_folder_gets_a_clear_message(tmp_path, capsys):
    with pytest.raises(FinderError, match="no export files"):
        find_chats(tmp_path)
    assert main(["chats", "find", "--raw", str(tmp_path)]) == 2
    assert "no export files" in capsys.readouterr().err
    assert main(["chats", "find", "--raw", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_the_cli_prints_a_registry_and_narrows_to_a_hashtag(capsys):
    assert (
        main(
            [
                "chats",
                "find",
                "--raw",
                str(SAMPLE_DIR / "raw"),
                "--hashtag",
                "QIHour",
                "--timezone",
                "Europe/London",
            ]
        )
        == 0
    )
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["timezone"] == "Europe/London"
    assert [chat["hashtags"] for chat in printed["chats"]] == [["#QIHour"]] * 4


def test_open_without_a_browser_prints_the_path(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for chat_id in ("leadingqi-2023-03", "leadingqi-2023-04"):
        (tmp_path / chat_id).mkdir()
        (tmp_path / chat_id / "report.html").write_text("<html></html>")
    assert main(["open", "--out", str(tmp_path), "leadingqi-2023-03"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "leadingqi-2023-03" / "report.html")
    assert main(["open", "--out", str(tmp_path), "nope"]) == 2
    assert "reports exist for leadingqi-2023-03, leadingqi-2023-04" in capsys.readouterr().err


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is missing (real exports)")
def test_real_exports_of_every_format_give_a_registry_that_loads(tmp_path):
    found = find_chats(SHARED / "fixtures", min_posts=5)
    assert found, "the real exports hold at least one burst of hashtag activity"
    out = tmp_path / "chats.yaml"
    write_registry(found, "UTC", out)
    assert [chat.id for chat in load_registry(out).chats] == [chat.id for chat in found]
