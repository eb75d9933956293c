"""Story links across languages, decided on parallel texts written for these tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from crawler.core.evidence import figures, named_days, weekdays
from crawler.core.stories import (
    COUNT_STEPS,
    MAX_CANDIDATE_FREQUENCY,
    StoryText,
    candidate_pair,
    count_step,
    crosses_step,
    judge,
    rarity,
    story_keys,
)

T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)

RU_GAS = (
    "Россия и Египет подпишут газовое соглашение до 14 марта",
    [
        "МОСКВА, 12 марта. /ТАСС/. Заместитель министра энергетики России Олег Варнавин "
        "заявил в среду в Казани, что Россия и Египет подпишут соглашение о поставках "
        "1,5 млрд кубометров газа в год до 14 марта.",
        "По словам Варнавина, поставки начнутся через порт Новороссийск, а цена будет на "
        "12 процентов ниже прошлогодней.",
    ],
)
AR_GAS = (
    "روسيا ومصر توقعان اتفاقية للغاز قبل ١٤ مارس",
    [
        "أعلن نائب وزير الطاقة الروسي أوليغ فارنافين، الأربعاء في قازان، أن روسيا ومصر "
        "ستوقعان اتفاقية لتوريد ١٫٥ مليار متر مكعب من الغاز سنوياً قبل ١٤ مارس/آذار.",
        "وأوضح فارنافين أن الإمدادات ستبدأ عبر ميناء نوفوروسيسك، بسعر أقل بنسبة ١٢ بالمئة "
        "من العام الماضي.",
    ],
)
EN_GAS = (
    "Russia and Egypt to sign gas deal by March 14",
    [
        "MOSCOW, March 12. /TASS/. Russian Deputy Energy Minister Oleg Varnavin said on "
        "Wednesday in Kazan that Russia and Egypt will sign a deal to supply 1.5 billion "
        "cubic metres of gas a year by 14 March.",
        "Supplies will start through the port of Novorossiysk, Varnavin said, at a price 12% "
        "below last year's.",
    ],
)
# The same minister, the same day, another statement: not a translation of the gas story.
EN_OTHER_STATEMENT = (
    "Varnavin: Russia will modernise its power grid",
    [
        "MOSCOW, March 12. /TASS/. Russian Deputy Energy Minister Oleg Varnavin said on "
        "Wednesday that Russia will spend 300 billion roubles on its power grid.",
        "The work will take five years, he told reporters in Moscow.",
    ],
)


def text(
    article_id: int,
    language: str,
    article: tuple[str, list[str]],
    *,
    hours: float = 0,
    wire: str | None = "tass",
    outlet: str = "",
    editions: Iterable[str] = (),
) -> StoryText:
    title, paragraphs = article
    return StoryText(
        article_id=article_id,
        language=language,
        outlet=outlet,
        wire_agency=wire,
        editions=frozenset(editions),
        time=T0 + timedelta(hours=hours),
        keys=story_keys(title, paragraphs),
    )


def frequencies(*texts: StoryText) -> Counter[str]:
    """How many of ``texts`` have each key: the articles of those days."""
    return Counter(key for t in texts for key in t.keys)


def test_a_translation_shares_names_figures_and_days() -> None:
    ru, ar, en = text(1, "ru", RU_GAS), text(2, "ar", AR_GAS), text(3, "en", EN_GAS)
    shared = ru.keys.keys() & ar.keys.keys() & en.keys.keys()
    assert {"n:frnfn", "n:ksn", "f:1.5e9", "f:12%", "d:03-14", "d:wd3"} <= shared
    assert ar.keys["n:frnfn"] in {"فارنافين"}
    assert ru.keys["f:1.5e9"] == "1,5 млрд"


@pytest.mark.parametrize(
    "first, second",
    [
        (("ru", RU_GAS), ("ar", AR_GAS)),
        (("ru", RU_GAS), ("en", EN_GAS)),
        (("ar", AR_GAS), ("en", EN_GAS)),
    ],
)
def test_translations_are_one_story(first: tuple, second: tuple) -> None:
    a = text(1, first[0], first[1])
    b = text(2, second[0], second[1], hours=3)
    link = judge(a, b, frequencies(a, b))
    assert link is not None
    assert link.gap_seconds == 3 * 3600
    kinds = {e.kind for e in link.evidence}
    assert {"name", "figure", "wire"} <= kinds


def test_evidence_is_printed_as_each_article_has_it() -> None:
    ar, ru = text(7, "ar", AR_GAS), text(3, "ru", RU_GAS, hours=2)
    link = judge(ar, ru, frequencies(ar, ru))
    assert link is not None
    # Left is the smaller id, whichever argument came first.
    assert (link.left_id, link.right_id) == (3, 7)
    figure = next(e for e in link.evidence if e.key == "f:1.5e9")
    assert (figure.left, figure.right) == ("1,5 млрд", "١٫٥ مليار")


def test_same_minister_same_day_other_statement_is_not_linked() -> None:
    ar = text(1, "ar", AR_GAS)
    other = text(2, "en", EN_OTHER_STATEMENT, hours=1)
    day = [ar, other, text(3, "ru", RU_GAS), text(4, "en", EN_GAS)]
    assert judge(ar, other, frequencies(*day)) is None


def test_different_wires_are_two_reports() -> None:
    a = text(1, "ru", RU_GAS, wire="tass")
    b = text(2, "ar", AR_GAS, wire="ria", hours=1)
    assert judge(a, b, frequencies(a, b)) is None


def test_a_wire_relaying_another_is_its_story() -> None:
    # RIA Novosti's Russian copy of a MENA report credits MENA in its lead.
    title, (first, second) = RU_GAS
    relayed = first.replace("/ТАСС/.", "— РИА Новости.")
    ria = (title, [relayed.rstrip(".") + ", сообщило агентство MENA.", second])
    original = text(1, "ar", AR_GAS, wire="mena")
    relay = text(2, "ru", ria, wire="ria", hours=1)
    link = judge(original, relay, frequencies(original, relay))
    assert link is not None
    # The two wires are no evidence of their own.
    assert "wire" not in {e.kind for e in link.evidence}
    # Without the credit, they are two agencies' reports.
    own = text(2, "ru", (title, [relayed, second]), wire="ria", hours=1)
    assert judge(original, own, frequencies(original, own)) is None


def test_too_far_apart_in_time_is_not_one_story() -> None:
    a = text(1, "ru", RU_GAS)
    b = text(2, "ar", AR_GAS, hours=49)
    assert judge(a, b, frequencies(a, b)) is None


def test_a_day_later_needs_twice_the_evidence() -> None:
    # Names, the wire and a weekday (no figures, no dates): enough within hours, not a
    # day later, when a follow-up would have them too.
    ru = (RU_GAS[0], ["Заместитель министра Олег Варнавин выступил в Казани в среду."])
    ar = (AR_GAS[0], ["تحدث نائب الوزير أوليغ فارنافين في قازان الأربعاء."])
    a, soon, late = text(1, "ru", ru), text(2, "ar", ar, hours=2), text(2, "ar", ar, hours=26)
    freq = frequencies(a, soon)
    assert judge(a, soon, freq) is not None
    assert judge(a, late, freq) is None


def test_same_language_is_a_matter_for_clusters() -> None:
    a, b = text(1, "ru", RU_GAS), text(2, "ru", RU_GAS, hours=1)
    assert judge(a, b, frequencies(a, b)) is None


def test_unknown_language_or_time_links_nothing() -> None:
    a = text(1, "", RU_GAS)
    b = text(2, "ar", AR_GAS)
    assert judge(a, b, frequencies(a, b)) is None
    undated = StoryText(3, "ar", "", "tass", frozenset(), None, b.keys)
    assert judge(text(1, "ru", RU_GAS), undated, frequencies(a, b)) is None


def test_common_names_weigh_less() -> None:
    assert rarity(2) == 1.0
    assert rarity(8) == pytest.approx(0.5)
    assert rarity(1) == 1.0
    assert rarity(200) < 0.25
    # A name all the day's articles share does not make two of them one story.
    a, b = text(1, "ru", RU_GAS), text(2, "ar", AR_GAS, hours=1)
    crowded = frequencies(a, b)
    for key in a.keys:
        crowded[key] += 500
    assert judge(a, b, crowded) is None


def test_counts_are_read_in_steps() -> None:
    assert [count_step(n) for n in (1, 2, 3, 5, 6, 7, 33, 256, 257, 10_000)] == [
        2,
        2,
        3,
        6,
        6,
        8,
        48,
        256,
        256,
        256,
    ]
    # A count weighs differently only on passing a step, and not at all beyond the last.
    assert [n for n in range(2, 400) if crosses_step(n)] == [s + 1 for s in COUNT_STEPS[:-1]]
    assert MAX_CANDIDATE_FREQUENCY in COUNT_STEPS
    # Within a step a key weighs the same: a pair judged at 5 articles holds at 6.
    a, b = text(1, "ru", RU_GAS), text(2, "ar", AR_GAS, hours=1)
    at = {n: judge(a, b, {k: n for k in frequencies(a, b)}) for n in (5, 6)}
    assert at[5] is not None and at[5] == at[6]


def test_a_pair_is_judged_when_it_shares_two_keys_that_find_candidates() -> None:
    assert candidate_pair(["n:frnfn", "f:1.5e9"], {"n:frnfn": 3, "f:1.5e9": 2})
    # Weekdays find nothing, and neither does a key of too many articles.
    assert not candidate_pair(["n:frnfn", "d:wd3"], {"n:frnfn": 3, "d:wd3": 2})
    assert not candidate_pair(["n:frnfn", "f:1.5e9"], {"n:frnfn": 3, "f:1.5e9": 33})
    assert candidate_pair(["n:frnfn", "f:1.5e9"], {"n:frnfn": 3, "f:1.5e9": 32})


def test_language_editions_of_one_page_count() -> None:
    # The page's switcher names the other language, on the same site.
    ru = (RU_GAS[0], ["Заместитель министра Олег Варнавин выступил в Казани в среду."])
    ar = (AR_GAS[0], ["تحدث نائب الوزير أوليغ فارنافين في قازان الأربعاء."])
    a = text(1, "ru", ru, wire=None, outlet="example.org", editions=["ar", "en"])
    b = text(2, "ar", ar, wire=None, outlet="example.org", editions=["ru", "en"], hours=1)
    link = judge(a, b, frequencies(a, b))
    assert link is not None and "edition" in {e.kind for e in link.evidence}
    elsewhere = text(2, "ar", ar, wire=None, outlet="example.net", editions=["ru"], hours=1)
    assert judge(a, elsewhere, frequencies(a, b)) is None


@pytest.mark.parametrize(
    "sentence, key",
    [
        ("заявил в среду, 9 февраля", "02-09"),
        ("said on February 9", "02-09"),
        ("قال يوم ٩ شباط", "02-09"),
        ("قال يوم 9 فبراير/شباط", "02-09"),
        ("في ٦ كانون الثاني", "01-06"),
        ("le 3 juillet", None),
    ],
)
def test_days_named_with_their_month(sentence: str, key: str | None) -> None:
    found = named_days(sentence)
    if key is None:
        assert not found
    else:
        assert key in found


def test_weekdays_in_three_languages() -> None:
    assert "wd3" in weekdays("в среду")
    assert "wd3" in weekdays("on Wednesday")
    assert "wd3" in weekdays("اليوم الأربعاء")
    # "الجمعة" is also "the group": a weekday only after "يوم".
    assert "wd5" not in weekdays("قالت الجمعة العامة")
    assert "wd5" in weekdays("يوم الجمعة")


def test_figures_leave_out_years_and_small_counts() -> None:
    found = figures("В 2025 году 3 министра обсудили 1,5 млрд рублей и 42 процента и 350 вагонов")
    assert set(found) == {"1.5e9", "42%", "350"}


def test_times_of_day_are_not_figures() -> None:
    assert figures("около 07.40 по местному времени, а в 19:05 прибыл") == {}
    assert figures("at around 07:40 local time") == {}
    assert figures("نحو الساعة 07:40 بالتوقيت المحلي") == {}
    # Decimals keep their meaning.
    assert set(figures("курс 92,46 рубля, рост 0,45 процента, цена 12.50")) == {
        "92.46",
        "0.45%",
        "12.5",
    }


def test_ria_and_sputnik_are_one_house() -> None:
    # Sputnik's Arabic service translates RIA Novosti's copy and credits itself.
    a = text(1, "ru", RU_GAS, wire="ria")
    b = text(2, "ar", AR_GAS, wire="sputnik", hours=1)
    link = judge(a, b, frequencies(a, b))
    assert link is not None
    wire = next(e for e in link.evidence if e.kind == "wire")
    assert (wire.key, wire.left, wire.right) == ("w:rossiya-segodnya", "ria", "sputnik")


# A report of yesterday's rates: nothing but the figures names it.
RU_RATES = (
    "Официальный курс доллара на пятницу снизился",
    [
        "МОСКВА, 4 апреля. /ТАСС/. Центральный банк установил официальный курс доллара на "
        "пятницу в размере 83,82 рубля, евро - 92,46 рубля.",
        "Курс юаня составил 11,49 рубля, следует из данных регулятора. Курс тенге - 16,42 "
        "рубля за 100 тенге.",
    ],
)
AR_RATES = (
    "تراجع سعر الدولار الرسمي ليوم الجمعة",
    [
        "حدد البنك المركزي سعر الدولار الرسمي ليوم الجمعة عند ٨٣٫٨٢ روبل، واليورو عند "
        "٩٢٫٤٦ روبل، وفق تاس.",
        "وبلغ سعر اليوان ١١٫٤٩ روبل، وسعر التنغي ١٦٫٤٢ روبل لكل ١٠٠ تنغي.",
    ],
)
# The next day's rates: the same template, other figures.
AR_RATES_NEXT_DAY = (
    "ارتفاع سعر الدولار الرسمي ليوم السبت",
    [
        "حدد البنك المركزي سعر الدولار الرسمي ليوم السبت عند ٨٤٫١٥ روبل، واليورو عند "
        "٩٢٫٩٠ روبل، وفق تاس.",
        "وبلغ سعر اليوان ١١٫٥٢ روبل، وسعر التنغي ١٦٫٤٢ روبل لكل ١٠٠ تنغي.",
    ],
)


def test_a_print_of_shared_figures_stands_in_for_names() -> None:
    ru, ar = text(1, "ru", RU_RATES), text(2, "ar", AR_RATES, hours=1)
    link = judge(ru, ar, frequencies(ru, ar))
    assert link is not None
    assert sum(e.kind == "figure" for e in link.evidence) >= 3
    # The next day's report shares one figure of four, too little of its own.
    next_day = text(3, "ar", AR_RATES_NEXT_DAY, hours=24)
    assert judge(ru, next_day, frequencies(ru, ar, next_day)) is None


def test_texts_sharing_few_of_their_figures_are_two_pieces_of_news() -> None:
    # The same minister's other statement repeats one figure of the gas story.
    other = (
        EN_OTHER_STATEMENT[0],
        [
            *EN_OTHER_STATEMENT[1],
            "He recalled that Egypt will receive 1.5 billion cubic metres of gas a year, and "
            "that the grid will use 40,000 km of new lines and 700 substations.",
        ],
    )
    gas = (AR_GAS[0], [*AR_GAS[1], "وتبلغ قيمة العقد ٨٠٠ مليون دولار."])
    ar, en = text(1, "ar", gas), text(2, "en", other, hours=1)
    assert len(ar.keys.keys() & en.keys.keys() & {"f:1.5e9", "f:12%", "f:800e6"}) == 1
    assert judge(ar, en, frequencies(ar, en)) is None


def test_a_follow_up_a_day_later_brings_its_own_facts() -> None:
    follow_up = (
        "Egypt gas deal signed in Cairo",
        [
            "MOSCOW, March 13. /TASS/. Russian Deputy Energy Minister Oleg Varnavin signed in "
            "Kazan the deal to supply 1.5 billion cubic metres of gas a year on Thursday, at a "
            "price 12% below last year's.",
            "The first 250 million cubic metres will leave Novorossiysk on 2 April, and Egypt "
            "will pay 180 million dollars for them, Varnavin said.",
        ],
    )
    ru = text(1, "ru", RU_GAS)
    later = text(2, "en", follow_up, hours=26)
    assert judge(ru, later, frequencies(ru, later)) is None
    # The same facts as the original, a day later, are a late translation.
    late_translation = text(3, "en", EN_GAS, hours=26)
    assert judge(ru, late_translation, frequencies(ru, late_translation)) is not None
