"""Polling schedule: intervals adapt, errors back off, hints are obeyed, dead feeds come back."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.schedule import (
    BLOCKED_KINDS,
    PERMANENT_KINDS,
    TRANSIENT_KINDS,
    Decision,
    FeedState,
    HttpHints,
    PollResult,
    ScheduleSettings,
    classify_error,
    due,
    initial_poll,
    is_permanent,
    next_poll,
    parse_http_hints,
)

#: The fake clock: a Monday noon, UTC.
T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
S = ScheduleSettings()
#: The same settings without jitter, where exact delays are wanted.
EXACT = ScheduleSettings(jitter=0.0)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: A state whose average share of new items sits between the thresholds.
STEADY = FeedState(interval=timedelta(minutes=30), new_share=0.3)


def gap(decision: Decision, when: datetime = T0) -> timedelta:
    return decision.next_poll_at - when


def ok(when: datetime = T0, items: int = 20, new: int = 6, **hints: Any) -> PollResult:
    return PollResult(when=when, status=200, items=items, new_items=new, **hints)


def fail(kind: str, when: datetime = T0, status: int | None = None, **hints: Any) -> PollResult:
    return PollResult(when=when, status=status, error_kind=kind, **hints)


# --------------------------------------------------------------------------------------------
# The module stays pure
# --------------------------------------------------------------------------------------------


def test_imports_no_framework() -> None:
    frameworks = ["scrapy", "twisted", "click", "sqlite_utils"]
    code = (
        "import sys, crawler.core.schedule; "
        f"print(','.join(m for m in {frameworks!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_never_reads_the_clock() -> None:
    source = (Path(__file__).resolve().parents[1] / "crawler" / "core" / "schedule.py").read_text()
    for call in (".now(", "utcnow(", "time.time(", "today(", "monotonic("):
        assert call not in source


@pytest.mark.parametrize(
    "changes",
    [
        {"min_interval": timedelta(0)},
        {"min_interval": timedelta(hours=2)},  # above the base interval
        {"max_interval": timedelta(minutes=10)},  # below the base interval
        {"max_backoff": timedelta(0)},
        {"jitter": -0.1},
        {"jitter": 1.0},
        {"dead_after_permanent_errors": 0},
        {"smoothing": 0.0},
        {"busy_share": 0.05},  # below quiet_share
        {"shrink": 1.0},
        {"grow": 0.9},
        {"permanent_growth": 0.5},
    ],
)
def test_settings_refuse_nonsense(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        replace(S, **changes)


def test_default_numbers() -> None:
    assert S.base_interval == timedelta(minutes=30)
    assert (S.min_interval, S.max_interval, S.max_backoff) == (5 * MIN, DAY, DAY)
    assert S.jitter == 0.1
    assert S.dead_after_permanent_errors == 10
    assert FeedState().interval == S.base_interval


# --------------------------------------------------------------------------------------------
# Adaptation
# --------------------------------------------------------------------------------------------


def run_polls(
    state: FeedState, results: list[tuple[int, int]], config: ScheduleSettings = EXACT
) -> list[Decision]:
    """Polls one feed with (items, new_items) pairs, one after another."""
    decisions = []
    when = T0
    for items, new in results:
        decision = next_poll("feed", state, ok(when, items, new), config)
        decisions.append(decision)
        state, when = decision.state, decision.next_poll_at
    return decisions


def test_first_poll_does_not_adapt() -> None:
    decision = next_poll("feed", FeedState(), ok(items=50, new=50), EXACT)
    assert decision.state.interval == S.base_interval
    assert gap(decision) == S.base_interval
    assert decision.reason.startswith("first poll: 50 items")


def test_mostly_new_feed_shrinks_to_min_and_stays() -> None:
    decisions = run_polls(FeedState(), [(20, 20)] + [(20, 16)] * 15)
    intervals = [d.state.interval for d in decisions]
    assert intervals == sorted(intervals, reverse=True)  # never grows
    assert intervals[1] == timedelta(minutes=30) * 0.7
    assert intervals[-1] == S.min_interval
    assert "(min)" in decisions[-1].reason


def test_mostly_known_feed_grows_to_max_and_stays() -> None:
    decisions = run_polls(FeedState(), [(50, 50)] + [(50, 1)] * 40)
    intervals = [d.state.interval for d in decisions]
    assert intervals == sorted(intervals)  # never shrinks
    assert intervals[-1] == S.max_interval
    assert all(gap(d, d.next_poll_at - d.state.interval) <= S.max_interval for d in decisions)
    assert "(max)" in decisions[-1].reason


def test_busy_feed_settles_between_the_thresholds() -> None:
    # 1 item a minute into a 30-item window: polls settle where a poll brings 10-50% new.
    state, when, last = FeedState(), T0, T0 - DAY
    for _ in range(60):
        new = min(30, int((when - last) / MIN))
        decision = next_poll("feed", state, ok(when, 30, new), EXACT)
        state, last, when = decision.state, when, decision.next_poll_at
    assert 3 <= state.interval / MIN <= 15


@pytest.mark.parametrize(
    "previous_share, items, new, factor, word",
    [
        (0.3, 20, 6, 1.0, "steady"),  # average 0.3: keep
        (0.3, 20, 16, 0.7, "adapted"),  # average 0.55 > 0.5: shrink
        (0.3, 20, 20, 0.7, "all 20 items new"),  # window turned over: shrink at once
        (0.02, 20, 20, 0.7, "some may have been missed"),  # even from a quiet average
        (0.1, 20, 1, 1.3, "adapted"),  # average 0.075 < 0.1: grow
        (0.3, 0, 0, 1.0, "0 of 0 items new"),  # empty feed: nothing new, average 0.15
        (0.05, 0, 0, 1.3, "adapted"),  # empty and quiet: grow
    ],
)
def test_one_adaptation_step(
    previous_share: float, items: int, new: int, factor: float, word: str
) -> None:
    state = FeedState(interval=HOUR, new_share=previous_share)
    decision = next_poll("feed", state, ok(items=items, new=new), EXACT)
    assert decision.state.interval == HOUR * factor
    assert gap(decision) == HOUR * factor
    assert word in decision.reason


def test_not_modified_counts_as_nothing_new() -> None:
    state = FeedState(interval=HOUR, new_share=0.9)
    shares: list[float] = []
    intervals = []
    for count in range(1, 4):
        result = PollResult(when=T0, status=304, not_modified=True)
        decision = next_poll("feed", state, result, EXACT)
        state = decision.state
        shares.append(state.new_share or 0.0)
        intervals.append(state.interval)
        assert state.quiet_streak == count
        assert "not modified" in decision.reason
    assert shares == [0.45, 0.225, 0.1125]
    # The third quiet poll grows the interval although the average is not yet below 0.1.
    assert intervals == [HOUR, HOUR, HOUR * 1.3]


def test_quiet_polls_in_a_row_grow_the_interval() -> None:
    state = FeedState(interval=HOUR, new_share=1.0, quiet_streak=2)
    decision = next_poll("feed", state, ok(items=20, new=0), EXACT)
    assert decision.state.new_share == 0.5  # still "busy" by the average ...
    assert decision.state.interval == HOUR * 1.3  # ... but 3 empty polls in a row win


def test_new_items_beyond_items_are_clamped() -> None:
    decision = next_poll("feed", STEADY, ok(items=5, new=50), EXACT)
    assert 0.0 <= (decision.state.new_share or 0.0) <= 1.0


@settings(max_examples=200)
@given(
    interval=st.integers(min_value=1, max_value=48 * 60),
    share=st.none() | st.floats(min_value=0, max_value=1),
    quiet=st.integers(min_value=0, max_value=5),
    items=st.integers(min_value=0, max_value=200),
    data=st.data(),
)
def test_more_new_items_never_give_a_longer_interval(
    interval: int, share: float | None, quiet: int, items: int, data: st.DataObject
) -> None:
    low = data.draw(st.integers(min_value=0, max_value=items))
    high = data.draw(st.integers(min_value=low, max_value=items))
    state = FeedState(interval=interval * MIN, new_share=share, quiet_streak=quiet)
    slow = next_poll("feed", state, ok(items=items, new=low), EXACT).state.interval
    fast = next_poll("feed", state, ok(items=items, new=high), EXACT).state.interval
    assert fast <= slow
    assert S.min_interval <= fast <= slow <= S.max_interval


# --------------------------------------------------------------------------------------------
# Error backoff
# --------------------------------------------------------------------------------------------

BACKOFF = [
    # kind, failed polls in a row (this one included), nominal delay for a 30 min feed
    ("timeout", 1, HOUR),
    ("timeout", 2, 2 * HOUR),
    ("timeout", 3, 4 * HOUR),
    ("network", 5, 16 * HOUR),
    ("timeout", 6, DAY),  # 32 h, capped
    ("http_5xx", 2, 2 * HOUR),
    ("http_429", 1, HOUR),
    ("challenge", 1, 90 * MIN),
    ("challenge", 2, 270 * MIN),
    ("http_403", 3, 810 * MIN),
    ("http_404", 1, 2 * HOUR),
    ("http_404", 2, 8 * HOUR),
    ("parse", 3, DAY),  # 32 h, capped
    ("not_a_feed", 9, DAY),
    ("timeout", 10_000, DAY),  # huge streaks stay finite
]


@pytest.mark.parametrize("kind, streak, nominal", BACKOFF)
def test_backoff_by_kind_and_streak(kind: str, streak: int, nominal: timedelta) -> None:
    state = replace(STEADY, error_streak=streak - 1)
    exact = next_poll("feed", state, fail(kind), EXACT)
    assert gap(exact) == nominal
    assert exact.state.error_streak == streak
    assert exact.state.last_error_kind == kind
    assert exact.state.interval == STEADY.interval  # errors do not touch the adapted interval
    assert f"{kind}," in exact.reason and "error in a row" in exact.reason
    jittered = gap(next_poll("feed", state, fail(kind)))
    assert nominal * 0.9 <= jittered <= min(nominal * 1.1, S.max_backoff)


@pytest.mark.parametrize("kind", ["timeout", "network", "http_5xx", "challenge", "http_404"])
def test_backoff_grows_with_the_streak_then_caps(kind: str) -> None:
    state, gaps = STEADY, []
    for _ in range(12):
        decision = next_poll("feed", state, fail(kind), EXACT)
        gaps.append(gap(decision))
        state = decision.state
    assert gaps == sorted(gaps)
    assert gaps[0] > STEADY.interval  # an error never makes a feed polled more often
    assert gaps[-1] == S.max_backoff
    first_cap = gaps.index(S.max_backoff)
    assert all(a < b for a, b in pairwise(gaps[: first_cap + 1]))


def test_permanent_errors_weigh_more_than_blocks_more_than_timeouts() -> None:
    for streak in range(1, 4):
        state = replace(STEADY, error_streak=streak - 1)
        delays = [gap(next_poll("f", state, fail(k), EXACT)) for k in ("timeout", "challenge")]
        delays.append(gap(next_poll("f", state, fail("http_404"), EXACT)))
        assert delays[0] < delays[1] < delays[2] or delays[2] == S.max_backoff


def test_backoff_is_based_on_the_feeds_own_interval() -> None:
    slow = replace(STEADY, interval=6 * HOUR)
    assert gap(next_poll("feed", slow, fail("timeout"), EXACT)) == 12 * HOUR
    fast = replace(STEADY, interval=5 * MIN)
    assert gap(next_poll("feed", fast, fail("timeout"), EXACT)) == 10 * MIN


def test_max_backoff_caps_errors() -> None:
    config = replace(EXACT, max_backoff=3 * HOUR)
    state = replace(STEADY, error_streak=5)
    decision = next_poll("feed", state, fail("http_404"), config)
    assert gap(decision) == 3 * HOUR
    assert "cap 3 h" in decision.reason


def test_success_resets_the_streaks() -> None:
    state = replace(
        STEADY, error_streak=7, permanent_streak=4, last_error_kind="http_404", quiet_streak=1
    )
    decision = next_poll("feed", state, ok(items=20, new=6), EXACT)
    assert decision.state.error_streak == 0
    assert decision.state.permanent_streak == 0
    assert decision.state.last_error_kind == ""
    assert gap(decision) == STEADY.interval


def test_error_status_without_a_kind_is_classified() -> None:
    decision = next_poll("feed", STEADY, PollResult(when=T0, status=404), EXACT)
    assert decision.state.last_error_kind == "http_404"
    decision = next_poll("feed", STEADY, PollResult(when=T0, status=None), EXACT)
    assert decision.state.last_error_kind == "network"


# --------------------------------------------------------------------------------------------
# Retry-After and the other server hints
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, kind, retry_after, expected",
    [
        (429, "http_429", timedelta(seconds=120), T0 + 2 * MIN),
        (503, "http_5xx", timedelta(hours=3), T0 + 3 * HOUR),
        (503, "http_5xx", T0 + timedelta(seconds=90), T0 + timedelta(seconds=90)),
        (503, "http_5xx", datetime(2024, 3, 4, 15, 0), T0 + 3 * HOUR),  # naive: UTC
        (429, "http_429", timedelta(days=3), T0 + DAY),  # capped at max_backoff
        (404, "http_404", timedelta(minutes=10), T0 + 10 * MIN),  # any status
    ],
)
def test_retry_after_is_honoured_exactly(
    status: int, kind: str, retry_after: timedelta | datetime, expected: datetime
) -> None:
    state = replace(STEADY, error_streak=4)  # the streak backoff would be 16 h
    for key in ("a", "b", "c"):  # no jitter on Retry-After
        decision = next_poll(key, state, fail(kind, status=status, retry_after=retry_after))
        assert decision.next_poll_at == expected
        assert decision.reason.startswith("retry-after")
        assert decision.state.error_streak == 5


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "120"},
        {"retry-after": ' "120" '},
        {"Retry-After": "Mon, 04 Mar 2024 12:02:00 GMT"},
        # The server's clock is 5 minutes behind: the date is read against its Date header.
        {"Retry-After": "Mon, 04 Mar 2024 11:57:00 GMT", "Date": "Mon, 04 Mar 2024 11:55:00 GMT"},
    ],
)
def test_retry_after_from_headers(headers: dict[str, str]) -> None:
    hints = parse_http_hints(headers, T0)
    assert hints.retry_after == 2 * MIN
    # The hint record's fields are PollResult's, so it unpacks straight into one.
    result = PollResult(when=T0, status=429, error_kind="http_429", **asdict(hints))
    assert next_poll("feed", STEADY, result).next_poll_at == T0 + 2 * MIN


@pytest.mark.parametrize("retry_after", [timedelta(0), timedelta(seconds=-5), T0 - HOUR])
def test_retry_after_zero_or_past_falls_back_to_backoff(retry_after: object) -> None:
    result = fail("http_429", status=429, retry_after=retry_after)
    decision = next_poll("feed", STEADY, result, EXACT)
    assert gap(decision) == HOUR
    assert decision.reason.startswith("backoff")


def test_retry_after_on_success_is_a_floor() -> None:
    later = next_poll("feed", STEADY, ok(retry_after=2 * HOUR))
    assert later.next_poll_at == T0 + 2 * HOUR
    sooner = next_poll("feed", STEADY, ok(retry_after=MIN), EXACT)
    assert gap(sooner) == STEADY.interval


FLOORS = [
    ({"cache_max_age": HOUR}, HOUR, "Cache-Control max-age 3600 s"),
    ({"expires": T0 + 2 * HOUR}, 2 * HOUR, "Expires 14:00 GMT"),
    ({"ttl": 90 * MIN}, 90 * MIN, "RSS ttl 90 min"),
    ({"ttl": HOUR, "cache_max_age": 3 * HOUR}, 3 * HOUR, "max-age"),  # the longest wins
    ({"cache_max_age": 5 * DAY}, DAY, "max-age"),  # never beyond max_interval
]


@pytest.mark.parametrize("hints, floor, label", FLOORS)
def test_server_hints_set_a_floor(hints: dict[str, Any], floor: timedelta, label: str) -> None:
    decision = next_poll("feed", STEADY, ok(**hints), EXACT)
    assert gap(decision) == floor
    assert "hint:" in decision.reason and label in decision.reason
    assert decision.state.interval == STEADY.interval  # a hint does not become the interval
    for key in range(100):  # jitter never goes below the floor, nor past max_interval
        jittered = gap(next_poll(f"feed-{key}", STEADY, ok(**hints)))
        assert floor <= jittered <= min(floor * 1.1, S.max_interval)


@pytest.mark.parametrize(
    "hints",
    [
        {"cache_max_age": 10 * MIN},
        {"expires": T0 + 10 * MIN},
        {"expires": T0 - HOUR},
        {"ttl": 15 * MIN},
        {"cache_max_age": -HOUR},
    ],
)
def test_hints_below_the_interval_change_nothing(hints: dict[str, Any]) -> None:
    decision = next_poll("feed", STEADY, ok(**hints), EXACT)
    assert gap(decision) == STEADY.interval
    assert "hint" not in decision.reason


def test_hints_do_not_lengthen_error_backoff() -> None:
    decision = next_poll("feed", STEADY, fail("http_5xx", status=503, cache_max_age=DAY), EXACT)
    assert gap(decision) == HOUR


HEADER_CASES = [
    ({"Cache-Control": "public, max-age=3600"}, HttpHints(cache_max_age=HOUR)),
    ({"cache-control": 'max-age="600"'}, HttpHints(cache_max_age=10 * MIN)),
    ({"Cache-Control": "max-age=3600", "Age": "600"}, HttpHints(cache_max_age=50 * MIN)),
    ({"Cache-Control": "max-age=600", "Age": "900"}, HttpHints()),  # already stale
    ({"Cache-Control": "max-age=0"}, HttpHints()),
    ({"Cache-Control": "no-cache, max-age=3600"}, HttpHints()),
    ({"Cache-Control": "no-store"}, HttpHints()),
    ({"Cache-Control": "s-maxage=3600"}, HttpHints()),  # for shared caches only
    ({"Pragma": "no-cache", "Expires": "Mon, 04 Mar 2024 13:00:00 GMT"}, HttpHints()),
    ({"Cache-Control": "max-age=abc"}, HttpHints()),
    ({"Cache-Control": "max-age=-5"}, HttpHints()),
    ({"Expires": "Mon, 04 Mar 2024 13:00:00 GMT"}, HttpHints(expires=T0 + HOUR)),
    # Measured against the server's Date: its clock runs 10 minutes fast.
    (
        {"Expires": "Mon, 04 Mar 2024 13:10:00 GMT", "Date": "Mon, 04 Mar 2024 12:10:00 GMT"},
        HttpHints(expires=T0 + HOUR),
    ),
    ({"Expires": "0"}, HttpHints()),
    ({"Expires": "-1"}, HttpHints()),
    ({"Expires": "Mon, 04 Mar 2024 11:00:00 GMT"}, HttpHints()),  # past
    # max-age beats Expires
    (
        {"Cache-Control": "max-age=60", "Expires": "Mon, 04 Mar 2024 18:00:00 GMT"},
        HttpHints(cache_max_age=MIN),
    ),
    ({"Retry-After": "soon"}, HttpHints()),
    ({"Retry-After": "1.5"}, HttpHints()),
    ({"Retry-After": "0"}, HttpHints()),
    ({"Retry-After": "99999999999999999999"}, HttpHints(retry_after=timedelta(days=365))),
    ({"Cache-Control": "max-age=99999999999999"}, HttpHints(cache_max_age=timedelta(days=365))),
    ({}, HttpHints()),
]


@pytest.mark.parametrize("headers, expected", HEADER_CASES)
def test_parse_http_hints(headers: dict[str, str], expected: HttpHints) -> None:
    assert parse_http_hints(headers, T0) == expected


def test_parse_http_hints_takes_scrapy_style_values() -> None:
    headers = {"Cache-Control": b"max-age=60", "Retry-After": [b"30"]}
    hints = parse_http_hints(headers, T0.replace(tzinfo=None))  # type: ignore[arg-type]
    assert hints == HttpHints(cache_max_age=MIN, retry_after=timedelta(seconds=30))


HEADER_VALUES = st.text() | st.sampled_from(
    [
        "max-age=10",
        "no-cache",
        "120",
        "Mon, 04 Mar 2024 13:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Mon, 01 Jan 0001 00:00:00 GMT",
        "1 MAR 0 0:0",
        "1 DEC 4023 0:0",
    ]
)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(["Cache-Control", "Expires", "Retry-After", "Date", "Age", "Pragma", "X"]),
        HEADER_VALUES,
    )
)
def test_parse_http_hints_never_raises(headers: dict[str, str]) -> None:
    hints = parse_http_hints(headers, T0)
    assert hints.cache_max_age is None or hints.cache_max_age > timedelta(0)
    assert hints.expires is None or hints.expires > T0
    assert hints.retry_after is None or hints.retry_after > timedelta(0)


# --------------------------------------------------------------------------------------------
# skipHours and skipDays
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "skip_hours, skip_days, when, allowed_from, note",
    [
        # 23:45 + 30 min lands at 00:15, inside 0-5: moved to 06:00.
        (range(6), (), datetime(2024, 3, 4, 23, 45), datetime(2024, 3, 5, 6), "skipHours 0-5"),
        # Saturday 23:50 + 30 min is Sunday: moved to Monday 00:00.
        ((), ("Sunday",), datetime(2024, 3, 9, 23, 50), datetime(2024, 3, 11), "skipDays Sunday"),
        # Both: Friday 22:00 + 30 min in skipped hours 22-23, then a skipped weekend.
        (
            (22, 23, 0),
            ("Saturday", "sunday"),
            datetime(2024, 3, 8, 22, 0),
            datetime(2024, 3, 11, 1),
            "skipHours 0, 22-23",
        ),
        # 24 means midnight in some feeds.
        ((24,), (), datetime(2024, 3, 4, 23, 50), datetime(2024, 3, 5, 1), "skipHours 0"),
    ],
)
def test_skip_lists_move_the_poll(
    skip_hours: tuple[int, ...],
    skip_days: tuple[str, ...],
    when: datetime,
    allowed_from: datetime,
    note: str,
) -> None:
    result = ok(when, skip_hours=frozenset(skip_hours), skip_days=frozenset(skip_days))
    start = allowed_from.replace(tzinfo=UTC)
    for key in range(30):
        decision = next_poll(f"feed-{key}", STEADY, result)
        # The first allowed hour, with a hashed offset of at most the jitter share of the delay.
        assert start <= decision.next_poll_at <= start + STEADY.interval * 0.1 * 1.1
        assert note in decision.reason


def test_skip_lists_also_move_errors_and_dead_rechecks() -> None:
    result = fail("http_410", status=410, skip_hours=frozenset(range(10, 14)))
    decision = next_poll("feed", STEADY, result, EXACT)
    assert decision.next_poll_at == datetime(2024, 3, 5, 14, tzinfo=UTC)


def test_poll_outside_the_skip_lists_is_not_moved() -> None:
    result = ok(skip_hours=frozenset({1, 2, 3}), skip_days=frozenset({"Sunday"}))
    decision = next_poll("feed", STEADY, result, EXACT)
    assert gap(decision) == STEADY.interval
    assert "skip" not in decision.reason


@pytest.mark.parametrize(
    "skip_hours, skip_days, note",
    [
        (frozenset(range(24)), frozenset(), "skipHours lists every hour: ignored"),
        (
            frozenset(),
            frozenset(
                {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
            ),
            "skipDays lists every day: ignored",
        ),
    ],
)
def test_skip_everything_is_ignored(
    skip_hours: frozenset[int], skip_days: frozenset[str], note: str
) -> None:
    decision = next_poll("feed", STEADY, ok(skip_hours=skip_hours, skip_days=skip_days), EXACT)
    assert gap(decision) == STEADY.interval
    assert note in decision.reason


# --------------------------------------------------------------------------------------------
# Jitter and first polls
# --------------------------------------------------------------------------------------------


def test_jitter_stays_within_bounds_and_spreads_feeds_of_one_host() -> None:
    keys = [f"https://tass.ru/rss/section-{n}.xml" for n in range(500)]
    gaps = [gap(next_poll(key, STEADY, ok())) for key in keys]
    assert all(27 * MIN <= g <= 33 * MIN for g in gaps)
    assert len(set(gaps)) == len(gaps)
    assert min(gaps) < 27.5 * MIN and max(gaps) > 32.5 * MIN
    # Spread evenly enough: every sixth of the band holds some feeds.
    sixths = {int((g - 27 * MIN) / MIN) for g in gaps}
    assert sixths == {0, 1, 2, 3, 4, 5}


def test_jitter_is_deterministic_and_changes_with_the_poll_time() -> None:
    first = next_poll("feed", STEADY, ok())
    assert next_poll("feed", STEADY, ok()) == first
    later = next_poll("feed", STEADY, ok(when=T0 + MIN))
    assert gap(later, T0 + MIN) != gap(first)


def test_errors_of_one_host_are_spread_too() -> None:
    state = replace(STEADY, error_streak=3)
    times = {next_poll(f"feed-{n}", state, fail("timeout")).next_poll_at for n in range(50)}
    assert len(times) == 50
    assert max(times) - min(times) > 60 * MIN  # the 8 h backoff spread over ±48 min


def test_initial_polls_of_feeds_added_together_are_spread() -> None:
    window = 6 * MIN  # 2 × 10% × 30 min
    firsts = [initial_poll(f"https://ria.ru/export/rss2/{n}.xml", T0) for n in range(50)]
    assert len(set(firsts)) == 50
    assert all(T0 <= t < T0 + window for t in firsts)
    assert max(firsts) - min(firsts) > window * 0.8
    assert initial_poll("feed", T0) == initial_poll("feed", T0)
    assert initial_poll("feed", T0, EXACT) == T0


def test_due() -> None:
    assert due(None, T0)
    assert due(T0, T0)
    assert due(T0 - MIN, T0)
    assert not due(T0 + MIN, T0)
    assert due(datetime(2024, 3, 4, 12, 0), T0)  # naive is UTC
    assert not due(T0, datetime(2024, 3, 4, 14, 59, tzinfo=timezone(timedelta(hours=3))))


def test_naive_and_offset_times_are_utc() -> None:
    naive = next_poll("feed", STEADY, ok(when=T0.replace(tzinfo=None)))
    moscow = next_poll("feed", STEADY, ok(when=T0.astimezone(timezone(timedelta(hours=3)))))
    assert naive == moscow == next_poll("feed", STEADY, ok())
    assert naive.next_poll_at.tzinfo is UTC


# --------------------------------------------------------------------------------------------
# Dead feeds
# --------------------------------------------------------------------------------------------


def test_410_is_dead_at_once_and_rechecked_daily() -> None:
    decision = next_poll("feed", STEADY, fail("http_410", status=410, retry_after=MIN))
    assert decision.state.dead
    assert decision.reason.startswith("dead: 410 Gone")
    assert S.max_backoff * 0.9 <= gap(decision) <= S.max_backoff  # Retry-After ignored


def test_ten_permanent_errors_in_a_row_make_a_feed_dead() -> None:
    state = STEADY
    for count in range(1, 11):
        decision = next_poll("feed", state, fail("http_404", status=404))
        state = decision.state
        assert state.permanent_streak == count
        assert state.dead == (count == 10)
    assert "dead: 10th permanent error in a row (http_404)" in decision.reason
    assert S.max_backoff * 0.9 <= gap(decision) <= S.max_backoff


def test_transient_errors_between_permanent_ones_do_not_break_the_row() -> None:
    state = replace(STEADY, permanent_streak=9, error_streak=9)
    state = next_poll("feed", state, fail("timeout")).state
    assert (state.permanent_streak, state.dead) == (9, False)
    state = next_poll("feed", state, fail("not_a_feed")).state
    assert state.dead


@pytest.mark.parametrize("kind", ["challenge", "http_403", "timeout", "http_5xx"])
def test_non_permanent_errors_never_kill(kind: str) -> None:
    state = STEADY
    for _ in range(50):
        decision = next_poll("feed", state, fail(kind))
        state = decision.state
        assert gap(decision) <= S.max_backoff
    assert not state.dead and state.permanent_streak == 0


def test_dead_feeds_stay_dead_until_a_success_revives_them() -> None:
    dead = next_poll("feed", STEADY, fail("http_410", status=410)).state
    again = next_poll("feed", dead, fail("timeout"))
    assert again.state.dead and again.reason.startswith("dead: still failing (timeout)")
    assert gap(again) <= S.max_backoff
    revived = next_poll("feed", again.state, ok(items=20, new=20), EXACT)
    assert not revived.state.dead
    assert revived.state.error_streak == revived.state.permanent_streak == 0
    assert gap(revived) <= STEADY.interval


# --------------------------------------------------------------------------------------------
# Error kinds
# --------------------------------------------------------------------------------------------

CLASSIFY = [
    (200, "", ""),
    (304, "", ""),
    (None, "", "network"),
    (None, "TimeoutError", "timeout"),
    (None, "TCPTimedOutError", "timeout"),
    (None, "DNSLookupError", "network"),
    (None, "ConnectionRefusedError", "network"),
    (None, "ResponseNeverReceived", "network"),
    (None, "SSLError", "network"),
    (None, "IgnoreRequest", "robots"),
    (None, "SomethingOdd", "unknown"),
    (200, "FeedParseError", "parse"),
    (200, "malformed", "parse"),
    (200, "html", "not_a_feed"),
    (200, "not-a-feed", "not_a_feed"),
    (200, "empty", "empty"),
    (200, "hostile", "hostile"),
    (200, "challenge", "challenge"),
    (200, "too_large", "too_large"),
    (403, "challenge", "challenge"),  # a bot check beats its status
    (503, "challenge", "challenge"),
    (404, "FeedParseError", "http_404"),  # the status beats a parse failure of the error page
    (301, "", "redirect"),
    (401, "", "http_401"),
    (403, "", "http_403"),
    (404, "", "http_404"),
    (408, "", "timeout"),
    (410, "", "http_410"),
    (429, "", "http_429"),
    (451, "", "http_4xx"),
    (400, "", "http_4xx"),
    (500, "", "http_5xx"),
    (503, "", "http_5xx"),
    (102, "", "http_other"),
    (799, "", "http_other"),
]


@pytest.mark.parametrize("status, name, kind", CLASSIFY)
def test_classify_error(status: int | None, name: str, kind: str) -> None:
    assert classify_error(status, name) == kind


def test_kind_families() -> None:
    assert not (PERMANENT_KINDS & BLOCKED_KINDS or PERMANENT_KINDS & TRANSIENT_KINDS)
    assert {kind for _, _, kind in CLASSIFY} - {""} <= PERMANENT_KINDS | BLOCKED_KINDS | (
        TRANSIENT_KINDS
    )
    for kind in ("http_404", "http_410", "parse", "not_a_feed", "HTTP_404 "):
        assert is_permanent(kind)
    for kind in ("timeout", "network", "http_5xx", "http_429", "challenge", "http_403", "x", ""):
        assert not is_permanent(kind)


# --------------------------------------------------------------------------------------------
# Three simulated days
# --------------------------------------------------------------------------------------------

START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
END = START + 3 * DAY


@dataclass
class SimFeed:
    """A fake feed: ``respond(now, last_success)`` plays the server."""

    key: str
    respond: Callable[[datetime, datetime | None], PollResult]
    state: FeedState = field(default_factory=FeedState)
    polls: list[datetime] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    last_success: datetime | None = None

    def gaps(self) -> list[timedelta]:
        return [b - a for a, b in pairwise(self.polls)]


def publishing(every: timedelta, window: int = 30, **extra: Any) -> Callable[..., PollResult]:
    """A healthy feed publishing one item per ``every`` into a window of ``window`` items."""

    def respond(now: datetime, last: datetime | None) -> PollResult:
        new = window if last is None else min(window, int((now - last) / every))
        return PollResult(when=now, status=200, items=window, new_items=new, **extra)

    return respond


def flaky(now: datetime, last: datetime | None) -> PollResult:
    if now < START + DAY:
        return PollResult(when=now, status=None, error_kind="timeout")
    return publishing(10 * MIN)(now, last)


def gone(now: datetime, last: datetime | None) -> PollResult:
    return PollResult(when=now, status=410, error_kind="http_410")


def simulate() -> dict[str, SimFeed]:
    feeds = [
        SimFeed("busy", publishing(MIN)),
        SimFeed("quiet", publishing(8 * HOUR)),
        SimFeed("cached", publishing(5 * MIN, cache_max_age=2 * HOUR)),
        SimFeed("nightly", publishing(2 * MIN, skip_hours=frozenset(range(6)))),
        SimFeed("flaky", flaky),
        SimFeed("gone", gone),
    ]
    due_at = {feed.key: initial_poll(feed.key, START) for feed in feeds}
    by_key = {feed.key: feed for feed in feeds}
    while True:
        key = min(due_at, key=lambda k: due_at[k])
        now = due_at[key]
        if now >= END:
            return by_key
        feed = by_key[key]
        assert due(due_at[key], now)
        result = feed.respond(now, feed.last_success)
        decision = next_poll(feed.key, feed.state, result)
        assert decision.next_poll_at > now
        feed.polls.append(now)
        feed.reasons.append(decision.reason)
        feed.state = decision.state
        if not result.error_kind:
            feed.last_success = now
        due_at[key] = decision.next_poll_at


@pytest.fixture(scope="module")
def simulation() -> dict[str, SimFeed]:
    return simulate()


def test_simulation_first_polls_within_the_window(simulation: dict[str, SimFeed]) -> None:
    firsts = [feed.polls[0] for feed in simulation.values()]
    assert all(START <= t < START + 6 * MIN for t in firsts)
    assert len(set(firsts)) == len(firsts)


def test_simulation_busy_feed_polled_often(simulation: dict[str, SimFeed]) -> None:
    busy = simulation["busy"]
    assert busy.state.interval <= 15 * MIN
    assert len(busy.polls) >= 3 * 24 * 4
    assert all(g >= S.min_interval * 0.9 for g in busy.gaps())


def test_simulation_quiet_feed_slows_down(simulation: dict[str, SimFeed]) -> None:
    quiet = simulation["quiet"]
    assert quiet.state.interval >= 6 * HOUR
    assert len(quiet.polls) <= 40
    gaps = quiet.gaps()
    assert gaps[-1] > 10 * gaps[0]
    assert all(g <= S.max_interval for g in gaps)


def test_simulation_cache_floor_is_respected(simulation: dict[str, SimFeed]) -> None:
    cached = simulation["cached"]
    assert all(2 * HOUR <= g <= 2.2 * HOUR for g in cached.gaps())
    assert 3 * 12 - 2 <= len(cached.polls) <= 3 * 12 + 1
    # The feed itself is busy, so its own interval shrank while the floor held the polls back.
    assert cached.state.interval < S.base_interval


def test_simulation_skip_hours_are_never_polled(simulation: dict[str, SimFeed]) -> None:
    nightly = simulation["nightly"]
    assert nightly.polls and all(t.hour >= 6 for t in nightly.polls[1:])
    assert any("skipHours 0-5 GMT" in reason for reason in nightly.reasons)


def test_simulation_flaky_feed_backs_off_then_recovers(simulation: dict[str, SimFeed]) -> None:
    flaky_feed = simulation["flaky"]
    failing = [t for t in flaky_feed.polls if t < START + DAY]
    gaps = flaky_feed.gaps()[: len(failing)]
    assert len(failing) == 5  # 1 h, 2 h, 4 h, 8 h, 16 h apart: the fifth retry is on day 2
    assert all(b > 1.5 * a for a, b in pairwise(gaps))
    assert all(g <= S.max_backoff for g in gaps)
    after = flaky_feed.gaps()[len(failing) :]
    assert after and after[0] <= 33 * MIN  # a success resets the backoff
    assert flaky_feed.state.error_streak == 0 and not flaky_feed.state.dead


def test_simulation_gone_feed_is_dead_but_rechecked(simulation: dict[str, SimFeed]) -> None:
    dead = simulation["gone"]
    assert dead.state.dead
    assert len(dead.polls) == 4  # day 0, then once a day
    assert all(0.9 * DAY <= g <= DAY for g in dead.gaps())
    assert all(reason.startswith("dead: 410 Gone") for reason in dead.reasons)


# --------------------------------------------------------------------------------------------
# Properties for arbitrary states and results
# --------------------------------------------------------------------------------------------

KINDS = [*sorted(PERMANENT_KINDS | BLOCKED_KINDS | TRANSIENT_KINDS), "", "weird", " HTTP_404"]
OFFSETS = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
ZONES: st.SearchStrategy[tzinfo | None] = st.none() | st.builds(timezone, OFFSETS)
# Naive (taken as UTC) or with any fixed offset.
MOMENTS = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1)),
    ZONES,
)
SPANS = st.timedeltas(min_value=timedelta(days=-1000), max_value=timedelta(days=100_000))
BIG = st.integers(min_value=-10, max_value=10**9)

STATES = st.builds(
    FeedState,
    interval=SPANS,
    error_streak=BIG,
    permanent_streak=BIG,
    last_error_kind=st.sampled_from(KINDS),
    dead=st.booleans(),
    new_share=st.none() | st.floats(),
    quiet_streak=BIG,
)
RESULTS = st.builds(
    PollResult,
    when=MOMENTS,
    status=st.none() | st.integers(min_value=0, max_value=1000),
    error_kind=st.sampled_from(KINDS) | st.text(max_size=10),
    items=BIG,
    new_items=BIG,
    not_modified=st.booleans(),
    cache_max_age=st.none() | SPANS,
    expires=st.none() | MOMENTS,
    retry_after=st.none() | SPANS | MOMENTS,
    ttl=st.none() | SPANS,
    skip_hours=st.frozensets(st.integers(min_value=-3, max_value=30)),
    skip_days=st.frozensets(
        st.sampled_from(["Monday", "tuesday", "Saturday", "SUNDAY", "Funday", "Friday"])
    ),
)
CONFIGS = st.sampled_from(
    [
        S,
        EXACT,
        ScheduleSettings(max_backoff=timedelta(hours=72), jitter=0.3),
        ScheduleSettings(max_interval=timedelta(hours=6), max_backoff=timedelta(hours=1)),
        ScheduleSettings(min_interval=MIN, base_interval=MIN, max_interval=MIN),
    ]
)


@settings(max_examples=600, deadline=None)
@given(key=st.text(max_size=30), state=STATES, result=RESULTS, config=CONFIGS)
def test_next_poll_always_bounded(
    key: str, state: FeedState, result: PollResult, config: ScheduleSettings
) -> None:
    decision = next_poll(key, state, result, config)
    when = result.when.replace(tzinfo=UTC) if result.when.tzinfo is None else result.when
    assert decision.next_poll_at.tzinfo is UTC
    assert decision.next_poll_at > when
    limit = max(config.max_interval, config.max_backoff) + 7 * DAY
    assert decision.next_poll_at <= when + limit
    assert config.min_interval <= decision.state.interval <= config.max_interval
    assert decision.state.error_streak >= 0 and decision.state.permanent_streak >= 0
    share = decision.state.new_share
    assert share is None or 0.0 <= share <= 1.0
    assert decision.reason
    assert next_poll(key, state, result, config) == decision  # deterministic


@settings(max_examples=300, deadline=None)
@given(key=st.text(max_size=30), state=STATES, result=RESULTS)
def test_next_poll_without_skip_lists_stays_within_the_caps(
    key: str, state: FeedState, result: PollResult
) -> None:
    result = replace(result, skip_hours=frozenset(), skip_days=frozenset())
    decision = next_poll(key, state, result)
    when = result.when.replace(tzinfo=UTC) if result.when.tzinfo is None else result.when
    assert decision.next_poll_at - when <= max(S.max_interval, S.max_backoff)
