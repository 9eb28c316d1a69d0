"""The numpy BERT sentence encoder (orchestration/themes/minilm.py) against sentence-transformers.

A tiny BERT model (2 layers, 8 dimensions, seeded random weights, a 30-word WordPiece
vocabulary) is built here; EXPECTED holds the vectors sentence-transformers 6.2 (torch 2.13,
CPU) computed from exactly that folder, so the forward pass, the pooling over the mask and the
normalisation are checked without torch. The real all-MiniLM-L6-v2 is checked too where
`make theme-model` has put it in models/.
"""

from __future__ import annotations

import json
import struct
import time

import numpy as np
import pytest

from orchestration.themes.minilm import BertSentenceEncoder, is_bert_sentence_model
from orchestration.themes.representation import (
    DEFAULT_MODEL_FOLDER,
    describe_representation,
    excerpt_vectors,
    model_folder_in_use,
)

TINY_VOCAB = (
    ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "fear", "of", "blame", "trust", "is", "the"]
    + ["currency", "change", "people", "are", "afraid", "fail", "##ing", "great", "question"]
    + ["!", ",", ".", "and", "fatigue", "build", "relationships", "take", "time", "we"]
)
TINY_SENTENCES = [
    "Fear of blame, and change fatigue",
    "Trust is the currency of change.",
    "People are afraid of failing",
    "Great question!",
    "We build relationships",
]
# sentence-transformers' SentenceTransformer(folder).encode(TINY_SENTENCES), rounded to 6 places.
EXPECTED = [
    [-0.275608, -0.361664, -0.165757, 0.158004, -0.459547, 0.727229, -0.026664, -0.006584],
    [-0.237609, -0.694726, 0.026694, -0.110159, -0.36714, 0.435709, 0.126428, 0.327767],
    [-0.43104, -0.357889, -0.155349, 0.143969, -0.477933, 0.544615, 0.340155, -0.023005],
    [-0.490409, -0.28181, -0.173848, 0.192173, -0.456209, 0.603863, 0.199049, 0.023042],
    [-0.323696, -0.191566, -0.19493, 0.151159, -0.622017, 0.630881, 0.110351, 0.024163],
]


def write_tiny_bert(folder, layers: int = 2, hidden: int = 8, heads: int = 2) -> None:
    """A sentence-transformers folder holding a tiny BERT with seeded random weights."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    folder.mkdir(parents=True)
    rng = np.random.default_rng(16)
    intermediate, positions = 2 * hidden, 32
    shapes = {
        "embeddings.word_embeddings.weight": (len(TINY_VOCAB), hidden),
        "embeddings.position_embeddings.weight": (positions, hidden),
        "embeddings.token_type_embeddings.weight": (2, hidden),
        "embeddings.LayerNorm.weight": (hidden,),
        "embeddings.LayerNorm.bias": (hidden,),
    }
    for n in range(layers):
        base = f"encoder.layer.{n}"
        for name in ("query", "key", "value"):
            shapes[f"{base}.attention.self.{name}.weight"] = (hidden, hidden)
            shapes[f"{base}.attention.self.{name}.bias"] = (hidden,)
        shapes[f"{base}.attention.output.dense.weight"] = (hidden, hidden)
        shapes[f"{base}.attention.output.dense.bias"] = (hidden,)
        shapes[f"{base}.intermediate.dense.weight"] = (intermediate, hidden)
        shapes[f"{base}.intermediate.dense.bias"] = (intermediate,)
        shapes[f"{base}.output.dense.weight"] = (hidden, intermediate)
        shapes[f"{base}.output.dense.bias"] = (hidden,)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[f"{base}.{norm}.weight"] = (hidden,)
            shapes[f"{base}.{norm}.bias"] = (hidden,)
    header, chunks, offset = {}, [], 0
    for name, shape in shapes.items():
        values = rng.normal(0.0, 0.5, size=shape)
        if name.endswith("LayerNorm.weight"):
            values = 1.0 + 0.1 * values
        data = values.astype(np.float32).tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(
        struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks)
    )
    tokenizer = Tokenizer(WordPiece({w: i for i, w in enumerate(TINY_VOCAB)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "BertTokenizer", "do_lower_case": True})
    )
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": intermediate,
        "hidden_act": "gelu",
        "max_position_embeddings": positions,
        "type_vocab_size": 2,
        "vocab_size": len(TINY_VOCAB),
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
    }
    (folder / "config.json").write_text(json.dumps(config))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]  # fmt: skip
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True})
    )
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 24}))


def test_the_tiny_bert_gives_sentence_transformers_vectors(tmp_path):
    write_tiny_bert(tmp_path / "tiny")
    assert is_bert_sentence_model(tmp_path / "tiny")
    vectors = BertSentenceEncoder(tmp_path / "tiny").encode(TINY_SENTENCES)
    expected = np.array(EXPECTED)
    cosines = (vectors * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() >= 0.9999, cosines
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_padding_does_not_change_a_vector(tmp_path):
    # Batched with a longer sentence (so padded), a sentence keeps the vector it has alone.
    write_tiny_bert(tmp_path / "tiny")
    encoder = BertSentenceEncoder(tmp_path / "tiny")
    alone = encoder.encode(["Great question!"])
    padded = encoder.encode(["Great question!", "Trust is the currency of change."])
    np.testing.assert_allclose(alone[0], padded[0], atol=1e-6)


def test_the_tiny_bert_is_the_run_representation_when_named(tmp_path, monkeypatch):
    write_tiny_bert(tmp_path / "tiny")
    monkeypatch.setenv("TWEETCHAT_THEME_MODEL", str(tmp_path / "tiny"))
    assert model_folder_in_use() == str(tmp_path / "tiny")
    assert "sentence-transformers BERT, numpy" in describe_representation()
    np.testing.assert_allclose(excerpt_vectors(TINY_SENTENCES[:2]), EXPECTED[:2], atol=1e-5)
    monkeypatch.setenv("TWEETCHAT_THEME_MODEL", "tfidf")
    assert model_folder_in_use() is None
    assert describe_representation().startswith("TF-IDF + LSA")


def test_a_model_with_modules_it_cannot_run_is_not_taken_for_bert(tmp_path):
    write_tiny_bert(tmp_path / "dense")
    modules = json.loads((tmp_path / "dense" / "modules.json").read_text())
    modules.append(
        {"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"}
    )
    (tmp_path / "dense" / "modules.json").write_text(json.dumps(modules))
    assert not is_bert_sentence_model(tmp_path / "dense")


@pytest.mark.skipif(
    not (DEFAULT_MODEL_FOLDER / "modules.json").exists(),
    reason=f"{DEFAULT_MODEL_FOLDER} is missing: `make theme-model` puts all-MiniLM-L6-v2 there",
)
def test_all_minilm_puts_paraphrases_closer_than_unrelated_sentences():
    encoder = BertSentenceEncoder(DEFAULT_MODEL_FOLDER)
    vectors = encoder.encode(
        [
            "Staff are afraid of being blamed when things go wrong",
            "People fear getting the blame for mistakes",
            "We used run charts to measure the change",
            "Measurement with run charts showed the improvement",
        ]
    )
    similarity = vectors @ vectors.T
    # Each sentence's nearest other sentence is its paraphrase, which shares almost no words.
    assert similarity[0, 1] > max(similarity[0, 2], similarity[0, 3]) + 0.2
    assert similarity[2, 3] > max(similarity[2, 0], similarity[2, 1]) + 0.2
    started = time.perf_counter()
    encoder.encode(["Fear of blame, and change fatigue"] * 64)
    assert time.perf_counter() - started < 10
