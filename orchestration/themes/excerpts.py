"""A response split into excerpts: sentences, or clauses where a sentence joins two ideas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import simplemma
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words that carry no idea of an answer on their own: chat pleasantries and reactions. An
# excerpt made only of these and stop words ("Great question!", "Agree", "Thanks all") gets
# no theme. General chat language, not the words of any one chat.
PLEASANTRIES = frozenset(
    [
        "agree",
        "agreed",
        "absolutely",
        "definitely",
        "totally",
        "exactly",
        "indeed",
        "yes",
        "yeah",
        "yep",
        "no",
        "nope",
        "ok",
        "okay",
        "great",
        "good",
        "nice",
        "brilliant",
        "fab",
        "fabulous",
        "fantastic",
        "excellent",
        "lovely",
        "awesome",
        "wonderful",
        "super",
        "question",
        "questions",
        "answer",
        "point",
        "points",
        "said",
        "well",
        "thanks",
        "thank",
        "thx",
        "ty",
        "cheers",
        "welcome",
        "hi",
        "hello",
        "hey",
        "evening",
        "morning",
        "afternoon",
        "night",
        "everyone",
        "everybody",
        "folks",
        "all",
        "lol",
        "haha",
        "wow",
        "love",
        "true",
        "really",
        "sure",
        "like",
        "just",
        "plus",
        "hear",
        "tonight",
        "today",
        "chat",
        "join",
        "joining",
        "late",
    ]
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {"im", "ive", "dont", "thats", "it's", "i'm"}

WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
# A clause break inside a sentence: a semicolon, a spaced dash, or a comma before a joining word.
# A semicolon always ends a clause; a spaced dash or a comma before a joining word does when
# both sides have two words or more ("Time, space and money" stays one).
SEMICOLON = re.compile(r"\s*;\s*")
CLAUSE_BREAK = re.compile(r"\s+[–—-]\s+|,\s+(?=(?:and|but|plus|also|or|whereas)\s)")
JOINING_WORD = re.compile(r"^(?:and|but|plus|also|or|whereas)\s+", re.IGNORECASE)
THREAD_MARK = re.compile(r"(?:^|\s)\(?\d{1,2}/\d{1,2}\)?(?=\s|$)")
MIN_CLAUSE_WORDS = 2


@dataclass(frozen=True)
class Excerpt:
    position: int  # 1-based within the response
    text: str
    words: int
    has_content: bool


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word.lower().replace("’", "'"), lang="en")


MENTION = re.compile(r"@\w+")


def words_of(text: str) -> list[str]:
    return [match.group(0) for match in WORD.finditer(text)]


def idea_words(text: str) -> list[str]:
    """The words of a text without @mentions: an account's handle is never a theme's word."""
    return words_of(MENTION.sub(" ", text))


@lru_cache(maxsize=65536)
def content_terms(text: str) -> tuple[str, ...]:
    """The lemmas of a text that carry meaning: no stop words, pleasantries or one-letter words."""
    terms = []
    for word in idea_words(text):
        lower = word.lower().replace("’", "'")
        if len(lower) < 2 or lower in STOP_WORDS or lower in PLEASANTRIES:
            continue
        base = lemma(lower)
        if base in STOP_WORDS or base in PLEASANTRIES:
            continue
        terms.append(base)
    return tuple(terms)


def _clauses(sentence: str) -> list[str]:
    clauses = []
    for piece in SEMICOLON.split(sentence):
        parts = [part for part in CLAUSE_BREAK.split(piece) if part and part.strip()]
        if len(parts) < 2 or any(len(words_of(part)) < MIN_CLAUSE_WORDS for part in parts):
            clauses.append(piece)
        else:
            clauses.extend(JOINING_WORD.sub("", part.strip()) for part in parts)
    return clauses


def split_response(text: str) -> list[Excerpt]:
    """Excerpts of a cleaned response, in order; each knows whether it says anything."""
    text = THREAD_MARK.sub(" ", text or "")
    pieces: list[str] = []
    for line in re.split(r"[\r\n]+", text):
        for sentence in SENTENCE_END.split(line.strip()):
            sentence = sentence.strip(' \t-–—•*>"“”')
            if sentence:
                pieces.extend(_clauses(sentence))
    excerpts = []
    for piece in pieces:
        piece = piece.strip(" ,;:")
        if not piece:
            continue
        count = len(words_of(piece))
        excerpts.append(
            Excerpt(len(excerpts) + 1, piece, count, has_content=bool(content_terms(piece)))
        )
    return excerpts
