"""Excerpts as vectors: a sentence-embedding model on disk, or TF-IDF + LSA (needs nothing).

`TWEETCHAT_THEME_MODEL` names a local folder holding a sentence-transformers model (a
`modules.json`) or a model2vec static model (`model.safetensors` + `tokenizer.json`), or is
`tfidf` for TF-IDF + LSA. Unset, the run uses `models/all-MiniLM-L6-v2/` when `make
theme-model` has put it there, else TF-IDF + LSA. A sentence-transformers BERT model (such as
all-MiniLM-L6-v2) runs in numpy (orchestration/themes/minilm.py); another architecture needs
the sentence-transformers package. Nothing is downloaded: a folder that is not there is an
error naming it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from orchestration.settings import (
    DEFAULT_THEME_MODEL_FOLDER,
    ENV_THEME_MODEL,
    TFIDF,
    theme_model_folder,
)
from orchestration.themes.excerpts import content_terms, lemma, words_of
from orchestration.themes.minilm import (
    BertSentenceEncoder,
    ModelFolderError,
    is_bert_sentence_model,
    read_safetensors,
)
from orchestration.themes.vector_cache import cached_encode, model_fingerprint

DEFAULT_MODEL_FOLDER = DEFAULT_THEME_MODEL_FOLDER
TFIDF_DESCRIPTION = "TF-IDF + LSA ({dimensions} dimensions, fitted per chat)"
# Few dimensions: short excerpts share few words, and a small space groups them by the words
# that occur together across the run's responses rather than by single shared words.
LSA_DIMENSIONS = 30


class ThemeModelError(ValueError):
    """The configured theme model cannot be read."""


def analyse(text: str) -> list[str]:
    """Lemmas without stop words: the TF-IDF vocabulary. (Word pairs would give each short
    excerpt terms of its own and make excerpts of one idea look apart.)"""
    return content_terms(text)


def tfidf_vectors(texts: list[str]) -> tuple[np.ndarray, TfidfVectorizer]:
    """Sparse TF-IDF of a chat's excerpts, fitted once for the chat (not per question)."""
    vectoriser = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, norm="l2")
    return vectoriser.fit_transform(texts), vectoriser


def lsa_vectors(texts: list[str]):
    """TF-IDF reduced by truncated SVD (fixed seed: the same texts give the same vectors)."""
    matrix, _ = tfidf_vectors(texts)
    dimensions = min(LSA_DIMENSIONS, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if dimensions < 2:
        return matrix if matrix.shape[1] else sparse.csr_matrix((len(texts), 1))
    reduced = TruncatedSVD(n_components=dimensions, random_state=0).fit_transform(matrix)
    return normalize(reduced)


class StaticModel:
    """A model2vec-format model read without the library: token vectors averaged per text."""

    def __init__(self, folder: Path):
        weights = folder / "model.safetensors"
        tokenizer = folder / "tokenizer.json"
        for path in (weights, tokenizer):
            if not path.exists():
                raise ThemeModelError(f"{path}: missing (a model2vec model needs it)")
        self.embeddings = read_safetensors_matrix(weights)
        vocab = json.loads(tokenizer.read_text(encoding="utf-8"))["model"]["vocab"]
        if isinstance(vocab, list):  # Unigram tokenizers list [token, score] pairs
            vocab = {token: index for index, (token, _score) in enumerate(vocab)}
        self.vocab = {token: int(index) for token, index in vocab.items()}

    def _token_ids(self, word: str) -> list[int]:
        word = word.lower()
        if word in self.vocab:
            return [self.vocab[word]]
        # WordPiece: the longest known prefix, then '##' pieces; unknown words give nothing.
        ids, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    start = end
                    break
            else:
                return []
        return ids

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.embeddings.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = [i for word in words_of(text) for i in self._token_ids(word)]
            if ids:
                vectors[row] = self.embeddings[ids].mean(axis=0)
        return vectors


def read_safetensors_matrix(path: Path) -> np.ndarray:
    """The one 2-D float tensor of a safetensors file (model2vec's `embeddings`)."""
    try:
        tensors = read_safetensors(path)
    except ModelFolderError as error:
        raise ThemeModelError(str(error)) from error
    name = "embeddings" if "embeddings" in tensors else sorted(tensors)[0]
    matrix = tensors[name]
    if matrix.ndim != 2 or matrix.dtype.kind != "f":
        raise ThemeModelError(f"{path}: tensor {name} is {matrix.dtype} {list(matrix.shape)}")
    return matrix


@functools.lru_cache(maxsize=2)
def load_model(folder: str | Path):
    """An encoder with `.encode(texts) -> array`, from a local folder only."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ThemeModelError(
            f"{ENV_THEME_MODEL}={folder}: no such folder; point it at a sentence-transformers "
            f"or model2vec model on disk, or set it to {TFIDF} (`make theme-model` puts "
            f"all-MiniLM-L6-v2 in {DEFAULT_MODEL_FOLDER})"
        )
    if (path / "modules.json").exists():
        if is_bert_sentence_model(path):
            try:
                return BertSentenceEncoder(path)
            except (ModelFolderError, OSError, KeyError, ValueError) as error:
                raise ThemeModelError(f"{path}: cannot read the model: {error}") from error
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ThemeModelError(
                f"{path} is a sentence-transformers model of an architecture the built-in "
                "encoder does not run (it runs BERT): pip install sentence-transformers"
            ) from error
        return SentenceTransformer(str(path), local_files_only=True, device="cpu")
    return StaticModel(path)


# The choice of folder is the settings module's (the rerun check needs it without this module).
model_folder_in_use = theme_model_folder


def describe_representation(model_folder: str | None = None) -> str:
    """What turns excerpts into vectors, for the asset's metadata and the CLI."""
    folder = model_folder_in_use(model_folder)
    if folder is None:
        return TFIDF_DESCRIPTION.format(dimensions=LSA_DIMENSIONS)
    model = load_model(folder)
    kind = {
        BertSentenceEncoder: "sentence-transformers BERT, numpy",
        StaticModel: "model2vec static",
    }.get(type(model), "sentence-transformers")
    return f"{Path(folder).name} ({kind}; {folder})"


def excerpt_vectors(texts: list[str], model_folder: str | None = None, cache=None):
    """L2-normalised vectors of the excerpts (a dense or sparse matrix, one row each), computed
    in one call for a chat (a model on disk is loaded once a process). With a VectorCache
    (vector_cache.py), a model encodes only the texts it has not encoded before."""
    if not texts:
        return np.zeros((0, 1))
    folder = model_folder_in_use(model_folder)
    if folder:
        model = load_model(folder)
        if cache is None:
            encoded = model.encode(texts)
        else:
            encoded = cached_encode(model, model_fingerprint(folder), texts, cache)
        return normalize(np.asarray(encoded, dtype=np.float64))
    return lsa_vectors(texts)


__all__ = [
    "DEFAULT_MODEL_FOLDER",
    "ENV_THEME_MODEL",
    "ThemeModelError",
    "analyse",
    "describe_representation",
    "excerpt_vectors",
    "lemma",
    "model_folder_in_use",
]
