"""Dates weighed by their evidence, and headlines as printed: pages written for these tests.

Every page here is invented (Russian, English, Arabic and Spanish text of our own); the layouts
imitate what news sites do: a date printed without its year under the headline, a URL that
carries the day, a kicker inside the ``<h1>``, the site's name after a dash in ``<title>``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.core.extract import ExtractOptions, extract

MSK = timezone(timedelta(hours=3))

BODIES = {
    "ru": (
        "Городской совет в среду утвердил план ремонта набережной, который обсуждали почти "
        "два года. Работы начнутся весной и продлятся до конца следующего лета.",
        "Депутаты также попросили мэрию сохранить старые фонари и каштаны вдоль реки, "
        "а подрядчика обязали каждый месяц отчитываться о ходе работ.",
    ),
    "en": (
        "The harbour board met on a wet morning and agreed to keep the old ferry running for "
        "one more winter, while the new boat waits for its engines.",
        "Board members also asked the port to publish the winter timetable a month early, so "
        "that families on the islands can plan their trips to the mainland.",
    ),
    "ar": (
        "اجتمع مجلس الميناء صباح يوم ممطر وقرر إبقاء العبارة القديمة في الخدمة لشتاء آخر، "
        "بينما تنتظر السفينة الجديدة محركاتها من المصنع.",
        "وطلب أعضاء المجلس من إدارة الميناء نشر جدول الرحلات الشتوي قبل شهر من موعده، "
        "حتى تتمكن العائلات في الجزر من التخطيط لرحلاتها.",
    ),
    "es": (
        "La junta del puerto se reunió en una mañana lluviosa y decidió mantener el viejo "
        "transbordador un invierno más, mientras el barco nuevo espera sus motores.",
        "Los miembros de la junta pidieron además publicar el horario de invierno con un mes "
        "de antelación, para que las familias de las islas puedan organizar sus viajes.",
    ),
}


def article_page(
    language: str,
    headline: str,
    *,
    date_line: str = "",
    head: str = "",
    h1: str | None = None,
) -> str:
    """A plain article page: the headline, an optional date line, two paragraphs."""
    paragraphs = "".join(f"<p>{text}</p>" for text in BODIES[language])
    date_html = f'<div class="date">{date_line}</div>' if date_line else ""
    heading = h1 if h1 is not None else f"<h1>{headline}</h1>"
    return (
        f'<html lang="{language}"><head><meta charset="utf-8">{head}</head><body>'
        f'<header><a href="/">Home</a></header><article>{heading}{date_html}'
        f"{paragraphs}</article></body></html>"
    )


# --- Dates ------------------------------------------------------------------------------------


def test_a_year_less_printed_date_loses_to_the_day_in_the_url() -> None:
    # Printed "5 de septiembre" under the headline, fetched years later on 4 September: read
    # against the fetch it would be 2026-09-05, after the fetch. The URL says 24 August 2020.
    html = article_page(
        "es", "El puerto mantiene el viejo transbordador", date_line="5 de septiembre"
    )
    url = "https://diario.example/noticias/2020/08/24/670291/puerto-transbordador"
    fetched = datetime(2026, 9, 4, 10, 0, tzinfo=UTC)
    article = extract(html, url, ExtractOptions(fetched_at=fetched))
    assert article.published == datetime(2020, 8, 24)
    assert (article.published_source, article.published_precision) == ("url", "day")


def test_a_year_less_date_refines_the_url_day_it_agrees_with() -> None:
    html = article_page(
        "ru", "Совет утвердил план ремонта набережной", date_line="19 ноября, 14:35"
    )
    url = "https://gazeta.example/news/2021/11/19/naberezhnaya"
    options = ExtractOptions(fetched_at=datetime(2023, 1, 5, tzinfo=UTC), timezone=MSK)
    article = extract(html, url, options)
    assert article.published == datetime(2021, 11, 19, 14, 35, tzinfo=MSK)
    assert article.published_text == "19 ноября, 14:35"
    assert (article.published_source, article.published_precision) == ("text", "minute")


def test_a_year_less_date_does_not_move_the_metadata() -> None:
    head = '<meta property="article:published_time" content="2021-03-02T08:10:00+03:00">'
    html = article_page("ar", "مجلس الميناء يبقي العبارة القديمة", date_line="٥ سبتمبر", head=head)
    fetched = datetime(2021, 9, 6, tzinfo=UTC)
    article = extract(html, "https://akhbar.example/a/1", ExtractOptions(fetched_at=fetched))
    assert article.published == datetime(2021, 3, 2, 8, 10, tzinfo=MSK)
    assert article.published_source == "meta"


@pytest.mark.parametrize(
    "language, headline, date_line, fetched, expected",
    [
        # Alone on the page: the latest year that keeps it no later than the fetch.
        ("ar", "مجلس الميناء يبقي العبارة القديمة", "٥ سبتمبر", datetime(2026, 9, 4, 10), 2025),
        ("ar", "مجلس الميناء يبقي العبارة القديمة", "٥ سبتمبر", datetime(2026, 9, 6, 10), 2026),
        ("ru", "Совет утвердил план ремонта набережной", "5 сентября", datetime(2026, 9, 4), 2025),
        (
            "es",
            "El puerto mantiene el viejo transbordador",
            "5 de septiembre",
            datetime(2026, 1, 2),
            2025,
        ),
    ],
)
def test_a_year_less_date_alone_is_never_after_the_fetch(
    language: str, headline: str, date_line: str, fetched: datetime, expected: int
) -> None:
    html = article_page(language, headline, date_line=date_line)
    options = ExtractOptions(fetched_at=fetched.replace(tzinfo=UTC), timezone=UTC)
    article = extract(html, "https://news.example/story", options)
    assert article.published == datetime(expected, 9, 5, tzinfo=UTC)
    assert article.published_source == "text"
    assert article.published <= fetched.replace(tzinfo=UTC)


def test_a_year_less_date_without_a_fetch_time_gives_no_date() -> None:
    html = article_page("ru", "Совет утвердил план ремонта набережной", date_line="19 ноября")
    article = extract(html, "https://gazeta.example/news/naberezhnaya")
    assert (article.published, article.published_source) == (None, "")


def test_the_url_settles_a_disagreement_between_metadata_and_the_printed_date() -> None:
    # The meta tag carries the day of the last edit; the printed line and the URL agree.
    head = '<meta property="article:published_time" content="2022-03-20T09:00:00Z">'
    html = article_page(
        "en", "Harbour board keeps the old ferry", date_line="February 9, 2022 14:35", head=head
    )
    article = extract(html, "https://ledger.example/2022/02/09/ferry")
    assert article.published == datetime(2022, 2, 9, 14, 35)
    assert article.published_source == "text"


def test_evidence_dated_after_the_fetch_is_dropped() -> None:
    head = '<meta property="article:published_time" content="2031-01-01T00:00:00Z">'
    html = article_page("en", "Harbour board keeps the old ferry", head=head)
    fetched = datetime(2022, 2, 10, tzinfo=UTC)
    article = extract(
        html, "https://ledger.example/2022/02/09/ferry", ExtractOptions(fetched_at=fetched)
    )
    assert (article.published, article.published_source) == (datetime(2022, 2, 9), "url")


def test_a_page_dated_only_in_its_furniture_gets_that_day_from_the_wider_search() -> None:
    # No metadata, no date line by the headline, no date in the URL: the day sits only in
    # the links to the story's own pictures and comments, which htmldate's search reads.
    html = article_page(
        "ru",
        "Совет утвердил план ремонта набережной",
        head='<meta name="generator" content="cms">',
    ).replace(
        "</article>",
        '</article><aside><img src="/pic/news/2011/11/28/nab/pic001.jpg" alt="">'
        '<a href="/comments/news/2011/11/28/nab/">Comments</a></aside>',
    )
    fetched = datetime(2011, 11, 28, 20, 0, tzinfo=UTC)
    article = extract(html, "https://gazeta.example/news/nab", ExtractOptions(fetched_at=fetched))
    assert article.published == datetime(2011, 11, 28)
    assert (article.published_source, article.published_precision) == ("search", "day")


def test_a_copyright_year_is_not_a_date() -> None:
    html = article_page("en", "Harbour board keeps the old ferry").replace(
        "</article>", "</article><footer><p>© The Ledger, 2022</p></footer>"
    )
    fetched = datetime(2024, 5, 6, tzinfo=UTC)
    article = extract(html, "https://ledger.example/ferry", ExtractOptions(fetched_at=fetched))
    assert (article.published, article.published_source) == (None, "")


# --- Headlines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, title, headline",
    [
        # A speaker before the dash is part of the headline.
        (
            "ru",
            "Мэр – министру: набережную откроют к лету | Вечерняя газета",
            "Мэр – министру: набережную откроют к лету",
        ),
        # So is a twist after it.
        (
            "en",
            "Police appeal after the harbour fires – 'critical' - The Ledger",
            "Police appeal after the harbour fires – 'critical'",
        ),
        # The site's name before the headline goes as well as after it.
        (
            "es",
            "Diario del Puerto | El puerto mantiene el viejo transbordador",
            "El puerto mantiene el viejo transbordador",
        ),
        (
            "ar",
            "مجلس الميناء – يبقي العبارة القديمة - صحيفة الميناء",
            "مجلس الميناء – يبقي العبارة القديمة",
        ),
    ],
)
def test_only_the_site_name_leaves_the_title(language: str, title: str, headline: str) -> None:
    site = title.rsplit(" - ", 1)[-1] if " - " in title else ""
    site = site or title.rsplit(" | ", 1)[-1] if language == "ru" else site
    if language == "es":
        site = "Diario del Puerto"
    head = f"<title>{title}</title><meta property='og:site_name' content='{site}'>"
    # The page's <h1> is its logo: the title comes from <title>.
    html = article_page(language, "", head=head, h1="<h1><a href='/'>LOGO</a></h1>")
    article = extract(html, "https://paper.example/story")
    assert article.title == headline


def test_the_host_name_spelled_in_the_title_is_the_site_name() -> None:
    head = "<title>Harbour board keeps the old ferry – Harbour-Ledger.com</title>"
    html = article_page("en", "", head=head, h1="<h1><a href='/'>LOGO</a></h1>")
    article = extract(html, "https://www.harbourledger.com/2022/02/09/ferry")
    assert article.title == "Harbour board keeps the old ferry"


def test_a_part_after_a_dash_stays_when_nothing_says_it_is_the_site() -> None:
    head = "<title>Harbour board keeps the old ferry - one more winter</title>"
    html = article_page("en", "", head=head, h1="<h1><a href='/'>LOGO</a></h1>")
    article = extract(html, "https://ledger.example/ferry")
    assert article.title == "Harbour board keeps the old ferry - one more winter"


@pytest.mark.parametrize(
    "h1, expected",
    [
        (
            '<h1><span class="kicker">General strike</span><span>Dock workers walk out</span></h1>',
            "General strike: Dock workers walk out",
        ),
        (
            "<h1>Всеобщая забастовка<br>Докеры вышли из порта</h1>",
            "Всеобщая забастовка: Докеры вышли из порта",
        ),
        # A headline broken over two lines by the layout carries on its sentence.
        ("<h1>Dock workers walk out<br>as talks fail</h1>", "Dock workers walk out as talks fail"),
        # A date stamp and a comment counter printed inside the heading are not headline.
        (
            '<h1>Dock workers walk out <span class="date">06.01.12 08:46</span></h1>',
            "Dock workers walk out",
        ),
        ("<h1><b>Dock</b> workers walk out</h1>", "Dock workers walk out"),
        # Arabic has no capitals: two words meeting at the edge of their elements.
        (
            "<h1><span>عاجل</span><span>إضراب عمال الميناء</span></h1>",
            "عاجل: إضراب عمال الميناء",
        ),
    ],
)
def test_the_printed_headline_keeps_its_parts_apart(h1: str, expected: str) -> None:
    # og:title leaves the kicker out, as sites do; the <h1> is what the reader sees.
    og_title = expected.split(": ")[-1]
    head = f"<meta property='og:title' content='{og_title}'>"
    html = article_page("ru" if "Док" in h1 else "en", "", head=head, h1=h1)
    article = extract(html, "https://ledger.example/strike")
    assert article.title == expected
    # The headline is not read again as the body's first paragraph.
    assert article.body[0].text == BODIES["ru" if "Док" in h1 else "en"][0]


def test_a_section_after_the_headline_goes_when_the_page_prints_the_headline_alone() -> None:
    # No <h1>, no og:title: the page sets its headline in an <h2>, the <title> adds a section.
    head = "<title>Совет утвердил план ремонта набережной - ГОРОД И ЛЮДИ</title>"
    html = article_page(
        "ru", "", head=head, h1="<h2 class='headline'>Совет утвердил план ремонта набережной</h2>"
    )
    article = extract(html, "https://gazeta.example/city/nab")
    assert article.title == "Совет утвердил план ремонта набережной"
    assert article.body[0].text == BODIES["ru"][0]


def test_a_word_that_only_holds_the_host_name_is_not_the_site_name() -> None:
    # ria.example: "материал" spells "material", which holds "ria" but is not the site.
    head = "<title>Совет утвердил план ремонта - Новый материал</title>"
    html = article_page("ru", "", head=head, h1="<h1><a href='/'>LOGO</a></h1>")
    article = extract(html, "https://ria.example/news/nab")
    assert article.title == "Совет утвердил план ремонта - Новый материал"
