"""Analysts' read-only access to the published warehouse: `tweetchat query` and `shell`."""

import io
import json
from pathlib import Path

from orchestration import cli
from orchestration.analyst import shell


def warehouse_of(sample_run):
    return str(sample_run["root"] / "warehouse" / "tweetchat.duckdb")


def test_query_prints_a_table_csv_and_json(sample_run, capsys):
    sql = "select month, contributors from marts.monthly_activity order by month"
    assert cli.main(["query", sql, "--warehouse", warehouse_of(sample_run)]) == 0
    table = capsys.readouterr().out
    assert "2023-04-01" in table and "133" in table and "4 rows" in table
    assert cli.main(["query", sql, "--format", "csv", "--warehouse", warehouse_of(sample_run)]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["month,contributors", "2023-01-01,168"]
    assert (
        cli.main(["query", sql, "--format", "json", "--warehouse", warehouse_of(sample_run)]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["contributors"] for r in rows] == [168, 124, 188, 133]


def test_query_refuses_writes_and_names_a_missing_warehouse(sample_run, capsys, tmp_path):
    assert (
        cli.main(["query", "delete from marts.posts", "--warehouse", warehouse_of(sample_run)]) == 2
    )
    assert "read-only" in capsys.readouterr().err
    assert cli.main(["query", "select 1", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "no published warehouse" in capsys.readouterr().err


def test_shell_runs_statements_until_the_semicolon(sample_run):
    out = io.StringIO()
    script = io.StringIO(
        ".tables\nselect count(*) as chats\n  from marts.chat_activity where scope = 'window';\n"
        ".format csv\nselect 1 as one;\nselect missing_column;\n"
    )
    assert shell(Path(warehouse_of(sample_run)), stdin=script, out=out) == 1
    text = out.getvalue()
    assert "marts.question_responses" in text
    assert " chats\n     4\n1 row" in text
    assert "one\n1\n" in text
    assert "error: Binder Error" in text
