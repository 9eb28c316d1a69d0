"""A deterministic generator of realistic X API v2 (twarc2) exports of tweetchats.

With no size given it writes the Jan-Apr 2023 #LeadingQI / #QIHour series whose counted
figures are exactly the published ones (shared/reference/published_figures.csv), with the
mess of real exports around them: retweets whose cut text lost the hashtag, a post in two
overlapping files with different metrics, edited posts, replies without the hashtag, posts
outside the window, a host, both hashtags and lower-case ones, a flattened file.
With `posts=N` it writes about N posts over many chats and months, for benchmarks.

The figures come out right by construction: the generator decides which posts count and
writes every other post so that the rules of metrics.md section 3 leave it out.
"""

from __future__ import annotations

import json
import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from orchestration.sample import texts

TWITTER_EPOCH_MS = 1288834974657
TWARC_VERSION = "2.13.0"
SEARCH_URL = "https://api.twitter.com/2/tweets/search/all"
PAGE_SIZE = 100
LONDON = "Europe/London"

# The published series: local start, (contributors, originals, retweets).
SERIES = {
    "leadingqi-2023-01": ("2023-01-31T19:00", (168, 486, 586)),
    "leadingqi-2023-02": ("2023-02-28T19:00", (124, 520, 408)),
    "leadingqi-2023-03": ("2023-03-28T19:00", (188, 370, 394)),
    "leadingqi-2023-04": ("2023-04-25T19:00", (133, 356, 417)),
}
SERIES_HASHTAGS = ("#LeadingQI", "#QIHour")
WINDOW_HOURS_AFTER = 120
POPULAR = {
    "chat": "leadingqi-2023-04",
    "question": "4",
    "retweets": 151,
    "likes": 452,
    "views": 71342,
}
# Other posts stay clearly below the most popular post.
MAX_OTHER_RETWEETS, MAX_OTHER_LIKES = 90, 300


@dataclass
class Account:
    user_id: str
    username: str
    name: str


@dataclass
class Post:
    post_id: str
    author: Account
    created_at: datetime
    text: str
    hashtags: list[str] = field(default_factory=list)
    mentions: list[Account] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    replied_to: Post | None = None
    quoted: Post | None = None
    retweeted: Post | None = None
    poll: tuple[str, list[tuple[str, int]]] | None = None
    edit_history: list[str] | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    impressions: int | None = None
    # The question the generator wrote this post to answer (a tag, a reply to or quote of the
    # question, or a reply under such an answer); tests compare it with marts.posts.
    intended_question: str | None = None


@dataclass
class ChatPlan:
    chat_id: str
    title: str
    hashtags: tuple[str, ...]
    starts_local: str
    questions: list[tuple[str, str]]
    contributors: int
    originals: int
    retweets: int
    polls: list = field(default_factory=list)
    published: bool = False


class SampleWriter:
    """Builds the posts of each chat and writes them as twarc2 files."""

    def __init__(self, seed: int, account_pool: int = 600):
        self.random = random.Random(seed)
        self.sequence = 0
        self.accounts = self._make_accounts(account_pool)
        self.host = self._account(texts.HOST, "QI Chat Host (sample)")
        self.panel = [
            self._account(name, f"Panel {i + 1} (sample)") for i, name in enumerate(texts.PANEL)
        ]
        self.regular_weights = list(_cumulative([1.0 / (i + 5) for i in range(len(self.accounts))]))

    # -- accounts and ids -------------------------------------------------------------------

    def _account(self, username: str, name: str) -> Account:
        self.sequence += 1
        return Account(user_id=str(900000000 + self.sequence), username=username, name=name)

    def _make_accounts(self, count: int) -> list[Account]:
        accounts, seen = [], set()
        for first in texts.FIRST_NAMES:
            for role in texts.ROLES:
                username = f"{first}{role}_demo"
                if username not in seen:
                    seen.add(username)
                    accounts.append((first, role, username))
        self.random.shuffle(accounts)
        return [
            self._account(u, f"{first} ({role}, sample)") for first, role, u in accounts[:count]
        ]

    def _post_id(self, moment: datetime) -> str:
        self.sequence += 1
        ms = int(moment.timestamp() * 1000)
        return str(((ms - TWITTER_EPOCH_MS) << 22) | (self.sequence & 0x3FFFFF))

    # -- one chat ---------------------------------------------------------------------------

    def build_chat(self, plan: ChatPlan, tz_name: str = LONDON) -> dict:
        rng = self.random
        starts = datetime.fromisoformat(plan.starts_local).replace(tzinfo=ZoneInfo(tz_name))
        starts = starts.astimezone(UTC)
        window_end = starts + timedelta(hours=WINDOW_HOURS_AFTER)
        hour_end = starts + timedelta(minutes=60)

        participants = self._choose_participants(plan)
        counted_accounts = [self.host, *participants]
        host_posts, question_posts = self._host_posts(plan, starts)
        originals: list[Post] = list(host_posts)

        # Every counted account posts at least once: the first share post originals, the rest
        # only retweet, so contributors come out exactly.
        participant_originals = plan.originals - len(host_posts)
        original_posters = max(
            1, min(len(participants) - 1, int(0.6 * len(participants)), participant_originals)
        )
        retweet_only = participants[original_posters:]
        if plan.retweets < len(retweet_only):
            original_posters = len(participants) - plan.retweets
            retweet_only = participants[original_posters:]
        posters = participants[:original_posters]
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(posters))]
        authors = posters + rng.choices(
            posters, weights=weights, k=participant_originals - len(posters)
        )
        rng.shuffle(authors)

        popular_index = None
        if plan.chat_id == POPULAR["chat"]:
            # The panel member leads the participants, so they are a poster.
            popular_index = authors.index(self.panel[0])
        for index, author in enumerate(authors):
            originals.append(
                self._participant_original(
                    plan,
                    author,
                    starts,
                    hour_end,
                    window_end,
                    question_posts,
                    originals,
                    popular=index == popular_index,
                )
            )

        retweeters = list(retweet_only) + rng.choices(
            counted_accounts, k=plan.retweets - len(retweet_only)
        )
        rng.shuffle(retweeters)
        targets = [
            p for p in originals if p.author is not self.host or p.poll or rng.random() < 0.7
        ]
        target_weights = [1 + p.metrics["retweet_count"] for p in targets]
        chosen_targets = rng.choices(targets, weights=target_weights, k=len(retweeters))
        retweets = [
            self._retweet(retweeter, target, window_end)
            for retweeter, target in zip(retweeters, chosen_targets, strict=True)
        ]

        noise = self._noise(plan, starts, window_end, counted_accounts, originals)
        counted = originals + retweets
        assert len({p.author.user_id for p in counted}) == plan.contributors, plan.chat_id
        assert len(originals) == plan.originals and len(retweets) == plan.retweets
        return {"plan": plan, "starts": starts, "counted": counted, "noise": noise}

    def _choose_participants(self, plan: ChatPlan) -> list[Account]:
        # Regulars (early in the pool) come back each month; others drop in.
        needed = plan.contributors - 1
        panel = self.panel if plan.chat_id == POPULAR["chat"] else self.panel[1:]
        chosen: list[Account] = list(panel[: min(len(panel), needed)])
        taken = {a.user_id for a in chosen}
        while len(chosen) < needed:
            for candidate in self.random.choices(
                self.accounts, cum_weights=self.regular_weights, k=needed
            ):
                if candidate.user_id not in taken and len(chosen) < needed:
                    taken.add(candidate.user_id)
                    chosen.append(candidate)
        # The panel posts originals, so they come first.
        return chosen

    def _host_posts(self, plan: ChatPlan, starts: datetime) -> tuple[list[Post], dict[str, Post]]:
        tags = " ".join(plan.hashtags)
        posts = [
            self._original(
                self.host,
                starts + timedelta(seconds=30),
                f"Welcome to tonight's tweetchat: {plan.title}. Introduce yourself and tell us "
                f"where you're joining from! {tags}",
                plan.hashtags,
            )
        ]
        slots = [5, 17, 29, 41, 52]
        polls = {}
        for offset, (poll_id, question, options) in zip((1.5, 11), plan.polls, strict=False):
            post = self._original(
                self.host, starts + timedelta(minutes=offset), f"{question} {tags}", plan.hashtags
            )
            post.poll = (
                str(1640000000000000000 + zlib.crc32(f"{plan.chat_id}/{poll_id}".encode())),
                options,
            )
            polls[poll_id] = post
            posts.append(post)
        questions = {}
        for minute, (question_id, text) in zip(slots, plan.questions, strict=False):
            post = self._original(
                self.host,
                starts + timedelta(minutes=minute),
                f"Q{question_id}. {text} {tags}",
                plan.hashtags,
            )
            post.metrics.update(
                retweet_count=self.random.randint(15, 60), like_count=self.random.randint(30, 150)
            )
            questions[question_id] = post
            posts.append(post)
        posts.append(
            self._original(
                self.host,
                starts + timedelta(minutes=59),
                f"That's a wrap! Thank you all for joining tonight's tweetchat {tags}",
                plan.hashtags,
            )
        )
        return posts, questions

    def _hashtags_for(self, plan: ChatPlan) -> list[str]:
        roll = self.random.random()
        if len(plan.hashtags) == 1:
            choice = [plan.hashtags[0]]
        elif roll < 0.55:
            choice = list(plan.hashtags)
        elif roll < 0.8:
            choice = [plan.hashtags[0]]
        else:
            choice = [plan.hashtags[1]]
        # People type hashtags in any case; matching ignores it.
        return [tag.lower() if self.random.random() < 0.12 else tag for tag in choice]

    def _participant_original(
        self, plan, author, starts, hour_end, window_end, question_posts, originals, popular=False
    ) -> Post:
        rng = self.random
        question_ids = list(question_posts)
        tags = self._hashtags_for(plan)
        roll = rng.random()
        if popular:
            question_id = POPULAR["question"]
            question = question_posts[question_id]
            moment = question.created_at + timedelta(minutes=3)
            text = (
                f"A{question_id} My advice to senior leaders: {texts.IDEAS[question_id][0]}, and "
                f"{texts.IDEAS[question_id][2]}. Relationships are the work. {' '.join(tags)}"
            )
            post = self._original(author, moment, text, tags)
            post.metrics.update(
                retweet_count=POPULAR["retweets"],
                like_count=POPULAR["likes"],
                reply_count=37,
                quote_count=12,
            )
            post.impressions = POPULAR["views"]
            post.intended_question = question_id
            return post
        if roll < 0.72 and question_ids:
            question_id = rng.choice(question_ids)
            question = question_posts[question_id]
            later = [
                q.created_at for q in question_posts.values() if q.created_at > question.created_at
            ]
            slot_end = min(later) if later else hour_end
            if rng.random() < 0.8:
                moment = _between(rng, question.created_at + timedelta(seconds=30), slot_end)
            else:
                moment = _between(rng, question.created_at, window_end - timedelta(minutes=1))
            idea = rng.choice(texts.IDEAS.get(question_id, texts.IDEAS["1"]))
            body = f"{rng.choice(texts.OPENERS)} {idea}. {rng.choice(texts.CLOSERS)}".strip()
            style = rng.random()
            tag_text = " ".join(tags)
            if style < 0.55:
                text = f"A{question_id} {body} {tag_text}"
            elif style < 0.7:
                text = f"A{question_id}: {body} {tag_text}"
            elif style < 0.78:
                # The hashtag at the end, after a long answer: a retweet's cut text loses it.
                text = f"#A{question_id} {body} {body.lower()} {tag_text}"
            elif style < 0.9:
                post = self._original(
                    author, moment, f"@{question.author.username} {body} {tag_text}", tags
                )
                post.replied_to = question
                post.mentions = [question.author]
            else:
                post = self._original(author, moment, f"{body} {tag_text}", tags)
                post.quoted = question
            if style < 0.78:
                post = self._original(author, moment, text, tags)
            post.intended_question = question_id
            return post
        candidates = [p for p in originals if p.author is not author and p.author is not self.host]
        if roll < 0.9 and candidates:
            parent = rng.choice(candidates[-40:])
            moment = _between(
                rng,
                parent.created_at + timedelta(seconds=20),
                min(window_end, parent.created_at + timedelta(hours=6)),
            )
            idea = rng.choice(texts.IDEAS[rng.choice(list(texts.IDEAS))])
            text = f"@{parent.author.username} {rng.choice(texts.REPLIES).format(idea=idea)} {' '.join(tags)}"
            post = self._original(author, moment, text, tags)
            post.replied_to = parent
            post.mentions = [parent.author]
            post.intended_question = parent.intended_question
            return post
        moment = _between(rng, starts + timedelta(minutes=1), window_end - timedelta(minutes=1))
        line = rng.choice(texts.GENERAL)
        post = self._original(author, moment, f"{line} {' '.join(tags)}", tags)
        post.urls = [word for word in line.split() if word.startswith("https://")]
        return post

    def _original(self, author: Account, moment: datetime, text: str, hashtags) -> Post:
        rng = self.random
        retweets = min(MAX_OTHER_RETWEETS, int(rng.expovariate(1 / 3)))
        likes = min(MAX_OTHER_LIKES, retweets * rng.randint(1, 4) + rng.randint(0, 6))
        return Post(
            post_id=self._post_id(moment),
            author=author,
            created_at=moment.replace(microsecond=0),
            text=text,
            hashtags=list(hashtags),
            metrics={
                "retweet_count": retweets,
                "reply_count": rng.randint(0, 4),
                "like_count": likes,
                "quote_count": 0,
            },
            impressions=rng.randint(40, 900) + likes * 20,
        )

    def _retweet(self, retweeter: Account, target: Post, window_end: datetime) -> Post:
        rng = self.random
        delay = timedelta(minutes=min(rng.expovariate(1 / 40), 60 * 24 * 3))
        moment = min(
            target.created_at + delay + timedelta(seconds=5), window_end - timedelta(seconds=1)
        )
        prefix = f"RT @{target.author.username}: "
        # The platform cuts a retweet's text at 140 characters; hashtags past it are lost.
        shown = prefix + target.text
        text = shown if len(shown) <= 140 else shown[:139] + "\u2026"
        kept = [tag for tag in target.hashtags if tag in text]
        post = Post(
            post_id=self._post_id(moment),
            author=retweeter,
            created_at=moment.replace(microsecond=0),
            text=text,
            hashtags=kept,
            mentions=[target.author],
            retweeted=target,
            metrics=dict(target.metrics),
            impressions=0,
        )
        return post

    def _noise(self, plan, starts, window_end, counted_accounts, originals) -> list[Post]:
        """Posts the rules must leave out; by construction none of them counts."""
        rng = self.random
        counted_ids = {a.user_id for a in counted_accounts}
        outsiders = [a for a in self.accounts if a.user_id not in counted_ids][:40]
        noise: list[Post] = []
        # Replies without the chat hashtag (conversation exports hold them).
        for _ in range(15):
            parent = rng.choice(originals)
            author = rng.choice(outsiders + counted_accounts[:10])
            moment = _between(
                rng,
                parent.created_at + timedelta(seconds=30),
                min(window_end, parent.created_at + timedelta(hours=4)),
            )
            post = self._original(
                author, moment, f"@{parent.author.username} {rng.choice(texts.NOISE_REPLIES)}", []
            )
            post.replied_to, post.mentions = parent, [parent.author]
            noise.append(post)
        # Retweets of those replies: no hashtag on the retweet or the retweeted post.
        for parent in noise[:5]:
            noise.append(self._retweet(rng.choice(outsiders), parent, window_end))
        # Chat hashtags, but before the window opens or after it closes.
        for _ in range(8):
            author = rng.choice(outsiders)
            before = starts - timedelta(hours=rng.uniform(2, 40))
            after = window_end + timedelta(hours=rng.uniform(0.1, 40))
            for moment in (before, after):
                text = (
                    f"Looking forward to the next tweetchat! {' '.join(self._hashtags_for(plan))}"
                )
                noise.append(self._original(author, moment, text, plan.hashtags[:1]))
        # Edited posts: the first version is superseded by the counted one.
        editable = [
            p for p in originals if p.author is not self.host and not p.poll and not p.replied_to
        ][:3]
        for final in editable:
            first = Post(
                post_id=self._post_id(final.created_at - timedelta(minutes=2)),
                author=final.author,
                created_at=final.created_at - timedelta(minutes=2),
                text=final.text.replace(" ", "  ", 1) + " (typo)",
                hashtags=list(final.hashtags),
                metrics={"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
                impressions=10,
            )
            history = [first.post_id, final.post_id]
            first.edit_history = final.edit_history = history
            noise.append(first)
        return noise


def _cumulative(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


# -- twarc2 serialisation ---------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _entities(post: Post) -> dict:
    entities: dict = {}
    if post.hashtags:
        tags = []
        for tag in post.hashtags:
            start = post.text.find(tag)
            if start >= 0:
                tags.append({"start": start, "end": start + len(tag), "tag": tag.lstrip("#")})
        if tags:
            entities["hashtags"] = tags
    if post.mentions:
        entities["mentions"] = []
        for mentioned in post.mentions:
            start = max(0, post.text.find("@" + mentioned.username))
            entities["mentions"].append(
                {
                    "start": start,
                    "end": start + 1 + len(mentioned.username),
                    "username": mentioned.username,
                    "id": mentioned.user_id,
                }
            )
    if post.urls:
        entities["urls"] = [
            {
                "start": post.text.find(u),
                "end": post.text.find(u) + len(u),
                "url": "https://t.co/" + f"{zlib.crc32(u.encode()):08x}",
                "expanded_url": u,
                "display_url": u.split("//", 1)[-1][:25],
            }
            for u in post.urls
        ]
    return entities


def post_json(post: Post, scale: float = 1.0) -> dict:
    """The API v2 object of a post, with metrics scaled for an earlier retrieval."""
    metrics = {k: int(v * scale) for k, v in post.metrics.items()}
    if post.impressions is not None:
        metrics["impression_count"] = int(post.impressions * scale)
    data = {
        "id": post.post_id,
        "text": post.text,
        "author_id": post.author.user_id,
        "created_at": _stamp(post.created_at),
        "conversation_id": _root(post).post_id,
        "lang": "en",
        "public_metrics": metrics,
        "edit_history_tweet_ids": post.edit_history or [post.post_id],
        "reply_settings": "everyone",
    }
    entities = _entities(post)
    if entities:
        data["entities"] = entities
    refs = []
    for kind, target in (
        ("retweeted", post.retweeted),
        ("quoted", post.quoted),
        ("replied_to", post.replied_to),
    ):
        if target is not None:
            refs.append({"type": kind, "id": target.post_id})
    if refs:
        data["referenced_tweets"] = refs
    if post.replied_to is not None:
        data["in_reply_to_user_id"] = post.replied_to.author.user_id
    if post.poll is not None:
        data["attachments"] = {"poll_ids": [post.poll[0]]}
    return data


def _root(post: Post) -> Post:
    while post.replied_to is not None:
        post = post.replied_to
    return post


def _user_json(account: Account) -> dict:
    return {"id": account.user_id, "username": account.username, "name": account.name}


def _poll_json(post: Post) -> dict:
    poll_id, options = post.poll
    return {
        "id": poll_id,
        "options": [
            {"position": i, "label": label, "votes": votes}
            for i, (label, votes) in enumerate(options, 1)
        ],
        "voting_status": "closed",
        "duration_minutes": 1440,
        "end_datetime": _stamp(post.created_at + timedelta(days=1)),
    }


def _referenced(post: Post) -> list[Post]:
    return [p for p in (post.retweeted, post.quoted, post.replied_to) if p is not None]


def _twarc(retrieved_at: datetime, query: str) -> dict:
    """twarc's note on where and when a line was fetched."""
    return {
        "url": f"{SEARCH_URL}?query={query}",
        "version": TWARC_VERSION,
        "retrieved_at": _stamp(retrieved_at).replace(".000Z", "+00:00"),
    }


def write_pages(
    path: Path, posts: list[Post], retrieved_at: datetime, query: str, scale: float = 1.0
) -> int:
    """Write `posts` as twarc2 response pages (newest first, 100 a page)."""
    posts = sorted(posts, key=lambda p: (p.created_at, p.post_id), reverse=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, len(posts), PAGE_SIZE):
            page = posts[start : start + PAGE_SIZE]
            referenced = {p.post_id: p for post in page for p in _referenced(post)}
            users = {}
            for post in [*page, *referenced.values()]:
                users[post.author.user_id] = post.author
                for mentioned in post.mentions:
                    users[mentioned.user_id] = mentioned
            polls = [p for p in [*page, *referenced.values()] if p.poll is not None]
            includes = {"users": [_user_json(u) for u in users.values()]}
            if referenced:
                includes["tweets"] = [post_json(p, scale) for p in referenced.values()]
            if polls:
                includes["polls"] = [_poll_json(p) for p in {p.post_id: p for p in polls}.values()]
            document = {
                "data": [post_json(p, scale) for p in page],
                "includes": includes,
                "meta": {
                    "newest_id": page[0].post_id,
                    "oldest_id": page[-1].post_id,
                    "result_count": len(page),
                },
                "__twarc": _twarc(retrieved_at, query),
            }
            handle.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(posts)


def write_flattened(path: Path, posts: list[Post], retrieved_at: datetime, query: str) -> int:
    """Write `posts` in twarc's flattened form: one post a line, author and references inline."""
    posts = sorted(posts, key=lambda p: (p.created_at, p.post_id), reverse=True)
    twarc = _twarc(retrieved_at, query)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for post in posts:
            line = post_json(post)
            line["author"] = _user_json(post.author)
            if "referenced_tweets" in line:
                by_id = {p.post_id: p for p in _referenced(post)}
                line["referenced_tweets"] = [
                    {
                        "type": r["type"],
                        **post_json(by_id[r["id"]]),
                        "author": _user_json(by_id[r["id"]].author),
                    }
                    for r in line["referenced_tweets"]
                ]
            line["__twarc"] = twarc
            handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(posts)


# -- the two sample shapes --------------------------------------------------------------------


def series_plans() -> list[ChatPlan]:
    plans = []
    for chat_id, (starts, (contributors, originals, retweets)) in SERIES.items():
        title, questions = texts.SERIES_QUESTIONS[chat_id]
        plans.append(
            ChatPlan(
                chat_id=chat_id,
                title=title,
                hashtags=SERIES_HASHTAGS,
                starts_local=starts,
                questions=questions,
                contributors=contributors,
                originals=originals,
                retweets=retweets,
                polls=texts.POLLS.get(chat_id, []),
                published=True,
            )
        )
    return plans


MAX_SCALE_MONTHS = 84  # January 2019 .. December 2025


def scale_plans(posts: int, rng: random.Random) -> list[ChatPlan]:
    """About `posts` posts: chats of ~1,000 posts, several a month from January 2019 on.

    The months stop at December 2025 (84 months), so every chat lies in the past and in
    the warehouse's partitions; more chats then share a month.
    """
    chats = max(1, round(posts / 1000))
    per_chat = posts / chats
    months = min(chats, 24 * max(1, math.ceil(chats / 240)), MAX_SCALE_MONTHS)
    plans = []
    for index in range(chats):
        month = index % months
        year, month_number = 2019 + month // 12, month % 12 + 1
        day = 1 + (index // months) % 27
        originals = max(12, int(per_chat * rng.uniform(0.42, 0.5)))
        retweets = max(2, int(per_chat) - originals - 40)  # ~40 noise posts a chat
        contributors = min(
            originals + retweets - 5, max(20, int(per_chat * rng.uniform(0.13, 0.2)))
        )
        title, questions = texts.SERIES_QUESTIONS[list(texts.SERIES_QUESTIONS)[index % 4]]
        plans.append(
            ChatPlan(
                chat_id=f"chat-{index + 1:05d}",
                title=title,
                hashtags=(f"#QIChat{index + 1:05d}",),
                starts_local=f"{year}-{month_number:02d}-{day:02d}T19:00",
                questions=questions,
                contributors=contributors,
                originals=originals,
                retweets=retweets,
            )
        )
    return plans


def registry_document(plans: list[ChatPlan]) -> dict:
    chats = []
    for plan in plans:
        entry = {
            "id": plan.chat_id,
            "title": plan.title,
            "hashtags": list(plan.hashtags),
            "hosts": [texts.HOST],
            "starts": plan.starts_local,
            "duration_minutes": 60,
            "window_hours_before": 0,
            "window_hours_after": WINDOW_HOURS_AFTER,
        }
        if plan.published:
            entry["questions"] = [{"id": q, "text": t} for q, t in plan.questions]
            entry["published"] = {
                "contributors": plan.contributors,
                "originals": plan.originals,
                "retweets": plan.retweets,
            }
        chats.append(entry)
    return {"timezone": LONDON, "chats": chats}


def write_sample(out_dir: Path, posts: int | None = None, seed: int = 2023, log=print) -> dict:
    """Write `chats.yaml` and `raw/` export files into `out_dir`; returns counts."""
    out_dir = Path(out_dir)
    raw_dir = out_dir / "raw"
    writer = SampleWriter(seed)
    plans = series_plans() if posts is None else scale_plans(posts, writer.random)
    written = 0
    for number, plan in enumerate(plans, start=1):
        chat = writer.build_chat(plan)
        starts = chat["starts"]
        month_dir = raw_dir / plan.starts_local[:7]
        query = "%20OR%20".join(t.replace("#", "%23") for t in plan.hashtags)
        everything = chat["counted"] + chat["noise"]
        conversation = [p for p in chat["noise"] if not p.hashtags and not p.edit_history]
        conversation_ids = {p.post_id for p in conversation}
        searchable = [p for p in everything if p.post_id not in conversation_ids]
        if posts is not None:
            written += write_pages(
                month_dir / f"{plan.chat_id}.jsonl", everything, starts + timedelta(days=6), query
            )
        else:
            # Two overlapping searches: the first, retrieved the next morning, with lower metrics.
            first = [p for p in searchable if p.created_at < starts + timedelta(hours=3)]
            second = [p for p in searchable if p.created_at >= starts + timedelta(minutes=30)]
            written += write_pages(
                month_dir / f"{plan.chat_id}_search_evening.jsonl",
                first,
                starts + timedelta(hours=14),
                query,
                scale=0.6,
            )
            week_file = month_dir / f"{plan.chat_id}_search_week.jsonl"
            if plan.chat_id.endswith("-02"):
                written += write_flattened(week_file, second, starts + timedelta(days=6), query)
            else:
                written += write_pages(week_file, second, starts + timedelta(days=6), query)
            written += write_pages(
                month_dir / f"{plan.chat_id}_conversation.jsonl",
                conversation,
                starts + timedelta(days=6),
                "conversation_id",
            )
        if posts is not None and (number % 50 == 0 or number == len(plans)):
            log(f"sample: {number}/{len(plans)} chats, {written} posts written")
    (out_dir / "chats.yaml").write_text(
        "# Chat registry of the generated sample (fictional accounts; see README).\n"
        + yaml.safe_dump(registry_document(plans), sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return {"chats": len(plans), "posts_written": written, "raw_dir": str(raw_dir)}
