"""Evidence across languages: parallel texts written for these tests in ru, ar and en."""

from __future__ import annotations

import pytest

from crawler.core.evidence import figures, name_keys, named_days, quantities, skeleton


@pytest.mark.parametrize(
    "spellings",
    [
        ("Лавров", "Lavrov", "لافروف"),
        ("Панкин", "Pankin", "بانكين"),
        ("НАТО", "NATO", "الناتو"),
        ("ТАСС", "TASS", "تاس"),
        ("Песков", "Peskov", "بيسكوف"),
        ("Шойгу", "Shoigu", "شويغو"),
        ("Захарова", "Zakharova", "زاخاروفا"),
    ],
)
def test_one_name_in_three_scripts_has_one_skeleton(spellings: tuple[str, ...]) -> None:
    keys = {skeleton(word) for word in spellings}
    assert len(keys) == 1, keys


def test_different_names_have_different_skeletons() -> None:
    assert skeleton("Лавров") != skeleton("Панкин")
    assert skeleton("Путин") != skeleton("Пескова")


def test_names_of_parallel_sentences_meet() -> None:
    ru = "Заместитель министра Александр Панкин заявил в Москве, что ОДКБ не сотрудничает с НАТО."
    en = "Deputy Minister Alexander Pankin said in Moscow that the CSTO has no ties with NATO."
    ar = "قال نائب الوزير ألكسندر بانكين في موسكو إن المنظمة لا تتعاون مع الناتو."
    shared = name_keys(ru) & name_keys(en) & name_keys(ar)
    assert {skeleton("Pankin"), skeleton("NATO"), skeleton("Alexander")} <= shared


@pytest.mark.parametrize(
    "text, key",
    [
        ("экспорт вырос до 1,5 млрд долларов", "1.5e9"),
        ("exports rose to $1.5 billion", "1.5e9"),
        ("ارتفعت الصادرات إلى ١٫٥ مليار دولار", "1.5e9"),
        ("ارتفعت الصادرات إلى 1.5 مليار دولار", "1.5e9"),
        ("рост на 42 процента", "42%"),
        ("growth of 42%", "42%"),
        ("نمو بنسبة ٤٢ بالمئة", "42%"),
        ("около 15 000 человек", "15000"),
        ("about 15,000 people", "15000"),
        ("نحو ١٥٬٠٠٠ شخص", "15000"),
        # Arabic goes on after the scale word: "71 thousand and 350".
        ("до 71 350 рублей за тонну", "71350"),
        ("to 71,350 roubles a tonne", "71350"),
        ("إلى ٧١ ألفا و350 روبلا للطن", "71350"),
        ("1,2 млрд долларов", "1.2e9"),
        ("بلغت 1 مليار و200 مليون دولار", "1.2e9"),
        # A number opening a word after "و" (and), "ب" (by), "ل" (for).
        ("و٣٤٠ جريحا", "340"),
        ("بـ 15 مليون", "15e6"),
    ],
)
def test_one_quantity_in_three_languages_has_one_key(text: str, key: str) -> None:
    assert key in quantities(text).values


def test_a_compound_is_one_figure_and_a_word_is_no_clitic() -> None:
    assert figures("٥ آلاف و٢٠ شخصا") == {"5020": "٥ آلاف و٢٠"}
    # A bigger part after "و" is another figure, not the rest of this one.
    assert set(figures("71 ألفا و2 مليون")) == {"71e3", "2e6"}
    # Latin letters glued to a number stay a word.
    assert figures("model b350 and l400") == {}


def test_a_year_alone_is_kept_apart() -> None:
    found = quantities("В 2022 году в городе жили 350 тысяч человек.")
    assert found.years == {"2022"}
    assert found.values == {"350e3"}


@pytest.mark.parametrize(
    "text, day",
    [
        ("встреча 9 февраля", "02-09"),
        ("the meeting on February 9", "02-09"),
        ("الاجتماع في ٩ شباط", "02-09"),
        ("الاجتماع في ۱۲ مارس", "03-12"),  # Persian digits
        ("الاجتماع في ١٢ مارس و٣ أبريل", "04-03"),
    ],
)
def test_a_day_named_with_its_month_in_any_digits(text: str, day: str) -> None:
    assert day in named_days(text)


def test_a_day_is_never_the_end_of_a_longer_number() -> None:
    # "123 февраля" is no day; nor is the "3" of "٢٠٢٣ مارس".
    assert named_days("к 123 февраля и ٢٠٢٣ مارس") == {}
    assert named_days("2023 9 февраля") == {"02-09": "9 февраля"}


def test_arabic_numerals_and_separators_are_read_wherever_they_stand() -> None:
    text = "بلغ ٣٫٥ مليار و ۱۲ بالمئة، ونحو ١٥٬٠٠٠ شخص و\u00a07 000 آخرين"
    assert quantities(text).values == {"3.5e9", "12%", "15000", "7000"}
    assert figures(text) == {
        "3.5e9": "٣٫٥ مليار",
        "12%": "۱۲ بالمئة",
        "15000": "١٥٬٠٠٠",
        "7000": "7 000",
    }
