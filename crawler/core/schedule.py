"""When each feed is polled next, and when a feed counts as dead.

wirecrawl polls hundreds of feeds for weeks without anyone watching. This module makes every
scheduling decision as a pure function: the feed's remembered ``FeedState`` and what one poll
found (``PollResult``) go in, a ``Decision`` (the new state, the next poll time and a sentence
saying why) comes out. The clock is always passed in, never read; the standard library is the
only dependency; every time is aware UTC, and naive datetimes given in are taken as UTC.

``next_poll(feed_key, state, result, settings)``
    the decision after a poll.
``initial_poll(feed_key, now, settings)``
    the first poll of a newly added feed.
``due(next_poll_at, now)``
    whether a feed should be polled now.
``parse_http_hints(headers, now)``
    Cache-Control max-age, Expires and Retry-After read from response headers into an
    ``HttpHints`` record whose field names match ``PollResult``'s.
``classify_error(status, exception_name)`` / ``is_permanent(kind)``
    one error kind per failed poll, and which kinds are permanent.

The rules, with the default numbers (all in ``ScheduleSettings``):

Adapting to the feed's pace
    A feed shows only its last N items, so it must be polled before most of them are replaced,
    and polling it when nothing changed is waste. Each successful poll's share of new items
    (``new_items / items``; a 304 Not Modified or an empty feed counts as 0) goes into an
    exponentially weighted average (weight 0.5 for the newest poll). Average above 0.5, or a
    poll where every item was new (the window turned over, so items may have been missed): the
    interval shrinks ×0.7. Average below 0.1, or 3 polls in a row without a new item: it grows
    ×1.3. In between it is kept. The interval always stays within [5 min, 24 h] and starts at
    30 min; it settles where each poll brings between a tenth and a half of the window. A
    higher share of new items never gives a longer interval. The very first successful poll
    finds every item new, which says nothing about the pace, so it only starts the average
    (at 0.3, between the two thresholds).

Server hints (successful polls only; an error page's cache headers describe the error page)
    Cache-Control ``max-age`` (less ``Age``), ``Expires`` and the RSS ``<ttl>`` are floors:
    the next poll is never before the server says the content can change, but a floor never
    exceeds the 24 h maximum interval. They do not change the adapted interval itself: they say
    when the feed could change, not how often it does. ``no-cache``/``no-store`` give no floor.

Retry-After
    On an error (429, 503 or any other) the next poll is exactly the time the server asked
    for, capped at the 24 h ``max_backoff``, without jitter. On a success it is a floor like
    the others (and then also kept exactly). A Retry-After of zero or in the past is ignored:
    the ordinary backoff applies.

Error backoff
    The next poll after an error is ``interval × growth ** streak`` (``streak`` counts every
    failed poll in a row, the growth factor comes from the kind of the latest error), capped at
    24 h. Basing it on the feed's own interval means an error never makes a feed polled more
    often than usual. Growth factors: 2 for transient kinds (timeout, network, 5xx, 429, empty
    body, anything unknown); 3 for blocks that come and go (bot challenge, 403); 4 for
    permanent kinds (401, 404, 410, other 4xx, parse failure, not a feed, hostile document,
    too large, robots.txt, redirect loop). So a 30 min feed retries after 1 h, 2 h, 4 h ... on
    timeouts, and after 2 h, 8 h, 24 h on 404s. Polling never stops: a capped next poll always
    exists.

Dead feeds
    A feed is dead after a 410 Gone, or after 10 permanent errors in a row (transient errors in
    between neither count nor break the row: they say nothing about whether the feed exists).
    A dead feed is still re-checked about once a day (in the last 10% before ``max_backoff``,
    Retry-After ignored), and the reason says it is dead. One success revives it and resets
    both error streaks.

Jitter
    Every computed delay is spread over ±10% (``jitter``) by a hash of the feed key and the
    poll time: reproducible in tests, yet feeds of one host that were added or failed together
    drift apart instead of firing together. Jitter never goes below a server floor or past the
    cap (24 h), and Retry-After times are kept exact. New feeds get their first poll spread over
    [now, now + 2 × jitter × base interval), i.e. 6 minutes.

skipHours / skipDays (GMT)
    If the next poll falls in a skipped hour or day it moves to the first allowed hour, plus a
    small hashed offset (at most the jitter share of the delay, under an hour) so feeds that
    share a skip list do not fire on the hour together. A list naming all 24 hours (or all 7
    days) is ignored, so a feed can always be polled; the shift is therefore under 7 days. The
    caller passes the feed's last known skip lists with every result, since an error or a 304
    has no document to read them from.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = [
    "BLOCKED_KINDS",
    "PERMANENT_KINDS",
    "TRANSIENT_KINDS",
    "Decision",
    "FeedState",
    "HttpHints",
    "PollResult",
    "ScheduleSettings",
    "classify_error",
    "due",
    "initial_poll",
    "is_permanent",
    "next_poll",
    "parse_http_hints",
]

#: Kinds that say the feed URL no longer works and will not start working by waiting. They back
#: off hardest and, ``dead_after_permanent_errors`` in a row, make a feed dead. 401 is here
#: (credentials will not appear by themselves); 403 is not (see ``BLOCKED_KINDS``).
PERMANENT_KINDS = frozenset(
    {
        "http_401",
        "http_404",
        "http_410",
        "http_4xx",
        "parse",
        "not_a_feed",
        "hostile",
        "too_large",
        "robots",
        "redirect",
        "bad_url",
    }
)
#: Kinds where the site refuses automated clients for now. Firewall rules and bot checks come
#: and go, so these never make a feed dead, but they back off harder than a timeout: polling a
#: site that is blocking us again soon only prolongs the block.
BLOCKED_KINDS = frozenset({"challenge", "http_403"})
#: Kinds that usually clear by themselves. Any kind not listed anywhere is treated as these.
TRANSIENT_KINDS = frozenset(
    {"timeout", "network", "http_5xx", "http_429", "empty", "http_other", "unknown"}
)

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Hints beyond a year are junk or a typo; capping them keeps the arithmetic in range.
_MAX_HINT = timedelta(days=365)
#: Enough for any growth factor to pass any cap; keeps ``growth ** streak`` a finite float.
_MAX_EXPONENT = 64


@dataclass(frozen=True)
class ScheduleSettings:
    """Every number the scheduler uses. The defaults suit news feeds polled for weeks."""

    #: Interval of a new feed, before any adaptation.
    base_interval: timedelta = timedelta(minutes=30)
    #: Adaptation never polls a feed more often than this.
    min_interval: timedelta = timedelta(minutes=5)
    #: Adaptation and server floors never poll a healthy feed less often than this.
    max_interval: timedelta = timedelta(hours=24)
    #: Errors never push the next poll further than this; dead feeds are re-checked at it.
    max_backoff: timedelta = timedelta(hours=24)
    #: Each delay is spread over ±this share of itself, deterministically per feed and poll.
    jitter: float = 0.1
    #: This many permanent errors in a row make a feed dead (a 410 does at once).
    dead_after_permanent_errors: int = 10
    #: Weight of the newest poll in the running average share of new items (EWMA, 0..1].
    smoothing: float = 0.5
    #: Average share of new items above which the interval shrinks.
    busy_share: float = 0.5
    #: Average share of new items below which the interval grows.
    quiet_share: float = 0.1
    #: Polls in a row without a new item (304s included) that also make the interval grow.
    quiet_polls: int = 3
    #: Factor applied to the interval of a busy feed (< 1).
    shrink: float = 0.7
    #: Factor applied to the interval of a quiet feed (> 1).
    grow: float = 1.3
    #: Backoff growth per failed poll in a row when the latest error is transient.
    transient_growth: float = 2.0
    #: Backoff growth when the latest error is a block (bot challenge, 403).
    blocked_growth: float = 3.0
    #: Backoff growth when the latest error is permanent.
    permanent_growth: float = 4.0

    def __post_init__(self) -> None:
        zero = timedelta(0)
        if not zero < self.min_interval <= self.base_interval <= self.max_interval:
            raise ValueError("need 0 < min_interval <= base_interval <= max_interval")
        if self.max_backoff <= zero:
            raise ValueError("max_backoff must be positive")
        if not 0.0 <= self.jitter < 1.0:
            raise ValueError("jitter must be in [0, 1)")
        if self.dead_after_permanent_errors < 1 or self.quiet_polls < 1:
            raise ValueError("dead_after_permanent_errors and quiet_polls must be at least 1")
        if not 0.0 < self.smoothing <= 1.0:
            raise ValueError("smoothing must be in (0, 1]")
        if not 0.0 <= self.quiet_share < self.busy_share <= 1.0:
            raise ValueError("need 0 <= quiet_share < busy_share <= 1")
        if not 0.0 < self.shrink < 1.0 < self.grow:
            raise ValueError("need 0 < shrink < 1 < grow")
        if min(self.transient_growth, self.blocked_growth, self.permanent_growth) < 1.0:
            raise ValueError("backoff growth factors must be at least 1")


DEFAULT_SETTINGS = ScheduleSettings()


@dataclass(frozen=True)
class FeedState:
    """What the store remembers about a feed between polls.

    A new feed is ``FeedState(interval=settings.base_interval)``. Values read back from a store
    that are out of range (a negative streak, an interval beyond the limits, a NaN share) are
    clamped rather than refused.
    """

    #: Current adapted interval between successful polls, within [min, max] interval.
    interval: timedelta = DEFAULT_SETTINGS.base_interval
    #: Failed polls in a row, any kind.
    error_streak: int = 0
    #: Permanent errors in a row; transient errors in between leave it alone, a success resets.
    permanent_streak: int = 0
    #: Kind of the latest error (see ``classify_error``); empty after a success.
    last_error_kind: str = ""
    #: Whether the feed counts as gone (it is still re-checked about daily).
    dead: bool = False
    #: Running average (EWMA) share of new items per successful poll, 0..1; ``None`` until the
    #: first successful poll.
    new_share: float | None = None
    #: Successful polls in a row that brought no new item (304 Not Modified included).
    quiet_streak: int = 0


@dataclass(frozen=True)
class PollResult:
    """What one poll of a feed found."""

    #: Time of the poll (UTC; naive is taken as UTC).
    when: datetime
    #: HTTP status, ``None`` when no response came (network error, timeout, robots.txt).
    status: int | None = 200
    #: Empty on success, else a kind from ``classify_error``. Left empty with an error status,
    #: it is filled in from the status.
    error_kind: str = ""
    #: Entries in the feed document.
    items: int = 0
    #: Entries not seen before.
    new_items: int = 0
    #: The server answered 304 Not Modified (a status of 304 implies it too).
    not_modified: bool = False
    #: Cache-Control max-age, less the Age header (see ``parse_http_hints``).
    cache_max_age: timedelta | None = None
    #: When the response expires (Expires header), UTC.
    expires: datetime | None = None
    #: Retry-After: a delay after ``when``, or a time.
    retry_after: timedelta | datetime | None = None
    #: RSS ``<ttl>``.
    ttl: timedelta | None = None
    #: RSS ``<skipHours>``: hours (0-23 GMT) not to poll in.
    skip_hours: frozenset[int] = frozenset()
    #: RSS ``<skipDays>``: English weekday names ("Monday" ...) not to poll on.
    skip_days: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Decision:
    """The outcome of ``next_poll``: what to store and when to come back."""

    #: The feed's new state, to persist.
    state: FeedState
    #: When to poll next (aware UTC), always after the poll.
    next_poll_at: datetime
    #: Why, for people reading the store: "adapted: 8 of 10 items new -> 21 min", ...
    reason: str


@dataclass(frozen=True)
class HttpHints:
    """Polling hints from HTTP response headers; the names match ``PollResult``'s fields."""

    #: Cache-Control max-age less Age: how long the response stays fresh. ``None`` without
    #: max-age, with no-cache/no-store, or when already stale.
    cache_max_age: timedelta | None = None
    #: When the response stops being fresh by its Expires header (only without max-age),
    #: measured against the server's Date header so clock skew does not matter.
    expires: datetime | None = None
    #: Retry-After as a delay after the response. ``None`` when absent, junk, zero or past.
    retry_after: timedelta | None = None


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _unit(feed_key: str, moment: datetime, salt: str) -> float:
    """A number in [0, 1) fixed by the feed, the moment and the purpose."""
    text = f"{feed_key}\x00{moment.isoformat()}\x00{salt}".encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _spread(delay: float, floor: float, cap: float, jitter: float, unit: float) -> float:
    """``delay`` moved within ±jitter, never below ``floor`` nor above ``cap`` (seconds)."""
    low = max(floor, delay * (1.0 - jitter))
    high = max(low, min(cap, delay * (1.0 + jitter)))
    return low + (high - low) * unit


def _human(seconds: float) -> str:
    whole = round(seconds)
    if whole < 120:
        return f"{whole} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h" if minutes == 0 else f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d" if hours == 0 else f"{days} d {hours} h"


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _hour_ranges(hours: set[int]) -> str:
    ordered = sorted(hours)
    runs: list[list[int]] = []
    for hour in ordered:
        if runs and hour == runs[-1][-1] + 1:
            runs[-1].append(hour)
        else:
            runs.append([hour])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _clean_share(share: float | None) -> float | None:
    if share is None or not math.isfinite(share):
        return None
    return min(1.0, max(0.0, share))


def _clamped_interval(state: FeedState, settings: ScheduleSettings) -> float:
    low = settings.min_interval.total_seconds()
    high = settings.max_interval.total_seconds()
    seconds = state.interval.total_seconds()
    return min(high, max(low, seconds))


# --------------------------------------------------------------------------------------------
# HTTP headers
# --------------------------------------------------------------------------------------------


def _header_text(value: object) -> str:
    # Scrapy hands headers over as bytes, sometimes as lists of repeated lines.
    if isinstance(value, (list, tuple)):
        return ", ".join(_header_text(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def _seconds_value(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip().strip('"').strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _http_date(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        return _utc(parsed)
    except (ValueError, OverflowError):
        return None


def _cache_directives(value: str) -> dict[str, str]:
    directives: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.partition("=")
        name = name.strip().lower()
        if name and name not in directives:
            directives[name] = argument.strip()
    return directives


def parse_http_hints(headers: Mapping[str, str], now: datetime) -> HttpHints:
    """Read Cache-Control max-age, Expires and Retry-After; junk values are ignored.

    Header names are matched case-insensitively; bytes or list values (as Scrapy keeps them)
    are accepted. ``s-maxage`` is for shared caches and is not read. ``no-cache`` or
    ``no-store`` (or ``Pragma: no-cache`` without Cache-Control) mean no freshness hint at all.
    When max-age is given, Expires is ignored (RFC 9111). Expires and a Retry-After date are
    measured against the response's Date header when it has a valid one, so a server whose
    clock is off still gets the delay it meant. ``now`` is the time the response arrived.
    """
    now = _utc(now)
    fields: dict[str, str] = {}
    for name, value in headers.items():
        key = _header_text(name).strip().lower()
        text = _header_text(value)
        fields[key] = f"{fields[key]}, {text}" if key in fields else text

    server_now = _http_date(fields.get("date"))
    # Dates the server sends are measured against its own clock when it tells us the time.
    server_clock = server_now if server_now is not None else now
    cache_control = fields.get("cache-control", "")
    directives = _cache_directives(cache_control)
    no_cache = "no-cache" in directives or "no-store" in directives
    if not cache_control.strip() and "no-cache" in fields.get("pragma", "").lower():
        no_cache = True

    max_age: timedelta | None = None
    expires: datetime | None = None
    if not no_cache:
        age = timedelta(seconds=min(_seconds_value(fields.get("age")) or 0, 10**9))
        if "max-age" in directives:
            seconds = _seconds_value(directives["max-age"])
            if seconds is not None:
                fresh = min(timedelta(seconds=min(seconds, 10**9)), _MAX_HINT) - age
                max_age = fresh if fresh > timedelta(0) else None
        else:
            stamp = _http_date(fields.get("expires"))
            if stamp is not None:
                lifetime = min(stamp - server_clock, _MAX_HINT) - age
                if lifetime > timedelta(0) and now <= datetime.max.replace(tzinfo=UTC) - lifetime:
                    expires = now + lifetime

    retry: timedelta | None = None
    raw = fields.get("retry-after")
    seconds = _seconds_value(raw)
    if seconds is not None:
        retry = timedelta(seconds=min(seconds, int(_MAX_HINT.total_seconds())))
    else:
        stamp = _http_date(raw)
        if stamp is not None:
            retry = min(stamp - server_clock, _MAX_HINT)
    if retry is not None and retry <= timedelta(0):
        retry = None
    return HttpHints(cache_max_age=max_age, expires=expires, retry_after=retry)


# --------------------------------------------------------------------------------------------
# Error kinds
# --------------------------------------------------------------------------------------------

_KNOWN_KINDS = PERMANENT_KINDS | BLOCKED_KINDS | TRANSIENT_KINDS
# FeedParseError.kind values (crawler.core.feeds) and their scheduling kinds.
_FEED_ERROR_KINDS = {
    "empty": "empty",
    "html": "not_a_feed",
    "notafeed": "not_a_feed",
    "challenge": "challenge",
    "malformed": "parse",
    "hostile": "hostile",
}
# Substrings of exception class names, checked in order (the first match wins).
_NAME_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("challenge", ("challenge", "captcha")),
    ("timeout", ("timeout", "timedout")),
    ("robots", ("robot", "ignorerequest")),
    ("too_large", ("toolarge", "maxsize", "sizelimit", "oversize", "toobig")),
    ("redirect", ("redirect",)),
    ("not_a_feed", ("notafeed", "notfeed")),
    ("hostile", ("hostile", "entityexpansion")),
    ("parse", ("parse", "syntax", "malformed", "xml", "decode", "unicode", "feederror")),
    (
        "network",
        (
            "dns",
            "lookup",
            "connect",
            "refused",
            "reset",
            "ssl",
            "tls",
            "certificate",
            "socket",
            "network",
            "route",
            "unreachable",
            "tunnel",
            "responsenever",
            "responsefailed",
            "gaierror",
            "oserror",
            "aborted",
            "dataloss",
        ),
    ),
)


def _kind_from_name(name: str) -> str:
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    if not squashed:
        return ""
    if name.strip().lower() in _KNOWN_KINDS:
        return name.strip().lower()
    if squashed in _FEED_ERROR_KINDS:
        return _FEED_ERROR_KINDS[squashed]
    for kind, needles in _NAME_HINTS:
        if any(needle in squashed for needle in needles):
            return kind
    return "unknown"


def _kind_from_status(status: int) -> str:
    if status == 408:
        return "timeout"
    if status in (401, 403, 404, 410, 429):
        return f"http_{status}"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    if 300 <= status < 400 and status != 304:
        return "redirect"
    return "http_other"


def classify_error(status: int | None, exception_name: str = "") -> str:
    """The error kind of a poll, or ``""`` when it succeeded.

    ``exception_name`` is an exception class name (``TimeoutError``, ``DNSLookupError``,
    ``TCPTimedOutError``, ``IgnoreRequest`` from robots.txt ...), a ``FeedParseError`` kind
    (``html``, ``not-a-feed``, ``malformed``, ``challenge``, ``empty``, ``hostile``) or a kind
    already. An error status (>= 400) decides over the exception, except a bot challenge,
    which usually arrives as a 403 or 503 and is the more useful thing to know. Kinds:

    * transient: ``timeout`` (also 408), ``network``, ``http_5xx``, ``http_429``, ``empty``,
      ``http_other`` (a status outside 2xx-5xx), ``unknown`` (an exception not recognised);
    * blocked, never permanent: ``challenge``, ``http_403``;
    * permanent: ``http_401``, ``http_404``, ``http_410``, ``http_4xx`` (other client errors,
      451 included), ``parse``, ``not_a_feed``, ``hostile``, ``too_large``, ``robots``,
      ``redirect`` (a 3xx that was not followed, or a redirect loop), ``bad_url`` (a URL
      that cannot be requested at all).

    No status and no exception is a ``network`` error; a 2xx or 304 without an exception is a
    success.
    """
    from_name = _kind_from_name(exception_name)
    if status is not None and (status >= 400 or status < 200) and from_name != "challenge":
        return _kind_from_status(status)
    if from_name:
        return from_name
    if status is None:
        return "network"
    if 200 <= status < 300 or status == 304:
        return ""
    return _kind_from_status(status)


def is_permanent(kind: str) -> bool:
    """Whether errors of this kind count towards a dead feed (see ``PERMANENT_KINDS``)."""
    return kind.strip().lower() in PERMANENT_KINDS


def _growth(kind: str, settings: ScheduleSettings) -> float:
    if kind in PERMANENT_KINDS:
        return settings.permanent_growth
    if kind in BLOCKED_KINDS:
        return settings.blocked_growth
    return settings.transient_growth


# --------------------------------------------------------------------------------------------
# Scheduling
# --------------------------------------------------------------------------------------------


def due(next_poll_at: datetime | None, now: datetime) -> bool:
    """Whether a feed should be polled at ``now``; a feed never scheduled is due."""
    return next_poll_at is None or _utc(next_poll_at) <= _utc(now)


def initial_poll(
    feed_key: str, now: datetime, settings: ScheduleSettings = DEFAULT_SETTINGS
) -> datetime:
    """The first poll of a new feed: spread over [now, now + 2 × jitter × base interval).

    Feeds imported together (one OPML file, one site's sections) would otherwise all hit
    their hosts in the same second.
    """
    now = _utc(now)
    window = settings.base_interval.total_seconds() * 2.0 * settings.jitter
    return now + timedelta(seconds=window * _unit(feed_key, now, "initial"))


def _retry_delay(result: PollResult, when: datetime) -> float | None:
    hint = result.retry_after
    if hint is None:
        return None
    seconds = (
        (_utc(hint) - when).total_seconds() if isinstance(hint, datetime) else hint.total_seconds()
    )
    return seconds if seconds > 0 and math.isfinite(seconds) else None


def _hint_floor(result: PollResult, when: datetime) -> tuple[float, str]:
    """The longest server floor (seconds) with its label; (0, "") without one."""
    floors: list[tuple[float, str]] = [(0.0, "")]
    if result.cache_max_age is not None:
        seconds = result.cache_max_age.total_seconds()
        floors.append((seconds, f"Cache-Control max-age {round(seconds)} s"))
    if result.expires is not None:
        expires = _utc(result.expires)
        floors.append(((expires - when).total_seconds(), f"Expires {expires:%H:%M} GMT"))
    if result.ttl is not None:
        seconds = result.ttl.total_seconds()
        floors.append((seconds, f"RSS ttl {round(seconds / 60)} min"))
    return max(floors, key=lambda floor: floor[0])


def _adapt(
    state: FeedState, result: PollResult, settings: ScheduleSettings
) -> tuple[FeedState, str]:
    """The state after a successful poll, and a sentence on how the interval moved."""
    interval = _clamped_interval(state, settings)
    not_modified = result.not_modified or result.status == 304
    items = max(0, result.items)
    new = 0 if not_modified else min(items, max(0, result.new_items))
    share = new / items if items else 0.0
    quiet_streak = 0 if new else max(0, state.quiet_streak) + 1
    previous = _clean_share(state.new_share)
    low = settings.min_interval.total_seconds()
    high = settings.max_interval.total_seconds()

    if previous is None:
        # Every item is new on a first poll; that says nothing about the pace.
        average = (settings.quiet_share + settings.busy_share) / 2.0
        factor = 1.0
        story = "first poll: " + ("not modified" if not_modified else f"{items} items")
    else:
        average = settings.smoothing * share + (1.0 - settings.smoothing) * previous
        turned_over = items > 0 and new == items
        if not_modified:
            what = f"not modified, {_ordinal(quiet_streak)} poll in a row without news"
        elif turned_over:
            what = f"all {items} items new, some may have been missed"
        else:
            what = f"{new} of {items} items new"
        if average > settings.busy_share or turned_over:
            factor, verb = settings.shrink, "adapted"
        elif average < settings.quiet_share or quiet_streak >= settings.quiet_polls:
            factor, verb = settings.grow, "adapted"
        else:
            factor, verb = 1.0, "steady"
        story = f"{verb}: {what} (average share {average:.2f})"

    adapted = min(high, max(low, interval * factor))
    bound = " (min)" if adapted <= low else " (max)" if adapted >= high else ""
    reason = f"{story} -> {_human(adapted)}{bound}"
    new_state = FeedState(
        interval=timedelta(seconds=adapted),
        new_share=average,
        quiet_streak=quiet_streak,
    )
    return new_state, reason


def _skip_shift(
    moment: datetime, result: PollResult, offset_cap: float, unit: float
) -> tuple[datetime, str]:
    """Move ``moment`` out of skipped hours/days (GMT); the reason part, empty if unmoved."""
    hours = {hour % 24 for hour in result.skip_hours if 0 <= hour <= 24}
    days = {str(day).strip().capitalize() for day in result.skip_days} & set(_DAY_NAMES)
    notes = []
    if len(hours) == 24:
        hours = set()
        notes.append("skipHours lists every hour: ignored")
    if len(days) == 7:
        days = set()
        notes.append("skipDays lists every day: ignored")

    def blocked(at: datetime) -> bool:
        return at.hour in hours or _DAY_NAMES[at.weekday()] in days

    if not blocked(moment):
        return moment, "; ".join(notes)
    why = []
    if moment.hour in hours:
        why.append(f"skipHours {_hour_ranges(hours)} GMT")
    if _DAY_NAMES[moment.weekday()] in days:
        why.append("skipDays " + ", ".join(d for d in _DAY_NAMES if d in days))
    slot = moment.replace(minute=0, second=0, microsecond=0)
    # At least one hour of one day is allowed, so a week of hours always finds it.
    for _ in range(24 * 7):
        slot += timedelta(hours=1)
        if not blocked(slot):
            break
    # A hashed offset inside the allowed hour keeps feeds with one skip list apart.
    shifted = slot + timedelta(seconds=min(offset_cap, 3599.0) * unit)
    notes.append(f"{' and '.join(why)} -> {shifted:%a %H:%M} GMT")
    return shifted, "; ".join(notes)


def next_poll(
    feed_key: str,
    state: FeedState,
    result: PollResult,
    settings: ScheduleSettings = DEFAULT_SETTINGS,
) -> Decision:
    """Decide the feed's new state and its next poll after ``result`` (see the module doc).

    Never raises for values a store or a fetch can produce, and the next poll is always after
    ``result.when``: no later than the larger of ``max_interval`` and ``max_backoff``, plus at
    most a week when skipHours/skipDays move it.
    """
    when = _utc(result.when)
    kind = result.error_kind.strip().lower()
    if not kind:
        kind = classify_error(result.status)
    jitter_unit = _unit(feed_key, when, "jitter")
    interval = _clamped_interval(state, settings)
    retry = _retry_delay(result, when)
    max_backoff = settings.max_backoff.total_seconds()
    max_interval = settings.max_interval.total_seconds()

    if not kind:
        new_state, reason = _adapt(state, result, settings)
        delay = new_state.interval.total_seconds()
        floor, label = _hint_floor(result, when)
        floor = min(floor, max_interval)
        if floor > delay:
            delay = floor
            reason += f"; hint: {label} -> {_human(floor)}"
        delay = _spread(delay, floor, max_interval, settings.jitter, jitter_unit)
        # On a success Retry-After is one more floor, kept exactly when it is the latest.
        if retry is not None and min(retry, max_backoff) > delay:
            delay = min(retry, max_backoff)
            reason += f"; retry-after {round(retry)} s"
    else:
        streak = max(0, state.error_streak) + 1
        permanent = kind in PERMANENT_KINDS
        permanent_streak = max(0, state.permanent_streak) + (1 if permanent else 0)
        dead = (
            state.dead
            or kind == "http_410"
            or permanent_streak >= settings.dead_after_permanent_errors
        )
        new_state = FeedState(
            interval=timedelta(seconds=interval),
            error_streak=streak,
            permanent_streak=permanent_streak,
            last_error_kind=kind,
            dead=dead,
            new_share=_clean_share(state.new_share),
            quiet_streak=max(0, state.quiet_streak),
        )
        if dead:
            # Re-checked within the last jitter share before the cap, so dead feeds of one
            # host do not all come back in the same second.
            delay = _spread(max_backoff, 0.0, max_backoff, settings.jitter, jitter_unit)
            if kind == "http_410":
                cause = "410 Gone"
            elif state.dead:
                cause = f"still failing ({kind})"
            else:
                cause = f"{_ordinal(permanent_streak)} permanent error in a row ({kind})"
            reason = f"dead: {cause} -> re-checked in {_human(delay)}"
        elif retry is not None:
            delay = min(retry, max_backoff)
            capped = " (capped)" if retry > max_backoff else ""
            reason = f"retry-after {round(retry)} s{capped} ({kind})"
        else:
            growth = _growth(kind, settings) ** min(streak, _MAX_EXPONENT)
            raw = min(interval * growth, max_backoff)
            delay = _spread(raw, 0.0, max_backoff, settings.jitter, jitter_unit)
            weight = "permanent " if permanent else ""
            reason = (
                f"backoff: {weight}{kind}, {_ordinal(streak)} error in a row"
                f" -> {_human(delay)} (cap {_human(max_backoff)})"
            )

    # Past this point nothing may land on or before the poll itself.
    delay = max(delay, 1.0)
    moment = when + timedelta(seconds=delay)
    offset_unit = _unit(feed_key, when, "skip")
    moment, skip_note = _skip_shift(moment, result, settings.jitter * delay, offset_unit)
    if skip_note:
        reason += f"; {skip_note}"
    return Decision(state=new_state, next_poll_at=moment, reason=reason)
