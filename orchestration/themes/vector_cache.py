"""Sentence-model vectors of excerpts already encoded, so a rerun encodes only new text.

A vector is a function of the model and the text alone, so it is kept under (the model's
fingerprint, the SHA-256 of the text) in `analysis.theme_vector_cache` of the working
database. The themes asset reads the rows it needs before encoding, and writes the new ones in
the transaction that writes its themes: a run that fails before then writes none, and a row once
written is right for as long as its fingerprint matches. The fingerprint covers the model's
files (their bytes) and ENCODER_VERSION, so another model, or a change to how the built-in
encoder computes, encodes afresh; rows of any other fingerprint are deleted when new rows are
written, so the table holds one model's vectors. TF-IDF + LSA is fitted per chat and is never
cached.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

TABLE = "analysis.theme_vector_cache"
# Raise when the built-in encoder (minilm.py) or the StaticModel computes different vectors.
ENCODER_VERSION = "2"
CREATE_SQL = f"""
create schema if not exists analysis;
create table if not exists {TABLE} (
    model_fingerprint varchar, text_sha256 varchar, vector blob,
    primary key (model_fingerprint, text_sha256)
)
"""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=8)
def _files_digest(folder: str, stamps: tuple) -> str:
    digest = hashlib.sha256(ENCODER_VERSION.encode())
    for name, _size, _mtime in stamps:
        digest.update(name.encode() + b"\0")
        with (Path(folder) / name).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def model_fingerprint(folder: str | Path) -> str:
    """SHA-256 over the model folder's files and ENCODER_VERSION (hashed once a process while
    the files' sizes and times stay the same)."""
    root = Path(folder).expanduser().resolve()
    files = sorted(path for path in root.rglob("*") if path.is_file())
    stamps = tuple(
        (str(path.relative_to(root)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in files
    )
    return _files_digest(str(root), stamps)


class VectorCache:
    """Vectors by (fingerprint, text): in memory, and in a DuckDB table when given `con`.

    `lookup` reads what the table holds for the texts asked; `remember` keeps new vectors, which
    `write(con)` inserts (inside the caller's transaction)."""

    def __init__(self, con=None):
        self.con = con
        self.vectors: dict[tuple[str, str], np.ndarray] = {}
        self.pending: dict[tuple[str, str], np.ndarray] = {}
        self.encoded = 0
        self.reused = 0
        if con is not None:
            con.execute(CREATE_SQL)

    def lookup(self, fingerprint: str, texts: list[str]) -> dict[str, np.ndarray]:
        keys = {text_key(text) for text in texts}
        missing = [key for key in keys if (fingerprint, key) not in self.vectors]
        if self.con is not None and missing:
            rows = self.con.execute(
                f"select text_sha256, vector from {TABLE} "
                "where model_fingerprint = ? and text_sha256 in (select unnest(?))",
                [fingerprint, missing],
            ).fetchall()
            for key, blob in rows:
                self.vectors[(fingerprint, key)] = np.frombuffer(blob, dtype=np.float32)
        return {
            key: self.vectors[(fingerprint, key)]
            for key in keys
            if (fingerprint, key) in self.vectors
        }

    def remember(self, fingerprint: str, texts: list[str], vectors: np.ndarray) -> None:
        for text, vector in zip(texts, np.asarray(vectors, dtype=np.float32), strict=True):
            key = (fingerprint, text_key(text))
            self.vectors[key] = self.pending[key] = vector

    def write(self, con) -> int:
        """Insert the vectors remembered since the last write; drop other models' rows."""
        if not self.pending:
            return 0
        fingerprints = sorted({fingerprint for fingerprint, _key in self.pending})
        con.execute(
            f"delete from {TABLE} where model_fingerprint not in (select unnest(?))",
            [fingerprints],
        )
        rows = [(fp, key, vector.tobytes()) for (fp, key), vector in self.pending.items()]
        columns = [list(column) for column in zip(*rows, strict=True)]
        con.execute(
            f"insert or ignore into {TABLE} select unnest(?), unnest(?), unnest(?)", columns
        )
        written = len(self.pending)
        self.pending = {}
        return written


def cached_encode(model, fingerprint: str, texts: list[str], cache: VectorCache) -> np.ndarray:
    """`model.encode(texts)`, computing only the distinct texts the cache does not hold."""
    known = cache.lookup(fingerprint, texts)
    new_texts = sorted({text for text in texts if text_key(text) not in known})
    if new_texts:
        cache.remember(fingerprint, new_texts, model.encode(new_texts))
        known = cache.lookup(fingerprint, texts)
    cache.encoded += len(new_texts)
    cache.reused += len(set(texts)) - len(new_texts)
    return np.stack([known[text_key(text)] for text in texts])


__all__ = ["ENCODER_VERSION", "TABLE", "VectorCache", "cached_encode", "model_fingerprint"]
