"""The baseline: what an analyst would write instead of the warehouse.

Reads every twarc2 page with json.loads, builds one pandas frame of posts, and computes the
window figures of each chat of a chats.yaml (metrics.md 3 and 4: hashtag or retweet of a
tagged post, the window, the latest copy of a post, superseded edits dropped). Prints them
as JSON: {chat_id: {posts, originals, retweets, replies, quotes, contributors}}.

    python benchmarks/baseline_pandas.py RAW_DIR CHATS_YAML
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import yaml

HASHTAG = re.compile(r"#(\w+)")


def tags_of(post: dict) -> list[str]:
    entities = (post.get("entities") or {}).get("hashtags")
    if entities is not None:
        return [h["tag"].lower() for h in entities]
    return [t.lower() for t in HASHTAG.findall(post.get("text") or "")]


def read_posts(raw_dir: Path) -> tuple[pd.DataFrame, dict]:
    rows, referenced_tags = [], {}
    for path in sorted(raw_dir.rglob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                page = json.loads(line)
                retrieved = (page.get("__twarc") or {}).get("retrieved_at")
                data = page.get("data", page if "id" in page else [])
                for post in [data] if isinstance(data, dict) else data:
                    refs = {r["type"]: r["id"] for r in post.get("referenced_tweets") or []}
                    rows.append(
                        {
                            "id": post["id"],
                            "author_id": post.get("author_id"),
                            "created_at": post.get("created_at"),
                            "retweeted": refs.get("retweeted"),
                            "reply": "replied_to" in refs,
                            "quote": "quoted" in refs,
                            "tags": tags_of(post),
                            "edits": post.get("edit_history_tweet_ids") or [],
                            "retrieved_at": retrieved
                            or post.get("__twarc", {}).get("retrieved_at"),
                            "file": str(path),
                        }
                    )
                for post in (page.get("includes") or {}).get("tweets") or []:
                    referenced_tags.setdefault(post["id"], tags_of(post))
    frame = pd.DataFrame(rows)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    frame["retrieved_at"] = pd.to_datetime(frame["retrieved_at"], utc=True, format="ISO8601")
    # The copy retrieved last wins.
    frame = frame.sort_values(["retrieved_at", "file"]).drop_duplicates("id", keep="last")
    # A post whose id stands in an edit history before its last id is superseded.
    superseded = {i for edits in frame["edits"] for i in edits[:-1]}
    frame = frame[~frame["id"].isin(superseded)]
    for post_id, tags in zip(frame["id"], frame["tags"], strict=True):
        referenced_tags.setdefault(post_id, tags)
    return frame, referenced_tags


def chat_figures(frame: pd.DataFrame, referenced_tags: dict, chats_file: Path) -> dict:
    registry = yaml.safe_load(chats_file.read_text(encoding="utf-8"))
    default_zone = registry.get("timezone", "UTC")
    figures = {}
    for chat in registry["chats"]:
        zone = ZoneInfo(chat.get("timezone", default_zone))
        starts = datetime.fromisoformat(str(chat["starts"])).replace(tzinfo=zone)
        begin = pd.Timestamp(starts - timedelta(hours=chat.get("window_hours_before", 0)))
        end = pd.Timestamp(starts + timedelta(hours=chat.get("window_hours_after", 24)))
        wanted = {t.lower().lstrip("#") for t in chat["hashtags"]}
        in_window = frame[(frame["created_at"] >= begin) & (frame["created_at"] < end)]
        own = in_window["tags"].map(wanted.intersection).map(bool)
        via_retweet = in_window["retweeted"].map(
            lambda rt, wanted=wanted: (
                rt is not None and bool(wanted.intersection(referenced_tags.get(rt, ())))
            )
        )
        posts = in_window[own | via_retweet]
        retweet = posts["retweeted"].notna()
        figures[chat["id"]] = {
            "posts": len(posts),
            "originals": int((~retweet).sum()),
            "retweets": int(retweet.sum()),
            "replies": int((posts["reply"] & ~retweet).sum()),
            "quotes": int((posts["quote"] & ~retweet).sum()),
            "contributors": int(posts["author_id"].nunique()),
        }
    return figures


def main(argv: list[str]) -> int:
    raw_dir, chats_file = Path(argv[0]), Path(argv[1])
    frame, referenced = read_posts(raw_dir)
    json.dump(chat_figures(frame, referenced, chats_file), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
