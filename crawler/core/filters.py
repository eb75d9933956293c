"""The values of the listing commands' filters, read the way a user types them.

``--since`` takes an ISO date or time, ``today``, ``yesterday`` or an age (``24h``,
``7d``); ``--wire`` an agency's id or any of its names (``TASS``, ``ТАСС``, ``تاس``);
``--lang`` a language code in any case (``RU``, ``ru-RU``); ``--outlet`` a host name or a
URL of the site. What cannot be read raises ``OptionError`` naming the option, rather
than filtering everything (or nothing) out. ``--limit`` 0 or below means no limit.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from crawler.core.errors import OptionError
from crawler.core.urls import outlet_of
from crawler.core.wire import AGENCIES, agency_from_name

__all__ = ["limit_or_none", "read_language", "read_outlet", "read_since", "read_wire"]

_AGE = re.compile(r"(\d+)\s*(m|min|h|d|w)", re.IGNORECASE)
_AGE_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?")
_LANGUAGE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*")
#: The form of ``published_at_utc`` and ``first_published_at_utc`` in the store.
_STORED_UTC = "%Y-%m-%dT%H:%M:%SZ"

SINCE_HELP = "ISO date or time (2026, 2026-11, 2026-11-20, 2026-11-20T08:00+03:00; UTC when no "
SINCE_HELP += "offset), "
SINCE_HELP += "today, yesterday, or an age (90m, 24h, 7d, 2w)"


def read_since(text: str, now: datetime, option: str = "--since") -> str:
    """The moment ``text`` names, in UTC in the store's form (``2026-11-20T05:00:00Z``)."""
    value = text.strip()
    lowered = value.lower()
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    moment: datetime | None = None
    if lowered == "today":
        moment = midnight
    elif lowered == "yesterday":
        moment = midnight - timedelta(days=1)
    elif match := _YEAR_MONTH.fullmatch(value):
        moment = datetime(int(match.group(1)), int(match.group(2) or 1), 1, tzinfo=UTC)
    elif match := _AGE.fullmatch(lowered):
        amount, unit = int(match.group(1)), _AGE_UNITS[match.group(2)]
        moment = now.astimezone(UTC) - timedelta(**{unit: amount})
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    if moment is None:
        raise OptionError(f"{option} {text}: cannot read it as a date; give an {SINCE_HELP}")
    return moment.astimezone(UTC).strftime(_STORED_UTC)


def read_wire(text: str, option: str = "--wire") -> str:
    """The id of the agency ``text`` names (``TASS``, ``ТАСС`` and ``tass`` are ``tass``)."""
    value = text.strip()
    if value.lower() in AGENCIES:
        return value.lower()
    found = agency_from_name(value)
    if found:
        return found
    known = ", ".join(sorted(AGENCIES))
    raise OptionError(f"{option} {text}: not a wire agency wirecrawl knows; known: {known}")


def read_language(text: str, option: str = "--lang") -> str:
    """An ISO 639 code in lower case, without a region (``RU``, ``ru-RU`` -> ``ru``)."""
    match = _LANGUAGE.fullmatch(text.strip().lower())
    if match is None:
        raise OptionError(f"{option} {text}: not a language code; give one like ar, ru or en")
    return match.group(1)


def read_outlet(text: str, option: str = "--outlet") -> str:
    """The outlet's host as the store keeps it, from a host name or any URL of the site."""
    outlet = outlet_of(text.strip())
    if not outlet:
        raise OptionError(f"{option} {text}: not a host name or URL; give one like tass.ru")
    return outlet


def limit_or_none(limit: int | None) -> int | None:
    """``--limit``: 0 or a negative number means no limit."""
    if limit is None or limit <= 0:
        return None
    return limit
