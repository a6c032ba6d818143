"""Training batches of pairs of similar length, so that little of each batch is padding.

A batch is padded to its longest statement. The statements are short (median 8 words) with a
long tail, so a randomly drawn batch of 16 usually carries one long statement and fifteen
padded short ones; the attention and feed-forward layers compute on the padding all the same.
Grouping pairs of similar length into batches removes most of that work while keeping the
shuffle: transformers' ``LengthGroupedSampler`` shuffles the pairs, cuts them into chunks of
50 batches, sorts each chunk by length and cuts it into batches, so every epoch still sees the
pairs in a new random order of batches of random neighbours.

It changes which pairs share a batch, and so the gradients: a run with it is a different
(equally seeded, equally reproducible) run from one without, not the same numbers faster.
"""

from __future__ import annotations


def pair_lengths(dataset) -> list[int]:
    """The length, in characters, of each row's longest statement (a proxy for its tokens).

    Every text column counts (a pair's two, a triplet's three). Each column is padded on its
    own, so a batch costs about its longest statement in either.
    """
    texts = [dataset[name] for name in dataset.column_names if name not in ("score", "label")]
    return [max(map(len, row)) for row in zip(*texts, strict=True)]


def length_grouped_batches(
    dataset,
    batch_size: int,
    drop_last: bool,
    valid_label_columns=None,
    generator=None,
    seed: int = 0,
):
    """A sentence-transformers batch sampler of length-grouped batches (the trainer's signature).

    Pass it as ``SentenceTransformerTrainingArguments(batch_sampler=length_grouped_batches)``;
    the trainer calls it with its seeded generator, so runs stay reproducible.

        >>> import torch
        >>> from datasets import Dataset
        >>> lengths = [(37 * i) % 101 + 1 for i in range(800)]  # 1 to 101, scrambled
        >>> rows = Dataset.from_dict({"sentence1": ["a" * n for n in lengths],
        ...                           "sentence2": ["b"] * 800, "score": [1.0] * 800})
        >>> def padding(batches):  # characters of padding over all batches
        ...     return sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b)
        ...                for b in batches)
        >>> grouped = list(length_grouped_batches(rows, 16, False, generator=torch.Generator()))
        >>> sorted(i for batch in grouped for i in batch) == list(range(800))  # each row once
        True
        >>> shuffled = torch.randperm(800, generator=torch.Generator().manual_seed(0)).tolist()
        >>> random_batches = [shuffled[i : i + 16] for i in range(0, 800, 16)]
        >>> padding(grouped) < padding(random_batches) / 5
        True
    """
    from sentence_transformers.base.sampler import DefaultBatchSampler
    from transformers.trainer_pt_utils import LengthGroupedSampler

    sampler = LengthGroupedSampler(batch_size, lengths=pair_lengths(dataset), generator=generator)
    return DefaultBatchSampler(
        sampler,
        batch_size=batch_size,
        drop_last=drop_last,
        valid_label_columns=valid_label_columns,
        generator=generator,
        seed=seed,
    )
