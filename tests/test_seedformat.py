"""The seed format: the real seed file, texts missing parts, and round trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.core.errors import SeedFormatError
from crawler.core.items import Alternate, Article, Block
from crawler.core.seedformat import parse_seed_text, parse_switcher, render_seed_text

PUBLISHER = 'مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"'
SUBHEADING = "تنفيذ مهام حفظ السلام"


def _lines(text: str) -> list[str]:
    """Non-empty lines with whitespace (NBSP included) collapsed: 'the same up to whitespace'."""
    return [" ".join(line.split()) for line in text.splitlines() if line.split()]


def test_seed_file_fields(seed_text: str) -> None:
    article = parse_seed_text(seed_text, source_file="000_fddc9570532f3f98.txt")
    lines = _lines(seed_text)
    assert article.title == lines[1]
    assert article.published is not None
    assert article.published.date() == date(2022, 2, 9)
    assert article.published_text == "٠٩ فبراير ٢٠٢٢"
    assert article.published_source == "text"
    assert article.published_precision == "day"
    assert article.language == "ar"
    assert article.alternates == (Alternate("ru"), Alternate("en"))
    assert article.publisher == PUBLISHER
    assert article.photo_credit == "Creative Commons"
    assert article.wire_agency == "tass"
    assert article.attribution == "المصدر: تاس"
    assert article.outlet == "russia-islworld.ru"
    assert article.source_file == "000_fddc9570532f3f98.txt"


def test_seed_body_keeps_every_paragraph_in_order(seed_text: str) -> None:
    article = parse_seed_text(seed_text)
    lines = _lines(seed_text)
    # Between the date line and the publisher line, every line is a body block.
    expected = lines[3 : lines.index(PUBLISHER)]
    assert [b.text for b in article.body] == expected
    headings = [b.text for b in article.body if b.kind == "subheading"]
    assert headings == [SUBHEADING]
    assert len(article.paragraphs) == len(expected) - 1


def test_seed_renders_back_to_the_same_text(seed_text: str) -> None:
    article = parse_seed_text(seed_text)
    assert _lines(render_seed_text(article)) == _lines(seed_text)
    assert parse_seed_text(render_seed_text(article)) == article


def test_text_without_switcher_date_or_footer() -> None:
    article = parse_seed_text("Заголовок новости\n\nПервый абзац текста.\n\nВторой абзац.\n")
    assert article.title == "Заголовок новости"
    assert article.alternates == ()
    assert article.published is None and article.published_text == ""
    assert article.publisher == "" and article.photo_credit == ""
    assert article.paragraphs == ("Первый абзац текста.", "Второй абзац.")
    assert article.language == "ru"


def test_text_with_date_but_no_footer() -> None:
    article = parse_seed_text("Ru En\nعنوان\n9 فبراير/شباط 2022\nفقرة أولى من النص.\n")
    assert article.title == "عنوان"
    assert article.published == datetime(2022, 2, 9)
    assert article.paragraphs == ("فقرة أولى من النص.",)


def test_source_line_without_photo() -> None:
    text = "Title here\n\nFebruary 9, 2022\n\nThe text of it.\n\nSource: Reuters\n"
    article = parse_seed_text(text)
    assert article.wire_agency == "reuters"
    assert article.attribution == "Source: Reuters"
    assert article.paragraphs == ("The text of it.",)


def test_wire_agency_found_in_the_body_when_there_is_no_source_line() -> None:
    text = "Заголовок\n\nМОСКВА, 9 февраля. /ТАСС/. Текст новости.\n\nЕще абзац.\n"
    article = parse_seed_text(text)
    assert article.wire_agency == "tass"
    assert article.attribution and article.attribution in article.body_text
    # A woven-in attribution stays in the body: no source line is invented.
    assert "Источник" not in render_seed_text(article)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   \n\u00a0\n\n", "empty"),
        ("Ru En\n\n", "no title"),
        ("Only a title\n", "no body"),
        ("Ru En\nOnly a title\n\n", "no body"),
    ],
)
def test_no_title_or_no_body_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(SeedFormatError, match=message):
        parse_seed_text(text)


@pytest.mark.parametrize(
    "line, languages",
    [
        ("Ru En", ["ru", "en"]),
        ("RU | EN | AR", ["ru", "en", "ar"]),
        ("English Русский", ["en", "ru"]),
        ("Ru En Fr De Es Tr Fa Zh Ur", []),  # too many to be a switcher
        ("Russia and England", []),
        ("Ru", ["ru"]),
    ],
)
def test_switcher_line(line: str, languages: list[str]) -> None:
    assert [a.language for a in parse_switcher(line)] == languages


def test_rendered_article_with_subheadings_and_no_text_date() -> None:
    article = Article(
        title="Заголовок",
        body=(
            Block("Первый абзац, который кончается точкой."),
            Block("Раздел второй", "subheading"),
            Block("Второй абзац тоже кончается точкой."),
        ),
        published=datetime(2022, 2, 9),
        language="ru",
        alternates=(Alternate("ar"), Alternate("en")),
        publisher="Редакция",
        photo_credit="Архив",
        wire_agency="tass",
        attribution="Источник: ТАСС",
    )
    text = render_seed_text(article)
    assert "9 февраля 2022" in text
    back = parse_seed_text(text)
    assert back.body == article.body
    assert back.publisher == "Редакция" and back.photo_credit == "Архив"
    assert back.wire_agency == "tass" and back.attribution == "Источник: ТАСС"
    assert back.published == datetime(2022, 2, 9)


def test_content_hash_follows_the_text_not_the_url() -> None:
    article = parse_seed_text("T\n\nBody.\n")
    assert replace(article, url="http://a.example/x").content_hash == article.content_hash
    assert replace(article, title="Other").content_hash != article.content_hash


# -- properties ---------------------------------------------------------------

_arabic = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىـً ٠١٢٣٤٥٦٧٨٩", max_size=80)
_cyrillic = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщьыъэюяАБВГДЕЁ ТАСС", max_size=80)
_piece = st.one_of(
    _arabic,
    _cyrillic,
    st.text(max_size=60),
    st.sampled_from(
        [
            "Ru En",
            "٠٩ فبراير ٢٠٢٢",
            "9 февраля 2022",
            "Photo : Creative Commons",
            "المصدر: تاس",
            "Источник: ТАСС",
            PUBLISHER,
            "\u00a0",
            "",
            "...",
        ]
    ),
)
_documents = st.lists(_piece, max_size=14).map(
    lambda parts: "\n".join(p + "\n" * (i % 3) for i, p in enumerate(parts))
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), _documents))
def test_parsing_never_crashes(text: str) -> None:
    try:
        article = parse_seed_text(text)
    except SeedFormatError:
        return
    assert article.title
    assert article.body


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_parse_render_parse_is_stable(text: str) -> None:
    try:
        article = parse_seed_text(text)
    except SeedFormatError:
        return
    assert parse_seed_text(render_seed_text(article)) == article
