"""The Bluesky and Mastodon readers on a large generated export: this tree's against a baseline.

Writes a Bluesky export (searchPosts pages, author feeds with reposts and reply context, a
thread) and a Mastodon export (hashtag timelines with reblogs, polls, spoilers, cards and
HTML content, contexts) of about --posts posts each, then loads them with
`orchestration.ingest.load_directory` twice in the same run: with this tree's readers, and
with the readers of --baseline (a git revision, default `main`: the per-post Python readers
before issue 18), each in its own process whose wall time and peak memory are measured. The
raw tables both make must be equal row for row (load times aside); the figures are printed
side by side.

    python -m benchmarks.social_readers [--posts 50000] [--baseline main] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks import measure
from benchmarks.run import RESULTS, ROOT, log, machine

LOAD = """
import json, sys, time
from pathlib import Path
import duckdb
from orchestration.ingest import load_directory
started = time.perf_counter()
with duckdb.connect() as con:
    summary = load_directory(con, Path(sys.argv[1]))
    seconds = time.perf_counter() - started
    tables = {}
    for table in ("posts", "users", "polls", "poll_options", "rejected_records"):
        columns = [
            name for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ? and column_name <> 'rejected_at' order by ordinal_position",
                [table],
            ).fetchall()
        ]
        tables[table] = con.execute(
            f"select md5(string_agg(row_text, chr(10) order by row_text)), count(*) from "
            f"(select ({', '.join(columns)})::varchar as row_text from raw.{table})"
        ).fetchone()
print("RESULT", json.dumps({"seconds": seconds, "posts": summary.posts,
                            "rejected": summary.rejected, "tables": tables}))
"""
WORDS = [
    "question",
    "answer",
    "chat",
    "care",
    "team",
    "safety",
    "flow",
    "idea",
    "data",
    "small",
    "steps",
    "learn",
    "share",
]
# Text before a facet that is not ASCII: Bluesky's facet offsets count UTF-8 bytes.
PREFIXES = ["", "Café ", "Grüße ", "日本語 ", "🎉 "]
START = datetime(2025, 4, 25, 12, tzinfo=UTC)


def _time(rng: random.Random, micro: bool = False) -> str:
    moment = START + timedelta(seconds=rng.randrange(86400))
    if micro:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1000):03d}Z"


def _bluesky_view(rng: random.Random, number: int, accounts: int) -> dict:
    author = rng.randrange(accounts)
    mention = rng.randrange(accounts)
    prefix = rng.choice(PREFIXES)
    mention_text = f"@user{mention}.bsky.social"
    text = f"{prefix}{mention_text} {' '.join(rng.sample(WORDS, 4))} #TestChat"
    start = len(prefix.encode())
    facets = [
        {
            "index": {"byteStart": start, "byteEnd": start + len(mention_text.encode())},
            "features": [
                {"$type": "app.bsky.richtext.facet#mention", "did": f"did:plc:user{mention}"}
            ],
        },
        {
            "index": {"byteStart": len(text.encode()) - 9, "byteEnd": len(text.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "TestChat"}],
        },
    ]
    if number % 7 == 0:
        facets.append(
            {
                "index": {"byteStart": 0, "byteEnd": 1},
                "features": [
                    {"$type": "app.bsky.richtext.facet#link", "uri": f"https://ex.org/{number}"}
                ],
            }
        )
    record = {
        "$type": "app.bsky.feed.post",
        "createdAt": _time(rng, micro=number % 5 == 0),
        "text": text,
        "facets": facets,
        "langs": ["en"],
    }
    if number % 11 == 0:
        record["tags"] = ["extra", "TestChat"]
    if number % 4 == 1 and number > 1:
        parent = f"at://did:plc:user{rng.randrange(accounts)}/app.bsky.feed.post/p{number - 1}"
        record["reply"] = {"parent": {"uri": parent, "cid": "c"}, "root": {"uri": parent}}
    if number % 9 == 0:
        record["embed"] = {
            "$type": "app.bsky.embed.record",
            "record": {"uri": f"at://did:plc:user0/app.bsky.feed.post/p{number // 2}"},
        }
    elif number % 13 == 0:
        record["embed"] = {
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"record": {"uri": f"at://did:plc:user1/app.bsky.feed.post/p{number // 3}"}},
        }
    elif number % 17 == 0:
        record["embed"] = {
            "$type": "app.bsky.embed.external",
            "external": {"uri": f"https://news.example/{number}", "title": "t"},
        }
    return {
        "uri": f"at://did:plc:user{author}/app.bsky.feed.post/p{number}",
        "cid": f"cid{number}",
        "author": {
            "did": f"did:plc:user{author}",
            "handle": f"user{author}.bsky.social",
            "displayName": f"User {author} ✨",
        },
        "record": record,
        "replyCount": rng.randrange(5),
        "repostCount": rng.randrange(5),
        "likeCount": rng.randrange(20),
        "quoteCount": rng.randrange(3),
        "indexedAt": record["createdAt"],
    }


def write_bluesky(path: Path, posts: int, seed: int = 18) -> None:
    """searchPosts pages, author feeds (reposts, reply context) and threads, one a line."""
    rng = random.Random(seed)
    accounts = max(posts // 20, 5)
    number = 0
    with path.open("w", encoding="utf-8") as handle:
        while number < posts:
            kind = rng.choice(("search", "feed", "thread"))
            if kind == "search":
                views = []
                for _ in range(25):
                    number += 1
                    views.append(_bluesky_view(rng, number, accounts))
                document = {"posts": views, "cursor": str(number)}
            elif kind == "feed":
                items = []
                for _ in range(25):
                    number += 1
                    item = {"post": _bluesky_view(rng, number, accounts)}
                    if number % 6 == 0:
                        by = rng.randrange(accounts)
                        item["reason"] = {
                            "$type": "app.bsky.feed.defs#reasonRepost",
                            "by": {"did": f"did:plc:user{by}", "handle": f"user{by}.bsky.social"},
                            "indexedAt": _time(rng),
                        }
                    if number % 8 == 0:
                        number += 1
                        context = _bluesky_view(rng, number, accounts)
                        item["reply"] = {"parent": context, "root": context}
                    items.append(item)
                document = {"feed": items}
            else:
                number += 1
                node = {"post": _bluesky_view(rng, number, accounts), "replies": []}
                for _ in range(5):
                    number += 1
                    reply = {"post": _bluesky_view(rng, number, accounts), "replies": []}
                    number += 1
                    reply["replies"].append({"post": _bluesky_view(rng, number, accounts)})
                    node["replies"].append(reply)
                node["replies"].append({"$type": "app.bsky.feed.defs#notFoundPost"})
                number += 1
                document = {
                    "thread": {**node, "parent": {"post": _bluesky_view(rng, number, accounts)}}
                }
            handle.write(json.dumps(document, ensure_ascii=False) + "\n")


def _mastodon_status(rng: random.Random, number: int, accounts: int) -> dict:
    author = rng.randrange(accounts)
    mention = rng.randrange(accounts)
    words = " ".join(rng.sample(WORDS, 4))
    content = (
        f'<p><span class="h-card"><a href="https://m.example/@user{mention}" '
        f'class="u-url mention">@<span>user{mention}</span></a></span> {words} &amp; more '
        f'&lt;3 <a href="https://m.example/tags/TestChat" class="mention hashtag" rel="tag">'
        f"#<span>TestChat</span></a></p>"
    )
    if number % 3 == 0:
        content += f'<p>Second line<br />with a <a href="https://ex.org/{number}?a=1&amp;b=2">link</a> ’ &quot;q&quot;</p>'
    status = {
        "id": str(110000000000000000 + number),
        "created_at": _time(rng),
        "in_reply_to_id": str(110000000000000000 + number - 1) if number % 4 == 1 else None,
        "in_reply_to_account_id": str(mention) if number % 4 == 1 else None,
        "spoiler_text": "CW: chat" if number % 10 == 0 else "",
        "content": content,
        "account": {
            "id": str(author),
            "username": f"user{author}",
            "acct": f"user{author}" if author % 3 else f"user{author}@other.example",
            "display_name": f"User {author}",
        },
        "tags": [{"name": "testchat", "url": "https://m.example/tags/testchat"}],
        "mentions": [{"id": str(mention), "acct": f"user{mention}"}],
        "reblogs_count": rng.randrange(5),
        "replies_count": rng.randrange(5),
        "favourites_count": rng.randrange(20),
        "reblog": None,
        "card": {"url": f"https://card.example/{number}"} if number % 12 == 0 else None,
        "poll": None,
    }
    if number % 15 == 0:
        status["poll"] = {
            "id": str(number),
            "expires_at": _time(rng),
            "expired": number % 2 == 0,
            "multiple": number % 3 == 0,
            "votes_count": 7,
            "voters_count": 5,
            "options": [{"title": "yes", "votes_count": 4}, {"title": "no", "votes_count": 3}],
        }
    if number % 19 == 0:
        status["quote"] = {"quoted_status": {"id": str(110000000000000000 + number // 2)}}
    return status


def write_mastodon(path: Path, posts: int, seed: int = 18) -> None:
    """Hashtag timelines (arrays of statuses, reblogs among them) and contexts, one a line."""
    rng = random.Random(seed)
    accounts = max(posts // 20, 5)
    number = 0
    with path.open("w", encoding="utf-8") as handle:
        while number < posts:
            if rng.random() < 0.8:
                statuses = []
                for _ in range(40):
                    number += 1
                    status = _mastodon_status(rng, number, accounts)
                    if number % 6 == 0:
                        number += 1
                        reblogged = _mastodon_status(rng, number, accounts)
                        status = {**status, "content": "", "reblog": reblogged, "tags": []}
                    statuses.append(status)
                document = statuses
            else:
                ancestors, descendants = [], []
                for _ in range(3):
                    number += 1
                    ancestors.append(_mastodon_status(rng, number, accounts))
                for _ in range(10):
                    number += 1
                    descendants.append(_mastodon_status(rng, number, accounts))
                document = {"ancestors": ancestors, "descendants": descendants}
            handle.write(json.dumps(document, ensure_ascii=False) + "\n")


def baseline_tree(revision: str, work: Path) -> Path:
    """The `orchestration` package as it was at `revision`, unpacked under `work`."""
    tree = work / f"baseline-{revision.replace('/', '_')}"
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "orchestration"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(tree, filter="data")
    return tree


def load(raw: Path, tree: Path) -> dict:
    """Load `raw` with the readers of `tree`, in a child process; its figures."""
    measured = measure.run(
        [sys.executable, "-c", LOAD, str(raw)], env={"PYTHONPATH": str(tree)}, cwd=tree
    ).check()
    (line,) = [row for row in measured.stdout.splitlines() if row.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    return {**result, "process_seconds": measured.seconds, "peak_rss_mb": measured.peak_rss_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--baseline", default="main", help="git revision of the baseline")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "social")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    baseline = baseline_tree(args.baseline, args.work)
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "posts": args.posts,
        "baseline": args.baseline,
    }
    same = True
    for platform, write in (("bluesky", write_bluesky), ("mastodon", write_mastodon)):
        raw = args.work / platform
        raw.mkdir(exist_ok=True)
        export = raw / f"{platform}.jsonl"
        log(f"writing a {platform} export of about {args.posts:,} posts")
        write(export, args.posts)
        log(f"loading it with the {args.baseline} readers and with this tree's")
        before = load(raw, baseline)
        after = load(raw, ROOT)
        same = same and before["tables"] == after["tables"]
        result[platform] = {
            "file_mb": round(export.stat().st_size / 2**20, 1),
            "baseline": before,
            "this_tree": after,
            "raw_tables_equal": before["tables"] == after["tables"],
        }
        print(
            f"{platform:9} {result[platform]['file_mb']:7.1f} MB  "
            f"{before['posts']:>7,} posts  load: {args.baseline} {before['seconds']:6.2f} s "
            f"(peak {before['peak_rss_mb']:5.0f} MB)  this tree {after['seconds']:6.2f} s "
            f"(peak {after['peak_rss_mb']:5.0f} MB)  x{before['seconds'] / after['seconds']:.1f}"
            f"  raw tables equal: {before['tables'] == after['tables']}"
        )
        if before["tables"] != after["tables"]:
            for table, digest in before["tables"].items():
                if digest != after["tables"][table]:
                    print(
                        f"  {table}: {args.baseline} {digest}, this tree {after['tables'][table]}"
                    )
    if args.save:
        path = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-social-readers.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        log(f"wrote {path}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
