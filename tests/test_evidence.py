"""Evidence across languages: parallel texts written for these tests in ru, ar and en."""

from __future__ import annotations

import pytest

from crawler.core.evidence import name_keys, quantities, skeleton


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
    ],
)
def test_one_quantity_in_three_languages_has_one_key(text: str, key: str) -> None:
    assert key in quantities(text).values


def test_a_year_alone_is_kept_apart() -> None:
    found = quantities("В 2022 году в городе жили 350 тысяч человек.")
    assert found.years == {"2022"}
    assert found.values == {"350e3"}
