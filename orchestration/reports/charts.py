"""The report's charts (matplotlib): one style, PNG, words on every axis.

Colours are the Okabe-Ito palette (safe for colour-blind readers); time axes are in the
chat's local time. Each function draws from a ChatReport (or its frames) and returns the
PNG path. Drawn once, at the size the reports show: about 1,000 pixels for a 10-inch
figure, the HTML report's width (920 CSS pixels) and 160 dpi at the DOCX's 6.3 inches.
Nothing else is written: the reports reference the PNG only.
"""

from __future__ import annotations

import textwrap
import threading
import zlib
from functools import cache, lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from orchestration.reports.content import ChatReport, QuestionSection  # noqa: E402

PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
}
CLOUD_SIZE, CLOUD_SCALE = (1000, 500), 2  # the PNG's pixels; layout on a canvas 1/scale of it
PNG_COMPRESSION = 3  # zlib level of every chart's PNG
ORIGINALS, RETWEETS, REPLIES, CONTRIBUTORS = (
    PALETTE["blue"],
    PALETTE["orange"],
    PALETTE["green"],
    PALETTE["purple"],
)
STYLE = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}


@lru_cache(maxsize=16)
def _shared_renderer(width: int, height: int, dpi: float, thread: int) -> RendererAgg:
    # One a thread too: two threads drawing at once would mix their pixels on one renderer.
    return RendererAgg(width, height, dpi)


class _Canvas(FigureCanvasAgg):
    """An Agg canvas drawing on the renderer of every figure of its size in this process.

    matplotlib caches text measures per renderer, and each canvas makes its own: one
    renderer a size lets a chart reuse the measures of the charts drawn before it (tick
    labels, titles, axis labels), 10-30 % of a bar chart's time; the pixels are the same.
    The renderer is cleared at each drawing: a chart's pixels are read (`_save`) before
    the next chart is drawn.
    """

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)
        self.renderer = _shared_renderer(width, height, self.figure.dpi, threading.get_ident())
        return self.renderer


def _subplots(*args, **kwargs):
    """A figure and its axes on an Agg canvas of their own (`Figure.subplots` arguments):
    not pyplot's, which keeps every figure in its registry until it is closed."""
    figure = Figure(figsize=kwargs.pop("figsize"))
    _Canvas(figure)
    return figure, figure.subplots(*args, **kwargs)


def _write_png(image: Image.Image, path: Path) -> Path:
    """The picture as an RGB PNG (every chart is opaque: no alpha channel to encode), at
    zlib level 3: about 30 % less encoding time than the default 6 for 5 % more bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dpi = STYLE["savefig.dpi"]
    image.save(path, format="PNG", compress_level=PNG_COMPRESSION, dpi=(dpi, dpi))
    return path


def _save(figure, path: Path, margins: dict | None = None) -> Path:
    """The chart as PNG (what the HTML, DOCX and Markdown reports show).

    Laid out once (`tight_layout`, or the `margins` given, as `subplots_adjust` takes them)
    and drawn once, at the figure's own dpi: `savefig.bbox: tight` drew every chart twice,
    and so does `savefig` after `tight_layout` (which leaves a placeholder layout engine,
    for which savefig draws the figure once more first); the canvas's pixels are written
    as they are.
    """
    if margins is None:
        figure.tight_layout()
        figure.set_layout_engine(None)
    else:
        figure.subplots_adjust(**margins)
    figure.canvas.draw()
    rgba = figure.canvas.buffer_rgba()
    return _write_png(
        Image.frombuffer("RGBA", rgba.shape[1::-1], rgba).convert("RGB"), path.with_suffix(".png")
    )


@cache
def _text_size(text: str, points: float, bold: bool = False) -> tuple[float, float]:
    """Width and height in pixels of a line of text as the charts draw it (Agg, 100 dpi)."""
    from matplotlib.font_manager import FontProperties

    properties = FontProperties(size=points, weight="bold" if bold else "normal")
    renderer = _shared_renderer(1, 1, STYLE["savefig.dpi"], threading.get_ident())
    width, height, _ = renderer.get_text_width_height_descent(text, properties, False)
    return width, height


def bar_margins(figure, labels, values, title: str, axis_end: float = 0) -> dict | None:
    """The margins of a horizontal bar chart (`subplots_adjust`'s), from its texts' measured
    sizes: what `tight_layout` finds by laying the whole figure out once more (about a fifth
    of such a chart's time), for a chart whose texts are known before it is drawn.

    `labels` are the bars' (tick) labels, `values` their value labels (9 points, drawn
    past each bar's end: the widest is kept free on the right, whichever bar it ends),
    `title` the axes title (13 points, bold). Pads as tight_layout's: 1.08 font sizes
    around the figure, ticks and tick labels 3.5 + 3.5 points, the axis label 4 points
    below its tick labels, the title 6 points above the axes. None where the title would
    be wider than the axes (`_save` then lays the chart out with tight_layout). `axis_end`,
    the largest value of a chart with no value labels: half its widest x tick label (a tick
    can sit at the axis' end) is kept free on the right; digits are of one width, so the
    next power of ten's label is as wide as any tick up to it.
    """
    size = STYLE["font.size"]
    pixels = STYLE["savefig.dpi"] / 72  # a point
    pad = 1.08 * size * pixels
    ticks = (3.5 + 3.5) * pixels
    line = 1.2 * size * pixels  # a line of 11-point text, as matplotlib spaces them
    widest = max(
        (_text_size(part, size)[0] for label in labels for part in str(label).split("\n")),
        default=0.0,
    )
    value = max((_text_size(str(v), 9)[0] for v in values), default=0.0) + 2 * pixels
    if axis_end > 0:
        end_tick = str(10 ** len(str(int(axis_end))))
        value = max(value, _text_size(end_tick, size)[0] / 2 + 2 * pixels)
    title_height = (title.count("\n") + 1) * 1.2 * STYLE["axes.titlesize"] * pixels
    width, height = figure.get_size_inches() * STYLE["savefig.dpi"]
    left, right = pad + widest + ticks, pad + value
    title_width = max(
        _text_size(part, STYLE["axes.titlesize"], True)[0] for part in title.split("\n")
    )
    if title_width > width - left - right:
        return None  # a title wider than its axes: tight_layout finds where it fits
    return {
        "left": left / width,
        "right": 1 - right / width,
        "top": 1 - (pad + title_height + 6 * pixels) / height,
        "bottom": (pad + ticks + line + 4 * pixels + line) / height,
    }


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def timeline_chart(report: ChatReport, path: Path) -> Path:
    """Posts through the hour (5-minute bars, questions marked) and over the window."""
    timeline = report.timeline
    with rc_context(STYLE):
        figure, (hour_axis, window_axis) = _subplots(
            2, 1, figsize=(10, 7.5), gridspec_kw={"height_ratios": [1, 1]}
        )
        hour = timeline[timeline["in_hour"]]
        width = pd.Timedelta(minutes=4.2)
        hour_axis.bar(
            hour["bucket_start_local"],
            hour["originals"],
            width=width,
            align="edge",
            color=ORIGINALS,
            label="original posts",
        )
        hour_axis.bar(
            hour["bucket_start_local"],
            hour["retweets"],
            width=width,
            align="edge",
            bottom=hour["originals"],
            color=RETWEETS,
            label="retweets",
        )
        top = (hour["originals"] + hour["retweets"]).max() if len(hour) else 1
        for question in report.questions:
            if question.asked_local is not None:
                hour_axis.axvline(question.asked_local, color=PALETTE["grey"], linestyle="--")
                hour_axis.annotate(
                    f"Q{question.question_id}",
                    (question.asked_local, top * 1.02),
                    ha="center",
                    fontsize=10,
                    color="#333333",
                )
        hour_axis.set_ylim(0, max(1, top) * 1.15)
        hour_axis.set_title("Through the chat hour: posts every 5 minutes, questions marked")
        hour_axis.set_ylabel("posts per 5 minutes")
        hour_axis.set_xlabel(f"local time ({report.timezone})")
        hour_axis.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        hour_axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))

        # Rates per hour, so the hour's 5-minute buckets and the hourly ones compare.
        rate = timeline["posts"] * 60 / timeline["bucket_minutes"].clip(lower=1)
        window_axis.step(
            timeline["bucket_start_local"],
            rate,
            where="post",
            color=ORIGINALS,
            linewidth=1.5,
        )
        window_axis.fill_between(
            timeline["bucket_start_local"],
            rate,
            step="post",
            color=ORIGINALS,
            alpha=0.25,
        )
        window_axis.axvspan(
            report.starts_local,
            report.hour_ends_local,
            color=PALETTE["orange"],
            alpha=0.35,
            label="the chat hour",
        )
        window_axis.set_title("Over the analysis window")
        window_axis.set_ylabel("posts per hour")
        window_axis.set_xlabel(f"local date and time ({report.timezone})")
        window_axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M"))
        window_axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        figure.suptitle(_wrap(f"{report.title}: activity", 80), fontsize=14)
        return _save(figure, path)


def series_chart(series: pd.DataFrame, summary: dict, path: Path, title: str) -> Path:
    """Contributors, originals and retweets per chat, grouped, with the series averages."""
    measures = [
        ("contributors", "contributors", CONTRIBUTORS),
        ("originals", "original posts", ORIGINALS),
        ("retweets", "retweets", RETWEETS),
    ]
    with rc_context(STYLE):
        figure, axis = _subplots(figsize=(max(9, 1.6 * len(series) + 3), 5))
        positions = range(len(series))
        width = 0.8 / len(measures)
        for index, (column, label, colour) in enumerate(measures):
            offsets = [p + (index - 1) * width for p in positions]
            bars = axis.bar(offsets, series[column], width=width, color=colour, label=label)
            axis.bar_label(bars, fontsize=8, padding=2)
            average = summary.get(f"{column}_avg")
            if average is not None and not pd.isna(average):
                axis.axhline(average, color=colour, linestyle=":", linewidth=1.2)
        axis.set_xticks(list(positions))
        axis.set_xticklabels(
            [pd.Timestamp(m).strftime("%b %Y") for m in series["chat_month"]], rotation=0
        )
        axis.set_ylabel("per chat (analysis window)")
        axis.set_xlabel("chat")
        # Over the figure, not the axes: the legend beside the axes would push it off the edge.
        figure.suptitle(_wrap(title, 70), fontsize=STYLE["axes.titlesize"], fontweight="bold")
        axis.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="dotted: series average")
        axis.grid(axis="x", visible=False)
        return _save(figure, path)


def participants_chart(report: ChatReport, path: Path) -> Path:
    """Top accounts by original posts with their retweets and replies; hosts left out."""
    top = report.participants.iloc[::-1]
    with rc_context(STYLE):
        figure, axis = _subplots(figsize=(9, max(3, 0.42 * len(top) + 1.5)))
        height = 0.27
        positions = range(len(top))
        for index, (column, label, colour) in enumerate(
            [
                ("originals", "original posts", ORIGINALS),
                ("retweets", "retweets", RETWEETS),
                ("replies", "replies", REPLIES),
            ]
        ):
            axis.barh(
                [p + (1 - index) * height for p in positions],
                top[column],
                height=height,
                color=colour,
                label=label,
            )
        handles = [f"@{u}" for u in top["username"]]
        axis.set_yticks(list(positions))
        axis.set_yticklabels(handles)
        axis.set_xlabel("posts in the analysis window")
        title = f"Participants: the top {len(top)} by original posts (hosts left out)"
        axis.set_title(title)
        axis.legend(loc="lower right")
        axis.grid(axis="y", visible=False)
        largest = float(top[["originals", "retweets", "replies"]].to_numpy().max())
        return _save(figure, path, bar_margins(figure, handles, [], title, axis_end=largest))


def poll_chart(question: str, options: pd.DataFrame, path: Path) -> Path:
    """Votes per option with their percentages."""
    rows = options.iloc[::-1]
    with rc_context(STYLE):
        figure, axis = _subplots(figsize=(8, max(2.5, 0.6 * len(rows) + 1.5)))
        bars = axis.barh(
            [_wrap(label, 30) for label in rows["option_label"]],
            rows["votes"],
            color=PALETTE["sky"],
        )
        axis.bar_label(
            bars,
            labels=[
                f"{v} ({p:.1f}%)" if not pd.isna(p) else f"{v}"
                for v, p in zip(rows["votes"], rows["pct"], strict=True)
            ],
            padding=3,
        )
        total = int(options["total_votes"].iloc[0]) if len(options) else 0
        axis.set_xlabel(f"votes (of {total})")
        axis.set_xlim(0, max(1, rows["votes"].max()) * 1.3)
        axis.set_title(_wrap(question, 60))
        axis.grid(axis="y", visible=False)
        return _save(figure, path)


def word_cloud(section: QuestionSection, path: Path) -> Path | None:
    """The question's word cloud (single words); None when its responses have no words.

    The cloud is 1,000 x 500 pixels, the width the reports show it at, laid out on a
    500 x 250 canvas and drawn at twice that scale (wordcloud's own advice for large
    clouds: the layout's cost grows with the canvas's area). The picture is wordcloud's own
    (PIL), its title written in a band above it in the charts' title face: no matplotlib
    figure (which cost about a third of the chart: a figure, the picture composited onto
    it, an RGBA PNG).
    """
    from wordcloud import WordCloud

    words = section.keywords[section.keywords["term_words"] == 1]
    if words.empty:
        return None
    colours = list(PALETTE.values())[:5]
    cloud = (
        WordCloud(
            width=CLOUD_SIZE[0] // CLOUD_SCALE,
            height=CLOUD_SIZE[1] // CLOUD_SCALE,
            scale=CLOUD_SCALE,
            background_color="white",
            prefer_horizontal=0.95,
            color_func=lambda word, **_: colours[zlib.crc32(word.encode()) % len(colours)],
            random_state=1,
        )
        .generate_from_frequencies(dict(zip(words["term"], words["n"], strict=True)))
        .to_image()
    )
    title = _wrap(f"Q{section.question_id}: {section.question_text}", 90).split("\n")
    band = 16 + 20 * len(title)  # pixels: 12-point lines at 100 dpi and a margin
    picture = Image.new("RGB", (cloud.width, cloud.height + band), "white")
    picture.paste(cloud, (0, band))
    draw = ImageDraw.Draw(picture)
    for line_number, line in enumerate(title):
        draw.text(
            (cloud.width / 2, 5 + 20 * line_number),
            line,
            fill="black",
            font=_title_font(),
            anchor="ma",
        )
    return _write_png(picture, path.with_suffix(".png"))


@cache
def _title_font() -> ImageFont.FreeTypeFont:
    """The charts' bold title face (matplotlib's DejaVu Sans Bold), 12 points at 100 dpi as
    matplotlib draws them: 17 pixels (its hinting draws a line about 2 % wider than 16.7)."""
    from matplotlib.font_manager import FontProperties, findfont

    bold = findfont(FontProperties(family="DejaVu Sans", weight="bold"))
    return ImageFont.truetype(bold, 17)


def keyword_bars(section: QuestionSection, path: Path, limit: int = 12) -> Path | None:
    """The question's most frequent words and word pairs."""
    terms = section.keywords.head(limit).iloc[::-1]
    if terms.empty:
        return None
    with rc_context(STYLE):
        figure, axis = _subplots(figsize=(8, 0.38 * len(terms) + 1.6))
        colours = [ORIGINALS if w == 1 else PALETTE["vermillion"] for w in terms["term_words"]]
        bars = axis.barh(terms["term"], terms["n"], color=colours)
        axis.bar_label(bars, padding=2, fontsize=9)
        axis.set_xlabel("times used in the responses")
        title = _wrap(f"Q{section.question_id}: top words (blue) and word pairs", 70)
        axis.set_title(title)
        axis.grid(axis="y", visible=False)
        return _save(figure, path, bar_margins(figure, terms["term"], terms["n"], title))


def network_chart(report: ChatReport, path: Path, labelled: int = 8) -> Path | None:
    """Who replies to and mentions whom: node size by in-degree, hosts marked."""
    if report.edges.empty:
        return None
    graph = nx.DiGraph()
    for row in report.edges.itertuples(index=False):
        weight = graph.get_edge_data(row.source_username, row.target_username, {}).get("weight", 0)
        graph.add_edge(row.source_username, row.target_username, weight=weight + row.weight)
    hosts = (
        set(report.centrality.loc[report.centrality["is_host"], "username"])
        if not report.centrality.empty
        else set()
    )
    ranked = (
        list(report.centrality.sort_values("centrality_rank")["username"])
        if not report.centrality.empty
        else sorted(graph.nodes, key=lambda n: -graph.in_degree(n))
    )
    shown = set(ranked[:labelled]) | hosts
    # A force-directed layout, seeded so a chat's picture is the same each time it is drawn.
    # Kamada-Kawai drew the same clusters but took seconds a chat (its all-pairs distances
    # and optimiser); Fruchterman-Reingold takes a tenth of a second.
    layout = nx.spring_layout(graph.to_undirected(), seed=1)
    sizes = [60 + 90 * graph.in_degree(node) for node in graph.nodes]
    colours = [PALETTE["vermillion"] if node in hosts else PALETTE["blue"] for node in graph.nodes]
    with rc_context({**STYLE, "axes.grid": False}):
        figure, axis = _subplots(figsize=(10, 8))
        nx.draw_networkx_edges(
            graph,
            layout,
            ax=axis,
            alpha=0.35,
            arrowsize=8,
            edge_color=PALETTE["grey"],
            width=[0.6 + 0.4 * d["weight"] for _, _, d in graph.edges(data=True)],
        )
        nx.draw_networkx_nodes(
            graph,
            layout,
            ax=axis,
            node_size=sizes,
            node_color=colours,
            alpha=0.9,
        )
        nx.draw_networkx_labels(
            graph,
            layout,
            ax=axis,
            labels={n: f"@{n}" for n in graph.nodes if n in shown},
            font_size=8,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 0.5},
        )
        axis.set_title(
            "Who talks to whom: replies and mentions\n"
            "node size: accounts replying to or mentioning it; red: host; "
            f"labels: the {labelled} most central",
            fontsize=12,
        )
        axis.axis("off")
        return _save(figure, path)
