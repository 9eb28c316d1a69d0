"""The floor: DuckDB reading the same twarc2 files into a table, with an explicit schema of
just the fields the warehouse uses, and no transformation.

    python benchmarks/floor.py RAW_DIR DATABASE
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

POST = (
    "STRUCT(id VARCHAR, author_id VARCHAR, created_at VARCHAR, text VARCHAR, "
    "conversation_id VARCHAR, in_reply_to_user_id VARCHAR, "
    "referenced_tweets STRUCT(type VARCHAR, id VARCHAR)[], "
    "entities STRUCT(hashtags STRUCT(tag VARCHAR)[], mentions STRUCT(username VARCHAR)[], "
    "urls STRUCT(expanded_url VARCHAR)[]), attachments STRUCT(poll_ids VARCHAR[]), "
    "public_metrics STRUCT(retweet_count BIGINT, reply_count BIGINT, like_count BIGINT, "
    "quote_count BIGINT, impression_count BIGINT), edit_history_tweet_ids VARCHAR[])"
)
COLUMNS = {
    "data": f"{POST}[]",
    "includes": f"STRUCT(users STRUCT(id VARCHAR, username VARCHAR, name VARCHAR)[], "
    f"tweets {POST}[], polls STRUCT(id VARCHAR, voting_status VARCHAR, "
    "options STRUCT(position BIGINT, label VARCHAR, votes BIGINT)[])[])",
    "__twarc": "STRUCT(retrieved_at VARCHAR)",
}


def main(argv: list[str]) -> int:
    raw_dir, database = Path(argv[0]), Path(argv[1])
    database.unlink(missing_ok=True)
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
    with duckdb.connect(str(database)) as con:
        con.execute(
            f"create table pages as select * from read_json(?, format = 'newline_delimited', "
            f"columns = {columns}, maximum_object_size = 268435456)",
            [str(raw_dir / "**" / "*.jsonl")],
        )
        posts = con.execute("select sum(len(data)) from pages").fetchone()[0]
    print(posts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
