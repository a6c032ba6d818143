"""Triplets with hard negatives, for a ranking loss beside the pair loss.

``CosineSimilarityLoss`` scores each pair on its own: it asks a compatible pair for cosine 1
and an incompatible one for 0, and a model can get close by matching words. A ranking loss
(``MultipleNegativesRankingLoss``) asks something a word matcher cannot answer: of the
statements in a batch, which one does this person's statement go with? Its hardest questions
are the **hard negatives**: for an anchor statement, a compatible reply and an incompatible
reply *to the same anchor*. In the augmented pairs (:mod:`p3lib.data.augment`) every pair has a
stance-flipped twin, so the negative often differs from the positive in its stance alone.

Built from the labelled pairs only (no new statements): for each anchor that has at least one
compatible and one incompatible reply, each compatible reply forms one triplet with an
incompatible reply drawn by a seeded generator. Anchors are taken from both sides ("boy:" and
"girl:" statements), since a pair's compatibility does not depend on who speaks first.

Example:
    >>> from p3lib.data.schema import DatingPair
    >>> pairs = [DatingPair(text_1="boy: a", text_2="girl: b", label=1),
    ...          DatingPair(text_1="boy: a", text_2="girl: c", label=0)]
    >>> hard_negative_triplets(pairs, seed=0)
    [('boy: a', 'girl: b', 'girl: c')]
"""

from __future__ import annotations

import random
from collections import defaultdict

from p3lib.data.schema import DatingPair


def hard_negative_triplets(pairs: list[DatingPair], seed: int) -> list[tuple[str, str, str]]:
    """``(anchor, compatible reply, incompatible reply)`` for every anchor that has both.

    The order follows the pairs' first appearance, and the negative is drawn with
    ``random.Random(seed)``: the same pairs and seed give the same triplets.
    """
    replies: dict[str, dict[int, list[str]]] = defaultdict(lambda: {0: [], 1: []})
    for pair in pairs:
        replies[pair.text_1][int(pair.label)].append(pair.text_2)
        replies[pair.text_2][int(pair.label)].append(pair.text_1)
    rng = random.Random(seed)
    triplets = []
    for anchor, by_label in replies.items():
        if not by_label[0]:
            continue
        for positive in dict.fromkeys(by_label[1]):
            triplets.append((anchor, positive, rng.choice(by_label[0])))
    return triplets
