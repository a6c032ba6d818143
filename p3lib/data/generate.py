"""The default pair data: a seeded generator with the shape of the reference data (DATA.md).

The reference data cannot ship with p3, so p3 writes its own: the same split sizes, labels,
pair types and categories, built from template banks of short, profile-like statements about
everyday topics (outdoors and fitness, going out or staying in, art, music, travel, food,
work and money, family plans and pets, religion, politics and causes, and the dealbreakers:
smoking, drinking, tidiness, spending, temper).

**The rule.** Every statement gives a *stance* on one or two *topics* (the twelve single-topic
subcategories of DATA.md). A stance is *like*, *dislike*, *indifferent*, or, for a dealbreaker
habit, *has it* or *refuses it*. Two statements clash on a topic when one likes it and the other
dislikes it (or one has a habit the other refuses); indifference never clashes. A pair is
compatible (label 1) exactly when its two statements clash on no topic they share:

* ``compatible`` / ``incompatible``: one topic, the same stance on both sides / opposite ones;
* ``subtle_mismatch``: two related topics (``a_vs_b``); label 1 when the stances agree or one
  side is indifferent, label 0 when one likes what the other dislikes;
* ``dealbreaker``: one side has the habit, the other refuses it (always 0);
* compound pairs (``complex_*`` with subcategory ``a_vs_b``, ``llm_judged_*`` with a judged
  score): each statement takes a stance on the same two topics, in either order, with any
  mix of like and dislike. Compatible: the stances agree on both topics. Incompatible: they
  clash on one topic (``score_4``, ``score_5``) or on both (``score_3``). Every stance
  pattern (like and like, like and dislike, ...) occurs in both labels, so only agreement
  topic by topic decides the label, never which stance words are present.

The label never depends on topic alone: "I love X" / "I can't stand X" share a topic and so
look alike to a general-purpose embedding, yet they are incompatible, which is why the base
model is weak on this data and fine-tuning has something to learn.

Statements are short (most are four to eight words, compound ones longer) and the vocabulary
is small, so topics repeat across many pairs, as in the reference data.

Generalisation is measured in three tiers (``p3lib.evaluation.tiers``), and the generator
writes the data that makes them honest. Some templates never occur in train: single-topic pairs
on a held-out topic, and any pair on a held-out pair of topics (``HELD_OUT_TOPICS``,
``HELD_OUT_TOPIC_PAIRS`` in ``p3lib.data.templates``). Eval puts 60% of its single-topic,
subtle and complex pairs on them, with statements that train never has: well over a third of
eval is template-disjoint from train (its unseen-template tier); the rest of eval uses
templates train has (its seen-template tier). Eval also draws about a third of its stance
phrasings, lead-ins, joins and objects from banks that train never shows, and no eval pair
copies a train pair. The out-of-distribution split (``ood``, the unseen-topic tier) uses
topics, dealbreakers and stance phrasings that neither train nor eval contain.

Everything comes from ``random.Random`` instances seeded from ``seed`` and the split name, so a
seed gives the same files byte for byte on any machine.

Example:
    >>> from p3lib.data.generate import generate_splits
    >>> splits = generate_splits(seed=42)
    >>> {name: len(pairs) for name, pairs in splits.items()}
    {'train': 1195, 'eval': 295, 'ood': 210}
    >>> splits["train"][0].text_1.startswith("boy: ")
    True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from p3lib.data.schema import DatingPair, dump_pairs
from p3lib.data.splits import statement_key
from p3lib.data.templates import (
    ANY_JOIN_SHARE,
    ANY_JOINS,
    BOTH_LIKE_SHARE,
    CATEGORY_PLAN,
    COMPLEX_ONE_CLASH_SHARE,
    COMPOUND_TAIL_SHARE,
    CURATED,
    DEALBREAKER_SUBCATEGORIES,
    DEALBREAKERS,
    DISLIKE,
    EVAL_HELD_OUT_SHARE,
    EVAL_UNSEEN_SHARE,
    HELD_OUT_TOPIC_PAIRS,
    HELD_OUT_TOPICS,
    INDIFFERENT,
    LABEL_PLAN,
    LEAD_IN_SHARE,
    LEAD_INS,
    LIKE,
    LLM_ONE_CLASH_SHARE,
    MIXED_STANCE_JOINS,
    OOD_COUNTS,
    OOD_DEALBREAKERS,
    OOD_REFUSAL_FRAMES,
    OOD_STANCE_FRAMES,
    OOD_TOPICS,
    REFUSAL_FRAMES,
    RELATED_TOPICS,
    SAME_OBJECT_SHARE,
    SAME_STANCE_JOINS,
    STANCE_FRAMES,
    SUBTLE_INDIFFERENT_SHARE,
    SWAPPED_ORDER_SHARE,
    TAIL_SHARE,
    TAILS,
    TOPIC_CATEGORY,
    TOPIC_OBJECTS,
    Bank,
    Dealbreaker,
)
from p3lib.store.atomic import json_text, write_owned_files
from p3lib.store.run_layout import DEFAULT_DATA


def clashes(first: str, second: str) -> bool:
    """Whether two stances on one topic clash: like against dislike, either way round.

    For a dealbreaker habit, "like" is having the habit and "dislike" refusing it.

    Example:
        >>> clashes("like", "dislike"), clashes("dislike", "dislike")
        (True, False)
        >>> clashes("like", "indifferent")
        False
    """
    return {first, second} == {LIKE, DISLIKE}


class _Draw:
    """Seeded choices for one split; eval sometimes draws from the held-out banks."""

    def __init__(self, rng: random.Random, held_out_share: float, lead_in_share: dict[str, float]):
        self.rng = rng
        self.held_out_share = held_out_share
        self.lead_in_share = lead_in_share

    def pick(self, bank: Bank) -> str:
        if bank.held_out and self.rng.random() < self.held_out_share:
            return self.rng.choice(bank.held_out)
        return self.rng.choice(bank.shared)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def two_objects(self, bank: Bank, same: bool) -> tuple[str, str]:
        first = self.pick(bank)
        if same:
            return first, first
        second = self.pick(bank)
        while second == first:
            second = self.pick(bank)
        return first, second

    def stances(self, same_stance: bool) -> tuple[str, str]:
        """The boy's and the girl's stance on one topic: equal, or like against dislike."""
        if same_stance:
            stance = LIKE if self.chance(BOTH_LIKE_SHARE) else DISLIKE
            return stance, stance
        return (LIKE, DISLIKE) if self.chance(0.5) else (DISLIKE, LIKE)

    def with_lead_in(self, sentence: str, side: str) -> str:
        if not self.chance(self.lead_in_share[side]):
            return _capitalised(sentence)
        return f"{self.pick(LEAD_INS)} {_continued(sentence)}"


def _capitalised(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def _continued(sentence: str) -> str:
    """``sentence`` in the middle of another: "I" keeps its case, any other first word not."""
    return sentence if sentence.startswith(("I ", "I'")) else sentence[0].lower() + sentence[1:]


# A pair builder turns (draw, slot, label) into (boy statement, girl statement, subcategory,
# template topics); the slot is the category, or the subcategory or topic where the category
# follows from it. The template topics (one topic, two, or none for a dealbreaker pair) say
# whether the pair's template is one of the held-out ones (``is_held_out``).
Built = tuple[str, str, str, frozenset[str]]
PairBuilder = Callable[[_Draw, str, int], Built]
NO_TOPICS: frozenset[str] = frozenset()


def is_held_out(topics: frozenset[str]) -> bool:
    """Whether a template on ``topics`` is one that train never shows (eval's unseen tier).

    Example:
        >>> is_held_out(frozenset({"travel"})), is_held_out(frozenset({"music"}))
        (True, False)
        >>> is_held_out(frozenset({"arts", "food"}))
        True
    """
    if len(topics) == 1:
        return next(iter(topics)) in HELD_OUT_TOPICS
    return topics in HELD_OUT_TOPIC_PAIRS


def _clause(draw: _Draw, frames: dict[str, Bank], stance: str, obj: str, tail_share: float) -> str:
    """One stance on one object, sometimes with a tail ("on weekends")."""
    frame = draw.pick(frames[stance])
    text = frame.format(o=obj)
    if stance in TAILS and frame.endswith("{o}") and draw.chance(tail_share):
        text = f"{text} {draw.pick(TAILS[stance])}"
    return text


def _stance_statements(
    draw: _Draw, objects: Bank, frames: dict[str, Bank], stances: tuple[str, str]
) -> tuple[str, str]:
    """Boy and girl on one topic, with the given stances, on the same or another object."""
    same_object = draw.chance(SAME_OBJECT_SHARE[stances[0] == stances[1]])
    boy_obj, girl_obj = draw.two_objects(objects, same_object)
    return (
        _clause(draw, frames, stances[0], boy_obj, TAIL_SHARE),
        _clause(draw, frames, stances[1], girl_obj, TAIL_SHARE),
    )


def _same_topic_pair(draw: _Draw, category: str, label: int) -> Built:
    topic = draw.rng.choice([t for t, c in TOPIC_CATEGORY.items() if c == category])
    stances = draw.stances(same_stance=label == 1)
    boy, girl = _stance_statements(draw, TOPIC_OBJECTS[topic], STANCE_FRAMES, stances)
    return boy, girl, topic, frozenset({topic})


def _ood_same_topic_pair(draw: _Draw, topic: str, label: int) -> Built:
    stances = draw.stances(same_stance=label == 1)
    boy, girl = _stance_statements(draw, OOD_TOPICS[topic][1], OOD_STANCE_FRAMES, stances)
    return boy, girl, topic, NO_TOPICS


def _subtle_pair(draw: _Draw, category: str, label: int) -> Built:
    """Two related topics: agreeing or one indifferent side (label 1), a clash (label 0)."""
    boy_topic, girl_topic = draw.rng.choice(RELATED_TOPICS[category])
    if label == 1 and draw.chance(SUBTLE_INDIFFERENT_SHARE):
        stances = (LIKE, INDIFFERENT) if draw.chance(0.5) else (INDIFFERENT, LIKE)
    else:
        stances = draw.stances(same_stance=label == 1)
    return (
        _clause(draw, STANCE_FRAMES, stances[0], draw.pick(TOPIC_OBJECTS[boy_topic]), TAIL_SHARE),
        _clause(draw, STANCE_FRAMES, stances[1], draw.pick(TOPIC_OBJECTS[girl_topic]), TAIL_SHARE),
        f"{boy_topic}_vs_{girl_topic}",
        frozenset({boy_topic, girl_topic}),
    )


def _topic_pair_for(draw: _Draw, category: str) -> tuple[str, str]:
    """Two different topics whose categories spell ``category`` (``a_and_b`` or one core)."""
    first, _, second = category.partition("_and_")
    first_topics = [t for t, c in TOPIC_CATEGORY.items() if c == first]
    second_topics = [t for t, c in TOPIC_CATEGORY.items() if c == (second or first)]
    a = draw.rng.choice(first_topics)
    b = draw.rng.choice([t for t in second_topics if t != a])
    return a, b


@dataclass(frozen=True)
class CompoundPair:
    """A compound pair before it is written out: both sides' stances on the same two aspects.

    ``aspects`` are topic names or :class:`Dealbreaker` habits; ``boy`` and ``girl`` hold each
    side's stance on them, in the order of ``aspects``. ``clashes`` counts the aspects the two
    sides clash on; the pair is compatible exactly when it is 0 (the module's rule).
    """

    aspects: tuple[str | Dealbreaker, str | Dealbreaker]
    boy: tuple[str, str]
    girl: tuple[str, str]

    @property
    def n_clashes(self) -> int:
        return sum(clashes(b, g) for b, g in zip(self.boy, self.girl, strict=True))


def compound_stances(
    draw: _Draw, aspects: tuple[str | Dealbreaker, str | Dealbreaker], n_clashes: int
) -> CompoundPair:
    """Stances on two aspects that clash on exactly ``n_clashes`` of them (chosen at random)."""
    clashing = set(draw.rng.sample([0, 1], n_clashes))
    boy, girl = [], []
    for index in range(2):
        first, second = draw.stances(same_stance=index not in clashing)
        boy.append(first)
        girl.append(second)
    return CompoundPair(aspects, (boy[0], boy[1]), (girl[0], girl[1]))


def _aspect_clause(
    draw: _Draw, aspect: str | Dealbreaker, stance: str, obj: str, tail_share: float
) -> str:
    """One clause of a compound statement; for a dealbreaker, "like" means having the habit."""
    if isinstance(aspect, Dealbreaker):
        if stance == LIKE:
            return draw.pick(aspect.habits)
        return draw.pick(REFUSAL_FRAMES).format(
            person=aspect.person, people=aspect.people, does=aspect.does
        )
    return _clause(draw, STANCE_FRAMES, stance, obj, tail_share)


def _compound_statement(draw: _Draw, clauses: list[tuple[str, str]]) -> str:
    """Two (stance, clause) pairs as one sentence: "and" for equal stances, "but" for mixed."""
    (first_stance, first), (second_stance, second) = clauses
    if draw.chance(ANY_JOIN_SHARE):
        joins = ANY_JOINS
        second = _capitalised(second)
    else:
        joins = SAME_STANCE_JOINS if first_stance == second_stance else MIXED_STANCE_JOINS
        second = _continued(second)
    return draw.pick(joins).format(a=_capitalised(first), b=second)


def _compound_texts(draw: _Draw, pair: CompoundPair) -> tuple[str, str]:
    """Write a compound pair out; the girl names the two aspects in the other order sometimes."""
    boy_clauses, girl_clauses = [], []
    for index, aspect in enumerate(pair.aspects):
        objects = ("", "")
        if not isinstance(aspect, Dealbreaker):
            same_stance = pair.boy[index] == pair.girl[index]
            same_object = draw.chance(SAME_OBJECT_SHARE[same_stance])
            objects = draw.two_objects(TOPIC_OBJECTS[aspect], same_object)
        boy_stance, girl_stance = pair.boy[index], pair.girl[index]
        # Only the second clause may get a tail, and often does: compound statements run long.
        last = COMPOUND_TAIL_SHARE if index == 1 else 0.0
        boy_clauses.append((boy_stance, _aspect_clause(draw, aspect, boy_stance, objects[0], last)))
        girl_clauses.append(
            (girl_stance, _aspect_clause(draw, aspect, girl_stance, objects[1], last))
        )
    if draw.chance(SWAPPED_ORDER_SHARE):
        girl_clauses.reverse()
    return _compound_statement(draw, boy_clauses), _compound_statement(draw, girl_clauses)


def _complex_pair(draw: _Draw, category: str, label: int) -> Built:
    a, b = _topic_pair_for(draw, category)
    if label == 1:
        n_clashes = 0
    else:
        n_clashes = 1 if draw.chance(COMPLEX_ONE_CLASH_SHARE) else 2
    boy, girl = _compound_texts(draw, compound_stances(draw, (a, b), n_clashes))
    return boy, girl, f"{a}_vs_{b}", frozenset({a, b})


def _aspect_for(draw: _Draw, category: str) -> str | Dealbreaker:
    if category == "dealbreakers":
        return draw.rng.choice(DEALBREAKERS)
    return draw.rng.choice([t for t, c in TOPIC_CATEGORY.items() if c == category])


def _llm_judged_pair(draw: _Draw, category: str, label: int) -> Built:
    first, _, second = category.partition("_and_")
    aspects = (_aspect_for(draw, first), _aspect_for(draw, second))
    # Compatible: no clash (judged 6-9). Incompatible: one clash (4-5) or two (3).
    if label == 1:
        n_clashes, score = 0, draw.rng.choice((6, 7, 8, 9))
    elif draw.chance(LLM_ONE_CLASH_SHARE):
        n_clashes, score = 1, draw.rng.choice((4, 5))
    else:
        n_clashes, score = 2, 3
    boy, girl = _compound_texts(draw, compound_stances(draw, aspects, n_clashes))
    topics = frozenset(a for a in aspects if isinstance(a, str))
    return boy, girl, f"score_{score}", topics if len(topics) == 2 else NO_TOPICS


def _dealbreaker_builder(
    dealbreakers: tuple[Dealbreaker, ...], refusal_frames: Bank
) -> PairBuilder:
    """Refusal-versus-habit pairs: one side refuses what the other admits to."""

    def build(draw: _Draw, subcategory: str, label: int) -> Built:
        dealbreaker = draw.rng.choice([d for d in dealbreakers if d.subcategory == subcategory])
        refusal = draw.pick(refusal_frames).format(
            person=dealbreaker.person, people=dealbreaker.people, does=dealbreaker.does
        )
        habit = draw.pick(dealbreaker.habits)
        boy, girl = (refusal, habit) if draw.chance(0.5) else (habit, refusal)
        return boy, girl, subcategory, NO_TOPICS

    return build


@dataclass(frozen=True)
class _Holdout:
    """Which templates a split may draw, so that eval's unseen tier stays unseen.

    Train never draws a held-out template. Eval draws held-out templates in its unseen slots
    (``unseen_share`` of the single-topic, subtle and complex slots, spread evenly over them),
    and there only pairs whose two statements never occur in train; every other slot avoids
    held-out templates. The OOD split only avoids train's statements.
    """

    unseen_share: float = 0.0
    train_statements: frozenset[str] = frozenset()
    any_template: bool = False

    def unseen(self, index: int) -> bool:
        """Slot ``index`` is unseen when it carries the running share over a whole number."""
        return int((index + 1) * self.unseen_share) > int(index * self.unseen_share)

    def accepts(self, pair: DatingPair, topics: frozenset[str], unseen: bool) -> bool:
        new_statements = (
            not {
                statement_key(pair.statement_1),
                statement_key(pair.statement_2),
            }
            & self.train_statements
        )
        if self.any_template:
            return new_statements
        if unseen:
            return is_held_out(topics) and new_statements
        return not is_held_out(topics)


def _fill(
    draw: _Draw,
    pair_types: dict[int, str],
    slots: list[tuple[str, int]],
    build: PairBuilder,
    taken: set[tuple[str, str]],
    category_of: Callable[[str], str] = lambda slot: slot,
    holdout: _Holdout = _Holdout(),
) -> list[DatingPair]:
    """One new pair per ``(slot, label)``, never a pair whose texts are already in ``taken``,
    and only templates that ``holdout`` lets this slot draw."""
    pairs = []
    for index, (slot, label) in enumerate(slots):
        unseen = holdout.unseen(index)
        for _attempt in range(1000):
            boy, girl, subcategory, topics = build(draw, slot, label)
            pair = DatingPair(
                text_1="boy: " + draw.with_lead_in(boy, "boy"),
                text_2="girl: " + draw.with_lead_in(girl, "girl"),
                label=label,
                category=category_of(slot),
                subcategory=subcategory,
                pair_type=pair_types[label],
            )
            if pair.key not in taken and holdout.accepts(pair, topics, unseen):
                break
        else:
            raise RuntimeError(f"no new {pair_types[label]} pair for {slot!r} after 1000 tries")
        taken.add(pair.key)
        pairs.append(pair)
    return pairs


def _labelled_slots(
    draw: _Draw, categories: dict[str, int], positives: int, negatives: int
) -> list[tuple[str, int]]:
    """Categories with labels: the first ``positives`` of a seeded shuffle are label 1."""
    slots = [category for category, count in categories.items() for _ in range(count)]
    if len(slots) != positives + negatives:
        raise ValueError(f"category plan has {len(slots)} pairs, labels {positives + negatives}")
    draw.rng.shuffle(slots)
    return [(category, int(i < positives)) for i, category in enumerate(slots)]


def _cycled(values: list[str], count: int, label: int) -> list[tuple[str, int]]:
    return [(values[i % len(values)], label) for i in range(count)]


def _generate_split(
    split: str,
    seed: int,
    taken: set[tuple[str, str]],
    train_statements: frozenset[str] = frozenset(),
) -> list[DatingPair]:
    held_out_share = EVAL_HELD_OUT_SHARE if split == "eval" else 0.0
    # Eval's single-topic, subtle and complex slots hold its unseen-template tier.
    unseen_share = EVAL_UNSEEN_SHARE if split == "eval" else 0.0
    tiered = _Holdout(unseen_share=unseen_share, train_statements=train_statements)
    draw = _Draw(random.Random(f"{seed}-{split}"), held_out_share, LEAD_IN_SHARE)
    labels, categories = LABEL_PLAN[split], CATEGORY_PLAN[split]

    def plain(pair_type: str) -> list[tuple[str, int]]:
        positives, negatives = labels[pair_type]
        return _labelled_slots(draw, categories[pair_type], positives, negatives)

    def twin(family: str) -> list[tuple[str, int]]:
        positives = labels[f"{family}_compatible"][0]
        negatives = labels[f"{family}_incompatible"][1]
        return _labelled_slots(draw, categories[family], positives, negatives)

    same = {1: "compatible", 0: "incompatible"}
    subtle = {1: "subtle_mismatch", 0: "subtle_mismatch"}
    complex_types = {1: "complex_compatible", 0: "complex_incompatible"}
    llm_types = {1: "llm_judged_compatible", 0: "llm_judged_incompatible"}
    dealbreaker_slots = _cycled(list(DEALBREAKER_SUBCATEGORIES), labels["dealbreaker"][1], 0)
    dealbreaker_pair = _dealbreaker_builder(DEALBREAKERS, REFUSAL_FRAMES)
    pairs = [
        *_fill(draw, same, plain("compatible"), _same_topic_pair, taken, holdout=tiered),
        *_fill(draw, same, plain("incompatible"), _same_topic_pair, taken, holdout=tiered),
        *_fill(draw, subtle, plain("subtle_mismatch"), _subtle_pair, taken, holdout=tiered),
        *_fill(draw, complex_types, twin("complex"), _complex_pair, taken, holdout=tiered),
        *_fill(draw, llm_types, twin("llm_judged"), _llm_judged_pair, taken),
        *_fill(
            draw,
            {0: "dealbreaker"},
            dealbreaker_slots,
            dealbreaker_pair,
            taken,
            category_of=lambda _subcategory: "dealbreakers",
        ),
    ]
    for label, boy, girl in CURATED[split]:
        pairs.append(
            DatingPair(
                text_1="boy: " + boy,
                text_2="girl: " + girl,
                label=label,
                category="realistic_example",
                subcategory="realistic_example",
                pair_type="curated_realistic",
            )
        )
        taken.add(pairs[-1].key)
    draw.rng.shuffle(pairs)
    return pairs


def _generate_ood(
    seed: int, taken: set[tuple[str, str]], train_statements: frozenset[str]
) -> list[DatingPair]:
    # No lead-ins: every OOD phrasing comes from the OOD banks.
    draw = _Draw(random.Random(f"{seed}-ood"), 0.0, {"boy": 0.0, "girl": 0.0})
    new_text = _Holdout(train_statements=train_statements, any_template=True)
    topics = list(OOD_TOPICS)
    subcategories = [d.subcategory for d in OOD_DEALBREAKERS]
    same = {1: "compatible", 0: "incompatible"}

    def category_of(topic: str) -> str:
        return OOD_TOPICS[topic][0]

    pairs = [
        *_fill(
            draw,
            same,
            _cycled(topics, OOD_COUNTS["compatible"], 1),
            _ood_same_topic_pair,
            taken,
            category_of,
            new_text,
        ),
        *_fill(
            draw,
            same,
            _cycled(topics, OOD_COUNTS["incompatible"], 0),
            _ood_same_topic_pair,
            taken,
            category_of,
            new_text,
        ),
        *_fill(
            draw,
            {0: "dealbreaker"},
            _cycled(subcategories, OOD_COUNTS["dealbreaker"], 0),
            _dealbreaker_builder(OOD_DEALBREAKERS, OOD_REFUSAL_FRAMES),
            taken,
            category_of=lambda _subcategory: "dealbreakers",
            holdout=new_text,
        ),
    ]
    draw.rng.shuffle(pairs)
    return pairs


def generate_splits(seed: int = 42) -> dict[str, list[DatingPair]]:
    """The default ``train``, ``eval`` and ``ood`` pairs for ``seed``; same seed, same pairs.

    Train and eval match every count in DATA.md; no eval pair repeats a train pair, no OOD
    pair repeats either, and no split repeats a pair. Train never shows a held-out template
    (:func:`is_held_out`); eval's unseen-template part uses only those, with statements that
    train never has, and so does the OOD split (whose topics train never names).
    """
    taken: set[tuple[str, str]] = set()
    train = _generate_split("train", seed, taken)
    train_statements = frozenset(
        statement_key(s) for pair in train for s in (pair.statement_1, pair.statement_2)
    )
    eval_pairs = _generate_split("eval", seed, taken, train_statements)
    ood = _generate_ood(seed, taken, train_statements)
    return {"train": train, "eval": eval_pairs, "ood": ood}


def write_default_data(
    folder: Path = DEFAULT_DATA, seed: int = 42, report_folder: Path | None = None
) -> dict[str, Path]:
    """Write ``train.jsonl``, ``eval.jsonl`` and ``ood.jsonl`` into ``folder``, and with
    ``report_folder`` train's quality report there; return the paths written by name.

    Nothing is written unless every file can be: a file already there is replaced only if it
    holds these bytes already or p3 wrote it (its folder's marker keeps the SHA-256 p3 wrote,
    :func:`p3lib.store.atomic.write_owned_files`), so a user's ``train.jsonl`` is refused by
    name. Each file is written atomically.

    Raises:
        ForeignFolderError: naming each file p3 did not write.
    """
    from p3lib.data.quality.evaluator import SyntheticDataEvaluator
    from p3lib.data.quality.report import format_report

    folder = Path(folder)
    splits = generate_splits(seed)
    files = {f"{name}.jsonl": folder / f"{name}.jsonl" for name in splits}
    contents = {
        files[f"{name}.jsonl"]: dump_pairs(pairs).encode() for name, pairs in splits.items()
    }
    if report_folder is not None:
        report = SyntheticDataEvaluator(splits["train"]).evaluate()
        for name, text in (
            ("data_quality_report.json", json_text(report)),
            ("data_quality_summary.txt", format_report(report)),
        ):
            files[name] = Path(report_folder) / name
            contents[files[name]] = text.encode()
    write_owned_files(contents, "data written by p3 generate")
    return {name.removesuffix(".jsonl"): path for name, path in files.items()}


def held_out_pairs(
    n: int, exclude: set[tuple[str, str]], first_seed: int = 1000
) -> list[DatingPair]:
    """``n`` generated pairs from seeds ``first_seed``, ``first_seed + 1``, ..., none of whose
    keys is in ``exclude`` nor repeated: a bigger eval set of the default data's kind (the
    scale benchmark's and test's).

    Example:
        >>> pairs = held_out_pairs(5, exclude=set())
        >>> len(pairs), len({pair.key for pair in pairs})
        (5, 5)
    """
    chosen: list[DatingPair] = []
    seen, seed = set(exclude), first_seed
    while len(chosen) < n:
        for split in generate_splits(seed=seed).values():
            for pair in split:
                if pair.key not in seen and len(chosen) < n:
                    seen.add(pair.key)
                    chosen.append(pair)
        seed += 1
    return chosen
