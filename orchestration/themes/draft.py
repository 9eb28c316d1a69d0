"""Group one question's excerpts into labelled themes with quote picks (metrics.md 8).

Deterministic: the same excerpts give the same themes, ids, labels and order. The themes are
found among the responses (each the mean of its excerpts' vectors; the number of themes from
the data: the silhouette of a Ward tree cut at 2..k, or one theme when no cut separates them),
then each excerpt joins the theme whose centre is nearest, so the clauses of a two-idea response
can part; excerpts far from every theme, and themes too small to stand, go to `other`. An
analyst's themes (themes.yaml) are matched first, each excerpt read within its response; the
rest form new draft themes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from orchestration.themes.excerpts import PLEASANTRIES, STOP_WORDS, content_terms, idea_words

OTHER_ID = "other"
OTHER_LABEL = "Other ideas"
MAX_THEMES = 10
# A theme needs this share of the question's excerpts (and 2 at least), else its excerpts go to
# `other`; an excerpt less similar than FIT_MIN to its theme's centre goes there too.
MIN_THEME_SHARE = 0.04
FIT_MIN = 0.05
# A cut whose silhouette is below this does not separate the excerpts: one theme.
SILHOUETTE_MIN = 0.02
GUIDE_MIN = 0.05
QUOTE_PICKS = (2, 5)
QUOTE_WORDS = (4, 40)


@dataclass(frozen=True)
class Item:
    """An excerpt with content, of one response."""

    platform: str
    post_id: str
    position: int
    text: str
    words: int
    account: str


@dataclass(frozen=True)
class GuideTheme:
    """An analyst's theme from themes.yaml: label, optional keywords and example excerpts."""

    label: str
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # A draft theme an edit names keeps its id (and stays a draft until an edit makes it the
    # analyst's), so the edit finds it again on more data.
    theme_id: str | None = None
    origin: str = "analyst"

    @property
    def seed_text(self) -> str:
        return ". ".join([self.label, *self.keywords, *self.examples])


@dataclass
class Theme:
    theme_id: str
    label: str
    keywords: list[str]
    origin: str  # draft or analyst
    is_new: bool = False
    members: list[int] = field(default_factory=list)  # item indexes
    picks: list[int] = field(default_factory=list)


@dataclass
class QuestionThemes:
    themes: list[Theme]
    theme_of: dict[int, str]  # item index -> theme_id
    scores: dict[int, float]


def slug(label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")[:48] or "theme"


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


def silhouette(distances: np.ndarray, groups: np.ndarray) -> float:
    """Mean silhouette of a grouping over a precomputed distance matrix (singletons count 0).

    numpy over one distance matrix for every cut, rather than a library call per cut."""
    count = len(groups)
    members = np.zeros((count, groups.max() + 1))
    members[np.arange(count), groups] = 1
    sizes = members.sum(axis=0)
    sums = distances @ members
    own_size = sizes[groups]
    own = sums[np.arange(count), groups] / np.maximum(own_size - 1, 1)
    others = np.where(members.astype(bool), np.inf, sums / np.maximum(sizes, 1))
    nearest = others.min(axis=1)
    values = np.where(
        own_size > 1, (nearest - own) / np.maximum(np.maximum(own, nearest), 1e-12), 0.0
    )
    return float(values.mean())


def choose_groups(vectors: np.ndarray) -> np.ndarray:
    """Group labels 0..k-1 for the rows, k chosen by silhouette (1 when nothing separates)."""
    count = len(vectors)
    if count < 4 or not np.any(vectors):
        return np.zeros(count, dtype=int)
    tree = linkage(vectors, method="ward")
    distances = np.clip(1 - vectors @ vectors.T, 0, 2)
    best, best_score = np.zeros(count, dtype=int), SILHOUETTE_MIN
    top = min(MAX_THEMES, max(2, count // 3))
    for k in range(2, top + 1):
        groups = fcluster(tree, k, criterion="maxclust") - 1
        if len(set(groups)) < 2:
            continue
        score = silhouette(distances, groups)
        if score > best_score + 1e-9:
            best, best_score = groups, score
    return best


def responses_of(items: list[Item], indexes: list[int]) -> list[list[int]]:
    """The positions in `indexes` of each response's excerpts, responses in order of first
    excerpt."""
    responses: dict[tuple[str, str], list[int]] = {}
    for position, index in enumerate(indexes):
        responses.setdefault((items[index].platform, items[index].post_id), []).append(position)
    return list(responses.values())


def group_excerpts(items: list[Item], vectors: np.ndarray, indexes: list[int]) -> np.ndarray:
    """Group labels for the excerpts `indexes`: themes found among their responses, then each
    excerpt placed at the nearest theme centre.

    A response is what a participant wrote as one answer, the unit an analyst codes: grouping
    responses gives each answer one vote (a four-sentence answer does not pull a theme with
    four points) and reads each through the mean of all its excerpts' vectors, which is less
    noisy than a clause's. Placing each excerpt afterwards keeps the clause split: "Fear of
    blame, and change fatigue" still lands in two themes when two are found."""
    rows = vectors[indexes]
    owners = responses_of(items, indexes)
    means = _unit(np.array([rows[positions].mean(axis=0) for positions in owners]))
    groups = choose_groups(means)
    count = int(groups.max()) + 1 if len(groups) else 0
    if count < 2:
        return np.zeros(len(indexes), dtype=int)
    centres = _unit(np.array([means[groups == group].mean(axis=0) for group in range(count)]))
    return (rows @ centres.T).argmax(axis=1)


def in_response_context(similarity: np.ndarray, owners: list[list[int]]) -> np.ndarray:
    """Each excerpt's similarities (rows) averaged, half and half, with its response's mean
    row: an excerpt is read within the answer it belongs to (a clause such as "it takes time"
    names a theme only beside its sibling), while its own words keep the larger part (3/4 for
    one of two excerpts), so clauses of different ideas can still part. Equal halves: neither
    reading is known to be the better one."""
    context = similarity.copy()
    for positions in owners:
        context[positions] = similarity[positions].mean(axis=0)
    return 0.5 * (similarity + context)


@lru_cache(maxsize=65536)
def _phrases(text: str) -> frozenset[str]:
    """Word runs of 1-3 words that neither start nor end with a stop word (label candidates)."""
    tokens = [word.lower().replace("’", "'") for word in idea_words(text)]
    found = set()
    for size in (1, 2, 3):
        for start in range(len(tokens) - size + 1):
            run = tokens[start : start + size]
            if any(len(word) < 2 for word in run) or run[0] in STOP_WORDS or run[-1] in STOP_WORDS:
                continue
            if run[0] in PLEASANTRIES or run[-1] in PLEASANTRIES:
                continue
            found.add(" ".join(run))
    return frozenset(found)


def term_counts(texts: list[str]) -> Counter[str]:
    """In how many of the texts each word and label phrase occurs (once per question)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(content_terms(text)) | _phrases(text))
    return counts


def describe(
    member_texts: list[str], question_counts: Counter[str], total: int
) -> tuple[str, list[str]]:
    """A label (a short phrase of the theme's most distinctive words) and its keywords."""
    theme_terms: Counter[str] = Counter()
    theme_phrases: Counter[str] = Counter()
    for text in member_texts:
        theme_terms.update(set(content_terms(text)))
        theme_phrases.update(_phrases(text))

    def distinctiveness(term: str, count: int) -> float:
        return (count / len(member_texts)) * math.log(1 + total / question_counts.get(term, count))

    keywords = [
        term
        for term, _ in sorted(
            theme_terms.items(), key=lambda item: (-distinctiveness(*item), item[0])
        )[:5]
    ]
    needed = 2 if len(member_texts) >= 2 else 1
    scored = sorted(
        (
            (-distinctiveness(phrase, count) * (1 + 0.35 * phrase.count(" ")), phrase)
            for phrase, count in theme_phrases.items()
            if count >= needed
        ),
    )
    phrases: list[str] = []
    for _score, phrase in scored:
        if any(phrase in kept or kept in phrase for kept in phrases):
            continue
        phrases.append(phrase)
        if len(phrases) == 2:
            break
    if not phrases:
        phrases = keywords[:2]
    if not phrases:
        return OTHER_LABEL, keywords
    label = phrases[0] if (len(phrases) == 1 or " " in phrases[0]) else " and ".join(phrases)
    return label[:1].upper() + label[1:], keywords


def pick_quotes(members: list[int], items: list[Item], scores: dict[int, float]) -> list[int]:
    """2-5 excerpts of a theme that fit it best, different accounts first, mid-length preferred."""
    wanted = min(len(members), max(QUOTE_PICKS[0], min(QUOTE_PICKS[1], len(members) // 4)))

    def rank(index: int):
        words = items[index].words
        fits_length = QUOTE_WORDS[0] <= words <= QUOTE_WORDS[1]
        return (not fits_length, -round(scores.get(index, 0.0), 6), items[index].post_id, index)

    ordered = sorted(members, key=rank)
    picks, accounts = [], set()
    for index in ordered:
        if items[index].account not in accounts:
            picks.append(index)
            accounts.add(items[index].account)
        if len(picks) == wanted:
            return picks
    for index in ordered:
        if index not in picks:
            picks.append(index)
        if len(picks) == wanted:
            break
    return picks


def _centre_scores(vectors: np.ndarray, members: list[int]) -> dict[int, float]:
    centre = _unit(vectors[members].mean(axis=0))
    return {index: float(max(0.0, vectors[index] @ centre)) for index in members}


def _background(vectors: np.ndarray) -> float:
    """The mean similarity of two different excerpts of a question (0 below two)."""
    count = len(vectors)
    if count < 2:
        return 0.0
    total = vectors.sum(axis=0)
    return float((total @ total - np.einsum("ij,ij->", vectors, vectors)) / (count * (count - 1)))


def _member_fits(vectors: np.ndarray, members: list[int]) -> dict[int, float]:
    """How well each member fits its group: its mean similarity to the other members."""
    if len(members) < 2:
        return {index: 0.0 for index in members}
    block = vectors[members] @ vectors[members].T
    means = (block.sum(axis=1) - np.diag(block)) / (len(members) - 1)
    return {index: float(value) for index, value in zip(members, means, strict=True)}


def draft_question(
    items: list[Item],
    vectors: np.ndarray,
    guides: list[GuideTheme] = (),
    guide_vectors: np.ndarray | None = None,
) -> QuestionThemes:
    """Themes of one question's excerpts (rows of `vectors`, L2-normalised)."""
    themes: list[Theme] = []
    theme_of: dict[int, str] = {}
    scores: dict[int, float] = {}
    remaining = list(range(len(items)))
    used_ids: set[str] = {OTHER_ID}
    guide_themes: list[Theme] = []

    def new_id(label: str) -> str:
        base = slug(label)
        candidate, suffix = base, 2
        while candidate in used_ids:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        used_ids.add(candidate)
        return candidate

    if guides and len(items):
        for guide in guides:
            if guide.theme_id:
                used_ids.add(guide.theme_id)
        guide_themes = [
            Theme(g.theme_id or new_id(g.label), g.label, list(g.keywords), g.origin)
            for g in guides
        ]
        centres = _unit(np.asarray(guide_vectors, dtype=float))
        keyword_sets = [
            {term for keyword in g.keywords for term in content_terms(keyword)} for g in guides
        ]
        item_terms = [set(content_terms(item.text)) for item in items]
        owners = responses_of(items, list(range(len(items))))
        # A draft theme an edit names must be found again in the data: an excerpt joins it only
        # if closer to it than the question's excerpts are to each other on average (dense
        # sentence vectors put unrelated texts well above 0, so with a fixed floor a stale
        # edit's theme took every excerpt). An analyst's own theme exists because they wrote it.
        background = max(0.0, _background(vectors))
        floors = np.array([GUIDE_MIN + (background if g.theme_id else 0.0) for g in guides])
        # Seeds first, then the centres move to what joined them (twice): neighbours of the
        # seeded excerpts join too.
        for _round in range(3):
            similarity = vectors @ centres.T
            for column, keywords in enumerate(keyword_sets):
                if keywords:
                    hits = np.array([bool(terms & keywords) for terms in item_terms])
                    similarity[hits, column] += 0.5
            # The response's reading decides where an excerpt goes; its score (the quote picks,
            # theme_responses.score) stays its own similarity to the theme.
            own, similarity = similarity, in_response_context(similarity, owners)
            best = similarity.argmax(axis=1)
            joined = similarity[np.arange(len(items)), best] >= floors[best]
            for column, theme in enumerate(guide_themes):
                theme.members = [i for i in range(len(items)) if joined[i] and best[i] == column]
                if theme.members and _round < 2:
                    seed = _unit(np.asarray(guide_vectors[column], dtype=float))
                    centres[column] = _unit(seed + vectors[theme.members].mean(axis=0))
        for column, theme in enumerate(guide_themes):
            for index in theme.members:
                theme_of[index] = theme.theme_id
                scores[index] = float(min(1.0, max(0.0, own[index, column])))
        themes.extend(guide_themes)
        remaining = [i for i in range(len(items)) if i not in theme_of]

    other: list[int] = []
    if remaining:
        groups = group_excerpts(items, vectors, remaining)
        minimum = max(2, math.ceil(MIN_THEME_SHARE * len(items)))
        by_group: dict[int, list[int]] = {}
        for index, group in zip(remaining, groups, strict=True):
            by_group.setdefault(int(group), []).append(index)
        texts = [item.text for item in items]
        counts = term_counts(texts)
        drafted = []
        for members in by_group.values():
            fits = _member_fits(vectors, members)
            # A question of a few excerpts keeps them together: too few to call one a misfit.
            kept = [i for i in members if fits[i] >= FIT_MIN or len(items) < 4]
            if not kept or (len(kept) < minimum and len(items) >= 4):
                other.extend(members)
                continue
            other.extend(i for i in members if i not in kept)
            fits = _centre_scores(vectors, kept)
            label, keywords = describe([texts[i] for i in kept], counts, len(texts))
            drafted.append((kept, fits, label, keywords))
        # Largest first; ties by label, then by first excerpt, so the order never depends on
        # the clustering's group numbers.
        drafted.sort(key=lambda theme: (-len(theme[0]), theme[2], min(theme[0])))
        for kept, fits, label, keywords in drafted:
            theme = Theme(
                new_id(label), label, keywords, "draft", is_new=bool(guides), members=kept
            )
            for index in kept:
                theme_of[index], scores[index] = theme.theme_id, fits[index]
            themes.append(theme)
    if other:
        other.sort()
        fits = _centre_scores(vectors, other)
        texts = [item.text for item in items]
        _label, keywords = describe([texts[i] for i in other], term_counts(texts), len(texts))
        themes.append(Theme(OTHER_ID, OTHER_LABEL, keywords, "draft", members=other))
        for index in other:
            theme_of[index], scores[index] = OTHER_ID, fits[index]
    themes = [theme for theme in themes if theme.members or theme in guide_themes]
    for theme in themes:
        theme.members.sort()
        theme.picks = pick_quotes(theme.members, items, scores)
    return QuestionThemes(themes, theme_of, scores)
