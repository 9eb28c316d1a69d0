"""The report's themes (metrics.md 8): each question's themes and quote picks from the marts,
the "Key themes" and "Responses by theme" sections, and the chart of theme shares.

Selection and ordering only: every count is dbt's (marts.question_themes). Quotes are user
text: the HTML template escapes them, Markdown through markdown.escape, DOCX as plain text.
"""

from __future__ import annotations

from pathlib import Path

from orchestration import markdown

THEME_COLUMNS = ["theme_id", "label", "keywords", "origin", "responses", "responders", "share_pct"]
QUOTE_COLUMNS = ["theme_id", "excerpt", "author_username", "post_id"]


def themes_view(section) -> list[dict]:
    """Each theme of a question with its figures and its quote picks (for every renderer)."""
    # The quotes read once and grouped here, in their order (a frame filtered and turned to
    # records per theme took most of a report's view: it is laid out for each of the three
    # formats).
    picked: dict[str, list[dict]] = {}
    for pick in section.theme_quotes.to_dict("records"):
        picked.setdefault(pick["theme_id"], []).append(pick)
    view = []
    for theme in section.themes.to_dict("records"):
        picks = picked.get(theme["theme_id"], [])
        view.append(
            {
                "label": theme["label"],
                "keywords": theme["keywords"] or "",
                "analyst": theme["origin"] == "analyst",
                "responses": int(theme["responses"]),
                "share": f"{float(theme['share_pct']):.1f}",
                "quote": picks[0]["excerpt"] if picks else "",
                "quotes": [
                    {"excerpt": pick["excerpt"], "author": pick["author_username"]}
                    for pick in picks
                ],
            }
        )
    return view


def markdown_sections(questions: list[dict]) -> list[str]:
    """'Key themes' and 'Responses by theme' as Markdown lines (every text escaped)."""
    lines = ["## Key themes", ""]
    for q in questions:
        if not q["themes"]:
            continue
        lines += [
            f"### Q{markdown.escape(q['question_id'])}. {markdown.escape(q['question_text'])}",
            "",
        ]
        for theme in q["themes"]:
            quote = f": “{markdown.escape(theme['quote'])}”" if theme["quote"] else ""
            lines.append(
                f"- **{markdown.escape(theme['label'])}** ({theme['responses']} responses, "
                f"{theme['share']} %){quote}"
            )
        lines.append("")
    lines += ["## Responses by theme", ""]
    for q in questions:
        for theme in q["themes"]:
            lines += [
                f"### Q{markdown.escape(q['question_id'])}: {markdown.escape(theme['label'])}",
                "",
            ]
            lines += [
                f"> “{markdown.escape(pick['excerpt'])}” (@{markdown.escape(pick['author'])})"
                for pick in theme["quotes"]
            ]
            lines.append("")
    return lines


def docx_sections(styled, questions: list[dict]) -> None:
    """'Key themes' and 'Responses by theme' in a python-docx document (text, never markup),
    through its `docx_layout.Styled`."""
    styled.heading("Key themes", level=1)
    for q in questions:
        if not q["themes"]:
            continue
        styled.heading(f"Q{q['question_id']}. {q['question_text']}", level=2)
        for theme in q["themes"]:
            quote = f": “{theme['quote']}”" if theme["quote"] else ""
            styled.paragraph(
                f"{theme['label']} ({theme['responses']} responses, {theme['share']} %){quote}",
                style="List Bullet",
            )
        if q.get("theme_chart"):
            from docx.shared import Inches

            styled.document.add_picture(str(q["theme_chart"]), width=Inches(5.5))
    styled.heading("Responses by theme", level=1)
    for q in questions:
        for theme in q["themes"]:
            styled.heading(f"Q{q['question_id']}: {theme['label']}", level=2)
            for pick in theme["quotes"]:
                styled.paragraph(f"“{pick['excerpt']}”", style="Intense Quote")
                styled.paragraph(f"@{pick['author']}")


def theme_shares_chart(section, path: Path) -> Path | None:
    """The share of the question's themed responses under each theme (primary theme)."""
    # Imported here: the charts module imports the report content, which imports this module.
    from matplotlib import rc_context

    from orchestration.reports.charts import (
        ORIGINALS,
        PALETTE,
        STYLE,
        _save,
        _subplots,
        _wrap,
        bar_margins,
    )

    themes = section.themes
    if themes.empty:
        return None
    themes = themes.iloc[::-1]
    with rc_context(STYLE):
        figure, axis = _subplots(figsize=(8, 0.42 * len(themes) + 1.6))
        colours = [
            PALETTE["grey"] if theme_id == "other" else ORIGINALS for theme_id in themes["theme_id"]
        ]
        labels = [_wrap(str(label), 45) for label in themes["label"]]
        shares = themes["share_pct"].astype(float)
        bars = axis.barh(labels, shares, color=colours)
        axis.bar_label(bars, fmt="%.1f %%", padding=2, fontsize=9)
        axis.set_xlabel("share of the themed responses (%)")
        title = _wrap(f"Q{section.question_id}: themes of the responses", 70)
        axis.set_title(title)
        axis.grid(axis="y", visible=False)
        values = [f"{share:.1f} %" for share in shares]
        return _save(figure, path, bar_margins(figure, labels, values, title))
