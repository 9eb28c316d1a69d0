"""A sentence-transformers BERT model (such as all-MiniLM-L6-v2) run in numpy, without torch.

The folder is a sentence-transformers model as saved on disk: `modules.json` (Transformer,
Pooling, optionally Normalize), `config.json` (a BERT encoder), `model.safetensors`,
`tokenizer.json`, `1_Pooling/config.json` and `sentence_bert_config.json`. The encoder is the
BERT forward pass (embeddings, then per layer: self-attention, feed-forward with GELU, each
followed by a residual LayerNorm), mean or CLS pooling over the real tokens, then L2
normalisation: what sentence-transformers computes, within float32 rounding. Tokenised by the
`tokenizers` package from the folder's own tokenizer.json. Nothing is downloaded.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}
# The module types this encoder computes; a model with any other module (a Dense layer, say)
# needs sentence-transformers itself.
SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}
# Tokens (padding included) per batch of excerpts of a similar length.
BATCH_TOKENS = 4096


class ModelFolderError(ValueError):
    """A model folder that this encoder cannot read."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file, as read-only numpy arrays over one read of the file."""
    with path.open("rb") as handle:
        (header_size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_size))
        body = handle.read()
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        if spec["dtype"] not in SAFETENSORS_DTYPES:
            raise ModelFolderError(f"{path}: tensor {name} has unsupported dtype {spec['dtype']}")
        start, end = spec["data_offsets"]
        dtype = SAFETENSORS_DTYPES[spec["dtype"]]
        tensors[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(spec["shape"])
    return tensors


def is_bert_sentence_model(folder: Path) -> bool:
    """True when the folder is a sentence-transformers model this encoder can run."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        config.get("model_type") == "bert"
        and all(module.get("type") in SUPPORTED_MODULES for module in modules)
        and (folder / "model.safetensors").exists()
        and (folder / "tokenizer.json").exists()
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


# erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under float32 rounding of
# the GELU's output here): numpy's float32 exp is vectorised, scipy's erf is not, and the GELU of
# every token's 1536 inner values was a third of the encoder's time.
ERF_P = np.float32(0.3275911)
ERF_COEFFICIENTS = tuple(
    np.float32(c) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)
# Rows of the GELU's input computed at once: the dozen passes over them stay in the CPU's cache.
GELU_ROWS = 256


def _gelu_block(x: np.ndarray, out: np.ndarray) -> None:
    scaled = np.abs(x)
    scaled *= np.float32(1.0 / np.sqrt(2.0))
    decay = np.square(scaled)
    np.negative(decay, out=decay)
    np.exp(decay, out=decay)
    scaled *= ERF_P
    scaled += 1
    np.reciprocal(scaled, out=scaled)
    tail = scaled * ERF_COEFFICIENTS[0]
    for coefficient in ERF_COEFFICIENTS[1:]:
        tail += coefficient
        tail *= scaled
    # tail = 1 - erf(|x| / sqrt 2); GELU(x) = x (1 + erf(x / sqrt 2)) / 2.
    tail *= decay
    tail *= x
    tail *= np.float32(0.5)
    np.subtract(x, tail, out=tail, where=x >= 0)
    out[...] = tail


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU (erf, not the tanh approximation), float32 in, float32 out."""
    out = np.empty_like(x)
    for start in range(0, len(x), GELU_ROWS):
        _gelu_block(x[start : start + GELU_ROWS], out[start : start + GELU_ROWS])
    return out


class BertSentenceEncoder:
    """`encode(texts) -> (n, hidden)` float32 array, L2-normalised when the model says so."""

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        config = json.loads((self.folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert":
            raise ModelFolderError(f"{self.folder / 'config.json'}: model_type is not bert")
        if config.get("hidden_act", "gelu") != "gelu":
            raise ModelFolderError(
                f"{self.folder / 'config.json'}: hidden_act {config['hidden_act']} unsupported"
            )
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        modules = json.loads((self.folder / "modules.json").read_text(encoding="utf-8"))
        unknown = [m.get("type") for m in modules if m.get("type") not in SUPPORTED_MODULES]
        if unknown:
            raise ModelFolderError(
                f"{self.folder / 'modules.json'}: modules {unknown} need sentence-transformers"
            )
        self.normalise = any(m["type"].endswith(".Normalize") for m in modules)
        self.pooling = "mean"
        for module in modules:
            if module["type"].endswith(".Pooling"):
                pooling = json.loads(
                    (self.folder / module["path"] / "config.json").read_text(encoding="utf-8")
                )
                if pooling.get("pooling_mode_cls_token"):
                    self.pooling = "cls"
                elif not pooling.get("pooling_mode_mean_tokens", True):
                    raise ModelFolderError(
                        f"{self.folder / module['path'] / 'config.json'}: only mean or CLS "
                        "pooling is supported"
                    )
        max_length = int(config.get("max_position_embeddings", 512))
        bert_config = self.folder / "sentence_bert_config.json"
        if bert_config.exists():
            settings = json.loads(bert_config.read_text(encoding="utf-8"))
            max_length = min(max_length, int(settings.get("max_seq_length", max_length)))
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        self._load_weights(read_safetensors(self.folder / "model.safetensors"))

    def _load_weights(self, tensors: dict[str, np.ndarray]) -> None:
        # Checkpoints saved from BertModel have no prefix; from BertForX they carry "bert.".
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""

        def tensor(name: str) -> np.ndarray:
            key = prefix + name
            if key not in tensors:
                raise ModelFolderError(f"{self.folder / 'model.safetensors'}: no tensor {key}")
            return np.ascontiguousarray(tensors[key], dtype=np.float32)

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            # Stored as (out, in); kept transposed so that a batch is x @ weight + bias.
            return np.ascontiguousarray(tensor(f"{name}.weight").T), tensor(f"{name}.bias")

        self.word = tensor("embeddings.word_embeddings.weight")
        self.position = tensor("embeddings.position_embeddings.weight")
        self.token_type = tensor("embeddings.token_type_embeddings.weight")
        self.embedding_norm = (
            tensor("embeddings.LayerNorm.weight"),
            tensor("embeddings.LayerNorm.bias"),
        )
        self.blocks = []
        for number in range(self.layers):
            base = f"encoder.layer.{number}"
            query, key, value = (
                linear(f"{base}.attention.self.{n}") for n in ("query", "key", "value")
            )
            self.blocks.append(
                {
                    # Query, key and value in one matrix: one product per layer instead of three.
                    "qkv": (
                        np.concatenate([query[0], key[0], value[0]], axis=1),
                        np.concatenate([query[1], key[1], value[1]]),
                    ),
                    "attention_out": linear(f"{base}.attention.output.dense"),
                    "attention_norm": (
                        tensor(f"{base}.attention.output.LayerNorm.weight"),
                        tensor(f"{base}.attention.output.LayerNorm.bias"),
                    ),
                    "intermediate": linear(f"{base}.intermediate.dense"),
                    "output": linear(f"{base}.output.dense"),
                    "output_norm": (
                        tensor(f"{base}.output.LayerNorm.weight"),
                        tensor(f"{base}.output.LayerNorm.bias"),
                    ),
                }
            )

    def _forward(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Hidden states (tokens, hidden) of sequences given end to end (`ids`, one row per
        token, `lengths` tokens each).

        Only attention sees the sequences padded to the longest; every dense layer works on
        the real tokens alone, as one (tokens, hidden) matrix: one BLAS product a layer, and
        none spent on padding."""
        batch, length = len(lengths), int(lengths.max())
        head_size = self.hidden // self.heads
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        real = np.arange(length)[None, :] < lengths[:, None]
        # Each padded slot reads its sequence's first token; its score is masked out below.
        gather = np.where(real, starts[:, None] + np.arange(length)[None, :], starts[:, None])
        positions = np.concatenate([np.arange(count) for count in lengths])
        x = self.word[ids] + self.position[positions] + self.token_type[0]
        x = _layer_norm(x, *self.embedding_norm, self.eps)
        # Padding keys get a large negative score: no attention lands on them.
        key_bias = np.where(real[:, None, None, :], 0.0, -1e9).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(head_size))
        for block in self.blocks:
            weight, bias = block["qkv"]
            qkv = x @ weight
            qkv += bias
            qkv = qkv[gather].reshape(batch, length, 3, self.heads, head_size)
            query, key, value = (qkv[:, :, n].transpose(0, 2, 1, 3) for n in range(3))
            scores = query @ key.transpose(0, 1, 3, 2)
            scores *= scale
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3)[real].reshape(-1, self.hidden)
            weight, bias = block["attention_out"]
            inner = context @ weight
            inner += bias
            inner += x
            x = _layer_norm(inner, *block["attention_norm"], self.eps)
            weight, bias = block["intermediate"]
            inner = x @ weight
            inner += bias
            inner = _gelu(inner)
            weight, bias = block["output"]
            inner = inner @ weight
            inner += bias
            inner += x
            x = _layer_norm(inner, *block["output_norm"], self.eps)
        return x

    def batches(self, lengths: list[int]) -> list[list[int]]:
        """Row indexes grouped into batches of similar token counts, shortest first: little
        of a batch is padding, and each holds about BATCH_TOKENS tokens (products big enough
        for BLAS, attention scores small enough for the cache)."""
        order = sorted(range(len(lengths)), key=lambda row: (lengths[row], row))
        groups, current = [], []
        for row in order:
            # Sorted, so this row is the batch's longest: the batch pads every row to it.
            if current and (len(current) + 1) * lengths[row] > BATCH_TOKENS:
                groups.append(current)
                current = []
            current.append(row)
        if current:
            groups.append(current)
        return groups

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.hidden), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self.tokenizer.encode_batch(list(texts))
        for rows in self.batches([len(encoding.ids) for encoding in encodings]):
            lengths = np.array([len(encodings[row].ids) for row in rows])
            ids = np.concatenate([encodings[row].ids for row in rows]).astype(np.int64)
            hidden = self._forward(ids, lengths)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            if self.pooling == "cls":
                vectors[rows] = hidden[starts]
            else:
                vectors[rows] = np.add.reduceat(hidden, starts, axis=0) / lengths[:, None]
        if self.normalise:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors /= np.maximum(norms, 1e-12)
        return vectors


__all__ = ["BertSentenceEncoder", "ModelFolderError", "is_bert_sentence_model", "read_safetensors"]
