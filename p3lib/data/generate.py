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

Generalisation is built in. Eval draws about a third of its stance phrasings, lead-ins, joins and
objects from banks that train never shows, and no eval pair copies a train pair. The
out-of-distribution split (``ood``) uses topics and stance phrasings that neither train nor
eval contain.

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
from p3lib.store.atomic import json_text, write_owned_files
from p3lib.store.run_layout import DEFAULT_DATA

LIKE, DISLIKE, INDIFFERENT = "like", "dislike", "indifferent"


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


@dataclass(frozen=True)
class Bank:
    """Phrasings of one kind: ``shared`` ones serve train and eval, ``held_out`` ones only eval."""

    shared: tuple[str, ...]
    held_out: tuple[str, ...] = ()


# --- Topics -----------------------------------------------------------------------------------
# Every object of a topic points the same way (all of them are "active" things, all "family"
# things), so two people who like, or who both dislike, two different objects of one topic
# still agree. Objects are lower case and short; the sentence builder capitalises.

TOPIC_CATEGORY = {
    "active": "lifestyle",
    "relaxed": "lifestyle",
    "extroverted": "lifestyle",
    "introverted": "lifestyle",
    "arts": "interests",
    "music": "interests",
    "travel": "interests",
    "food": "interests",
    "career": "values",
    "family": "values",
    "spirituality": "values",
    "environment": "values",
}

TOPIC_OBJECTS = {
    # outdoors, fitness, early schedules
    "active": Bank(
        ("hiking", "the gym", "running", "camping", "early mornings", "working out"),
        ("bike rides",),
    ),
    # staying in, slow schedules
    "relaxed": Bank(
        ("sleeping in", "lazy days", "staying in", "naps", "movie nights", "slow mornings"),
        ("quiet weekends",),
    ),
    # going out
    "extroverted": Bank(
        ("parties", "going out", "bars", "clubbing", "late nights", "big crowds"),
        ("meeting new people",),
    ),
    "introverted": Bank(
        ("quiet nights", "time alone", "reading", "small groups", "nights at home", "books"),
        ("my own company",),
    ),
    "arts": Bank(
        ("art", "museums", "movies", "theater", "painting", "photography"),
        ("galleries",),
    ),
    "music": Bank(
        ("live music", "concerts", "jazz", "rock music", "singing", "festivals"),
        ("karaoke",),
    ),
    "travel": Bank(
        ("travel", "road trips", "flying abroad", "beach trips", "new cities", "backpacking"),
        ("long trips",),
    ),
    "food": Bank(
        ("cooking", "spicy food", "trying new food", "sushi", "fancy dinners", "baking"),
        ("street food",),
    ),
    # work, money, ambition
    "career": Bank(
        ("working late", "my career", "saving money", "long hours", "making money", "big goals"),
        ("side hustles",),
    ),
    # family plans and pets
    "family": Bank(
        ("kids", "family dinners", "dogs", "pets", "family time", "having a family"),
        ("cats",),
    ),
    # religion
    "spirituality": Bank(
        ("church", "prayer", "my faith", "religion", "meditation", "mass"),
        ("prayer groups",),
    ),
    # politics and causes
    "environment": Bank(
        ("politics", "recycling", "activism", "voting", "eating vegan", "climate causes"),
        ("protests",),
    ),
}

# Subtle mismatches pair two related topics that point the same way (both outgoing, both
# homebody, ...): the two people like different things, yet liking both is still a fit.
RELATED_TOPICS = {
    "lifestyle": (("active", "extroverted"), ("relaxed", "introverted")),
    "interests": (("arts", "music"), ("travel", "food"), ("music", "travel"), ("arts", "food")),
    "values": (
        ("family", "spirituality"),
        ("spirituality", "environment"),
        ("environment", "family"),
    ),
}

# --- Stance phrasings ------------------------------------------------------------------------
# {o} is the object; a frame may start with it (the sentence builder capitalises).

STANCE_FRAMES = {
    LIKE: Bank(
        (
            "I love {o}",
            "I really like {o}",
            "I enjoy {o}",
            "I'm into {o}",
            "Big fan of {o}",
            "{o}, yes please",
            "I live for {o}",
            "I'm all about {o}",
            "{o} all the way",
            "Love {o}",
        ),
        ("I'm obsessed with {o}", "Can't get enough of {o}", "{o}? Always", "I adore {o}"),
    ),
    DISLIKE: Bank(
        (
            "I hate {o}",
            "I can't stand {o}",
            "I don't like {o}",
            "I avoid {o}",
            "Not a fan of {o}",
            "{o}? Not for me",
            "I'm not into {o}",
            "No {o} for me",
            "I dislike {o}",
            "{o}, no thanks",
        ),
        ("I never liked {o}", "Not big on {o}", "{o}? Pass", "I'd rather skip {o}"),
    ),
    INDIFFERENT: Bank(
        (
            "I don't mind {o}",
            "{o}? Fine by me",
            "I can take or leave {o}",
            "I'm easy about {o}",
            "{o} now and then is fine",
        ),
        ("I'm open to {o}", "{o}? Either way"),
    ),
}
# Words added after the object of a like or a dislike: they vary the sentences and set their
# length (a few statements run long, as in profiles), never the stance.
TAILS = {
    LIKE: Bank(
        (
            "on weekends",
            "whenever I can",
            "with friends",
            "more than anything",
            "every week",
            "with my friends on a lazy weekend",
        ),
        ("any day of the week",),
    ),
    DISLIKE: Bank(
        ("these days", "anymore", "to be honest", "if I'm being totally honest with you"),
        ("at this point",),
    ),
}
TAIL_SHARE = 0.3
COMPOUND_TAIL_SHARE = 0.7
# Lead-ins leave the stance alone; they vary the sentences and set their length.
LEAD_INS = Bank(
    ("Honestly,", "To be honest,", "For me,", "Fair warning,", "I'll be honest,"),
    ("Truthfully,", "Real talk,"),
)
# DATA.md: mean ~8 words for text_1 and ~7 for text_2, so the boy's side gets more lead-ins.
LEAD_IN_SHARE = {"boy": 0.5, "girl": 0.15}

# Compound statements: two clauses, one per topic. "but" joins clauses of opposite stance,
# "and" clauses of the same stance, and a full stop (ANY_JOIN_SHARE of them) either kind.
# Having a dealbreaker habit counts as "like", refusing it as "dislike".
SAME_STANCE_JOINS = Bank(("{a} and {b}", "{a}, and {b}"), ("{a}, plus {b}",))
MIXED_STANCE_JOINS = Bank(("{a} but {b}", "{a}, but {b}"), ("{a}, though {b}",))
ANY_JOINS = Bank(("{a}. {b}",))
ANY_JOIN_SHARE = 0.3
# Share of compound pairs where the second speaker names the two topics in the other order.
SWAPPED_ORDER_SHARE = 0.3
# Incompatible complex pairs clash on one topic or on both, half and half.
COMPLEX_ONE_CLASH_SHARE = 0.5
# Incompatible llm_judged pairs: one clash is judged 4 or 5, two clashes 3.
LLM_ONE_CLASH_SHARE = 0.6

# --- Dealbreakers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dealbreaker:
    """A habit that the other side refuses outright.

    ``person`` and ``people`` name whoever has the habit, ``does`` says what they do (third
    person), ``habits`` are first-person admissions of it.
    """

    subcategory: str
    person: str
    people: str
    does: str
    habits: Bank


DEALBREAKERS = (
    Dealbreaker(
        "substances",
        "a smoker",
        "smokers",
        "smokes cigarettes",
        Bank(
            ("I smoke cigarettes", "I smoke a pack a day", "I can't quit smoking"),
            ("I'm a smoker",),
        ),
    ),
    Dealbreaker(
        "substances",
        "a heavy drinker",
        "heavy drinkers",
        "drinks every night",
        Bank(
            ("I drink every night", "I drink a lot", "I get drunk most weekends"),
            ("I love a drink every night",),
        ),
    ),
    Dealbreaker(
        "substances",
        "a stoner",
        "stoners",
        "smokes weed",
        Bank(("I smoke weed daily", "I get high most nights"), ("Weed helps me unwind every day",)),
    ),
    Dealbreaker(
        "lifestyle",
        "a slob",
        "messy people",
        "never cleans up",
        Bank(("My place is always a mess", "I never do the dishes"), ("I never clean up",)),
    ),
    Dealbreaker(
        "lifestyle",
        "a big spender",
        "big spenders",
        "spends every penny",
        Bank(("I spend everything I earn", "I max out my cards"), ("I never save money",)),
    ),
    Dealbreaker(
        "lifestyle",
        "a party animal",
        "party animals",
        "parties every night",
        Bank(
            ("I party every night", "I'm out until sunrise most nights"),
            ("I rarely come home before 4 am",),
        ),
    ),
    Dealbreaker(
        "personality",
        "a jealous person",
        "jealous people",
        "gets jealous",
        Bank(
            ("I get jealous easily", "I check my partner's phone"),
            ("I need to know where you are",),
        ),
    ),
    Dealbreaker(
        "personality",
        "a liar",
        "liars",
        "lies",
        Bank(("I lie a lot", "I bend the truth a lot"), ("I tell white lies all the time",)),
    ),
    Dealbreaker(
        "personality",
        "a hothead",
        "hotheads",
        "yells when angry",
        Bank(("I lose my temper fast", "I yell when I'm angry"), ("I snap at people",)),
    ),
)
DEALBREAKER_SUBCATEGORIES = ("substances", "lifestyle", "personality")

REFUSAL_FRAMES = Bank(
    (
        "I could never date {person}",
        "No {people}, please",
        "{people} are a dealbreaker",
        "I won't date {people}",
        "Hard no on {people}",
        "I refuse to date someone who {does}",
        "Dealbreaker: someone who {does}",
        "I'm out if my partner {does}",
    ),
    ("Not dating {people}, sorry", "{people} need not apply", "I'd never date someone who {does}"),
)
# --- Curated, profile-like pairs (label, text_1, text_2) -------------------------------------

CURATED = {
    "train": (
        (
            1,
            "I'm a nurse who loves weekend hikes and cooking big breakfasts for friends",
            "I teach yoga, spend weekends on trails, and always host brunch",
        ),
        (
            0,
            "I work in finance, travel constantly for work, and never plan to have kids",
            "I want a big family soon and hope to settle in my hometown",
        ),
        (
            0,
            "I'm a night owl who plays in a band and sleeps until noon",
            "I'm up at 5 am for the gym and in bed by ten",
        ),
        (
            0,
            "Faith is the center of my life and I go to church twice a week",
            "I'm an atheist and religion has never played any part in my life",
        ),
        (
            0,
            "I love throwing loud parties and my apartment is always full of people",
            "My home is my quiet sanctuary and I rarely have guests over",
        ),
    ),
    "eval": (
        (
            1,
            "I'm an engineer who bakes bread on Sundays and volunteers at the food bank",
            "I run a small bakery and help out at a community kitchen",
        ),
        (
            0,
            "I'm saving every penny to buy a farm and live off the grid",
            "I love city life, designer clothes, and dinners at new restaurants",
        ),
        (
            0,
            "I backpack for months at a time and hate being tied down",
            "I'm looking for someone who wants to buy a house and stay put",
        ),
        (
            0,
            "I vote in every election and organise protests for causes I believe in",
            "Politics bores me and I'd rather never talk about it",
        ),
        (
            0,
            "I'm a vegan chef who campaigns against factory farming",
            "I hunt every autumn and grill steak at least four times a week",
        ),
    ),
}

# --- Out-of-distribution phrasings and topics ------------------------------------------------
# None of these topics or stance phrasings appear in train or eval.

OOD_TOPICS = {  # topic: (category, objects)
    "gardening": (
        "interests",
        Bank(("growing tomatoes", "weeding the garden", "tending houseplants", "planting bulbs")),
    ),
    "video_games": (
        "interests",
        Bank(("online shooters", "gaming all night", "console tournaments", "retro arcade games")),
    ),
    "fashion": (
        "lifestyle",
        Bank(("designer clothes", "thrift shopping", "dressing up", "sneaker drops")),
    ),
    "fishing": (
        "interests",
        Bank(("fly fishing", "early mornings on the lake", "deep sea fishing", "ice fishing")),
    ),
    "board_games": (
        "interests",
        Bank(("chess tournaments", "long strategy games", "trivia nights", "jigsaw puzzles")),
    ),
    "cars": (
        "interests",
        Bank(("tinkering with engines", "classic car shows", "track days", "old motorbikes")),
    ),
    "astrology": (
        "values",
        Bank(("reading horoscopes", "birth chart readings", "tarot cards", "crystal healing")),
    ),
    "minimalism": (
        "values",
        Bank(("owning very little", "decluttering", "tiny house living", "capsule wardrobes")),
    ),
}
OOD_STANCE_FRAMES = {
    LIKE: Bank(
        (
            "I'm crazy about {o}",
            "I'm a sucker for {o}",
            "I guess I kind of enjoy {o}",
            "I never get tired of {o}",
            "I'm totally hooked on {o}",
            "Count me in for {o}, always",
            "I'm pretty keen on {o}",
            "I'd happily give my Saturdays to {o}",
        )
    ),
    DISLIKE: Bank(
        (
            "I have zero patience for {o}",
            "I don't really care for {o}",
            "I'm honestly over {o}",
            "I don't get the appeal of {o}",
            "I'd pass on {o}, thanks",
            "I'm fed up with {o}",
            "I'm allergic to the whole idea of {o}",
            "I'd be miserable with {o}",
        )
    ),
}
OOD_DEALBREAKERS = (
    Dealbreaker(
        "lifestyle",
        "a gambler",
        "gamblers",
        "bets on everything",
        Bank(("I bet on sports every weekend", "I've lost rent money at poker")),
    ),
    Dealbreaker(
        "lifestyle",
        "a phone addict",
        "phone addicts",
        "scrolls through dinner",
        Bank(("I'm glued to my phone", "I check my apps every few minutes")),
    ),
    Dealbreaker(
        "personality",
        "someone always late",
        "latecomers",
        "is always late",
        Bank(("I'm an hour late to everything", "I keep people waiting constantly")),
    ),
)
OOD_REFUSAL_FRAMES = Bank(
    (
        "Anyone who {does} is a no-go",
        "I'd bail on someone who {does}",
        "Zero chance with someone who {does}",
    )
)
# OOD pair counts per pair type: enough of each label to measure, small enough to read.
OOD_COUNTS = {"compatible": 90, "incompatible": 90, "dealbreaker": 30}

# --- What each split must contain (DATA.md) --------------------------------------------------

# (label-1 count, label-0 count) per pair type.
LABEL_PLAN = {
    "train": {
        "compatible": (240, 0),
        "incompatible": (0, 180),
        "dealbreaker": (0, 180),
        "subtle_mismatch": (190, 40),
        "llm_judged_compatible": (134, 0),
        "llm_judged_incompatible": (0, 106),
        "complex_compatible": (63, 0),
        "complex_incompatible": (0, 57),
        "curated_realistic": (1, 4),
    },
    "eval": {
        "compatible": (60, 0),
        "incompatible": (0, 45),
        "dealbreaker": (0, 45),
        "subtle_mismatch": (47, 3),
        "llm_judged_compatible": (32, 0),
        "llm_judged_incompatible": (0, 28),
        "complex_compatible": (18, 0),
        "complex_incompatible": (0, 12),
        "curated_realistic": (1, 4),
    },
}
# Categories per family of pair types; the two llm_judged types share one plan, as do the two
# complex types, and a category's pairs get their labels by a seeded shuffle. Train sums to the
# DATA.md category counts; eval is about a quarter of train with every category present.
CATEGORY_PLAN = {
    "train": {
        "compatible": {"interests": 100, "lifestyle": 85, "values": 55},
        "incompatible": {"interests": 75, "lifestyle": 64, "values": 41},
        "subtle_mismatch": {"interests": 96, "lifestyle": 83, "values": 51},
        "dealbreaker": {"dealbreakers": 180},
        "complex": {
            "interests": 6,
            "lifestyle": 4,
            "values": 4,
            "interests_and_values": 25,
            "interests_and_lifestyle": 23,
            "values_and_lifestyle": 21,
            "lifestyle_and_interests": 20,
            "lifestyle_and_values": 17,
        },
        "llm_judged": {
            "values_and_interests": 119,
            "lifestyle_and_values": 88,
            "dealbreakers_and_interests": 25,
            "lifestyle_and_dealbreakers": 4,
            "dealbreakers_and_values": 3,
            "values_and_dealbreakers": 1,
        },
    },
    "eval": {
        "compatible": {"interests": 24, "lifestyle": 21, "values": 15},
        "incompatible": {"interests": 18, "lifestyle": 16, "values": 11},
        "subtle_mismatch": {"interests": 20, "lifestyle": 18, "values": 12},
        "dealbreaker": {"dealbreakers": 45},
        "complex": {
            "interests": 2,
            "lifestyle": 1,
            "values": 1,
            "interests_and_values": 6,
            "interests_and_lifestyle": 6,
            "values_and_lifestyle": 5,
            "lifestyle_and_interests": 5,
            "lifestyle_and_values": 4,
        },
        "llm_judged": {
            "values_and_interests": 30,
            "lifestyle_and_values": 22,
            "dealbreakers_and_interests": 5,
            "lifestyle_and_dealbreakers": 1,
            "dealbreakers_and_values": 1,
            "values_and_dealbreakers": 1,
        },
    },
}

# Share of eval phrasings drawn from the held-out banks; train never draws from them.
EVAL_HELD_OUT_SHARE = 0.3
# Chance that both sides of a pair talk about the very same object. Opposite stances share it
# more often than equal stances do, as in the reference data: that is what makes topic
# similarity mislead the base model, while the stance words still decide the label.
SAME_OBJECT_SHARE = {True: 0.35, False: 0.65}  # keyed by "same stance"
# Share of equal-stance pairs where both like (the rest both dislike).
BOTH_LIKE_SHARE = 0.62


# Share of subtle-mismatch compatible pairs where one side is indifferent (the rest agree).
SUBTLE_INDIFFERENT_SHARE = 0.5


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


# A pair builder turns (draw, slot, label) into (boy statement, girl statement, subcategory);
# the slot is the category, or the subcategory or topic where the category follows from it.
PairBuilder = Callable[[_Draw, str, int], tuple[str, str, str]]


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


def _same_topic_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
    topic = draw.rng.choice([t for t, c in TOPIC_CATEGORY.items() if c == category])
    stances = draw.stances(same_stance=label == 1)
    boy, girl = _stance_statements(draw, TOPIC_OBJECTS[topic], STANCE_FRAMES, stances)
    return boy, girl, topic


def _ood_same_topic_pair(draw: _Draw, topic: str, label: int) -> tuple[str, str, str]:
    stances = draw.stances(same_stance=label == 1)
    boy, girl = _stance_statements(draw, OOD_TOPICS[topic][1], OOD_STANCE_FRAMES, stances)
    return boy, girl, topic


def _subtle_mismatch_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
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


def _complex_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
    a, b = _topic_pair_for(draw, category)
    if label == 1:
        n_clashes = 0
    else:
        n_clashes = 1 if draw.chance(COMPLEX_ONE_CLASH_SHARE) else 2
    boy, girl = _compound_texts(draw, compound_stances(draw, (a, b), n_clashes))
    return boy, girl, f"{a}_vs_{b}"


def _aspect_for(draw: _Draw, category: str) -> str | Dealbreaker:
    if category == "dealbreakers":
        return draw.rng.choice(DEALBREAKERS)
    return draw.rng.choice([t for t, c in TOPIC_CATEGORY.items() if c == category])


def _llm_judged_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
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
    return boy, girl, f"score_{score}"


def _dealbreaker_builder(
    dealbreakers: tuple[Dealbreaker, ...], refusal_frames: Bank
) -> PairBuilder:
    """Refusal-versus-habit pairs: one side refuses what the other admits to."""

    def build(draw: _Draw, subcategory: str, label: int) -> tuple[str, str, str]:
        dealbreaker = draw.rng.choice([d for d in dealbreakers if d.subcategory == subcategory])
        refusal = draw.pick(refusal_frames).format(
            person=dealbreaker.person, people=dealbreaker.people, does=dealbreaker.does
        )
        habit = draw.pick(dealbreaker.habits)
        boy, girl = (refusal, habit) if draw.chance(0.5) else (habit, refusal)
        return boy, girl, subcategory

    return build


def _fill(
    draw: _Draw,
    pair_types: dict[int, str],
    slots: list[tuple[str, int]],
    build: PairBuilder,
    taken: set[tuple[str, str]],
    category_of: Callable[[str], str] = lambda slot: slot,
) -> list[DatingPair]:
    """One new pair per ``(slot, label)``, never a pair whose texts are already in ``taken``."""
    pairs = []
    for slot, label in slots:
        for _attempt in range(1000):
            boy, girl, subcategory = build(draw, slot, label)
            pair = DatingPair(
                text_1="boy: " + draw.with_lead_in(boy, "boy"),
                text_2="girl: " + draw.with_lead_in(girl, "girl"),
                label=label,
                category=category_of(slot),
                subcategory=subcategory,
                pair_type=pair_types[label],
            )
            if pair.key not in taken:
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


def _generate_split(split: str, seed: int, taken: set[tuple[str, str]]) -> list[DatingPair]:
    held_out_share = EVAL_HELD_OUT_SHARE if split == "eval" else 0.0
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
        *_fill(draw, same, plain("compatible"), _same_topic_pair, taken),
        *_fill(draw, same, plain("incompatible"), _same_topic_pair, taken),
        *_fill(draw, subtle, plain("subtle_mismatch"), _subtle_mismatch_pair, taken),
        *_fill(draw, complex_types, twin("complex"), _complex_pair, taken),
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


def _generate_ood(seed: int, taken: set[tuple[str, str]]) -> list[DatingPair]:
    # No lead-ins: every OOD phrasing comes from the OOD banks.
    draw = _Draw(random.Random(f"{seed}-ood"), 0.0, {"boy": 0.0, "girl": 0.0})
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
        ),
        *_fill(
            draw,
            same,
            _cycled(topics, OOD_COUNTS["incompatible"], 0),
            _ood_same_topic_pair,
            taken,
            category_of,
        ),
        *_fill(
            draw,
            {0: "dealbreaker"},
            _cycled(subcategories, OOD_COUNTS["dealbreaker"], 0),
            _dealbreaker_builder(OOD_DEALBREAKERS, OOD_REFUSAL_FRAMES),
            taken,
            category_of=lambda _subcategory: "dealbreakers",
        ),
    ]
    draw.rng.shuffle(pairs)
    return pairs


def generate_splits(seed: int = 42) -> dict[str, list[DatingPair]]:
    """The default ``train``, ``eval`` and ``ood`` pairs for ``seed``; same seed, same pairs.

    Train and eval match every count in DATA.md; no eval pair repeats a train pair, no OOD
    pair repeats either, and no split repeats a pair.
    """
    taken: set[tuple[str, str]] = set()
    train = _generate_split("train", seed, taken)
    eval_pairs = _generate_split("eval", seed, taken)
    ood = _generate_ood(seed, taken)
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
