"""A tiny BERT sentence-transformer and stance-shaped pairs for fast training tests, built offline.

The model is random (2 layers, hidden size 32) with a word-level vocabulary built in memory, so
nothing is downloaded. The pairs follow the data's logic: the same stance on a topic is
compatible, opposite stances are incompatible.
"""

from __future__ import annotations

import random
from pathlib import Path

from p3lib.data.schema import DatingPair

TOPICS = (
    "hiking",
    "music",
    "travel",
    "cooking",
    "reading",
    "dancing",
    "camping",
    "painting",
    "gaming",
    "running",
    "parties",
    "movies",
)
LIKES = ("i love", "i enjoy", "i adore")
DISLIKES = ("i hate", "i avoid", "i dislike")
SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def vocabulary() -> list[str]:
    """Every token the tiny pairs use, after the special tokens BERT needs."""
    words = {"boy", "girl", ":"}
    for phrase in LIKES + DISLIKES:
        words.update(phrase.split())
    words.update(TOPICS)
    return [*SPECIAL, *sorted(words)]


def build_tiny_model_dir(folder: str | Path, seed: int = 0) -> Path:
    """Write a random tiny BERT with its tokenizer to ``folder`` (a plain transformers folder)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = {token: index for index, token in enumerate(vocabulary())}
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocabulary()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=32,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_model(folder: str | Path, seed: int = 0):
    """A SentenceTransformer (tiny BERT + mean pooling) saved at ``folder`` and loaded from it."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    transformer_dir = build_tiny_model_dir(Path(folder) / "bert", seed=seed)
    transformer = Transformer(str(transformer_dir), max_seq_length=16)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling], device="cpu")
    model.save(str(folder))
    return SentenceTransformer(str(folder), device="cpu")


def tiny_pairs(n: int, seed: int = 0) -> list[DatingPair]:
    """``n`` pairs: same stance on one topic is compatible (1), opposite stance is not (0)."""
    rng = random.Random(seed)
    pairs = []
    for index in range(n):
        topic = rng.choice(TOPICS)
        first_likes = rng.random() < 0.5
        label = index % 2
        second_likes = first_likes if label == 1 else not first_likes
        phrase_1 = rng.choice(LIKES if first_likes else DISLIKES)
        phrase_2 = rng.choice(LIKES if second_likes else DISLIKES)
        pairs.append(
            DatingPair(
                text_1=f"boy: {phrase_1} {topic}",
                text_2=f"girl: {phrase_2} {topic}",
                label=label,
                category="interests",
                subcategory=topic,
                pair_type="compatible" if label else "incompatible",
            )
        )
    return pairs


def tiny_config(method: str = "full", **overrides):
    """A TrainConfig that trains the tiny model in seconds: no warmup, high learning rates."""
    from p3lib.training.record import TrainConfig

    settings = dict(
        method=method,
        epochs=3,
        batch_size=16,
        warmup_steps=0,
        learning_rate=1e-3,
        lora_learning_rate=2e-2,
        lora_r=4,
        lora_alpha=8,
        lora_dropout=0.0,
        seed=7,
    )
    return TrainConfig(**{**settings, **overrides})


def pair(
    text_1: str,
    text_2: str,
    label: int,
    category: str = "interests",
    pair_type: str | None = None,
) -> DatingPair:
    """A hand-made record: prefixes added, pair type following the label unless given."""
    return DatingPair(
        text_1=f"boy: {text_1}",
        text_2=f"girl: {text_2}",
        label=label,
        category=category,
        subcategory="music",
        pair_type=pair_type or ("compatible" if label else "incompatible"),
    )
