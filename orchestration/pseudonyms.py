"""Stable pseudonyms for the handles of non-host accounts in everything shared outside.

A pseudonym is a keyed hash (HMAC-SHA256) of the lower-case handle with a local secret, so
the same account gets the same pseudonym in every report and chart, and nobody without the
secret can reverse it by hashing candidate handles. The secret lives in a file beside the
warehouse (created on first use, readable by its owner only) or in TWEETCHAT_PSEUDONYM_KEY
(which orchestration/settings.py notes and the settings resource resolves).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

KEY_FILE_NAME = ".pseudonym_key"
MENTION = re.compile(r"(?<![\w@])@(\w{1,50})")


def load_key(published_database: Path, configured: str | None = None) -> bytes:
    """The secret: `configured` (TWEETCHAT_PSEUDONYM_KEY), else `.pseudonym_key` beside the
    published database."""
    if configured:
        return configured.encode("utf-8")
    path = published_database.parent / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


class Pseudonymiser:
    """Replaces non-host handles, as names and as @mentions in text."""

    def __init__(self, key: bytes, hosts: Iterable[str]):
        self.key = key
        self.hosts = {h.lower().lstrip("@") for h in hosts}

    def handle(self, username: str | None) -> str | None:
        if username is None or not isinstance(username, str) or username.lower() in self.hosts:
            return username
        digest = hmac.new(self.key, username.lower().encode("utf-8"), hashlib.sha256)
        return f"participant_{digest.hexdigest()[:10]}"

    def text(self, text: str | None) -> str | None:
        if not isinstance(text, str):
            return text
        return MENTION.sub(lambda match: "@" + self.handle(match.group(1)), text)
