"""Dates as Arabic, Russian and English news sites and feeds print them."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.dates import (
    _MONTH_NAMES,
    ParsedDate,
    _fold,
    find_date,
    parse_date,
    parse_feed_date,
)
from tests.conftest import DATA, SEED_FILE, need_shared


def zone(hours: int) -> timezone:
    """A fixed offset, hours east of UTC."""
    return timezone(timedelta(hours=hours))


MSK = zone(3)
#: The clock every table is read against: the seed article's day, late afternoon.
NOW = datetime(2022, 2, 9, 16, 0)
FEB9 = datetime(2022, 2, 9)


def at(hour: int, minute: int, second: int = 0, tz: timezone | None = None) -> datetime:
    """2022-02-09 at the given time."""
    return datetime(2022, 2, 9, hour, minute, second, tzinfo=tz)


def same_moment(got: datetime, expected: datetime) -> bool:
    """Equal wall time and equal offset (aware == aware alone would accept any zone)."""
    return got.replace(tzinfo=None) == expected.replace(tzinfo=None) and (
        got.utcoffset() == expected.utcoffset()
    )


# (date line as printed, (value, precision))
CASES: list[tuple[str, tuple[datetime, str]]] = [
    # ---- Arabic: the seed's own line, digits, Egyptian/Gulf and Levantine names side by side
    ("٠٩ فبراير ٢٠٢٢", (FEB9, "day")),
    ("9 فبراير/شباط 2022", (FEB9, "day")),
    ("٩ شباط (فبراير) ٢٠٢٢", (FEB9, "day")),
    ("الأربعاء 9 شباط 2022 - 14:35", (at(14, 35), "minute")),
    ("الأربعـاء، ٩ فبراير ٢٠٢٢م - ٠٢:٣٥ م", (at(14, 35), "minute")),
    ("الخميس، ١٠ فبراير ٢٠٢٢ ٠٩:١٥ مساءً", (datetime(2022, 2, 10, 21, 15), "minute")),
    ("الجمعه 11 فبراير 2022 10:30 صباحا", (datetime(2022, 2, 11, 10, 30), "minute")),
    ("السبت 12 مارس 2022 - 11:05 ص", (datetime(2022, 3, 12, 11, 5), "minute")),
    ("الاربعاء 9 فبراير 2022 - 14:35", (at(14, 35), "minute")),
    ("الأحد ١٣ فبراير ٢٠٢٢ ١٢:٣٠ ظهرا", (datetime(2022, 2, 13, 12, 30), "minute")),
    ("نُشر في: ٩ فبرايـر ٢٠٢٢", (FEB9, "day")),
    ("9 فبراير 2022م", (FEB9, "day")),
    ("۲۴ فبراير ۲۰۲۲", (datetime(2022, 2, 24), "day")),
    ("١٢ كانون الأول ٢٠٢١", (datetime(2021, 12, 12), "day")),
    ("12 كانون الاول 2021", (datetime(2021, 12, 12), "day")),
    ("٢٥ كانون الثاني ٢٠٢٢", (datetime(2022, 1, 25), "day")),
    ("5 يناير/كانون الثاني 2022", (datetime(2022, 1, 5), "day")),
    ("تشرين الثاني 3, 2021", (datetime(2021, 11, 3), "day")),
    ("١ تشرين الأول ٢٠٢١", (datetime(2021, 10, 1), "day")),
    ("15 تشرين الاول 2021", (datetime(2021, 10, 15), "day")),
    ("3 آذار 2022", (datetime(2022, 3, 3), "day")),
    ("3 اذار 2022", (datetime(2022, 3, 3), "day")),
    ("٢٠ نيسان ٢٠٢٢", (datetime(2022, 4, 20), "day")),
    ("١٠ أيار ٢٠٢٢", (datetime(2022, 5, 10), "day")),
    ("10 ايار 2022", (datetime(2022, 5, 10), "day")),
    ("٧ حزيران ٢٠٢٢", (datetime(2022, 6, 7), "day")),
    ("١٤ تموز ٢٠٢٢", (datetime(2022, 7, 14), "day")),
    ("١ آب ٢٠٢٢", (datetime(2022, 8, 1), "day")),
    ("1 اب 2022", (datetime(2022, 8, 1), "day")),
    ("١١ أيلول ٢٠٢١", (datetime(2021, 9, 11), "day")),
    ("11 ايلول 2021", (datetime(2021, 9, 11), "day")),
    ("٢٢ إبريل ٢٠٢٢", (datetime(2022, 4, 22), "day")),
    ("22 ابريل 2022", (datetime(2022, 4, 22), "day")),
    ("1 مايو 2022", (datetime(2022, 5, 1), "day")),
    ("٣٠ يونيه ٢٠٢٢", (datetime(2022, 6, 30), "day")),
    ("4 يوليه 2022", (datetime(2022, 7, 4), "day")),
    ("15 اغسطس 2022", (datetime(2022, 8, 15), "day")),
    ("٦ أكتوبر ٢٠٢١", (datetime(2021, 10, 6), "day")),
    ("9 دجنبر 2021", (datetime(2021, 12, 9), "day")),
    # Maghrebi names: "ماي" is May as surely as "مايو"; "مارس" is shared
    ("12 جانفي 2022", (datetime(2022, 1, 12), "day")),
    ("09 فيفري 2022", (FEB9, "day")),
    ("3 مارس 2022", (datetime(2022, 3, 3), "day")),
    ("5 أفريل 2022", (datetime(2022, 4, 5), "day")),
    ("1 ماي 2022", (datetime(2022, 5, 1), "day")),
    ("21 جوان 2022", (datetime(2022, 6, 21), "day")),
    ("5 جويلية 2022", (datetime(2022, 7, 5), "day")),
    ("20 أوت 2022", (datetime(2022, 8, 20), "day")),
    # numeric forms on Arabic pages are day-first
    ("الأربعاء 2022/02/09", (FEB9, "day")),
    ("09/02/2022 - 14:35", (at(14, 35), "minute")),
    ("٢٠٢٢-٠٢-٠٩ ١٤:٣٥", (at(14, 35), "minute")),
    ("تاريخ النشر: 2022/02/09 11:35 بتوقيت غرينتش", (at(11, 35, tz=UTC), "minute")),
    # ---- Russian
    ("9 февраля 2022", (FEB9, "day")),
    ("9 фев. 2022", (FEB9, "day")),
    ("9 февр 2022", (FEB9, "day")),
    ("Среда, 9 февраля 2022", (FEB9, "day")),
    ("09.02.2022 14:35", (at(14, 35), "minute")),
    ("09.02.22", (FEB9, "day")),
    ("9 февраля 2022 г., 14:35", (at(14, 35), "minute")),
    ("9 февраля 2022 года в 14:35", (at(14, 35), "minute")),
    ("14:35, 9 февраля 2022", (at(14, 35), "minute")),
    ("18:45 09.02.2022", (at(18, 45), "minute")),
    ("09.02.2022, 14:35:07", (at(14, 35, 7), "second")),
    ("9 февраля 2022 14:35 МСК", (at(14, 35, tz=MSK), "minute")),
    ("9 февраля 2022 года, 14:35 (МСК)", (at(14, 35, tz=MSK), "minute")),
    ("31 декабря 2021 23:59:59", (datetime(2021, 12, 31, 23, 59, 59), "second")),
    ("1 ноября 2021 г.", (datetime(2021, 11, 1), "day")),
    ("3 мая 2022", (datetime(2022, 5, 3), "day")),
    ("12 июня 2022 года", (datetime(2022, 6, 12), "day")),
    ("2 янв 2022", (datetime(2022, 1, 2), "day")),
    ("25 сен. 2021", (datetime(2021, 9, 25), "day")),
    ("7 ноя 2021", (datetime(2021, 11, 7), "day")),
    ("9 сентября 2021 г. 10:00", (datetime(2021, 9, 9, 10, 0), "minute")),
    ("9 лютого 2022", (FEB9, "day")),
    ("9 лютага 2022", (FEB9, "day")),
    # ---- English
    ("February 9, 2022", (FEB9, "day")),
    ("Feb. 9, 2022 2:35 PM", (at(14, 35), "minute")),
    ("9 February 2022", (FEB9, "day")),
    ("Wed 9 Feb 2022 14:35 GMT", (at(14, 35, tz=UTC), "minute")),
    ("2022-02-09", (FEB9, "day")),
    (
        "Updated: February 9, 2022 at 2:35 p.m. EST",
        (at(14, 35, tz=zone(-5)), "minute"),
    ),
    ("Published February 9, 2022 12:01 AM", (at(0, 1), "minute")),
    ("Feb 9, 2022, 12:30 PM", (at(12, 30), "minute")),
    ("February 9th, 2022", (FEB9, "day")),
    ("9th of February 2022", (FEB9, "day")),
    ("Wednesday, February 9, 2022 - 14:35", (at(14, 35), "minute")),
    ("Posted on 09 Feb 2022 | 14:35 UTC", (at(14, 35, tz=UTC), "minute")),
    ("Feb 9 2022 11:05 am EDT", (at(11, 5, tz=zone(-4)), "minute")),
    ("2022-02-09T14:35:00Z", (at(14, 35, tz=UTC), "second")),
    ("2022-02-09 14:35:07", (at(14, 35, 7), "second")),
    ("Sept. 30, 2021", (datetime(2021, 9, 30), "day")),
    ("Dec 31, 2021 11:59 PM", (datetime(2021, 12, 31, 23, 59), "minute")),
    ("9 Feb 2022 14:35 GMT+3", (at(14, 35, tz=MSK), "minute")),
    ("9 Feb 2022 14:35 +0300", (at(14, 35, tz=MSK), "minute")),
    ("14:35 (UTC) 9 Feb 2022", (at(14, 35, tz=UTC), "minute")),
    ("2/13/2022", (datetime(2022, 2, 13), "day")),  # 13 cannot be a month
    # ---- German, French, Spanish, Portuguese
    ("9. Februar 2022, 14:35 Uhr", (at(14, 35), "minute")),
    ("Mittwoch, 9. Februar 2022", (FEB9, "day")),
    ("9. März 2022", (datetime(2022, 3, 9), "day")),
    ("9 février 2022 à 14h35", (at(14, 35), "minute")),
    ("mercredi 9 fevrier 2022", (FEB9, "day")),
    ("1er mars 2022", (datetime(2022, 3, 1), "day")),
    ("le 9 février 2022 à 14:35 est annulé", (at(14, 35), "minute")),
    ("9 de febrero de 2022, 14:35", (at(14, 35), "minute")),
    ("9 de fevereiro de 2022 às 14h35", (at(14, 35), "minute")),
    ("09/02/2022 14h35", (at(14, 35), "minute")),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_parse_date(text: str, expected: tuple[datetime, str]) -> None:
    value, precision = expected
    found = parse_date(text, now=NOW)
    assert found is not None, text
    assert same_moment(found.value, value), (found.value, value)
    assert found.precision == precision
    assert found.text in text


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 80


# What was read: the date, its weekday, time and zone, nothing around them.
SPANS = [
    ("٠٩ فبراير ٢٠٢٢", "٠٩ فبراير ٢٠٢٢"),
    ("  ٠٩ فبراير ٢٠٢٢\u200f\n", "٠٩ فبراير ٢٠٢٢"),
    ("Москва 9 февраля 2022", "9 февраля 2022"),
    ("9 февраля 2022 г., 14:35", "9 февраля 2022 г., 14:35"),
    ("Updated: February 9, 2022 at 2:35 p.m. EST", "February 9, 2022 at 2:35 p.m. EST"),
    ("الأربعاء 9 شباط 2022 - 14:35", "الأربعاء 9 شباط 2022 - 14:35"),
    ("نُشر في: ٩ فبرايـر ٢٠٢٢", "٩ فبرايـر ٢٠٢٢"),
    ("9. Februar 2022, 14:35 Uhr", "9. Februar 2022, 14:35"),
    ("le 9 février 2022 à 14:35 est annulé", "9 février 2022 à 14:35"),
    ("Опубликовано: 09.02.2022 14:35 МСК", "09.02.2022 14:35 МСК"),
]


@pytest.mark.parametrize("text, expected", SPANS)
def test_text_is_what_was_read(text: str, expected: str) -> None:
    found = parse_date(text)
    assert found is not None
    assert found.text == expected


NOT_DATES = [
    "",
    "   ",
    "Ru En",
    'الخارجية الروسية: "منظمة معاهدة الأمن الجماعي" غير قادرة على إقامة تعاون مع الـ "ناتو"',
    "Putin and Xi meet in Beijing ahead of the Olympics",
    "أكد نائب وزير الخارجية الروسي أن المنظمة أقامت اتصالات مع العديد من الهياكل الدولية",
    "февраль 2022",
    "February 2022",
    "2022",
    "14:35",
    "31 февраля 2022",
    "29 февраля 2022",  # 2022 is not a leap year
    "30 شباط 2022",
    "13/13/2022",
    "32.01.2022",
    "09.13.2022",
    "00.01.2022",
    "9 февраля 2022 25:00",
    "February 9, 2022 14:61",
    "Version 1.2.33",
    "9 февраля 1812 года",
    "Chapter 12, verse 3",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_date(text: str) -> None:
    assert parse_date(text, now=NOW) is None


def test_year_less_and_relative_dates_need_now() -> None:
    for text in ("Сегодня, 15:33", "Yesterday", "3 hours ago", "منذ ساعتين", "9 февраля"):
        assert parse_date(text) is None, text


def test_slash_order() -> None:
    # Day-first unless the hint is US English; a part above 12 settles it either way.
    assert parse_date("02/09/2022").value == datetime(2022, 9, 2)
    assert parse_date("02/09/2022", languages=["en"]).value == FEB9
    assert parse_date("02/09/2022", languages=["en-US"]).value == FEB9
    assert parse_date("02/09/2022", languages=["en-GB"]).value == datetime(2022, 9, 2)
    assert parse_date("13/02/2022", languages=["en"]).value == datetime(2022, 2, 13)
    assert parse_date("02-09-2022", languages=["en"]).value == FEB9
    # dots are day-first whatever the hint
    assert parse_date("02.09.2022", languages=["en"]).value == datetime(2022, 9, 2)


def test_two_digit_years() -> None:
    assert parse_date("09.02.22").value == FEB9
    assert parse_date("09.02.69").value == datetime(2069, 2, 9)
    assert parse_date("09.02.70").value == datetime(1970, 2, 9)
    # with a clock the pivot is next year
    assert parse_date("09.02.23", now=NOW).value == datetime(2023, 2, 9)
    assert parse_date("09.02.24", now=NOW).value == datetime(1924, 2, 9)


def test_tz_is_applied_only_without_a_printed_zone() -> None:
    found = parse_date("09.02.2022 14:35", tz=MSK)
    assert same_moment(found.value, at(14, 35, tz=MSK))
    found = parse_date("9 Feb 2022 14:35 GMT", tz=MSK)
    assert same_moment(found.value, at(14, 35, tz=UTC))
    found = parse_date("٠٩ فبراير ٢٠٢٢", tz=MSK)
    assert same_moment(found.value, datetime(2022, 2, 9, tzinfo=MSK))
    assert parse_date("٠٩ فبراير ٢٠٢٢").value.tzinfo is None


# ---- relative dates, read against NOW (2022-02-09 16:00)

RELATIVE = [
    ("Сегодня, 15:33", (at(15, 33), "minute")),
    ("сегодня 15:33", (at(15, 33), "minute")),
    ("Вчера в 10:00", (datetime(2022, 2, 8, 10, 0), "minute")),
    ("позавчера, 23:10", (datetime(2022, 2, 7, 23, 10), "minute")),
    ("5 минут назад", (at(15, 55), "minute")),
    ("2 часа назад", (at(14, 0), "minute")),
    ("час назад", (at(15, 0), "minute")),
    ("3 дня назад", (datetime(2022, 2, 6), "day")),
    ("Today", (FEB9, "day")),
    ("Yesterday", (datetime(2022, 2, 8), "day")),
    ("Updated yesterday", (datetime(2022, 2, 8), "day")),
    ("Today at 2:35 PM", (at(14, 35), "minute")),
    ("3 hours ago", (at(13, 0), "minute")),
    ("an hour ago", (at(15, 0), "minute")),
    ("45 mins ago", (at(15, 15), "minute")),
    ("30 seconds ago", (at(15, 59, 30), "second")),
    ("2 days ago", (datetime(2022, 2, 7), "day")),
    ("منذ 3 ساعات", (at(13, 0), "minute")),
    ("منذ ٣ ساعات", (at(13, 0), "minute")),
    ("منذ ساعتين", (at(14, 0), "minute")),
    ("منذ ساعة", (at(15, 0), "minute")),
    ("منذ دقيقة", (at(15, 59), "minute")),
    ("منذ ٥ دقائق", (at(15, 55), "minute")),
    ("قبل 10 دقائق", (at(15, 50), "minute")),
    ("منذ يومين", (datetime(2022, 2, 7), "day")),
    ("أمس", (datetime(2022, 2, 8), "day")),
    ("امس", (datetime(2022, 2, 8), "day")),
    ("اليوم", (FEB9, "day")),
    ("أمس 10:30", (datetime(2022, 2, 8, 10, 30), "minute")),
    ("اليوم الساعة 14:35", (at(14, 35), "minute")),
    ("vor 2 Stunden", (at(14, 0), "minute")),
    ("il y a 3 heures", (at(13, 0), "minute")),
    ("hace 2 horas", (at(14, 0), "minute")),
    ("há 3 horas", (at(13, 0), "minute")),
    ("9 февраля в 14:35", (at(14, 35), "minute")),
]


@pytest.mark.parametrize("text, expected", RELATIVE)
def test_relative_dates(text: str, expected: tuple[datetime, str]) -> None:
    value, precision = expected
    found = parse_date(text, now=NOW)
    assert found is not None, text
    assert found.value == value
    assert found.precision == precision
    assert found.text in text


def test_relative_dates_follow_the_zone_of_now_and_tz() -> None:
    late_utc = datetime(2022, 2, 9, 22, 30, tzinfo=UTC)
    # 22:30 UTC is already the 10th in Moscow, so "today" there is the 10th.
    found = parse_date("Сегодня, 01:10", now=late_utc, tz=MSK)
    assert same_moment(found.value, datetime(2022, 2, 10, 1, 10, tzinfo=MSK))
    found = parse_date("2 hours ago", now=late_utc)
    assert same_moment(found.value, datetime(2022, 2, 9, 20, 30, tzinfo=UTC))
    found = parse_date("Вчера в 10:00", now=late_utc)
    assert same_moment(found.value, datetime(2022, 2, 8, 10, 0, tzinfo=UTC))


def test_a_bare_today_in_running_text_is_not_a_date() -> None:
    text = "Сегодня президент провёл совещание с членами правительства"
    assert parse_date(text, now=NOW) is None
    assert find_date(text, now=NOW) is None


# ---- find_date: datelines inside longer text

SEED_PARAGRAPH = (
    "وصرّح نائب وزير الخارجية الروسي بذلك اليوم الأربعاء 9 فبراير/شباط 2022، في مؤتمر "
    '"الأمن الجماعي في عصر جديد: تجربة وآفاق منظمة معاهدة الأمن الجماعي"، في إطار منتدى '
    '"فالداي" الدولي للنقاش.'
)

DATELINES = [
    (
        "موسكو، 9 فبراير/شباط 2022 - أكد نائب وزير الخارجية الروسي ألكسندر بانكين أن المنظمة ...",
        FEB9,
        "9 فبراير/شباط 2022",
    ),
    (SEED_PARAGRAPH, FEB9, "الأربعاء 9 فبراير/شباط 2022"),
    (
        "موسكو - الأمة برس - ١٢ كانون الأول ٢٠٢١: قال الكرملين إن ...",
        datetime(2021, 12, 12),
        "١٢ كانون الأول ٢٠٢١",
    ),
    (
        "Москва, 9 февраля 2022 года, 14:35 — Замминистра иностранных дел заявил ...",
        at(14, 35),
        "9 февраля 2022 года, 14:35",
    ),
    (
        "Москва. 9 февраля. INTERFAX.RU - Россия и ОДКБ ...",
        FEB9,
        "9 февраля",
    ),
    (
        "MOSCOW, Feb 9 (Reuters) - Russia said on Wednesday ...",
        FEB9,
        "Feb 9",
    ),
    (
        "Материал опубликован 09.02.2022 в 14:35, обновлён 10.02.2022",
        at(14, 35),
        "09.02.2022 в 14:35",
    ),
    (
        "Le ministre a déclaré le 9 février 2022 que ...",
        FEB9,
        "9 février 2022",
    ),
]


@pytest.mark.parametrize("text, value, printed", DATELINES)
def test_find_date_in_a_dateline(text: str, value: datetime, printed: str) -> None:
    found = find_date(text, now=NOW)
    assert found is not None
    assert found.value == value
    assert found.text == printed


@pytest.mark.parametrize(
    "now, year",
    [
        (datetime(2021, 11, 1, 12, 0), 2021),  # the same day
        (datetime(2022, 1, 5), 2021),  # "1 November" read in January is last year's
        # Any day ahead of the fetch was last year's: a year-less date is never later than
        # the fetch.
        (datetime(2021, 10, 31, 23, 0), 2020),
        (datetime(2021, 10, 20), 2020),
        # An aware fetch time with the outlet's zone unknown: somewhere east it is already
        # 1 November (up to UTC+14).
        (datetime(2021, 10, 31, 11, 0, tzinfo=UTC), 2021),
        (datetime(2021, 10, 31, 9, 0, tzinfo=UTC), 2020),
    ],
)
def test_year_less_dateline_takes_its_year_from_now(now: datetime, year: int) -> None:
    found = find_date("Москва. 1 ноября. INTERFAX.RU - Президент России ...", now=now)
    assert found is not None
    assert found.value == datetime(year, 11, 1)
    assert found.text == "1 ноября"
    assert found.yearless


@pytest.mark.parametrize(
    "text, printed",
    [
        ("Madrid, 5 de septiembre. El ayuntamiento aprobó el plan", "5 de septiembre"),
        ("القاهرة، ٥ سبتمبر - أعلنت الوزارة", "٥ سبتمبر"),
        ("Москва, 5 сентября. Мэрия утвердила план", "5 сентября"),
    ],
)
def test_year_less_date_is_never_after_the_fetch(text: str, printed: str) -> None:
    # Fetched on 4 September: "5 September" cannot be this year's, it is last year's.
    fetched = datetime(2026, 9, 4, 10, 0, tzinfo=UTC)
    found = find_date(text, now=fetched, tz=UTC)
    assert found is not None
    assert (found.value.date(), found.text, found.yearless) == (date(2025, 9, 5), printed, True)
    assert found.value <= fetched


def test_dates_with_a_year_are_not_yearless() -> None:
    for text in ("5 de septiembre de 2020", "Сегодня, 15:33", "2022-02-09", "3 hours ago"):
        found = find_date(text, now=NOW)
        assert found is not None and not found.yearless, text


def test_year_less_dateline_without_now_gives_none() -> None:
    assert find_date("Москва. 1 ноября. INTERFAX.RU - Президент России ...") is None


def test_find_date_skips_impossible_dates_and_words_that_look_like_months() -> None:
    assert find_date("31 февраля 2022 ... 9 февраля 2022").value == FEB9
    assert find_date("1 out of 5 voters; 3 set of rules", now=NOW) is None
    assert find_date("Он ответил на 3 вопроса журналистов", now=NOW) is None


def test_find_date_in_the_seed_file() -> None:
    text = need_shared(SEED_FILE).read_text(encoding="utf-8")
    found = find_date(text)
    assert found is not None
    assert found.value == FEB9
    assert found.text == "٠٩ فبراير ٢٠٢٢"
    assert found.precision == "day"


# ---- feed dates

FEEDS = [
    ("Wed, 09 Feb 2022 14:35:00 GMT", at(14, 35, tz=UTC)),
    ("Wed, 09 Feb 2022 14:35:00 +0300", at(14, 35, tz=MSK)),
    ("Wed, 09 Feb 2022 14:35:00 +03:00", at(14, 35, tz=MSK)),
    ("Wed, 9 Feb 2022 14:35:00 UT", at(14, 35, tz=UTC)),
    ("Wed, 09 Feb 2022 09:35:00 EST", at(9, 35, tz=zone(-5))),
    ("Wed, 09 Feb 2022 10:35:00 EDT", at(10, 35, tz=zone(-4))),
    ("Wed, 09 Feb 2022 08:35:00 CST", at(8, 35, tz=zone(-6))),
    ("Wed, 09 Feb 2022 14:35:00 MSK", at(14, 35, tz=MSK)),
    ("Wed, 09 Feb 2022 14:35:00 Z", at(14, 35, tz=UTC)),
    ("Wed, 09 Feb 2022 14:35:00 A", at(14, 35, tz=UTC)),  # military letter: RFC 2822 says UTC
    ("Wed, 09 Feb 2022 14:35 GMT", at(14, 35, tz=UTC)),
    ("Wed, 09 Feb 22 14:35:00 GMT", at(14, 35, tz=UTC)),
    ("Wed 09 Feb 2022 14:35:00", at(14, 35, tz=UTC)),
    ("Tue, 25 Jun 2019 15:27:00 PST", datetime(2019, 6, 25, 15, 27, tzinfo=zone(-8))),
    ("Fri, 23 December 2011 10:00:00 EST", datetime(2011, 12, 23, 10, tzinfo=zone(-5))),
    ("03 Apr 02 1500 GMT", datetime(2002, 4, 3, 15, 0, tzinfo=UTC)),
    ("Wed Feb  9 14:35:00 2022", at(14, 35, tz=UTC)),
    # non-English day and month names, as real feeds print them
    ("Ср, 09 фев 2022 14:35:00 +0300", at(14, 35, tz=MSK)),
    ("Среда, 9 февраля 2022 14:35:00 +0300", at(14, 35, tz=MSK)),
    ("Mi, 09 Feb 2022 14:35:00 +0100", at(14, 35, tz=zone(1))),
    ("Mi, 09 Mär 2022 14:35:00 +0100", datetime(2022, 3, 9, 14, 35, tzinfo=zone(1))),
    ("mer., 09 févr. 2022 14:35:00 +0100", at(14, 35, tz=zone(1))),
    ("mié, 09 feb 2022 14:35:00 +0100", at(14, 35, tz=zone(1))),
    ("Qua, 09 Fev 2022 14:35:00 -0300", at(14, 35, tz=zone(-3))),
    ("Seg, 24 Set 2018 19:42:40 -0300", datetime(2018, 9, 24, 19, 42, 40, tzinfo=zone(-3))),
    ("الأربعاء، ٠٩ فبراير ٢٠٢٢ ١٤:٣٥:٠٠ +0300", at(14, 35, tz=MSK)),
    ("الأربعاء، 09 شباط 2022 14:35:00 GMT", at(14, 35, tz=UTC)),
    # ISO 8601 and W3C-DTF
    ("2022-02-09T14:35:00Z", at(14, 35, tz=UTC)),
    ("2022-02-09T14:35:00+03:00", at(14, 35, tz=MSK)),
    ("2022-02-09T14:35:00+0300", at(14, 35, tz=MSK)),
    ("2016-06-27T07:36:54.007-07:00", datetime(2016, 6, 27, 7, 36, 54, 7000, tzinfo=zone(-7))),
    ("2026-02-18T02:18:52.666900+00:00", datetime(2026, 2, 18, 2, 18, 52, 666900, tzinfo=UTC)),
    ("2022-02-09T14:35Z", at(14, 35, tz=UTC)),
    ("2022-02-09T14:35+03:00", at(14, 35, tz=MSK)),
    ("2022-02-09 14:35:00", at(14, 35, tz=UTC)),
    ("20220209T143500Z", at(14, 35, tz=UTC)),
    ("2022-02-09", datetime(2022, 2, 9, tzinfo=UTC)),
    ("2022-02", datetime(2022, 2, 1, tzinfo=UTC)),
    ("2022", datetime(2022, 1, 1, tzinfo=UTC)),
    # not a feed form at all: read as a date line, in UTC
    ("09.02.2022 14:35", at(14, 35, tz=UTC)),
    ("February 9, 2022", datetime(2022, 2, 9, tzinfo=UTC)),
]  # fmt: skip


@pytest.mark.parametrize("text, expected", FEEDS)
def test_parse_feed_date(text: str, expected: datetime) -> None:
    found = parse_feed_date(text)
    assert found is not None, text
    assert found.tzinfo is not None
    assert same_moment(found, expected), (found, expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "junk",
        "Wed, 31 Feb 2022 14:35:00 GMT",
        "Wed, 09 Feb 2022 14:35:00 IST",  # unknown zone: no guess hours off
        "Mon, 01 Jan 0001 00:00:00 +0000",  # a CMS's "no date"
        "2022-13-01",
        "2022-02-09T25:00:00Z",
        "2022-02-09T14:35:00+25:00",
    ],
)
def test_parse_feed_date_rejects(text: str) -> None:
    assert parse_feed_date(text) is None


def test_parse_date_reads_feed_forms_and_keeps_them_naive_without_a_zone() -> None:
    found = parse_date("Wed, 09 Feb 2022 14:35:00 +0300")
    assert same_moment(found.value, at(14, 35, tz=MSK))
    assert found.precision == "second"
    assert found.text == "Wed, 09 Feb 2022 14:35:00 +0300"
    assert parse_date("2022-02-09T14:35:00").value == at(14, 35)


_FEED_DATE_TAG = re.compile(
    r"<((?:dc:|a10:|atom:)?(?:pubDate|published|updated|date|lastBuildDate|modified|issued))>"
    r"\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</\1>",
    re.S,
)


def test_every_date_in_the_shared_feeds_parses() -> None:
    feeds = need_shared(DATA / "feeds")
    values = [
        m.group(2)
        for path in sorted(feeds.rglob("*"))
        if path.is_file() and path.suffix != ".json" and path.name != "LICENSE"
        for m in _FEED_DATE_TAG.finditer(path.read_bytes().decode("utf-8", "replace"))
    ]
    assert len(values) > 1000
    # The CMS placeholder "Mon, 01 Jan 0001" is the only thing left unread, on purpose.
    unread = [v for v in values if parse_feed_date(v) is None and " 0001 " not in v]
    print(f"{len(values)} feed dates, {len(unread)} unread")
    assert unread == []


def test_feed_dates_agree_with_rss_parser_golden_output() -> None:
    outputs = need_shared(DATA / "feeds" / "rss-parser" / "test" / "output")

    def entries(node: object) -> list[tuple[str, str]]:
        if isinstance(node, list):
            return [pair for item in node for pair in entries(item)]
        if not isinstance(node, dict):
            return []
        found = [pair for value in node.values() for pair in entries(value)]
        raw = node.get("pubDate") or node.get("published") or node.get("updated")
        if "isoDate" in node and raw:
            found.append((raw, node["isoDate"]))
        return found

    pairs = [
        pair
        for path in sorted(outputs.glob("*.json"))
        for pair in entries(json.loads(path.read_bytes().decode("utf-8", "replace")))
    ]
    assert len(pairs) > 500
    wrong = [
        (raw, iso)
        for raw, iso in pairs
        if parse_feed_date(raw) != datetime.fromisoformat(iso.replace("Z", "+00:00"))
    ]
    assert wrong == []


# ---- the vocabulary itself


def test_no_month_spelling_means_two_months() -> None:
    seen: dict[str, int] = {}
    for names in _MONTH_NAMES.values():
        for number, spellings in enumerate(names, 1):
            for spelling in spellings.split("|"):
                assert seen.setdefault(_fold(spelling), number) == number, spelling


# ---- properties: never raise, and text is always a piece of the input

MONTH_WORDS = sorted(
    {spelling for names in _MONTH_NAMES.values() for s in names for spelling in s.split("|")}
)
PIECES = st.one_of(
    st.sampled_from(MONTH_WORDS),
    st.sampled_from(["Сегодня", "вчера", "منذ", "ساعتين", "ago", "hours", "назад", "GMT", "МСК"]),
    st.sampled_from(["الأربعاء", "Wed", "Ср", "г.", "года", "م", "ص", "p.m.", "at", "в", "(", ")"]),
    st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", min_size=1, max_size=5),
    st.sampled_from(
        [" ", "  ", "/", ".", "-", ":", ",", "،", "T", "Z", "+", "\u00a0", "ـ", "\u200f"]
    ),
)
DATEISH = st.lists(PIECES, max_size=14).map("".join)
CLOCK = st.one_of(
    st.none(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, MSK, zone(-8)])),
)
ZONE = st.sampled_from([None, UTC, MSK])


def _check(text: str, found: ParsedDate | None) -> None:
    if found is not None:
        assert found.text
        assert found.text in text
        assert isinstance(found.value, datetime)


@settings(max_examples=300)
@given(st.text(), CLOCK, ZONE)
def test_never_raises_on_any_text(text: str, now: datetime | None, tz: timezone | None) -> None:
    _check(text, parse_date(text, now=now, tz=tz))
    _check(text, find_date(text, now=now, tz=tz))
    found = parse_feed_date(text)
    assert found is None or found.tzinfo is not None


@settings(max_examples=500)
@given(DATEISH, CLOCK, ZONE, st.sampled_from([(), ("en",), ("ru", "ar")]))
def test_never_raises_on_date_like_text(
    text: str, now: datetime | None, tz: timezone | None, languages: tuple[str, ...]
) -> None:
    _check(text, parse_date(text, now=now, tz=tz, languages=languages))
    _check(text, find_date(text, now=now, tz=tz, languages=languages))
    found = parse_feed_date(text)
    assert found is None or found.tzinfo is not None


EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
RU_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
)  # fmt: skip
LEVANTINE = (
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
    "تشرين الأول", "تشرين الثاني", "كانون الأول",
)  # fmt: skip
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)))
def test_printed_dates_read_back(day: date) -> None:
    printed = [
        f"{day.day} {RU_GENITIVE[day.month - 1]} {day.year} г.",
        f"{day.day} {LEVANTINE[day.month - 1]} {day.year}".translate(ARABIC_DIGITS),
        f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}",
        day.strftime("%d.%m.%Y"),
        day.isoformat(),
    ]
    for text in printed:
        found = parse_date(text)
        assert found is not None, text
        assert found.value == datetime(day.year, day.month, day.day), text
        assert found.text == text
