"""Tables and links of the DOCX report: laid out for reading, formatted by Word styles.

Columns are sized to their content, as a browser sizes an HTML table: a column of numbers or
handles gets the width of its longest value, so `@PanelLead_demo` never breaks inside the
word; the columns of running text (a post, a link, a question) share what is left. Numbers
are right-aligned. Each table repeats its header row on every page and keeps every row on one
page. All formatting comes from named styles ("Table Text", "Table Number", "Table Heading",
the table style, "Hyperlink"), so an analyst restyles every table at once in Word.

Text is measured in DejaVu Sans and DejaVu Serif (bundled with matplotlib), the wider of
the two: wider than the template's Cambria and Calibri and their stand-ins (Caladea, Carlito),
and what LibreOffice falls back to without them, so a value that fits when measured fits in
whichever font renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from orchestration.markdown import number_columns

TABLE_STYLE = "Medium Shading 1 Accent 1"
TEXT_STYLE = "Table Text"
NUMBER_STYLE = "Table Number"
HEADING_STYLE = "Table Heading"
HEADING_NUMBER_STYLE = "Table Heading Number"
LINK_STYLE = "Hyperlink"
TABLE_FONT_PT = 9
# Word's default cell margins (0.08 inch a side) and a little room for rounding.
CELL_PADDING_PT = 2 * 5.76 + 3
# A word longer than this share of the page (a long link) may break rather than squeeze
# every other column.
LONGEST_UNBROKEN_SHARE = 0.4
# A table with a column of running text this wide spans the page, that column taking the
# rest; a table of short values keeps to its content.
RUNNING_TEXT_SHARE = 0.3


@lru_cache(maxsize=8192)
def text_width(text: str, bold: bool = False, size: float = TABLE_FONT_PT) -> float:
    """Width of `text` on one line, in points (the wider of the two measuring fonts)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    widths = []
    for family in ("DejaVu Sans", "DejaVu Serif"):
        properties = FontProperties(family=family, weight=700 if bold else 400)
        font = get_font(findfont(properties, fallback_to_default=True))
        font.set_size(size, 72)
        font.set_text(text, 0.0)
        widths.append(font.get_width_height()[0] / 64)
    return max(widths)


def _longest_word(text: str, bold: bool) -> float:
    return max((text_width(word, bold) for word in text.split()), default=0.0)


def column_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    page: float,
    numbers: set[int] = frozenset(),
) -> list[float]:
    """Each column's width in points on a page `page` points wide (`numbers`: the columns
    of numbers).

    A column is at least its longest word and at most its longest line. If every column's
    longest line fits, that is its width, and the widest column of running text takes the
    rest of the page; otherwise the columns that can wrap get their longest word plus a
    share of the rest in proportion to how much more they would take.
    """
    shortest, longest = [], []
    for index, title in enumerate(header):
        cells = [str(row[index]) for row in rows]
        word = max([_longest_word(title, True), *(_longest_word(c, False) for c in cells)])
        line = max([text_width(title, True), *(text_width(c) for c in cells)])
        word = min(word, page * LONGEST_UNBROKEN_SHARE)
        shortest.append(word + CELL_PADDING_PT)
        longest.append(max(line, word) + CELL_PADDING_PT)
    if sum(longest) <= page:
        running = [i for i in range(len(header)) if i not in numbers]
        widest = max(running, key=lambda i: longest[i], default=None)
        if widest is not None and longest[widest] > page * RUNNING_TEXT_SHARE:
            longest[widest] += page - sum(longest)
        return longest
    spare = page - sum(shortest)
    if spare <= 0:
        return [width * page / sum(shortest) for width in shortest]
    wanted = [most - least for most, least in zip(longest, shortest, strict=True)]
    return [
        least + spare * more / sum(wanted) for least, more in zip(shortest, wanted, strict=True)
    ]


def add_styles(document) -> None:
    """The paragraph and character styles the tables and links use (once per document)."""
    styles = document.styles
    names = {style.name for style in styles}
    if TEXT_STYLE not in names:
        text = styles.add_style(TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        text.base_style = styles["Normal"]
        text.quick_style = True
        text.font.size = Pt(TABLE_FONT_PT)
        text.paragraph_format.space_before = Pt(1)
        text.paragraph_format.space_after = Pt(1)
        text.paragraph_format.line_spacing = 1.0
        number = styles.add_style(NUMBER_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        number.base_style = text
        number.quick_style = True
        number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        heading = styles.add_style(HEADING_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        heading.base_style = text
        heading.quick_style = True
        heading.font.bold = True
        heading.paragraph_format.keep_with_next = True
        heading_number = styles.add_style(HEADING_NUMBER_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        heading_number.base_style = heading
        heading_number.quick_style = True
        heading_number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if LINK_STYLE not in names:
        link = styles.add_style(LINK_STYLE, WD_STYLE_TYPE.CHARACTER)
        link.font.color.rgb = RGBColor(0x00, 0x72, 0xB2)
        link.font.underline = True


def _table_properties(table, width_twips: int) -> None:
    # The table style's look: the header row and banded rows, not a bold first column
    # (which would make a handle wider than measured).
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        properties.append(look)
    for name, value in (
        ("firstRow", "1"),
        ("firstColumn", "0"),
        ("lastRow", "0"),
        ("lastColumn", "0"),
        ("noHBand", "0"),
        ("noVBand", "1"),
        ("val", "0420"),
    ):
        look.set(qn(f"w:{name}"), value)
    total = properties.find(qn("w:tblW"))
    total.set(qn("w:type"), "dxa")
    total.set(qn("w:w"), str(width_twips))


def _row_properties(row, header: bool) -> None:
    # Schema order in w:trPr: cantSplit before tblHeader.
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


class Styled:
    """Paragraphs and headings of one document, each style's id looked up once: python-docx
    finds a style by name in a scan of every style, for every paragraph (more than half of the
    time a chat's DOCX took)."""

    def __init__(self, document):
        self.document = document
        self._ids: dict[str, str | None] = {}

    def paragraph(self, text: str = "", style: str | None = None):
        paragraph = self.document.add_paragraph(text)
        if style is not None:
            if style not in self._ids:
                self._ids[style] = self.document.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            paragraph._p.style = self._ids[style]
        return paragraph

    def heading(self, text: str, level: int):
        """As python-docx's add_heading: "Title" for level 0, else "Heading N"."""
        return self.paragraph(text, "Title" if level == 0 else f"Heading {level}")


def add_table(document, header: Sequence[str], rows: Sequence[Sequence[object]]):
    """A table of `rows` under `header`, sized to its content; the python-docx table."""
    from docx.shared import Emu

    add_styles(document)
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    right = number_columns(rows)
    section = document.sections[-1]
    page = (section.page_width - section.left_margin - section.right_margin) / 12700
    widths = [Emu(int(width * 12700)) for width in column_widths(header, cells, page, right)]
    # Style ids looked up once: python-docx finds a style by name in a scan of every style.
    style_ids = {
        name: document.styles[name].style_id
        for name in (TEXT_STYLE, NUMBER_STYLE, HEADING_STYLE, HEADING_NUMBER_STYLE)
    }
    table = document.add_table(rows=1 + len(cells), cols=len(header))
    table.style = document.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _table_properties(table, sum(int(width.twips) for width in widths))
    for index, width in enumerate(widths):
        table.columns[index].width = width
    for row_index, (row, values) in enumerate(zip(table.rows, [list(header), *cells], strict=True)):
        _row_properties(row, header=row_index == 0)
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[index]
            paragraph = cell.paragraphs[0]
            paragraph.text = value
            if row_index == 0:
                style = HEADING_NUMBER_STYLE if index in right else HEADING_STYLE
            else:
                style = NUMBER_STYLE if index in right else TEXT_STYLE
            paragraph._p.style = style_ids[style]
    return table


def add_link(paragraph, text: str, target: str) -> None:
    """A hyperlink run (style "Hyperlink") to `target`, a URL or a path relative to the file."""
    part = paragraph.part
    relationship = part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = paragraph.add_run(text, style=LINK_STYLE)
    link.append(run._r)
    paragraph._p.append(link)
