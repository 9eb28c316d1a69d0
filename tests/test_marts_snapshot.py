"""The before/after comparison of marts (benchmarks/marts_snapshot.py) that a change of shape
is checked with: equal marts compare equal, and a changed, missing or extra row is seen."""

import shutil

import duckdb

from benchmarks import marts_snapshot


def test_saved_marts_equal_themselves_and_a_changed_row_is_seen(sample_run, tmp_path):
    warehouse = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    saved = tmp_path / "before"
    counts = marts_snapshot.save(warehouse, saved)
    assert {"chat_activity", "account_centrality", "posts"} <= set(counts)
    assert marts_snapshot.differences(marts_snapshot.compare(warehouse, saved)) == {}

    changed = tmp_path / "changed.duckdb"
    shutil.copy(warehouse, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute(
            "update marts.chat_activity set contributors = contributors + 1 "
            "where chat_id = (select min(chat_id) from marts.chat_activity) and scope = 'hour'"
        )
        con.execute(
            "delete from marts.posts where post_id = (select min(post_id) from marts.posts)"
        )
        con.execute("drop table marts.shared_links")
    different = marts_snapshot.differences(marts_snapshot.compare(changed, saved))
    assert different["chat_activity"]["only_before"] == 1
    assert different["chat_activity"]["only_after"] == 1
    assert different["posts"]["only_before"] >= 1 and different["posts"]["only_after"] == 0
    assert different["shared_links"] == {"missing": "after"}
    assert marts_snapshot.main(["compare", "--warehouse", str(changed), "--with", str(saved)]) == 1
