"""The raw schema's DDL, all of it: the canonical raw contract (metrics.md section 2) that every
export reader fills, and the registry tables `chats.yaml` is written to.

Readers land what an export says, typed but not interpreted: which posts belong to a
chat, which copy wins and every count are dbt's job. The temp tables readers stage an export
in are described in `staging.py`.
"""

RAW_TABLES = {
    "posts": """
        platform varchar not null,
        post_id varchar not null,
        section varchar not null,          -- 'data': a post of the export; 'includes': a referenced post
        author_id varchar,
        author_username varchar,
        created_at timestamp,              -- UTC
        text varchar,
        reply_to_post_id varchar,
        reply_to_user_id varchar,
        quoted_post_id varchar,
        retweeted_post_id varchar,
        conversation_id varchar,
        hashtags varchar[],                -- from the export's entities; null when it has none
        mentions varchar[],
        urls varchar[],
        poll_ids varchar[],
        edit_history_ids varchar[],
        retweet_count bigint,
        reply_count bigint,
        like_count bigint,
        quote_count bigint,
        impression_count bigint,
        retrieved_at timestamp,
        source_file varchar not null,
        source_line bigint not null,
        kind varchar                       -- 'retweet' where an export says so without naming
                                           -- the retweeted post (TAGS, spreadsheets); else null
    """,
    "users": """
        platform varchar not null,
        user_id varchar not null,
        username varchar,
        display_name varchar,
        retrieved_at timestamp,
        source_file varchar not null,
        source_line bigint not null
    """,
    "polls": """
        platform varchar not null,
        poll_id varchar not null,
        voting_status varchar,
        end_at timestamp,
        duration_minutes bigint,
        retrieved_at timestamp,
        source_file varchar not null,
        source_line bigint not null,
        multiple_choice boolean,           -- Mastodon: voters may pick several options
        voters bigint                      -- Mastodon: accounts that voted (votes >= voters)
    """,
    "poll_options": """
        platform varchar not null,
        poll_id varchar not null,
        option_position bigint not null,
        option_label varchar,
        votes bigint,
        retrieved_at timestamp,
        source_file varchar not null,
        source_line bigint not null
    """,
    "rejected_records": """
        source_file varchar not null,
        line bigint,
        field varchar,
        reason varchar not null,
        raw_text varchar,
        rejected_at timestamp not null
    """,
    "loaded_files": """
        path varchar not null,
        sha256 varchar not null,
        format varchar,
        rows bigint not null,              -- posts landed (data and referenced)
        rejected bigint not null,
        bytes bigint not null,
        file_modified_at timestamp not null,
        loaded_at timestamp not null,
        duplicate_of varchar               -- set when the same bytes were loaded under another path
    """,
}

# Tables holding one file's rows, replaced together when that file changes.
PER_FILE_TABLES = ("posts", "users", "polls", "poll_options")


# Columns added after the first release: a warehouse built before them gets them (null).
ADDED_COLUMNS = {
    "posts": {"kind": "varchar"},
    "polls": {"multiple_choice": "boolean", "voters": "bigint"},
}


# The chat registry (chats.yaml), replaced whole by every run (`warehouse.write_registry`).
REGISTRY_TABLES = {
    "chats": """
        chat_id varchar primary key,
        title varchar,
        timezone varchar,
        starts_local timestamp,
        starts_at timestamp,
        duration_minutes integer,
        window_hours_before double,
        window_hours_after double,
        registry_file varchar
    """,
    "chat_hashtags": "chat_id varchar, hashtag varchar",
    "chat_hosts": "chat_id varchar, username varchar",
    "chat_questions": """
        chat_id varchar,
        question_id varchar,
        question_position integer,
        question_text varchar
    """,
    "chat_published": "chat_id varchar, measure varchar, published_value bigint",
}


def replace_registry_tables(con) -> None:
    """Empty registry tables (raw.chats and friends), replacing any there."""
    con.execute("create schema if not exists raw")
    for name, columns in REGISTRY_TABLES.items():
        con.execute(f"create or replace table raw.{name} ({columns})")


def create_raw_tables(con) -> None:
    con.execute("create schema if not exists raw")
    for name, columns in RAW_TABLES.items():
        con.execute(f"create table if not exists raw.{name} ({columns})")
    for name, added in ADDED_COLUMNS.items():
        for column, column_type in added.items():
            con.execute(f"alter table raw.{name} add column if not exists {column} {column_type}")
