"""Training pairs that teach *stance*, not templates: a seeded augmentation of train.

Trained on the generated train split alone, the fine-tuned model learns its templates: it
ranks eval pairs built from the same phrasings well and pairs about new topics in new words
barely better than the base model (issue 23). What the label depends on is whether two people
take the same stance on a topic, so the pairs added here vary everything *but* the stance:

* **many topics**, none of them the out-of-distribution split's (``generate.OOD_TOPICS``);
* **one preference stated many ways**: direct ("Nothing beats {o}"), negated ("I'd never say
  no to {o}"), hedged ("I tend to enjoy {o}"), indirect ("I plan my weeks around {o}") and
  idiomatic ("{o} is right up my alley", "{o} leaves me cold"), plus per-topic statements that
  never name the object ("I'm more of a homebody"). The idioms came last, after reading
  which OOD phrasings a fine-tuned model read backwards ("I'm crazy about", "I'm totally
  hooked on"): stance carried by a figure of speech is what train's plain verbs ("I love",
  "I hate") never show. Chapter 05 says that OOD shaped them;
* **pairs that share no words but one preference**: compatible pairs put two styles and two
  objects of one topic side by side;
* **one topic, opposite preferences**: incompatible pairs often name the very same object;
* **stance flips**: every pair comes with a twin whose second statement takes the opposite
  stance (same style, same object where the style names one), and the twin's label is the
  opposite label. Only the stance differs between the twins, so only the stance can explain
  the labels;
* **soft dealbreakers**: a mild refusal ("I'd rather not date someone who vapes") against the
  habit (label 0) or against its absence (label 1, the flipped twin).

**Validation pairs that measure what OOD measures.** The grouped validation split holds
train's own stance phrasings, so on it a rate that fits train's templates tightly looks best,
although the OOD split's topics *and* phrasings are new. ``augment_pairs(..., part="validation")``
draws pairs from a part of the banks the fit pairs never use (the last two frames of every
plain style and six of the 24 idioms, three topics, two habits, two refusals): validation
pairs of unseen topics in unseen phrasings, made the same way. Chapters 03 and 04 add them to
the validation pairs that choose checkpoints and learning rates; no eval or OOD pair is
involved.

Every phrase bank here is p3's own and keeps away from the OOD split's topics, objects, stance
phrasings and dealbreakers and from the phrasings generate.py holds out for eval, so that the
unseen-template and unseen-topic measurements stay unseen (``tests/test_augment.py`` checks
it). The pairs depend only on ``seed`` and ``n_pairs``: the same arguments give the same
pairs on any machine.

Example:
    >>> pairs = augment_pairs(seed=42, n_pairs=8)
    >>> len(pairs), sorted({int(p.label) for p in pairs})
    (8, [0, 1])
    >>> augment_pairs(seed=42, n_pairs=8) == pairs
    True
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from p3lib.data import templates
from p3lib.data.schema import DatingPair

LIKE, DISLIKE = "like", "dislike"
OPPOSITE = {LIKE: DISLIKE, DISLIKE: LIKE}

# Stance frames by style; {o} is the object. A style's like and dislike frames are parallel
# lists, so a flipped statement keeps its style and (where the frame has one) its object.
STYLES = ("direct", "negated", "hedged", "indirect", "idiom")
FRAMES = {
    LIKE: {
        "direct": (
            "Nothing beats {o}",
            "{o} makes me happy",
            "{o} is my favourite thing",
            "I get excited about {o}",
            "My ideal weekend includes {o}",
            "I'd pick {o} every time",
            "I light up when someone mentions {o}",
            "{o} is the best part of my week",
            "I'm happiest doing {o}",
            "Give me {o} over anything else",
            "{o} never gets old for me",
            "I look forward to {o} all week",
        ),
        "negated": (
            "I'd never say no to {o}",
            "I never turn down {o}",
            "I can't imagine life without {o}",
            "You won't hear me complain about {o}",
            "There is no such thing as too much {o}",
            "I could never give up {o}",
            "I'd never miss a chance at {o}",
            "Nobody has to drag me to {o}",
            "I don't need an excuse for {o}",
            "I'm never bored by {o}",
            "I wouldn't trade {o} for anything",
            "No week is complete without {o}",
        ),
        "hedged": (
            "I tend to enjoy {o}",
            "I think I'm quite fond of {o}",
            "{o} is probably my thing",
            "I'd say I like {o}",
            "I suppose {o} suits me",
            "I'm somewhat drawn to {o}",
            "I guess {o} is rather nice",
            "I might be a little into {o}",
            "{o} seems to agree with me",
            "I'd probably say yes to {o}",
            "I lean towards {o} most days",
            "I could see myself enjoying {o} a lot",
        ),
        "indirect": (
            "Most of my free time goes to {o}",
            "My friends know me for {o}",
            "I plan my weeks around {o}",
            "Ask me about {o} and I'll talk for hours",
            "My happiest memories involve {o}",
            "I save up for {o}",
            "My camera roll is full of {o}",
            "I've read every book about {o}",
            "My holidays are built around {o}",
            "I keep a list of places for {o}",
            "I'm the one who suggests {o}",
            "My calendar is full of {o}",
        ),
        "idiom": (
            "I'm mad about {o}",
            "I'm nuts about {o}",
            "I'm wild about {o}",
            "{o} is right up my alley",
            "{o} is my jam",
            "I've got a soft spot for {o}",
            "I'm always game for {o}",
            "Sign me up for {o}",
            "I'm down for {o} any time",
            "{o} is my cup of tea",
            "I could do {o} forever",
            "I'm head over heels for {o}",
            "{o} really floats my boat",
            "I'm a huge fan of {o}",
            "I go all in on {o}",
            "{o} is my happy place",
            "I'm a total nerd for {o}",
            "{o} gets me out of bed in the morning",
            "I'd drop everything for {o}",
            "I'm always up for {o}",
            "{o} is where it's at",
            "{o} is totally my vibe",
            "I'm all in when it comes to {o}",
            "Show me {o} and I'm there",
        ),
    },
    DISLIKE: {
        "direct": (
            "Nothing bores me like {o}",
            "{o} makes me unhappy",
            "{o} is my least favourite thing",
            "I get irritated by {o}",
            "My worst weekend includes {o}",
            "I'd skip {o} every time",
            "I groan when someone mentions {o}",
            "{o} is the worst part of my week",
            "I'm grumpiest doing {o}",
            "Give me anything else over {o}",
            "{o} got old for me a long time ago",
            "I dread {o} all week",
        ),
        "negated": (
            "I'd always say no to {o}",
            "I always turn down {o}",
            "I can easily imagine life without {o}",
            "You'll hear me complain about {o}",
            "A little {o} is already too much",
            "I gave up {o} long ago and never looked back",
            "I'd never choose {o} on my own",
            "Someone has to drag me to {o}",
            "I need an excuse to skip {o}",
            "I'm always bored by {o}",
            "I'd trade {o} for anything",
            "A week without {o} is a good week",
        ),
        "hedged": (
            "I tend to steer clear of {o}",
            "I think I'm not very fond of {o}",
            "{o} is probably not my thing",
            "I'd say I dislike {o}",
            "I suppose {o} doesn't suit me",
            "I'm somewhat put off by {o}",
            "I guess {o} is rather dull",
            "I might be a little tired of {o}",
            "{o} doesn't seem to agree with me",
            "I'd probably say no to {o}",
            "I lean away from {o} most days",
            "I can't see myself enjoying {o} much",
        ),
        "indirect": (
            "I make excuses to get out of {o}",
            "My friends know not to invite me to {o}",
            "I plan my weeks to avoid {o}",
            "Ask me about {o} and I'll change the subject",
            "My worst memories involve {o}",
            "I'd pay to get out of {o}",
            "I leave the room when {o} comes up",
            "I've never read a word about {o}",
            "My holidays are built to avoid {o}",
            "I keep a list of excuses to skip {o}",
            "I'm the one who vetoes {o}",
            "My calendar has no room for {o}",
        ),
        "idiom": (
            "{o} leaves me cold",
            "{o} drives me nuts",
            "{o} does nothing for me",
            "{o} is not my scene",
            "{o} gets on my nerves",
            "I'd give {o} a miss",
            "Spare me the {o}",
            "{o}? Not a chance",
            "{o} bores me to tears",
            "{o} is not my cup of tea",
            "I've had it with {o}",
            "I can't be bothered with {o}",
            "Keep {o} away from me",
            "I'm so done with {o}",
            "{o} makes me cringe",
            "I'd rather clean the oven than face {o}",
            "{o} is a total drag",
            "You couldn't pay me to sit through {o}",
            "I roll my eyes at {o}",
            "{o} is the last thing I'd pick",
            "{o} is a hard no for me",
            "{o} just isn't my vibe",
            "I run a mile from {o}",
            "Show me {o} and I'm gone",
        ),
    },
}


@dataclass(frozen=True)
class Topic:
    """A topic: its category, objects, and statements of each stance that name no object."""

    category: str
    objects: tuple[str, ...]
    implied: dict[str, tuple[str, ...]]


# Topics p3's generated train does not use (plus ways to say its homebody and going-out topics
# without naming them). None is an OOD topic: no gardening, games, fashion, fishing, cars,
# astrology or minimalism.
TOPICS = {
    "dancing": Topic(
        "interests",
        ("salsa classes", "dancing", "ballroom dancing", "dance floors"),
        {
            LIKE: ("I'm always the first one on the dance floor",),
            DISLIKE: ("I have two left feet and stay off the dance floor",),
        },
    ),
    "water": Topic(
        "lifestyle",
        ("swimming", "surfing", "sailing", "kayaking"),
        {
            LIKE: ("I feel most alive near the ocean",),
            DISLIKE: ("I get seasick just looking at boats",),
        },
    ),
    "snow": Topic(
        "lifestyle",
        ("skiing", "snowboarding", "winter holidays", "ski trips"),
        {
            LIKE: ("Winter is my season and the mountains are my home",),
            DISLIKE: ("I hate the cold and stay indoors all winter",),
        },
    ),
    "homebody": Topic(
        "lifestyle",
        ("cosy evenings in", "a night on the sofa", "staying home", "a quiet evening"),
        {
            LIKE: ("I'm more of a homebody", "My sofa is my happy place"),
            DISLIKE: ("I go stir crazy if I stay home", "Four walls make me restless"),
        },
    ),
    "nightlife": Topic(
        "lifestyle",
        ("nightclubs", "pub crawls", "rooftop bars", "dancing until dawn"),
        {
            LIKE: ("My weekends start at midnight",),
            DISLIKE: ("I'm in bed by ten most nights",),
        },
    ),
    "sports": Topic(
        "interests",
        ("watching football", "basketball games", "the big match", "sports bars"),
        {
            LIKE: ("I never miss a match of my team",),
            DISLIKE: ("I couldn't name a single sports team",),
        },
    ),
    "coffee": Topic(
        "interests",
        ("coffee", "espresso", "coffee shops", "latte art"),
        {
            LIKE: ("I can't start the day before my first cup",),
            DISLIKE: ("Caffeine makes me jittery so I skip it",),
        },
    ),
    "wine": Topic(
        "interests",
        ("wine tasting", "vineyards", "red wine", "cocktail bars"),
        {
            LIKE: ("I know my way around a wine list",),
            DISLIKE: ("I stick to water and never order wine",),
        },
    ),
    "horror": Topic(
        "interests",
        ("horror films", "scary movies", "haunted houses", "ghost stories"),
        {
            LIKE: ("The scarier the film the better",),
            DISLIKE: ("I sleep with the light on after a scary film",),
        },
    ),
    "science": Topic(
        "interests",
        ("science documentaries", "stargazing", "space news", "science museums"),
        {
            LIKE: ("I could watch documentaries about the universe all day",),
            DISLIKE: ("Science class put me to sleep",),
        },
    ),
    "animals": Topic(
        "values",
        ("horses", "animal shelters", "bird watching", "the zoo"),
        {
            LIKE: ("I stop to pet every animal I see",),
            DISLIKE: ("I keep my distance from animals",),
        },
    ),
    "charity": Topic(
        "values",
        ("volunteering", "charity work", "fundraisers", "helping neighbours"),
        {
            LIKE: ("I give my Sundays to the soup kitchen",),
            DISLIKE: ("I keep my free time for myself, not for causes",),
        },
    ),
    "tradition": Topic(
        "values",
        ("family traditions", "holiday gatherings", "big weddings", "old customs"),
        {
            LIKE: ("Our family holidays are sacred to me",),
            DISLIKE: ("I skip family holidays whenever I can",),
        },
    ),
    "city": Topic(
        "lifestyle",
        ("city life", "busy streets", "downtown living", "the subway"),
        {
            LIKE: ("I need the buzz of a big city around me",),
            DISLIKE: ("I moved to the countryside to escape the noise",),
        },
    ),
    "writing": Topic(
        "interests",
        ("poetry", "journaling", "writing stories", "book clubs"),
        {
            LIKE: ("I always carry a notebook for my poems",),
            DISLIKE: ("I haven't written anything since school",),
        },
    ),
    "thrill": Topic(
        "lifestyle",
        ("skydiving", "bungee jumping", "roller coasters", "rock climbing"),
        {
            LIKE: ("Adrenaline is my favourite feeling",),
            DISLIKE: ("I get dizzy on a stepladder",),
        },
    ),
    "crafts": Topic(
        "interests",
        ("knitting", "pottery", "woodworking", "sewing"),
        {
            LIKE: ("My hands are never happier than when they're making something",),
            DISLIKE: ("I'm hopeless with anything handmade and don't want to learn",),
        },
    ),
    "languages": Topic(
        "interests",
        ("learning languages", "language exchanges", "foreign films", "grammar books"),
        {
            LIKE: ("I'm learning my fourth language this year",),
            DISLIKE: ("One language is plenty for me",),
        },
    ),
    "tech": Topic(
        "interests",
        ("new gadgets", "coding", "smart home devices", "tech podcasts"),
        {
            LIKE: ("I queue overnight for every new gadget",),
            DISLIKE: ("I still use a ten-year-old flip phone on purpose",),
        },
    ),
    "history": Topic(
        "interests",
        ("castles", "history books", "old ruins", "historical novels"),
        {
            LIKE: ("I can tell you the story behind every old building in town",),
            DISLIKE: ("The past bores me, I only care about what's next",),
        },
    ),
    "comedy": Topic(
        "interests",
        ("stand-up comedy", "comedy clubs", "sitcoms", "improv shows"),
        {
            LIKE: ("I know every stand-up special by heart",),
            DISLIKE: ("Jokes rarely make me laugh",),
        },
    ),
    "tea": Topic(
        "lifestyle",
        ("tea", "afternoon tea", "tea rooms", "herbal tea"),
        {
            LIKE: ("There's always a kettle on in my flat",),
            DISLIKE: ("Tea tastes like hot leaf water to me",),
        },
    ),
    "luxury": Topic(
        "values",
        ("luxury hotels", "fine watches", "first-class flights", "spa weekends"),
        {
            LIKE: ("I'd rather have one expensive thing than ten cheap ones",),
            DISLIKE: ("Paying extra for a fancy label feels silly to me",),
        },
    ),
    "markets": Topic(
        "lifestyle",
        ("flea markets", "farmers' markets", "antique fairs", "vintage shops"),
        {
            LIKE: ("Every Saturday I hunt for treasures at the stalls",),
            DISLIKE: ("Crowded stalls full of old junk make me want to leave",),
        },
    ),
}

# Soft dealbreakers: a mild refusal of a habit; the habit gives label 0, its absence label 1.
SOFT_REFUSALS = (
    "I'd rather not date someone who {does}",
    "Someone who {does} isn't really for me",
    "I'm wary of a partner who {does}",
    "It would bother me if my partner {does}",
    "I'd hesitate to date someone who {does}",
    "I'd think twice about someone who {does}",
    "A partner who {does} would test me",
    "I'd struggle with a partner who {does}",
    "Dating someone who {does} isn't my idea of fun",
)


@dataclass(frozen=True)
class Habit:
    """A habit someone may refuse: what the holder ``does``, admissions of it and denials."""

    subcategory: str
    does: str
    has: tuple[str, ...]
    lacks: tuple[str, ...]


HABITS = (
    Habit(
        "substances",
        "vapes",
        ("I vape all day", "My vape is always in my hand"),
        ("I've never vaped", "I don't vape at all"),
    ),
    Habit(
        "lifestyle",
        "snores loudly",
        ("I snore like a train", "My snoring keeps the neighbours up"),
        ("I sleep without a sound", "I've never snored"),
    ),
    Habit(
        "personality",
        "sulks for days",
        ("I sulk for days after an argument", "I go silent for days when I'm upset"),
        ("I talk things through right away", "I never hold a grudge"),
    ),
    Habit(
        "lifestyle",
        "works every weekend",
        ("I work every single weekend", "My weekends belong to my job"),
        ("My weekends are always free", "I never work on weekends"),
    ),
    Habit(
        "personality",
        "cancels plans at the last minute",
        ("I cancel plans all the time", "I often bail an hour before we meet"),
        ("When I make plans I keep them", "I've never cancelled on a friend"),
    ),
    Habit(
        "personality",
        "talks over everyone",
        ("I always interrupt people", "I talk over everyone at dinner"),
        ("I'm a patient listener", "I let people finish their sentences"),
    ),
    Habit(
        "lifestyle",
        "drives too fast",
        ("I always drive well over the limit", "I've had three speeding tickets this year"),
        ("I'm a careful driver", "I stick to the speed limit"),
    ),
    Habit(
        "substances",
        "drinks energy drinks all day",
        ("I get through five energy drinks a day", "I live on energy drinks"),
        ("I never touch energy drinks", "Water is all I drink during the day"),
    ),
)

# The part of the banks kept for validation pairs (module docstring): never in a fit pair.
# The last frames of every style; a quarter of the idioms, the style furthest from train's.
VALIDATION_FRAMES = {"direct": 2, "negated": 2, "hedged": 2, "indirect": 2, "idiom": 6}
VALIDATION_TOPICS = frozenset({"crafts", "history", "tea"})
VALIDATION_HABITS = frozenset({"drives too fast", "talks over everyone"})
VALIDATION_REFUSALS = 2  # the last refusals
PARTS = ("fit", "validation")

# The share of pairs that are soft-dealbreaker twins; the rest are topic twins.
SOFT_DEALBREAKER_SHARE = 0.15

# Endings that carry no stance, on statements of both stances (a flipped twin keeps its
# statement's ending). Train's generator ends statements with tails of one stance only: "to be
# honest" and "if I'm being totally honest with you" end dislikes, "more than anything" and
# "whenever I can" likes. A model trained on train alone reads those words as the stance, and a
# like in words it has only seen ending dislikes ("I'm totally ...", "honestly") as a dislike.
# Here the same endings close likes and dislikes alike, so only the frame can explain a label.
NEUTRAL_TAILS = (
    *templates.TAILS[LIKE].shared,
    *(tail for tail in templates.TAILS[DISLIKE].shared if tail != "anymore"),  # dislike-only
    "honestly",
    "for real",
    "if you ask me",
    "no question",
)
NEUTRAL_TAIL_SHARE = templates.TAIL_SHARE  # as often as train's generator ends a statement with one


@dataclass(frozen=True)
class Statement:
    """One side of a pair: a stance on a topic, in one style, about one object (or none)."""

    topic: str
    stance: str
    style: str
    frame_index: int
    obj: str | None
    text: str
    tail: str = ""


def statement(
    topic: str, stance: str, style: str, frame_index: int, obj: str | None, tail: str = ""
) -> Statement:
    """The statement of ``stance`` on ``topic`` in ``style``; style ``implied`` names no object.

    ``tail`` ends the statement where the frame ends with its object (as train's tails do).
    """
    if style == "implied":
        options = TOPICS[topic].implied[stance]
        text = options[frame_index % len(options)]
    else:
        frame = FRAMES[stance][style][frame_index]
        text = frame.format(o=obj)
        if tail and frame.endswith("{o}"):
            text = f"{text} {tail}"
    return Statement(topic, stance, style, frame_index, obj, text[0].upper() + text[1:], tail)


def flipped(side: Statement) -> Statement:
    """The same statement with the opposite stance: same topic, style, frame slot, object, tail."""
    return statement(
        side.topic, OPPOSITE[side.stance], side.style, side.frame_index, side.obj, side.tail
    )


@dataclass(frozen=True)
class BankPart:
    """What one part of the banks (``fit`` or ``validation``) may draw from."""

    frames: dict[str, tuple[int, ...]]  # by style: the frame slots this part may use
    topics: tuple[str, ...]
    habits: tuple[Habit, ...]
    refusals: tuple[str, ...]


def bank_part(part: str) -> BankPart:
    """The frames, topics, habits and refusals of ``part``; the two parts share none.

    Example:
        >>> fit, validation = bank_part("fit"), bank_part("validation")
        >>> set(fit.frames["idiom"]) & set(validation.frames["idiom"])
        set()
        >>> set(fit.topics) & set(validation.topics)
        set()
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    held = part == "validation"
    frames = {}
    for style in STYLES:
        n_frames = len(FRAMES[LIKE][style])
        cut = n_frames - VALIDATION_FRAMES[style]
        frames[style] = tuple(range(cut, n_frames) if held else range(cut))
    frames["implied"] = frames["direct"]  # an implied statement's slot picks among its options
    return BankPart(
        frames=frames,
        topics=tuple(t for t in sorted(TOPICS) if (t in VALIDATION_TOPICS) == held),
        habits=tuple(h for h in HABITS if (h.does in VALIDATION_HABITS) == held),
        refusals=SOFT_REFUSALS[-VALIDATION_REFUSALS:]
        if held
        else SOFT_REFUSALS[:-VALIDATION_REFUSALS],
    )


def _random_statement(rng: random.Random, topic: str, stance: str, frames) -> Statement:
    style = rng.choice((*STYLES, "implied"))
    slot = rng.choice(frames[style])
    tail = rng.choice(NEUTRAL_TAILS) if rng.random() < NEUTRAL_TAIL_SHARE else ""
    return statement(topic, stance, style, slot, rng.choice(TOPICS[topic].objects), tail)


def _pair(first: str, second: str, label: int, category: str, subcategory: str, kind: str):
    boy, girl = first, second
    return DatingPair(
        text_1="boy: " + boy,
        text_2="girl: " + girl,
        label=label,
        category=category,
        subcategory=subcategory,
        pair_type=kind,
    )


def topic_twins(rng: random.Random, bank: BankPart) -> tuple[DatingPair, DatingPair]:
    """A same-stance pair on one topic (label 1) and its twin with the girl's stance flipped."""
    topic = rng.choice(bank.topics)
    stance = rng.choice((LIKE, DISLIKE))
    boy = _random_statement(rng, topic, stance, bank.frames)
    girl = _random_statement(rng, topic, stance, bank.frames)
    while girl.text == boy.text:
        girl = _random_statement(rng, topic, stance, bank.frames)
    category = TOPICS[topic].category
    subcategory = f"augmented_{topic}"
    same = _pair(boy.text, girl.text, 1, category, subcategory, "compatible")
    opposite = _pair(boy.text, flipped(girl).text, 0, category, subcategory, "incompatible")
    return same, opposite


def dealbreaker_twins(rng: random.Random, bank: BankPart) -> tuple[DatingPair, DatingPair]:
    """A soft refusal against the habit (label 0) and against its absence (label 1)."""
    habit = rng.choice(bank.habits)
    refusal = rng.choice(bank.refusals).format(does=habit.does)
    subcategory = f"augmented_{habit.subcategory}"
    has = _pair(refusal, rng.choice(habit.has), 0, "dealbreakers", subcategory, "dealbreaker")
    lacks = _pair(refusal, rng.choice(habit.lacks), 1, "dealbreakers", subcategory, "compatible")
    return has, lacks


def augment_pairs(seed: int = 42, n_pairs: int = 800, part: str = "fit") -> list[DatingPair]:
    """``n_pairs`` augmentation pairs (stance-flip twins side by side), the same for a seed.

    ``part="validation"`` draws from the part of the banks the fit pairs never use (module
    docstring). The boy and girl sides are swapped in half of the twins, so neither side is
    always the one whose stance flips.
    """
    bank = bank_part(part)
    rng = random.Random(f"{seed}-augment" if part == "fit" else f"{seed}-augment-{part}")
    pairs: list[DatingPair] = []
    while len(pairs) < n_pairs:
        twins = (
            dealbreaker_twins(rng, bank)
            if rng.random() < SOFT_DEALBREAKER_SHARE
            else topic_twins(rng, bank)
        )
        if rng.random() < 0.5:
            twins = tuple(_swapped(pair) for pair in twins)
        pairs.extend(twins)
    return pairs[:n_pairs]


def _swapped(pair: DatingPair) -> DatingPair:
    return pair.model_copy(
        update={"text_1": "boy: " + pair.text_2[6:], "text_2": "girl: " + pair.text_1[5:]}
    )
