"""Whether two articles in different languages tell one story: pure deciders.

A story is one piece of news across languages: a wire original and its translations. Its
clusters stay what they were (same-language copies); the story links them. Linking reads
only what a translation keeps without translating anything (``crawler.core.evidence``):

* names spelled in another script (a consonant skeleton: "Панкин", "Pankin", "بانكين"),
  from the headline and the lead, where a story names its people and places;
* figures with their scale ("1,5 млрд", "1.5 billion", "١٫٥ مليار"), days named with their
  month, weekdays;
* the wire agency both credit, and the page's own language editions (a switcher that names
  the other's language, on the same site);
* the time between them: translations follow within hours, rarely more than two days.

Each shared key weighs by how rare it is among the articles of the pair's days and the days
around them (``rarity``, of the count read in steps: ``count_step``): a name every article
mentions (a president, a capital) links nothing. A link needs both
kinds of evidence: names (who and where) and something only this piece of news has (a
figure, a date, the same wire, an edition). Names alone are what a second report of the
same event also has; a figure or a wire alone is what a templated report also has. The
exception is a figure print: three or more figures, nearly all of the shorter text's
shared, stand in for names (a rates or results table says little else).

Figures also keep apart what names join. A translation keeps its figures, so two texts
that both print figures and share less than half of the shorter one's are two pieces of
news (two statements of one minister on one day). Beyond ``CLOSE_GAP`` most of the later
text's facts (figures, days named with their month) must already be in the earlier one:
a late translation carries the original's facts, a follow-up brings its own. Two articles
crediting different agencies are two reports, unless the agencies are one house (RIA
Novosti and Sputnik) or one names the other's agency (it relays its report). The day an
article is published (its dateline) and its wire's name are shared by everything of that
day and count for nothing.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from crawler.core.evidence import (
    CALENDAR_SKELETONS,
    figures,
    named_days,
    names,
    skeleton,
    weekdays,
)
from crawler.core.wire import agency_from_name, house_of

#: How much of the body (after the headline) names are read from, in characters.
LEAD_CHARS = 800
#: Most name keys an article is indexed by (the first in reading order).
MAX_NAME_KEYS = 40
#: Articles further apart than this are never one story.
MAX_GAP = timedelta(hours=48)
#: Beyond this gap a link needs twice the evidence of its own (a follow-up comes a day later).
CLOSE_GAP = timedelta(hours=12)
#: Least weight of shared names, and of the evidence only this piece of news has.
MIN_NAMES = 2.0
MIN_SPECIFIC = 1.0
#: Two texts with figures share at least this part of the shorter one's figures.
MIN_FIGURE_SHARE = 0.5
#: Beyond ``CLOSE_GAP``, at least this part of the later text's facts are in the earlier.
MIN_LATE_FACT_SHARE = 0.75
#: A figure print: this many shared figures at least, this part of the shorter text's
#: figures, and this much weight of figures; it stands in for names.
PRINT_FIGURES = 3
PRINT_SHARE = 0.8
PRINT_WEIGHT = 2.5

#: A key's count is read in these steps (``count_step``): what it weighs, and whether it
#: finds candidates, change only when its count passes one. Links decided on the counts
#: of the moment are then judged again only when a new article moves one of their keys
#: past a step, which is what keeps them independent of the order articles arrive in.
COUNT_STEPS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
_CROSSINGS = frozenset(step + 1 for step in COUNT_STEPS[:-1])
#: A key more articles of those days have than this finds no candidates (it still weighs).
#: One of ``COUNT_STEPS``.
MAX_CANDIDATE_FREQUENCY = 32
#: Least keys two articles share to be judged at all.
MIN_SHARED_KEYS = 2

EvidenceKind = Literal["name", "figure", "day", "weekday", "wire", "edition"]

# Evidence keys are prefixed by their kind; weekdays are days whose key starts with "wd".
_PREFIX = {"name": "n:", "figure": "f:", "day": "d:"}
# How much one shared key of a kind weighs at most.
_KIND_WEIGHT: dict[str, float] = {
    "name": 1.0,
    "figure": 1.0,
    "day": 1.0,
    "weekday": 0.5,
    "wire": 0.5,
    "edition": 1.5,
}


@dataclass(frozen=True)
class StoryText:
    """What story linking reads of one stored article."""

    #: The article's row id.
    article_id: int
    #: ISO 639-1 code; an article of unknown language is never linked.
    language: str
    #: Host name of the outlet; empty when unknown.
    outlet: str
    #: Normalised id of the wire agency the article credits, if any.
    wire_agency: str | None
    #: Languages of the page's other editions (its language switcher).
    editions: frozenset[str]
    #: Publication time in UTC, or when it was first seen where the page gives none.
    time: datetime | None
    #: Evidence key -> the words as printed (see ``story_keys``).
    keys: Mapping[str, str]


@dataclass(frozen=True)
class Evidence:
    """One thing two articles share, and what it weighed."""

    kind: EvidenceKind
    #: The key both have ("n:bnkn", "f:1.5e9", "d:02-09", "d:wd3", "w:tass", "e:en-ar").
    key: str
    #: As printed in the first article, and in the second.
    left: str
    right: str
    #: Its weight in the decision: the kind's weight times the key's rarity.
    weight: float


@dataclass(frozen=True)
class StoryLink:
    """Two articles found to be one story, with the evidence."""

    left_id: int
    right_id: int
    #: Total weight of the evidence.
    score: float
    #: Seconds from the earlier article to the later; None when a time is unknown.
    gap_seconds: int | None
    evidence: tuple[Evidence, ...]


def story_keys(title: str, paragraphs: Sequence[str]) -> dict[str, str]:
    """Evidence keys of an article -> the words as printed.

    Names and weekdays come from the headline and the lead (``LEAD_CHARS``); figures and
    days named with their month from the whole body.
    """
    lead: list[str] = [title]
    size = 0
    for paragraph in paragraphs:
        if size >= LEAD_CHARS:
            break
        lead.append(paragraph[: LEAD_CHARS - size])
        size += len(paragraph)
    body = "\n".join(paragraphs)
    lead_text = "\n".join(lead)
    found = [(k, v) for k, v in names(lead_text).items() if k not in CALENDAR_SKELETONS]
    keys = {_PREFIX["name"] + k: v for k, v in found[:MAX_NAME_KEYS]}
    keys.update((_PREFIX["figure"] + k, v) for k, v in figures(body).items())
    keys.update((_PREFIX["day"] + k, v) for k, v in named_days(body).items())
    keys.update((_PREFIX["day"] + k, v) for k, v in weekdays(lead_text).items())
    return keys


def finds_candidates(key: str) -> bool:
    """Whether ``key`` finds candidates: all but weekdays, which half the week's news shares."""
    return not key.startswith("d:wd")


def kind_of(key: str) -> EvidenceKind:
    """The kind of evidence an evidence key stands for."""
    if key.startswith("n:"):
        return "name"
    if key.startswith("f:"):
        return "figure"
    return "weekday" if key.startswith("d:wd") else "day"


def rarity(articles: int) -> float:
    """Weight of a key that ``articles`` articles of those days have (the pair itself is 2).

    1 for a key only the pair shares, halving each time the count quadruples.
    """
    return 1.0 / (1.0 + 0.5 * math.log2(max(articles, 2) / 2))


def count_step(articles: int) -> int:
    """The step of ``COUNT_STEPS`` a key's count is read as: the first at or above it.

    Counts above the last step read as the last.
    """
    return COUNT_STEPS[min(bisect.bisect_left(COUNT_STEPS, articles), len(COUNT_STEPS) - 1)]


def crosses_step(articles: int) -> bool:
    """Whether a key's count reaching ``articles`` (from one less) changes what it weighs."""
    return articles in _CROSSINGS


def candidate_pair(shared: Iterable[str], frequency: Mapping[str, int]) -> bool:
    """Whether two articles sharing ``shared`` keys are judged at all.

    They share at least ``MIN_SHARED_KEYS`` keys that find candidates (not weekdays) and
    that no more than ``MAX_CANDIDATE_FREQUENCY`` articles of their days have.
    """
    found = 0
    for key in shared:
        if finds_candidates(key) and frequency.get(key, 2) <= MAX_CANDIDATE_FREQUENCY:
            found += 1
            if found >= MIN_SHARED_KEYS:
                return True
    return False


def _edition(a: StoryText, b: StoryText) -> bool:
    """Each page names the other's language among its editions, on one site."""
    same_site = a.outlet == b.outlet or not a.outlet or not b.outlet
    return same_site and a.language in b.editions and b.language in a.editions


def gap_seconds(a: StoryText, b: StoryText) -> int | None:
    """Seconds between the two articles; None when either time is unknown."""
    if a.time is None or b.time is None:
        return None
    return int(abs((a.time - b.time).total_seconds()))


def _commonplace(a: StoryText, b: StoryText) -> set[str]:
    """Keys every article of those days could share: their own day, their wire's name."""
    keys = set()
    for t in (a.time, b.time):
        if t is not None:
            for day in (t, t - timedelta(days=1)):
                keys.add(f"{_PREFIX['day']}{day.month:02d}-{day.day:02d}")
    for wire in {a.wire_agency, b.wire_agency} - {None}:
        keys.add(_PREFIX["name"] + skeleton(str(wire)))
    return keys


def _other_houses(a: str | None, b: str | None) -> bool:
    """Both credit a wire, and the wires are of different houses."""
    return bool(a and b and house_of(a) != house_of(b))


@functools.lru_cache(maxsize=4096)
def _agency_named(word: str) -> str | None:
    return agency_from_name(word)


def _names_agency(text: StoryText, agency: str) -> bool:
    """Whether ``text`` names ``agency`` (or its house) in its headline or lead.

    An agency that relays another's report credits it ("сообщило агентство MENA"): its
    copy is the other's story, whatever wire its own dateline gives.
    """
    house = house_of(agency)
    return any(
        key.startswith("n:")
        and (found := _agency_named(word)) is not None
        and house_of(found) == house
        for key, word in text.keys.items()
    )


def _two_reports(a: StoryText, b: StoryText) -> bool:
    """They credit wires of different houses, and neither relays the other's."""
    if not _other_houses(a.wire_agency, b.wire_agency):
        return False
    return not (_names_agency(a, str(b.wire_agency)) or _names_agency(b, str(a.wire_agency)))


def _figures(keys: Mapping[str, str]) -> set[str]:
    return {k for k in keys if k.startswith(_PREFIX["figure"])}


def _facts(keys: Mapping[str, str]) -> set[str]:
    """Figures and days named with their month."""
    return {k for k in keys if k[:2] in ("f:", "d:") and not k.startswith("d:wd")}


def _figure_share(a: Mapping[str, str], b: Mapping[str, str]) -> float | None:
    """The part of the shorter text's figures the other has; None unless both have some."""
    figures_a, figures_b = _figures(a), _figures(b)
    if not figures_a or not figures_b:
        return None
    return len(figures_a & figures_b) / min(len(figures_a), len(figures_b))


def _figure_print(evidence: Sequence[Evidence], share: float | None) -> bool:
    """Enough rare figures, nearly all of the shorter text's, to stand in for names."""
    figures = [e.weight for e in evidence if e.kind == "figure"]
    return (
        share is not None
        and share >= PRINT_SHARE
        and len(figures) >= PRINT_FIGURES
        and sum(figures) >= PRINT_WEIGHT
    )


def judge(a: StoryText, b: StoryText, frequency: Mapping[str, int]) -> StoryLink | None:
    """The link between ``a`` and ``b`` if they are one story in two languages, else None.

    ``frequency`` counts, for each shared key, the articles of the pair's days that have it
    (both of these included); a key missing from it counts as the pair's alone. The result
    changes only when a count passes one of ``COUNT_STEPS``.
    """
    if not a.language or not b.language or a.language == b.language:
        return None
    if a.article_id > b.article_id:
        a, b = b, a
    gap = gap_seconds(a, b)
    if gap is None or gap > MAX_GAP.total_seconds():
        return None
    if _two_reports(a, b):
        return None
    shared = a.keys.keys() & b.keys.keys()
    commonplace = _commonplace(a, b)
    figure_share = _figure_share(a.keys, b.keys)
    if figure_share is not None and figure_share < MIN_FIGURE_SHARE:
        return None
    if gap > CLOSE_GAP.total_seconds():
        later, earlier = (a, b) if a.time and b.time and a.time > b.time else (b, a)
        facts = _facts(later.keys) - commonplace
        if facts and len(facts & earlier.keys.keys()) < MIN_LATE_FACT_SHARE * len(facts):
            return None
    evidence: list[Evidence] = []
    for key in sorted(shared - commonplace):
        kind = kind_of(key)
        weight = _KIND_WEIGHT[kind] * rarity(count_step(frequency.get(key, 2)))
        if kind == "name" and len(key) <= 4:
            # Two consonants ("nt", "rs") are met by chance across scripts.
            weight /= 2
        evidence.append(Evidence(kind, key, a.keys[key], b.keys[key], round(weight, 3)))
    if a.wire_agency and b.wire_agency and not _other_houses(a.wire_agency, b.wire_agency):
        key = f"w:{house_of(a.wire_agency)}"
        evidence.append(Evidence("wire", key, a.wire_agency, b.wire_agency, _KIND_WEIGHT["wire"]))
    if _edition(a, b):
        key = f"e:{min(a.language, b.language)}-{max(a.language, b.language)}"
        evidence.append(Evidence("edition", key, a.outlet, b.outlet, _KIND_WEIGHT["edition"]))
    named = sum(e.weight for e in evidence if e.kind == "name")
    specific = sum(e.weight for e in evidence if e.kind != "name")
    needed = MIN_SPECIFIC if gap <= CLOSE_GAP.total_seconds() else 2 * MIN_SPECIFIC
    if specific < needed or (named < MIN_NAMES and not _figure_print(evidence, figure_share)):
        return None
    evidence.sort(key=lambda e: (-e.weight, e.key))
    return StoryLink(a.article_id, b.article_id, round(named + specific, 3), gap, tuple(evidence))
