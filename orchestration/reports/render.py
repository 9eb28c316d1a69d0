"""The chat report as HTML (self-contained), DOCX (the analyst's draft) and Markdown.

All three lay out one view of a ChatReport, in the seed's order: summary, polls, activity,
most popular post, participants, one section per question, shared resources, the monthly
series, data quality. Post text is always text: Jinja autoescapes it in HTML, python-docx
writes it as runs, Markdown escapes it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from orchestration import markdown
from orchestration.reports.content import ChatReport
from orchestration.reports.themes import docx_sections, markdown_sections, themes_view
from orchestration.reports.transcript import TRANSCRIPT_LINK_MARKDOWN, add_transcript_link

SUMMARY_MEASURES = (
    ("contributors", "contributors"),
    ("posts", "posts"),
    ("originals", "original posts"),
    ("retweets", "retweets"),
    ("replies", "replies"),
    ("quotes", "quotes"),
    ("impressions", "views of original posts"),
)


@dataclass
class ChartFiles:
    """PNG paths of a chat's charts (None where there was nothing to draw)."""

    timeline: Path | None = None
    participants: Path | None = None
    network: Path | None = None
    series: Path | None = None
    polls: list[Path] = field(default_factory=list)
    clouds: dict[str, Path | None] = field(default_factory=dict)
    keyword_bars: dict[str, Path | None] = field(default_factory=dict)
    theme_shares: dict[str, Path | None] = field(default_factory=dict)
    # How many of them were drawn just now (the others were up to date: chart_stamps.py).
    drawn: int = 0


def _number(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _records(frame: pd.DataFrame) -> list[dict]:
    return [] if frame is None or frame.empty else frame.to_dict("records")


def view(report: ChatReport, charts: ChartFiles, image, quality_page: str | None = None) -> dict:
    """The report's content as plain values; `image(path)` says how a chart is referenced;
    `quality_page` is the link to the run's data-quality page (relative to the report)."""
    window = report.activity.get("window", {})
    hour = report.activity.get("hour", {})
    summary_rows = []
    for measure, label in SUMMARY_MEASURES:
        published_window = report.published.get(measure)
        published_hour = report.published.get(f"hour_{measure}")
        published = " / ".join(
            f"{_number(v)} ({scope})"
            for scope, v in (("hour", published_hour), ("window", published_window))
            if v is not None
        )
        summary_rows.append(
            {
                "label": label,
                "hour": _number(hour.get(measure)),
                "window": _number(window.get(measure)),
                "published": published,
            }
        )
    summary_sentence = (
        f"{_number(window.get('contributors'))} contributors posted "
        f"{_number(window.get('originals'))} original posts and "
        f"{_number(window.get('retweets'))} retweets over the analysis window; during the hour "
        f"itself, {_number(hour.get('posts'))} posts from {_number(hour.get('contributors'))} "
        "contributors."
    )
    polls = []
    for index, (question, options) in enumerate(report.polls):
        polls.append(
            {
                "question": question,
                "total": _number(options["total_votes"].iloc[0]),
                "options": [
                    {**o, "pct_text": "–" if pd.isna(o["pct"]) else f"{o['pct']:.1f}%"}
                    for o in _records(options)
                ],
                "chart": image(charts.polls[index]) if index < len(charts.polls) else None,
            }
        )
    popular = [
        {
            "text": p["text"],
            "author_username": p["author_username"],
            "retweets": _number(p["retweet_count"]),
            "likes": _number(p["like_count"]),
            "views": None if pd.isna(p["impression_count"]) else _number(p["impression_count"]),
            "question": (
                f"Q{p['question_id']} ({p['question_text']})"
                if isinstance(p["question_id"], str)
                else None
            ),
        }
        for p in _records(report.popular)
    ]
    questions = []
    for section in report.questions:
        replies = _records(section.threads)
        questions.append(
            {
                "question_id": section.question_id,
                "question_text": section.question_text,
                "asked": section.asked_local.strftime("%H:%M") if section.asked_local else None,
                "responses": section.responses,
                "responders": section.responders,
                "likes": section.likes,
                "retweets": section.retweets,
                "top": [
                    {
                        **top,
                        "replies": [r for r in replies if r["post_id"] == top["post_id"]],
                    }
                    for top in _records(section.top_responses)
                ],
                "keywords": _records(section.keywords.head(15)),
                "cloud": image(charts.clouds.get(section.question_id)),
                "bars": image(charts.keyword_bars.get(section.question_id)),
                "themes": themes_view(section),
                "theme_chart": image(charts.theme_shares.get(section.question_id)),
            }
        )
    summary = report.series_summary
    series_sentence = (
        f"Over {summary.get('chats')} chats from {_month(summary.get('first_month'))} to "
        f"{_month(summary.get('last_month'))}: {_number(summary.get('contributors_min'))} to "
        f"{_number(summary.get('contributors_max'))} contributors a chat (average "
        f"{_number(summary.get('contributors_avg'))}), "
        f"{_number(summary.get('originals_min'))} to {_number(summary.get('originals_max'))} "
        f"original posts (average {_number(summary.get('originals_avg'))}) and "
        f"{_number(summary.get('retweets_min'))} to {_number(summary.get('retweets_max'))} "
        f"retweets (average {_number(summary.get('retweets_avg'))}); between "
        f"{_number(summary.get('posts_min'))} and {_number(summary.get('posts_max'))} posts a chat."
        if summary
        else "No series yet."
    )
    if summary and (summary.get("chats") or 0) > len(report.series):
        series_sentence += (
            f" The chart and table show the last {len(report.series)} chats, up to this one."
        )
    central = (
        ", ".join(f"@{row['username']}" for row in _records(report.centrality.head(5)))
        if not report.centrality.empty
        else ""
    )
    network = dict(report.network)
    if network:
        network = {
            k: ("–" if pd.isna(v) else (f"{v:.2f}" if k == "reciprocity" else _number(v)))
            for k, v in network.items()
        }
    return {
        "r": report,
        "summary_rows": summary_rows,
        "summary_sentence": summary_sentence,
        "has_published": bool(report.published),
        # Shown only for a chat on several platforms at once.
        "platforms": [
            {k: (v if k == "platform" else _number(v)) for k, v in row.items()}
            for row in _records(report.platforms)
        ]
        if len(report.platforms) > 1
        else [],
        "polls": polls,
        "popular": popular,
        "participants": _records(report.participants),
        "network": network,
        "central": central,
        "questions": questions,
        "links": [
            {
                **link,
                "href": link["url"] if link["url"].startswith(("http://", "https://")) else None,
            }
            for link in _records(report.links)
        ],
        "series": [
            {
                "month": _month(s["chat_month"]),
                **{k: _number(s[k]) for k in ("contributors", "originals", "retweets", "posts")},
            }
            for s in _records(report.series)
        ],
        "series_sentence": series_sentence,
        "warnings": report.warnings,
        "quality_page": quality_page,
        "charts": {
            "timeline": image(charts.timeline),
            "participants": image(charts.participants),
            "network": image(charts.network),
            "series": image(charts.series),
        },
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _month(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return pd.Timestamp(value).strftime("%b %Y")


def _data_uri(path: Path | None) -> str | None:
    if path is None:
        return None
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


_environment = Environment(
    loader=PackageLoader("orchestration.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def write_html(
    report: ChatReport, charts: ChartFiles, path: Path, quality_page: str | None = None
) -> Path:
    """One self-contained HTML file: charts embedded as data URIs, nothing fetched."""
    html = _environment.get_template("report.html.j2").render(
        **view(report, charts, _data_uri, quality_page)
    )
    path.write_text(html, encoding="utf-8")
    return path


def tables(v: dict) -> dict:
    """The report's tables as (header, rows), shared by the Markdown and the DOCX."""
    return {
        "summary": (
            ["figure", "the hour", "the window", "published"],
            [(r["label"], r["hour"], r["window"], r["published"]) for r in v["summary_rows"]],
        ),
        "platforms": (
            ["platform", "posts", "originals", "retweets", "replies", "contributors"],
            [
                (
                    p["platform"],
                    p["posts"],
                    p["originals"],
                    p["retweets"],
                    p["replies"],
                    p["contributors"],
                )
                for p in v["platforms"]
            ],
        ),
        "polls": [
            (
                ["option", "votes", "%"],
                [(o["option_label"], o["votes"], o["pct_text"]) for o in poll["options"]]
                + [("total", poll["total"], "")],
            )
            for poll in v["polls"]
        ],
        "popular": (
            ["account", "retweets", "likes", "views", "question", "post"],
            [
                (
                    f"@{p['author_username']}",
                    p["retweets"],
                    p["likes"],
                    p["views"] or "",
                    p["question"] or "",
                    p["text"],
                )
                for p in v["popular"]
            ],
        ),
        "participants": (
            ["#", "account", "originals", "retweets", "replies", "likes received"],
            [
                (
                    p["participant_rank"],
                    f"@{p['username']}",
                    p["originals"],
                    p["retweets"],
                    p["replies"],
                    p["likes_received"],
                )
                for p in v["participants"]
            ],
        ),
        "questions": (
            ["question", "asked", "responses", "responders", "likes", "retweets"],
            [
                (
                    f"Q{q['question_id']}. {q['question_text']}",
                    q["asked"] or "",
                    q["responses"],
                    q["responders"],
                    q["likes"],
                    q["retweets"],
                )
                for q in v["questions"]
            ],
        ),
        "top_responses": {
            q["question_id"]: (
                ["account", "likes", "post"],
                [(f"@{t['author_username']}", t["like_count"], t["text"]) for t in q["top"]],
            )
            for q in v["questions"]
        },
        "keywords": {
            q["question_id"]: (["word", "n"], [(k["term"], k["n"]) for k in q["keywords"]])
            for q in v["questions"]
        },
        "links": (
            ["shared by", "resource", "shares"],
            [(f"@{link['first_shared_by']}", link["url"], link["shares"]) for link in v["links"]],
        ),
        "series": (
            ["chat", "contributors", "originals", "retweets", "posts"],
            [
                (s["month"], s["contributors"], s["originals"], s["retweets"], s["posts"])
                for s in v["series"]
            ],
        ),
    }


def write_markdown(
    report: ChatReport, charts: ChartFiles, path: Path, quality_page: str | None = None
) -> Path:
    """The report's figures as Markdown tables for pasting; charts referenced by file name."""
    v = view(
        report, charts, lambda chart: None if chart is None else Path(chart).name, quality_page
    )
    t = tables(v)
    lines = [markdown.heading(1, report.title), "", markdown.escape(v["summary_sentence"]), ""]
    lines += [markdown.table(*t["summary"]), ""]
    lines += [TRANSCRIPT_LINK_MARKDOWN, ""]
    if v["platforms"]:
        lines += ["## By platform (the window)", "", markdown.table(*t["platforms"]), ""]
    for poll, poll_table in zip(v["polls"], t["polls"], strict=True):
        lines += [
            markdown.heading(2, f"Poll: {poll['question']}"),
            "",
            markdown.table(*poll_table),
            "",
        ]
    lines += ["## Most popular posts", "", markdown.table(*t["popular"]), ""]
    lines += ["## Participants (hosts left out)", "", markdown.table(*t["participants"]), ""]
    lines += ["## Questions", "", markdown.table(*t["questions"]), ""]
    for q in v["questions"]:
        lines += [markdown.heading(3, f"Q{q['question_id']} top responses and words"), ""]
        lines += [markdown.table(*t["top_responses"][q["question_id"]]), ""]
        lines += [markdown.table(*t["keywords"][q["question_id"]]), ""]
    lines += markdown_sections(v["questions"])
    lines += ["## Shared resources", "", markdown.table(*t["links"]), ""]
    lines += ["## Monthly series", "", markdown.escape(v["series_sentence"]), ""]
    lines += [markdown.table(*t["series"]), "", "## Data quality", ""]
    lines += [f"- {markdown.escape(w)}" for w in v["warnings"]] or ["Every check passed."]
    if quality_page:
        lines += ["", f"[Every check of this run]({quality_page}): expectation, target, observed."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_docx(
    report: ChatReport, charts: ChartFiles, path: Path, quality_page: str | None = None
) -> Path:
    """The draft the analyst edits: real headings, tables and the charts."""
    from docx import Document
    from docx.shared import Inches

    from orchestration.reports.docx_layout import Styled, add_link, add_table

    v = view(report, charts, lambda chart: chart, quality_page)
    t = tables(v)
    document = Document()
    document.core_properties.title = report.title
    styled = Styled(document)
    styled.heading(report.title, level=0)
    styled.paragraph(
        f"Chat {report.chat_id}, {report.starts_local:%A %d %B %Y, %H:%M} ({report.timezone})"
    )

    def table(header, rows):
        add_table(document, header, rows)

    def picture(chart, width=6.3):
        if chart is not None:
            document.add_picture(str(chart), width=Inches(width))

    styled.heading("Summary", level=1)
    styled.paragraph(v["summary_sentence"])
    table(*t["summary"])
    add_transcript_link(document)
    if v["platforms"]:
        styled.heading("By platform (the window)", level=2)
        table(*t["platforms"])
    for index, (poll, poll_table) in enumerate(zip(v["polls"], t["polls"], strict=True)):
        styled.heading(f"Poll: {poll['question']}", level=1)
        table(*poll_table)
        picture(charts.polls[index] if index < len(charts.polls) else None, 5.5)
    styled.heading("Activity", level=1)
    picture(charts.timeline)
    styled.heading("Most popular post", level=1)
    for p in v["popular"]:
        styled.paragraph(p["text"], style="Intense Quote")
        styled.paragraph(
            f"@{p['author_username']}: {p['retweets']} retweets, {p['likes']} likes"
            + (f", {p['views']} views" if p["views"] else "")
            + (f"; an answer to {p['question']}" if p["question"] else "")
        )
    styled.heading("Participants", level=1)
    picture(charts.participants)
    table(*t["participants"])
    if v["network"]:
        styled.heading("Who talks to whom", level=2)
        n = v["network"]
        styled.paragraph(
            f"{n['accounts']} accounts, {n['edges']} reply or mention links, "
            f"{n['reciprocal_pairs']} reciprocal pairs (reciprocity {n['reciprocity']})."
            + (f" Most central: {v['central']}." if v["central"] else "")
        )
        picture(charts.network)
    for q in v["questions"]:
        styled.heading(f"Q{q['question_id']}. {q['question_text']}", level=1)
        styled.paragraph(
            f"{q['responses']} responses from {q['responders']} accounts, {q['likes']} likes, "
            f"{q['retweets']} retweets." + (f" Asked at {q['asked']}." if q["asked"] else "")
        )
        for top in q["top"]:
            styled.paragraph(top["text"], style="Intense Quote")
            styled.paragraph(f"@{top['author_username']}, {top['like_count']} likes")
            for reply in top["replies"]:
                styled.paragraph(
                    f"@{reply['author_username']} replied to @{top['author_username']}: "
                    f"{reply['text']}",
                    style="List Bullet",
                )
        picture(charts.clouds.get(q["question_id"]), 5.8)
    docx_sections(styled, v["questions"])
    styled.heading("Shared resources", level=1)
    table(*t["links"])
    styled.heading("Monthly series", level=1)
    styled.paragraph(v["series_sentence"])
    picture(charts.series)
    table(*t["series"])
    styled.heading("Data quality", level=1)
    for warning in v["warnings"] or ["Every check passed for this chat."]:
        styled.paragraph(warning)
    if quality_page:
        paragraph = styled.paragraph("Every check of this run, its target and what was observed: ")
        add_link(paragraph, "the data-quality page", quality_page)
    document.save(str(path))
    return path
