"""From one fetch of a feed to the schedule columns the store keeps.

Glue between what a spider saw (status, headers, counts, the feed's own
hints) and the pure scheduler in ``crawler.core.schedule``: it rebuilds the
scheduler's memory from the feed row, asks ``schedule.next_poll``, and turns
the decision back into columns (``next_due_at``, ``interval_seconds``,
``interval_reason``, ``dead``, ``schedule_state``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawler.core import schedule

if TYPE_CHECKING:
    from crawler.core.items import Feed, FetchRecord


def error_kind(status: int | None, exception_name: str) -> str:
    """The kind of a failed fetch (``http_404``, ``http_5xx``, ``timeout``, ``robots`` ...)."""
    return schedule.classify_error(status, exception_name) or "unknown"


def _state(feed: Feed, memory: Mapping[str, Any]) -> schedule.FeedState:
    interval = memory.get("interval_seconds") or feed.interval_seconds
    return schedule.FeedState(
        interval=timedelta(seconds=interval)
        if interval
        else schedule.DEFAULT_SETTINGS.base_interval,
        error_streak=int(memory.get("error_streak", feed.error_streak) or 0),
        permanent_streak=int(memory.get("permanent_streak", 0) or 0),
        last_error_kind=str(memory.get("last_error_kind", "") or ""),
        dead=bool(memory.get("dead", feed.dead)),
        new_share=memory.get("new_share"),
        quiet_streak=int(memory.get("quiet_streak", 0) or 0),
    )


def schedule_kind(outcome: str) -> str:
    """The scheduler's error kind for a failed fetch's recorded outcome.

    Spiders record a response that is not a readable feed as ``feed_<kind>``
    (``feed_html``, ``feed_hostile`` ...), which ``feeds doctor`` shows; the
    scheduler knows these as ``not_a_feed``, ``hostile`` and so on. Passed on
    as they are, they all counted as transient errors, so a feed that always
    sends an HTML page or an entity bomb was never marked dead.
    """
    if outcome.startswith("feed_"):
        return schedule.classify_error(None, outcome.removeprefix("feed_"))
    if outcome == "refused":
        # A feed URL of another scheme, or redirected to one: it will not get better.
        return "redirect"
    return outcome or "unknown"


def load_memory(raw: str | None) -> dict[str, Any]:
    """The scheduler's memory stored with a feed (JSON), or empty."""
    try:
        memory = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return {}
    return memory if isinstance(memory, dict) else {}


def schedule_after(
    feed: Feed,
    record: FetchRecord,
    headers: Mapping[str, str],
    now: datetime,
    *,
    memory: Mapping[str, Any] | None = None,
    ttl_minutes: int | None = None,
    skip_hours: frozenset[int] | None = None,
    skip_days: frozenset[str] | None = None,
    settings: schedule.ScheduleSettings = schedule.DEFAULT_SETTINGS,
) -> dict[str, Any]:
    """The feed's schedule columns after this fetch.

    ``memory`` is what the scheduler stored last time (``schedule_state``);
    the feed's ttl and skip lists are remembered there, since an error or a
    304 has no document to read them from.
    """
    memory = dict(memory or {})
    if ttl_minutes is not None:
        memory["ttl_minutes"] = ttl_minutes
    if skip_hours is not None:
        memory["skip_hours"] = sorted(skip_hours)
    if skip_days is not None:
        memory["skip_days"] = sorted(skip_days)
    succeeded = record.outcome in ("ok", "not-modified")
    hints = schedule.parse_http_hints(headers, now)
    ttl = memory.get("ttl_minutes")
    result = schedule.PollResult(
        when=now,
        status=record.status,
        error_kind="" if succeeded else schedule_kind(record.outcome),
        items=record.items,
        new_items=record.items_new,
        not_modified=record.outcome == "not-modified",
        cache_max_age=hints.cache_max_age,
        expires=hints.expires,
        retry_after=hints.retry_after,
        ttl=timedelta(minutes=ttl) if ttl else None,
        skip_hours=frozenset(memory.get("skip_hours", ())),
        skip_days=frozenset(memory.get("skip_days", ())),
    )
    decision = schedule.next_poll(feed.url, _state(feed, memory), result, settings)
    state = decision.state
    memory.update(
        interval_seconds=int(state.interval.total_seconds()),
        error_streak=state.error_streak,
        permanent_streak=state.permanent_streak,
        last_error_kind=state.last_error_kind,
        dead=state.dead,
        new_share=state.new_share,
        quiet_streak=state.quiet_streak,
    )
    return {
        "next_due_at": decision.next_poll_at.astimezone(UTC).isoformat(),
        "interval_seconds": int(state.interval.total_seconds()),
        "interval_reason": decision.reason,
        "dead": int(state.dead),
        "schedule_state": json.dumps(memory, sort_keys=True),
    }
