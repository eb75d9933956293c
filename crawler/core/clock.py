"""The clock the crawler reads: the system's, or a faster one for simulations.

The scheduler is pure and takes ``now`` as an argument; everything that asks
"what time is it" in the crawler asks a ``Clock``. ``SystemClock`` is the real
one. ``AcceleratedClock`` runs ``speed`` times faster than real time from a
given start, so a test (and its loopback site, which reads the same clock) can
watch hours of polling in a minute. A clock is named by a short spec, so it
can travel in a Scrapy setting (``WIRECRAWL_CLOCK``) or an environment variable:

``system``
    the real clock (the default);
``accelerated:SPEED:START``
    SPEED simulated seconds per real second, starting at START (ISO 8601) when
    the real clock read ``ORIGIN`` (a Unix time; ``accelerated:SPEED:START:ORIGIN``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time and can wait."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def real_seconds(self, simulated: float) -> float:
        """How many real seconds pass while ``simulated`` seconds pass on this clock."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def real_seconds(self, simulated: float) -> float:
        return simulated

    @property
    def spec(self) -> str:
        """This clock as a spec string."""
        return "system"


@dataclass(frozen=True)
class AcceleratedClock:
    """A clock running ``speed`` times faster than real time."""

    #: Simulated seconds per real second.
    speed: float
    #: Simulated time at ``origin``.
    start: datetime
    #: Real Unix time at which the simulated clock read ``start``.
    origin: float

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.origin) * self.speed)

    def real_seconds(self, simulated: float) -> float:
        return simulated / self.speed

    @property
    def spec(self) -> str:
        """This clock as a spec string."""
        return f"accelerated:{self.speed:g}:{self.start.isoformat()}:{self.origin:.6f}"


def clock_from_spec(spec: str | None) -> SystemClock | AcceleratedClock:
    """The clock a spec names (see the module docstring); the system clock for None or ""."""
    if not spec or spec == "system":
        return SystemClock()
    kind, _, rest = spec.partition(":")
    if kind != "accelerated":
        raise ValueError(f"unknown clock {spec!r}: use 'system' or 'accelerated:SPEED:START'")
    speed_text, _, rest = rest.partition(":")
    # The start is an ISO time, which has colons of its own; the origin, if any, is last.
    start_text, origin_text = rest, ""
    head, sep, tail = rest.rpartition(":")
    if sep and "T" in head and tail.replace(".", "", 1).isdigit() and len(tail) > 4:
        start_text, origin_text = head, tail
    start = datetime.fromisoformat(start_text) if start_text else datetime.now(UTC)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    origin = float(origin_text) if origin_text else time.time()
    return AcceleratedClock(float(speed_text), start, origin)


def iso_or_none(value: datetime | None) -> str | None:
    """``value`` as ISO 8601 text (its own offset kept), or None: how times are stored."""
    return value.isoformat() if value is not None else None


def time_or_none(value: str | None) -> datetime | None:
    """An ISO 8601 time as stored (a trailing ``Z`` read as UTC); None if empty or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
