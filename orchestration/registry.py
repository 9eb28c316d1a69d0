"""The chat registry: reads `chats.yaml` (metrics.md section 1) into checked `Chat` records.

Every error names the file, the chat and the field, and says what to write instead,
because the registry is edited by hand by analysts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

# libyaml's loader where PyYAML was built with it: a registry of years of chats (10,000
# entries) takes 2 s to read with it, 7 s without. Both are the safe loader.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_TIMEZONE = "UTC"
DEFAULTS = {"duration_minutes": 60, "window_hours_before": 0, "window_hours_after": 24}
CHAT_FIELDS = {
    "id",
    "title",
    "hashtags",
    "hosts",
    "starts",
    "timezone",
    "questions",
    "published",
    "mastodon_instances",
    *DEFAULTS,
}
PUBLISHED_MEASURES = {
    "contributors",
    "originals",
    "retweets",
    "posts",
    "replies",
    "quotes",
    "hour_contributors",
    "hour_posts",
    "hour_originals",
    "hour_retweets",
}
# Abbreviations people write for a zone; each names one half of the year, so they are refused.
ABBREVIATIONS = {"BST", "CET", "CEST", "EST", "EDT", "PST", "PDT"}
INSTANCE_URL = re.compile(r"^https?://[^\s/]+/?$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
HASHTAG = re.compile(r"^#?[^\s#]+$", re.UNICODE)


class RegistryError(ValueError):
    """A chats.yaml that cannot be used; the message says where and what to do."""


@dataclass(frozen=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True)
class Chat:
    id: str
    title: str
    hashtags: tuple[str, ...]
    hosts: tuple[str, ...]
    timezone: str
    starts_local: datetime
    starts_utc: datetime
    duration_minutes: int
    window_hours_before: float
    window_hours_after: float
    questions: tuple[Question, ...] = ()
    published: dict[str, int] = field(default_factory=dict)
    # Mastodon instances whose hashtag timelines `tweetchat collect` reads (else its default).
    mastodon_instances: tuple[str, ...] = ()

    @property
    def month(self) -> date:
        """The calendar month of the start, in the chat's own timezone: its partition."""
        return self.starts_local.date().replace(day=1)

    @property
    def window_start_utc(self) -> datetime:
        return self.starts_utc - timedelta(hours=self.window_hours_before)

    @property
    def window_end_utc(self) -> datetime:
        return self.starts_utc + timedelta(hours=self.window_hours_after)


@dataclass(frozen=True)
class Registry:
    path: Path
    chats: tuple[Chat, ...]
    # What was read but may not be what was meant: hashtags written without '#', chats whose
    # windows overlap on a shared hashtag. Runs print these; nothing is refused for them.
    notices: tuple[str, ...] = ()

    def months(self) -> list[date]:
        return sorted({chat.month for chat in self.chats})

    def chats_in_months(self, first: date, last_exclusive: date) -> list[Chat]:
        return [c for c in self.chats if first <= c.month < last_exclusive]


def load_registry(path: str | Path) -> Registry:
    """Read and check a chats.yaml file."""
    path = Path(path)
    if not path.exists():
        raise RegistryError(
            f"{path}: chat registry not found. Write a chats.yaml (see docs/metrics.md section 1) "
            "or pass --chats / TWEETCHAT_CHATS."
        )
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RegistryError(f"{path}{where}: not valid YAML ({error}). Fix the syntax.") from error
    except UnicodeDecodeError as error:
        raise RegistryError(f"{path}: not UTF-8 text ({error}). Save it as UTF-8.") from error
    if not isinstance(document, dict) or not isinstance(document.get("chats"), list):
        raise RegistryError(f"{path}: expected a mapping with a 'chats:' list at the top level.")
    default_tz = document.get("timezone", DEFAULT_TIMEZONE)
    unknown_top = set(document) - {"timezone", "chats"}
    if unknown_top:
        raise RegistryError(
            f"{path}: unknown top-level field(s) {sorted(unknown_top)}; allowed: timezone, chats."
        )
    chats = []
    notices = []
    seen: set[str] = set()
    for position, entry in enumerate(document["chats"], start=1):
        chat = _parse_chat(path, position, entry, default_tz)
        written = entry["hashtags"] if isinstance(entry["hashtags"], list) else [entry["hashtags"]]
        for tag in written:
            if isinstance(tag, str) and not tag.startswith("#"):
                notices.append(
                    f"{path}: chat {chat.id!r}: field 'hashtags': {tag!r} has no '#'; read as "
                    f"'#{tag}'. Write it with '#' to silence this notice."
                )
        if chat.id in seen:
            raise RegistryError(
                f"{path}: chat {chat.id!r}: field 'id': used twice; ids must be unique."
            )
        seen.add(chat.id)
        chats.append(chat)
    if not chats:
        raise RegistryError(f"{path}: the 'chats:' list is empty; add at least one chat.")
    notices += _overlaps(path, chats)
    return Registry(path=path, chats=tuple(chats), notices=tuple(notices))


def _overlaps(path: Path, chats: list[Chat]) -> list[str]:
    """Notices for pairs of chats whose windows overlap and share a hashtag."""
    found = []
    ordered = sorted(chats, key=lambda chat: chat.window_start_utc)
    for index, first in enumerate(ordered):
        tags = {tag.lower() for tag in first.hashtags}
        for second in ordered[index + 1 :]:
            if second.window_start_utc >= first.window_end_utc:
                break
            shared = sorted(tags & {tag.lower() for tag in second.hashtags})
            if shared:
                found.append(
                    f"{path}: chats {first.id!r} and {second.id!r} overlap "
                    f"({first.window_start_utc:%Y-%m-%d %H:%M} to {first.window_end_utc:%Y-%m-%d %H:%M} and "
                    f"{second.window_start_utc:%Y-%m-%d %H:%M} to {second.window_end_utc:%Y-%m-%d %H:%M} UTC) "
                    f"and share {', '.join(shared)}: a post in both windows counts in both chats "
                    "(and twice in the month's sums). Shorten a window if that is not meant."
                )
    return found


def _parse_chat(path: Path, position: int, entry: object, default_tz: str) -> Chat:
    if not isinstance(entry, dict):
        raise RegistryError(
            f"{path}: chat #{position}: expected a mapping of fields, got {entry!r}."
        )
    name = str(entry.get("id") or f"#{position}")

    def fail(field_name: str, message: str) -> RegistryError:
        return RegistryError(f"{path}: chat {name!r}: field '{field_name}': {message}")

    unknown = set(entry) - CHAT_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], f"unknown field; allowed fields are {sorted(CHAT_FIELDS)}.")
    for required in ("id", "hashtags", "starts"):
        if entry.get(required) in (None, "", []):
            raise fail(required, "missing; every chat needs id, hashtags and starts.")
    chat_id = str(entry["id"])
    if not SLUG.match(chat_id):
        raise fail("id", f"{chat_id!r} is not a slug; use lower-case letters, digits, '-' and '_'.")

    hashtags = _string_list(entry["hashtags"], fail, "hashtags")
    for tag in hashtags:
        if not HASHTAG.match(tag):
            raise fail("hashtags", f'{tag!r} is not a hashtag; write it like "#LeadingQI".')
    hashtags = tuple(tag if tag.startswith("#") else f"#{tag}" for tag in hashtags)
    hosts = tuple(h.lstrip("@") for h in _string_list(entry.get("hosts", []), fail, "hosts"))

    tz_name = str(entry.get("timezone", default_tz))
    starts_local, starts_utc = _parse_start(entry["starts"], tz_name, fail)

    numbers = {}
    for key, default in DEFAULTS.items():
        value = entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(key, f"{value!r} is not a number.")
        numbers[key] = value
    if numbers["duration_minutes"] <= 0:
        raise fail("duration_minutes", "must be more than 0 (the chat hour cannot be empty).")
    if numbers["window_hours_before"] < 0 or numbers["window_hours_after"] <= 0:
        raise fail(
            "window_hours_after" if numbers["window_hours_after"] <= 0 else "window_hours_before",
            "the window must start at or before the chat and end after it "
            "(window_hours_before >= 0, window_hours_after > 0).",
        )
    if numbers["window_hours_after"] * 60 < numbers["duration_minutes"]:
        raise fail(
            "window_hours_after", "the window ends before the chat hour does; make it longer."
        )

    questions = _parse_questions(entry.get("questions") or [], fail)
    published = entry.get("published") or {}
    if not isinstance(published, dict):
        raise fail("published", "expected a mapping such as {contributors: 133, originals: 356}.")
    for measure, value in published.items():
        if measure not in PUBLISHED_MEASURES:
            raise fail(
                f"published.{measure}", f"unknown measure; use one of {sorted(PUBLISHED_MEASURES)}."
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"published.{measure}", f"{value!r} is not a whole number >= 0.")

    instances = _string_list(entry.get("mastodon_instances", []), fail, "mastodon_instances")
    for instance in instances:
        if not INSTANCE_URL.match(instance):
            raise fail(
                "mastodon_instances",
                f"{instance!r} is not an instance URL; write it like https://mastodon.social.",
            )

    return Chat(
        id=chat_id,
        title=str(entry.get("title") or chat_id),
        hashtags=hashtags,
        hosts=hosts,
        timezone=tz_name,
        starts_local=starts_local,
        starts_utc=starts_utc,
        duration_minutes=int(numbers["duration_minutes"]),
        window_hours_before=float(numbers["window_hours_before"]),
        window_hours_after=float(numbers["window_hours_after"]),
        questions=questions,
        published=dict(published),
        mastodon_instances=tuple(instance.rstrip("/") for instance in instances),
    )


def _string_list(value: object, fail, field_name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(field_name, f"expected a list of names, got {value!r}.")
    return tuple(v.strip() for v in value)


def _parse_start(value: object, tz_name: str, fail) -> tuple[datetime, datetime]:
    """Local wall-clock start and its UTC instant; refuses times a clock change skips or repeats."""
    if isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value).strip()
    if tz_name.upper() in ABBREVIATIONS:
        raise fail(
            "timezone",
            f"{tz_name!r} is an abbreviation, not a timezone; use an IANA name such as "
            "Europe/London (GMT in winter, BST in summer).",
        )
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(
            "timezone", f"unknown timezone {tz_name!r}; use an IANA name such as Europe/London."
        ) from None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise fail(
            "starts", f'{text!r} is not a date and time; write it like "2023-04-25T19:00".'
        ) from None
    if parsed.tzinfo is not None:
        # An explicit offset wins over the timezone; the local clock is still read in the chat's zone.
        starts_utc = parsed.astimezone(UTC)
        return starts_utc.astimezone(zone).replace(tzinfo=None), starts_utc.replace(tzinfo=None)
    earlier = parsed.replace(tzinfo=zone, fold=0)
    later = parsed.replace(tzinfo=zone, fold=1)
    round_trip = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != parsed:
        raise fail(
            "starts",
            f"{text} does not exist in {tz_name} (the clocks go forward); pick another time.",
        )
    if earlier.utcoffset() != later.utcoffset():
        raise fail(
            "starts",
            f"{text} happens twice in {tz_name} (the clocks go back); add the offset, "
            f'e.g. "{text}{_offset(earlier)}".',
        )
    return parsed, earlier.astimezone(UTC).replace(tzinfo=None)


def _offset(moment: datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _parse_questions(value: object, fail) -> tuple[Question, ...]:
    if not isinstance(value, list):
        raise fail("questions", "expected a list of {id, text}.")
    questions = []
    for item in value:
        if not isinstance(item, dict) or "id" not in item:
            raise fail("questions", f"each question needs an id, got {item!r}.")
        questions.append(Question(id=str(item["id"]), text=str(item.get("text", ""))))
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise fail("questions", f"question ids repeat: {ids}.")
    return tuple(questions)
