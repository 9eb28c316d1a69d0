"""Where collection writes: response files under `<raw>/<platform>/<chat_id>/`, each written
atomically, and the collection state of a chat and platform beside the warehouse.

A response file is written under a hidden temporary name in its own folder (ingest and the
sensor skip hidden files), flushed to disk, then renamed: a reader sees the whole file or
none of it, even if the process is killed mid-write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.stamps import write_atomically


class CollectError(Exception):
    """Collection cannot go on; the message says what to do. What was saved is kept."""


@dataclass
class ChatState:
    """What was collected for one chat on one platform, kept between calls.

    `queries` holds per search (hashtag, and instance on Mastodon) the time up to which it
    is collected and, while a pagination is under way, its floor, ceiling and cursor.
    """

    path: Path
    queries: dict[str, dict] = field(default_factory=dict)
    threads: dict[str, str] = field(default_factory=dict)
    reposters: dict[str, dict] = field(default_factory=dict)
    # Mastodon polls of chat statuses, "<instance> <poll id>": their expiry, until fetched final.
    polls: dict[str, str] = field(default_factory=dict)
    files: int = 0
    posts: int = 0
    requests: int = 0
    last_cursor: str | None = None
    last_collected_at: str | None = None
    complete: bool = False

    @classmethod
    def load(cls, path: Path) -> ChatState:
        if not path.exists():
            return cls(path)
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CollectError(
                f"{path}: collection state is not valid JSON ({error}); delete the file to "
                "collect the chat again from the start of its window"
            ) from error
        return cls(path, **{k: v for k, v in saved.items() if k in cls.__dataclass_fields__})

    def save(self) -> None:
        saved = {k: v for k, v in self.__dict__.items() if k != "path"}
        write_atomically(self.path, json.dumps(saved, indent=1, sort_keys=True).encode())

    def save_response(
        self, raw_dir: Path, platform: str, chat_id: str, endpoint: str, body: bytes,
        moment: datetime, posts: int,
    ) -> Path:  # fmt: skip
        """Write one response as `<raw>/<platform>/<chat>/<time>-<n>-<endpoint>.json`."""
        self.files += 1
        name = f"{moment:%Y%m%dT%H%M%SZ}-{self.files:05d}-{endpoint}.json"
        path = raw_dir / platform / chat_id / name
        write_atomically(path, body)
        self.posts += posts
        return path


def iso(moment: datetime) -> str:
    """A naive UTC time as the APIs write it: 2023-04-25T19:00:00.000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def state_dir_for(warehouse: Path) -> Path:
    """The collection states, in the warehouse's folder (never in the raw folder)."""
    return warehouse.parent / "collect"


def state_path(state_dir: Path, chat_id: str, platform: str) -> Path:
    return state_dir / chat_id / f"{platform}.json"
