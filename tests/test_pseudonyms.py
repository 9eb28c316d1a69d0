"""--pseudonymise: non-host handles become stable keyed pseudonyms in every shared output."""

import duckdb
from docx import Document

from orchestration.pseudonyms import Pseudonymiser, load_key
from orchestration.reports import existing_charts
from orchestration.reports.content import load_chat_report, pseudonymised
from orchestration.reports.render import write_docx, write_html, write_markdown


def test_pseudonyms_are_stable_keyed_and_spare_hosts(tmp_path, monkeypatch):
    monkeypatch.delenv("TWEETCHAT_PSEUDONYM_KEY", raising=False)
    key = load_key(tmp_path / "tweetchat.duckdb")
    assert (tmp_path / ".pseudonym_key").stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path / "tweetchat.duckdb") == key
    names = Pseudonymiser(key, ["Host_demo"])
    assert names.handle("Ann_demo") == names.handle("ann_demo") != "Ann_demo"
    assert names.handle("ann_demo").startswith("participant_")
    assert Pseudonymiser(b"another key", []).handle("ann_demo") != names.handle("ann_demo")
    assert names.handle("host_demo") == "host_demo"
    text = names.text("@Ann_demo thanks @Host_demo, mail ann@example.org")
    assert text == f"@{names.handle('Ann_demo')} thanks @Host_demo, mail ann@example.org"


def test_reports_show_no_participant_handle(sample_run, tmp_path):
    database = sample_run["root"] / "warehouse" / "tweetchat.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        report = load_chat_report(con, "leadingqi-2023-04")
        handles = [
            name
            for (name,) in con.execute(
                "select username from marts.participants "
                "where chat_id = 'leadingqi-2023-04' and not is_host"
            ).fetchall()
        ]
    names = Pseudonymiser(b"test key", report.hosts)
    pseudonymised(report, names)
    charts = existing_charts(report, sample_run["root"] / "output" / "leadingqi-2023-04")
    html = write_html(report, charts, tmp_path / "report.html").read_text()
    md = write_markdown(report, charts, tmp_path / "report.md").read_text().replace("\\", "")
    docx = Document(str(write_docx(report, charts, tmp_path / "report.docx")))
    docx_text = "\n".join(p.text for p in docx.paragraphs) + "\n".join(
        cell.text for table in docx.tables for row in table.rows for cell in row.cells
    )
    for output in (html, md, docx_text):
        leaked = [h for h in handles if h.lower() in output.lower()]
        assert leaked == []
        assert "QIChatHost_demo" in output
        assert names.handle("PanelLead_demo") in output
