"""The per-question bar charts are laid out from their texts' measured sizes (no
tight_layout): nothing they draw may reach the picture's edge, however long the labels.

No warehouse: a question's keyword and theme rows made here, the longest a chart shows.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
from PIL import Image

from orchestration.reports.charts import keyword_bars, participants_chart
from orchestration.reports.themes import theme_shares_chart

EDGE = 3  # pixels: tight_layout keeps about 15 free on every side


def blank_edges(path) -> bool:
    pixels = np.asarray(Image.open(path).convert("L"))
    edges = [pixels[:EDGE], pixels[-EDGE:], pixels[:, :EDGE], pixels[:, -EDGE:]]
    return all((edge > 250).all() for edge in edges)


def test_long_labels_and_values_stay_inside_the_bar_charts(tmp_path):
    long = "an unusually long theme label that wraps onto a second line here"
    themes = pd.DataFrame(
        {
            "theme_id": ["t1", "t2", "other"],
            "label": [long, "Short", "Other ideas"],
            "share_pct": [99.9, 0.1, 100.0],
        }
    )
    keywords = pd.DataFrame(
        {
            "term": ["psychological safety", "x", "multidisciplinary cohorts"],
            "n": [123456, 1, 98765],
            "term_words": [2, 1, 2],
        }
    )
    section = SimpleNamespace(question_id="12", themes=themes, keywords=keywords)
    # Handles are at most 15 characters.
    participants = pd.DataFrame(
        {
            "username": ["WWWWWWWWWWWWWWW", "a"],
            "originals": [1000, 1],
            "retweets": [5, 0],
            "replies": [0, 3],
        }
    )
    # A count whose axis ends on a tick one digit wider than the count (95,239 -> 100000).
    many = participants.assign(originals=[95239, 1])
    drawn = [
        theme_shares_chart(section, tmp_path / "q12_themes.png"),
        keyword_bars(section, tmp_path / "q12_words.png"),
        participants_chart(SimpleNamespace(participants=participants), tmp_path / "people.png"),
        participants_chart(SimpleNamespace(participants=many), tmp_path / "many.png"),
    ]
    for path in drawn:
        assert path is not None and blank_edges(path), path.name
    # The check can fail: a label drawn past the edge is caught.
    picture = Image.open(drawn[0])
    cut = picture.crop((40, 0, picture.width, picture.height))
    cut.save(tmp_path / "cut.png")
    assert not blank_edges(tmp_path / "cut.png")
