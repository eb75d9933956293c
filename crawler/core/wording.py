"""How a cluster's members are described, in the terminal and on the web pages alike.

The functions take any record with the member's facts (``storage.queries.ClusterMember``
has them), so the command line and the Datasette pages word them one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

#: Languages written right to left (ISO 639-1), laid out right to left on the page.
RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "dv", "ku", "ckb"})


class MemberFacts(Protocol):
    """What the wording needs to know of one member of a cluster."""

    @property
    def is_canonical(self) -> bool: ...
    @property
    def minutes_after(self) -> float | None: ...
    @property
    def jaccard(self) -> float | None: ...
    @property
    def containment(self) -> float | None: ...
    @property
    def matched_to(self) -> int | None: ...


def direction(language: str) -> str:
    """The HTML ``dir`` for text in ``language``: ``auto`` when the language is unknown."""
    if not language:
        return "auto"
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def delay(member: MemberFacts) -> str:
    """How long after the canonical a member came out: ``first``, ``+35 min``, ``+2.2 h``."""
    if member.is_canonical:
        return "first"
    if member.minutes_after is None:
        return "?"
    minutes = member.minutes_after
    return f"+{minutes:.0f} min" if abs(minutes) < 120 else f"+{minutes / 60:.1f} h"


def reason(member: MemberFacts) -> str:
    """Why the member belongs to the cluster, in words."""
    if member.is_canonical:
        return "canonical: published first"
    if member.jaccard is None or member.containment is None:
        return f"matched to article {member.matched_to}"
    return (
        f"matched to article {member.matched_to}: Jaccard {member.jaccard:.2f}, "
        f"containment {member.containment:.2f}"
    )


def short_reason(member: MemberFacts) -> str:
    """``reason`` for a one-line listing: ``canonical`` or ``J=0.62 C=0.91``."""
    if member.is_canonical:
        return "canonical"
    if member.jaccard is None or member.containment is None:
        return f"matched to {member.matched_to}"
    return f"J={member.jaccard:.2f} C={member.containment:.2f}"


class TimedFacts(Protocol):
    """What the wording needs to know of an article's time."""

    @property
    def published_utc(self) -> str: ...
    @property
    def time_utc(self) -> str: ...


def utc_text(stamp: str | None) -> str:
    """A stored UTC time as it is printed: ``2026-11-19 09:30 UTC``; ``?`` when unknown."""
    if not stamp:
        return "?"
    return stamp[:16].replace("T", " ") + " UTC"


def when(article: TimedFacts) -> str:
    """An article's time: its publication, else ``first seen`` and when it was first fetched.

    A page that printed no date is never said to be published at the moment it was
    crawled; it was out by then, which is all that is known.
    """
    if article.published_utc:
        return utc_text(article.published_utc)
    if article.time_utc:
        return f"first seen {utc_text(article.time_utc)}"
    return "date unknown"


def gap_text(seconds: float | None) -> str:
    """A time between two articles: ``12 min``, ``3.5 h``, ``1.2 days``; ``?`` if unknown."""
    if seconds is None:
        return "?"
    minutes = abs(seconds) / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


#: How each kind of story evidence is named to a reader.
EVIDENCE_KINDS = {
    "name": "name",
    "figure": "figure",
    "day": "date",
    "weekday": "weekday",
    "wire": "same wire",
    "edition": "language edition of one page",
}


def evidence_text(piece: Mapping[str, object]) -> str:
    """One piece of story evidence in words: ``name: بانكين = Pankin (1.00)``."""
    kind = str(piece.get("kind", ""))
    label = EVIDENCE_KINDS.get(kind, kind)
    left, right = str(piece.get("left") or ""), str(piece.get("right") or "")
    weight = float(str(piece.get("weight") or 0))
    if kind == "wire":
        shown = left
    elif kind == "edition":
        shown = " / ".join(x for x in (left, right) if x) or "one site"
    else:
        shown = f"{left} = {right}"
    return f"{label}: {shown} ({weight:.2f})"
