"""The template banks of the default data: topics, stance phrasings, dealbreakers, plans.

Kept apart from the generator (``p3lib.data.generate``) so that the rules that build pairs read
on their own, and so that a test can read the banks without running the generator. Every bank
here is data; the generator decides how to draw from it. Which templates train may use and which
only eval shows (the held-out groups that make eval's unseen-template tier) is set here too.
"""

from __future__ import annotations

from dataclasses import dataclass

LIKE, DISLIKE, INDIFFERENT = "like", "dislike", "indifferent"


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
# Their subcategories are new too, so that no OOD group (category, subcategory) occurs in train.
OOD_DEALBREAKERS = (
    Dealbreaker(
        "gambling",
        "a gambler",
        "gamblers",
        "bets on everything",
        Bank(("I bet on sports every weekend", "I've lost rent money at poker")),
    ),
    Dealbreaker(
        "screen_time",
        "a phone addict",
        "phone addicts",
        "scrolls through dinner",
        Bank(("I'm glued to my phone", "I check my apps every few minutes")),
    ),
    Dealbreaker(
        "lateness",
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


# --- Held-out templates: eval's unseen-template tier ------------------------------------------
# Train never pairs two statements on one of these topics alone (the topic still occurs in
# train's two-topic pairs), and never pairs statements on one of these two topics together (in
# any pair type, any order). Eval puts EVAL_UNSEEN_SHARE of its single-topic, subtle and complex
# pairs on these templates, so that part of eval measures templates the model never trained on.
# One topic per core category, and for each category of two-topic pairs at least two pairs.
HELD_OUT_TOPICS = frozenset({"travel", "introverted", "spirituality"})
HELD_OUT_TOPIC_PAIRS = frozenset(
    frozenset(pair)
    for pair in (
        ("active", "extroverted"),  # lifestyle with lifestyle
        ("arts", "food"),  # interests with interests
        ("environment", "family"),  # values with values
        ("music", "career"),  # interests with values
        ("food", "family"),
        ("arts", "relaxed"),  # interests with lifestyle
        ("travel", "active"),
        ("career", "introverted"),  # values with lifestyle
        ("environment", "extroverted"),
    )
)
EVAL_UNSEEN_SHARE = 0.6
