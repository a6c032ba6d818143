"""The default pair data: a seeded generator with the shape of the reference data (DATA.md).

The reference data cannot ship with p3, so p3 writes its own: the same split sizes, labels,
pair types and categories, built from template banks. The label depends on *stance*, never on
topic: "I love X" / "I can't stand X" share a topic and so look alike to a general-purpose
embedding, yet they are incompatible, which is why the base model is weak on this data and
fine-tuning has something to learn.

Generalisation is built in. Eval draws about half of its sentence frames, stance phrasings and
objects from banks that train never shows, and no eval pair copies a train pair. The
out-of-distribution split (``ood``) uses topics and stance phrasings (negations, hedges, new
verbs) that neither train nor eval contain.

Everything comes from ``random.Random`` instances seeded from ``seed`` and the split name, so a
seed gives the same files byte for byte on any machine.

Example:
    >>> from p3lib.generate import generate_splits
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

from p3lib.io import atomic_write_text
from p3lib.layout import DEFAULT_DATA
from p3lib.schema import DatingPair, dump_pairs


@dataclass(frozen=True)
class Bank:
    """Phrasings of one kind: ``shared`` ones serve train and eval, ``held_out`` ones only eval."""

    shared: tuple[str, ...]
    held_out: tuple[str, ...] = ()


# --- Topics -----------------------------------------------------------------------------------
# Every object of a topic points the same way (all of them are "active" things, all "family"
# things), so two people who like, or who both dislike, two different objects of one topic
# still agree.

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
    "active": Bank(
        (
            "morning runs",
            "hiking",
            "going to the gym",
            "weekend bike rides",
            "rock climbing",
            "playing soccer",
            "early workouts",
            "swimming laps",
        ),
        ("marathon training", "spin classes"),
    ),
    "relaxed": Bank(
        (
            "lazy Sundays",
            "sleeping in",
            "quiet nights in",
            "slow mornings",
            "afternoon naps",
            "couch movie nights",
            "long baths",
            "lazy days",
        ),
        ("pajama days", "unplanned weekends"),
    ),
    "extroverted": Bank(
        (
            "big parties",
            "meeting new people",
            "crowded bars",
            "loud group dinners",
            "nights out",
            "clubbing",
            "karaoke nights",
            "the spotlight",
        ),
        ("house parties", "chatting with strangers"),
    ),
    "introverted": Bank(
        (
            "quiet evenings alone",
            "reading at home",
            "small gatherings",
            "time to myself",
            "solo walks",
            "staying home on Fridays",
            "one-on-one chats",
            "journaling",
        ),
        ("recharging alone", "low-key weekends"),
    ),
    "arts": Bank(
        (
            "art galleries",
            "painting",
            "museum visits",
            "theater shows",
            "poetry readings",
            "sketching",
            "indie films",
            "pottery classes",
        ),
        ("photography walks", "ballet performances"),
    ),
    "music": Bank(
        (
            "live concerts",
            "music festivals",
            "jazz clubs",
            "playing guitar",
            "singing",
            "loud rock music",
            "the opera",
            "vinyl records",
        ),
        ("piano lessons", "country music"),
    ),
    "travel": Bank(
        (
            "traveling abroad",
            "backpacking",
            "road trips",
            "exploring new cities",
            "beach vacations",
            "long flights",
            "spontaneous getaways",
            "learning new languages",
        ),
        ("cruises", "weekend city breaks"),
    ),
    "food": Bank(
        (
            "trying new restaurants",
            "cooking at home",
            "spicy food",
            "fancy dinners",
            "street food",
            "baking",
            "sushi",
            "food markets",
        ),
        ("wine tastings", "brunch spots"),
    ),
    "career": Bank(
        (
            "working late",
            "chasing promotions",
            "talking about work",
            "the corporate ladder",
            "running a startup",
            "long workdays",
            "ambitious goals",
            "late-night work emails",
        ),
        ("weekend overtime", "career coaching"),
    ),
    "family": Bank(
        (
            "big family dinners",
            "visiting my parents",
            "family holidays",
            "Sunday family lunches",
            "raising kids",
            "family reunions",
            "sibling time",
            "living near family",
        ),
        ("babysitting my nieces", "family traditions"),
    ),
    "spirituality": Bank(
        (
            "going to church",
            "daily prayer",
            "meditation",
            "religious holidays",
            "talking about faith",
            "spiritual retreats",
            "reading scripture",
            "Sunday services",
        ),
        ("Bible study groups", "fasting for Lent"),
    ),
    "environment": Bank(
        (
            "recycling",
            "driving less",
            "plastic-free shopping",
            "eating vegan",
            "climate activism",
            "buying secondhand",
            "composting",
            "saving energy at home",
        ),
        ("beach cleanups", "zero-waste living"),
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
# Every frame keeps the object in object position, so no verb has to agree with it.

LIKE_FRAMES = Bank(
    (
        "I love {o}",
        "I really enjoy {o}",
        "I'm really into {o}",
        "Nothing makes me happier than {o}",
        "I always look forward to {o}",
        "I could never get enough of {o}",
        "I get so excited about {o}",
        "I live for {o}",
        "I'm passionate about {o}",
        "There's nothing better than {o}",
        "I can't live without {o}",
        "I absolutely adore {o}",
    ),
    (
        "I'm obsessed with {o}",
        "I cherish {o}",
        "I'm drawn to {o}",
        "I crave {o}",
        "I'd never say no to {o}",
        "I genuinely treasure {o}",
    ),
)
DISLIKE_FRAMES = Bank(
    (
        "I can't stand {o}",
        "I really dislike {o}",
        "I hate {o}",
        "I'm not into {o} at all",
        "I always avoid {o}",
        "I get so bored by {o}",
        "I could do without {o}",
        "I have no time for {o}",
        "I dread {o}",
        "I'm so tired of {o}",
        "Nothing bores me more than {o}",
        "I find {o} exhausting",
        "I stay far away from {o}",
    ),
    (
        "I truly detest {o}",
        "I loathe {o}",
        "I find {o} unbearable",
        "I've never warmed to {o}",
        "I'm sick of {o}",
        "I want nothing to do with {o}",
    ),
)
# Lead-ins leave the stance alone; they vary the sentences and set their length.
LEAD_INS = Bank(
    ("Honestly,", "To be honest,", "For me,", "Truthfully,", "I'll be honest,", "Frankly,"),
    ("Personally,", "Real talk,", "Full disclosure,"),
)
# DATA.md: mean ~8 words for text_1 and ~7 for text_2, so the boy's side gets more lead-ins.
LEAD_IN_SHARE = {"boy": 0.55, "girl": 0.05}

# Two-topic statements (complex pairs): the speaker ranks {x} above {y}.
PREFERENCE_FRAMES = Bank(
    (
        "I'd pick {x} over {y} any day",
        "I prefer {x} to {y}",
        "I care more about {x} than {y}",
        "I'll always choose {x} over {y}",
        "I put {x} ahead of {y}",
        "I'd give up {y} before {x}",
        "I'd trade {y} for {x} without thinking",
    ),
    (
        "I value {x} far more than {y}",
        "Between {y} and {x}, I lean toward {x}",
        "Given the choice, I'd take {x} over {y}",
    ),
)

# Compound statements (llm_judged pairs): "I" and two verb phrases, one per aspect.
LIKE_VERBS = Bank(("love {o}", "enjoy {o}", "live for {o}", "really like {o}"), ("adore {o}",))
DISLIKE_VERBS = Bank(
    ("hate {o}", "avoid {o}", "can't stand {o}", "dislike {o}"),
    ("detest {o}", "steer clear of {o}"),
)
COMPOUND_FRAMES = Bank(
    ("I {a} and {b}", "I {a}, and I {b}", "I {a} but {b}"), ("I {a}, plus I {b}",)
)

# --- Dealbreakers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dealbreaker:
    """A habit that the other side refuses outright.

    ``person`` and ``people`` name whoever has the habit, ``does`` and ``i_do`` say what they
    do (third and first person), ``habits`` are hand-written first-person admissions of it.
    """

    subcategory: str
    person: str
    people: str
    does: str
    i_do: str
    habits: Bank


DEALBREAKERS = (
    Dealbreaker(
        "substances",
        "a smoker",
        "smokers",
        "smokes",
        "smoke every day",
        Bank(
            ("I smoke a pack a day", "I always light up after dinner", "I can't quit cigarettes"),
            ("A cigarette with coffee is my ritual",),
        ),
    ),
    Dealbreaker(
        "substances",
        "a heavy drinker",
        "heavy drinkers",
        "drinks every night",
        "drink every night",
        Bank(
            ("I have a few beers every night", "I usually drink until I black out"),
            ("My weekends revolve around getting drunk",),
        ),
    ),
    Dealbreaker(
        "substances",
        "a stoner",
        "stoners",
        "smokes weed daily",
        "smoke weed daily",
        Bank(
            ("I get high most evenings", "I smoke a joint to unwind every day"),
            ("Weed is part of my daily routine",),
        ),
    ),
    Dealbreaker(
        "substances",
        "someone who does drugs",
        "drug users",
        "does drugs",
        "do drugs at parties",
        Bank(
            ("I take pills when I go out", "I do a bit of coke at parties"),
            ("Party drugs are my idea of fun",),
        ),
    ),
    Dealbreaker(
        "lifestyle",
        "a slob",
        "slobs",
        "never cleans up",
        "never clean up",
        Bank(
            ("I leave dishes in the sink for days", "My apartment is always a total mess"),
            ("Laundry piles up on my floor for weeks",),
        ),
    ),
    Dealbreaker(
        "lifestyle",
        "a reckless spender",
        "reckless spenders",
        "spends money recklessly",
        "spend money recklessly",
        Bank(
            ("I max out my credit cards every month", "I never save a single dollar"),
            ("I'm deep in debt from shopping sprees",),
        ),
    ),
    Dealbreaker(
        "lifestyle",
        "a party animal",
        "party animals",
        "parties every night",
        "party every night",
        Bank(
            ("I'm out partying until sunrise most nights", "I hit the clubs five nights a week"),
            ("I rarely come home before 4 am",),
        ),
    ),
    Dealbreaker(
        "personality",
        "a jealous person",
        "jealous people",
        "gets jealous easily",
        "get jealous easily",
        Bank(
            (
                "I check my partner's phone when I'm suspicious",
                "I get upset if you text other guys",
            ),
            ("I need to know where my partner is all day",),
        ),
    ),
    Dealbreaker(
        "personality",
        "a liar",
        "liars",
        "lies all the time",
        "lie all the time",
        Bank(
            ("I tell white lies constantly", "I bend the truth to avoid arguments"),
            ("I make up stories when it's convenient",),
        ),
    ),
    Dealbreaker(
        "personality",
        "a hothead",
        "hotheads",
        "loses their temper",
        "lose my temper fast",
        Bank(
            ("I yell when I get frustrated", "I snap at people when I'm stressed"),
            ("I slam doors when I'm angry",),
        ),
    ),
    Dealbreaker(
        "personality",
        "someone rude to waiters",
        "people rude to staff",
        "is rude to waiters",
        "get rude with waiters",
        Bank(
            ("I yell at waiters when the food is late", "I snap at cashiers when they're slow"),
            ("I never tip when service annoys me",),
        ),
    ),
)
DEALBREAKER_SUBCATEGORIES = ("substances", "lifestyle", "personality")

REFUSAL_FRAMES = Bank(
    (
        "I could never date {person}",
        "Dating {person} is a hard no for me",
        "I refuse to date someone who {does}",
        "Someone who {does} is an instant dealbreaker",
        "I won't be with anyone who {does}",
        "I'm out the moment my partner {does}",
        "I would never get serious with {person}",
    ),
    (
        "No way I'd ever date {person}",
        "I walk away from anyone who {does}",
        "A partner who {does} is off the table",
    ),
)
HABIT_FRAMES = Bank(("I {i_do}", "I'll admit I {i_do}"), ("Full disclosure, I {i_do}",))
HABIT_VERBS = Bank(("{i_do}",))
REFUSAL_VERBS = Bank(("won't date {people}", "avoid {people}"), ("refuse to date {people}",))

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
    "pets": (
        "lifestyle",
        Bank(("dogs on the bed", "rescue cats", "walking the dog at dawn", "a house full of pets")),
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
OOD_LIKE_FRAMES = Bank(
    (
        "I'm crazy about {o}",
        "I don't mind {o} at all",
        "I guess I kind of enjoy {o}",
        "I never get tired of {o}",
        "I'm totally hooked on {o}",
        "Count me in for {o}, always",
        "I'm pretty keen on {o}",
        "I'd happily give my Saturdays to {o}",
    )
)
OOD_DISLIKE_FRAMES = Bank(
    (
        "I have zero patience for {o}",
        "I don't really care for {o}",
        "I'm honestly over {o}",
        "I don't get the appeal of {o}",
        "I'd pass on {o}, thanks",
        "I guess I'm lukewarm on {o}",
        "I'm allergic to the whole idea of {o}",
        "I'd be miserable with {o}",
    )
)
OOD_DEALBREAKERS = (
    Dealbreaker(
        "lifestyle",
        "a gambler",
        "gamblers",
        "bets on everything",
        "bet on everything",
        Bank(("I bet on sports every weekend", "I've lost rent money at poker")),
    ),
    Dealbreaker(
        "lifestyle",
        "a phone addict",
        "phone addicts",
        "scrolls through dinner",
        "scroll through dinner",
        Bank(("I'm glued to my phone", "I check my apps every few minutes")),
    ),
    Dealbreaker(
        "personality",
        "someone always late",
        "latecomers",
        "is always late",
        "am always late",
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
EVAL_HELD_OUT_SHARE = 0.5
# Chance that both sides of a pair talk about the very same object. Opposite stances share it
# more often than equal stances do, as in the reference data: that is what makes topic
# similarity mislead the base model, while the stance words still decide the label.
SAME_OBJECT_SHARE = {True: 0.35, False: 0.65}  # keyed by "same stance"
# Share of equal-stance pairs where both like (the rest both dislike).
BOTH_LIKE_SHARE = 0.55


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

    def stances(self, same_stance: bool) -> tuple[bool, bool]:
        """Whether the boy and the girl like their object."""
        if same_stance:
            likes = self.chance(BOTH_LIKE_SHARE)
            return likes, likes
        boy_likes = self.chance(0.5)
        return boy_likes, not boy_likes

    def with_lead_in(self, sentence: str, side: str) -> str:
        if not self.chance(self.lead_in_share[side]):
            return sentence[0].upper() + sentence[1:]
        # "I" stays upper case after a lead-in; any other first word does not.
        keep_case = sentence.startswith(("I ", "I'"))
        body = sentence if keep_case else sentence[0].lower() + sentence[1:]
        return f"{self.pick(LEAD_INS)} {body}"


# A pair builder turns (draw, slot, label) into (boy statement, girl statement, subcategory);
# the slot is the category, or the subcategory or topic where the category follows from it.
PairBuilder = Callable[[_Draw, str, int], tuple[str, str, str]]


def _stance_statements(
    draw: _Draw, objects: Bank, like: Bank, dislike: Bank, same_stance: bool
) -> tuple[str, str]:
    """Boy and girl on one topic, liking or disliking the same or a different object."""
    boy_likes, girl_likes = draw.stances(same_stance)
    boy_obj, girl_obj = draw.two_objects(objects, draw.chance(SAME_OBJECT_SHARE[same_stance]))
    return (
        draw.pick(like if boy_likes else dislike).format(o=boy_obj),
        draw.pick(like if girl_likes else dislike).format(o=girl_obj),
    )


def _same_topic_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
    topic = draw.rng.choice([t for t, c in TOPIC_CATEGORY.items() if c == category])
    boy, girl = _stance_statements(
        draw, TOPIC_OBJECTS[topic], LIKE_FRAMES, DISLIKE_FRAMES, same_stance=label == 1
    )
    return boy, girl, topic


def _ood_same_topic_pair(draw: _Draw, topic: str, label: int) -> tuple[str, str, str]:
    boy, girl = _stance_statements(
        draw, OOD_TOPICS[topic][1], OOD_LIKE_FRAMES, OOD_DISLIKE_FRAMES, same_stance=label == 1
    )
    return boy, girl, topic


def _subtle_mismatch_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
    boy_topic, girl_topic = draw.rng.choice(RELATED_TOPICS[category])
    boy_likes, girl_likes = draw.stances(same_stance=label == 1)
    boy_frames = LIKE_FRAMES if boy_likes else DISLIKE_FRAMES
    girl_frames = LIKE_FRAMES if girl_likes else DISLIKE_FRAMES
    return (
        draw.pick(boy_frames).format(o=draw.pick(TOPIC_OBJECTS[boy_topic])),
        draw.pick(girl_frames).format(o=draw.pick(TOPIC_OBJECTS[girl_topic])),
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


def _complex_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
    a, b = _topic_pair_for(draw, category)
    boy_prefers_a = draw.chance(0.5)
    girl_prefers_a = boy_prefers_a if label == 1 else not boy_prefers_a
    statements = []
    for prefers_a in (boy_prefers_a, girl_prefers_a):
        a_obj, b_obj = draw.pick(TOPIC_OBJECTS[a]), draw.pick(TOPIC_OBJECTS[b])
        x, y = (a_obj, b_obj) if prefers_a else (b_obj, a_obj)
        statements.append(draw.pick(PREFERENCE_FRAMES).format(x=x, y=y))
    return statements[0], statements[1], f"{a}_vs_{b}"


def _verb_phrase(draw: _Draw, aspect: str | Dealbreaker, obj: str, likes: bool) -> str:
    """One half of a compound statement; for a dealbreaker, "likes" means having the habit."""
    if isinstance(aspect, Dealbreaker):
        if likes:
            return draw.pick(HABIT_VERBS).format(i_do=aspect.i_do)
        return draw.pick(REFUSAL_VERBS).format(people=aspect.people)
    return draw.pick(LIKE_VERBS if likes else DISLIKE_VERBS).format(o=obj)


def _aspect_for(draw: _Draw, category: str) -> str | Dealbreaker:
    if category == "dealbreakers":
        return draw.rng.choice(DEALBREAKERS)
    return draw.rng.choice([t for t, c in TOPIC_CATEGORY.items() if c == category])


def _llm_judged_pair(draw: _Draw, category: str, label: int) -> tuple[str, str, str]:
    first, _, second = category.partition("_and_")
    aspects = [_aspect_for(draw, first), _aspect_for(draw, second)]
    # Compatible: both halves agree (judged 6-9). Incompatible: one half clashes (4-5) or both (3).
    if label == 1:
        clash_count, score = 0, draw.rng.choice((6, 7, 8, 9))
    elif draw.chance(0.6):
        clash_count, score = 1, draw.rng.choice((4, 5))
    else:
        clash_count, score = 2, 3
    clashes = set(draw.rng.sample([0, 1], clash_count))
    boy_phrases, girl_phrases = [], []
    for index, aspect in enumerate(aspects):
        same_stance = index not in clashes
        boy_likes, girl_likes = draw.stances(same_stance)
        objects = ("", "")
        if not isinstance(aspect, Dealbreaker):
            same_object = draw.chance(SAME_OBJECT_SHARE[same_stance])
            objects = draw.two_objects(TOPIC_OBJECTS[aspect], same_object)
        boy_phrases.append(_verb_phrase(draw, aspect, objects[0], boy_likes))
        girl_phrases.append(_verb_phrase(draw, aspect, objects[1], girl_likes))
    boy = draw.pick(COMPOUND_FRAMES).format(a=boy_phrases[0], b=boy_phrases[1])
    girl = draw.pick(COMPOUND_FRAMES).format(a=girl_phrases[0], b=girl_phrases[1])
    return boy, girl, f"score_{score}"


def _dealbreaker_builder(
    dealbreakers: tuple[Dealbreaker, ...], refusal_frames: Bank, habit_frames: Bank | None
) -> PairBuilder:
    """Refusal-versus-habit pairs; without ``habit_frames``, only the hand-written habits."""

    def build(draw: _Draw, subcategory: str, label: int) -> tuple[str, str, str]:
        dealbreaker = draw.rng.choice([d for d in dealbreakers if d.subcategory == subcategory])
        refusal = draw.pick(refusal_frames).format(person=dealbreaker.person, does=dealbreaker.does)
        if habit_frames is None or draw.chance(0.5):
            habit = draw.pick(dealbreaker.habits)
        else:
            habit = draw.pick(habit_frames).format(i_do=dealbreaker.i_do)
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
    dealbreaker_pair = _dealbreaker_builder(DEALBREAKERS, REFUSAL_FRAMES, HABIT_FRAMES)
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
            _dealbreaker_builder(OOD_DEALBREAKERS, OOD_REFUSAL_FRAMES, None),
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


def write_default_data(folder: Path = DEFAULT_DATA, seed: int = 42) -> dict[str, Path]:
    """Write ``train.jsonl``, ``eval.jsonl`` and ``ood.jsonl`` into ``folder``; return their paths.

    Each file is written atomically, so an interrupted run leaves the previous file intact.
    """
    folder = Path(folder)
    return {
        name: atomic_write_text(folder / f"{name}.jsonl", dump_pairs(pairs))
        for name, pairs in generate_splits(seed).items()
    }
