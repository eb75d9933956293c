"""Article pages to records: our own golden pages (invented text), encodings, feeds, failures.

Every page under ``tests/golden/pages`` was written for these tests; none is a copy of a
real page. ``islworld_ar.html`` and ``islworld_ru.html`` imitate two layouts of the seed site
(russia-islworld.ru): language switcher, headline, printed date, photo caption above the
text, body with subheadings, publisher line and source line; the ``.txt`` beside each is the
seed-format text the extraction must render to.
"""

from __future__ import annotations

import contextlib
import html
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.core import sites
from crawler.core.errors import WirecrawlError
from crawler.core.extract import (
    MAX_HTML_BYTES,
    ExtractionError,
    ExtractOptions,
    article_from_entry,
    decode_html,
    extract,
    extract_main_text,
)
from crawler.core.items import Alternate, Article, Block, FeedEntry
from crawler.core.seedformat import parse_seed_text, render_seed_text

PAGES = Path(__file__).parent / "golden" / "pages"
MSK = timezone(timedelta(hours=3))

ISLWORLD_URL = "https://russia-islworld.ru/ar/novosti/mjls-altawn-alaqlymy-2022-02-09-31339"
RU_URL = "https://vesti-privolzhya.example/news/2022/rechnoy-vokzal.html?utm_source=rss"
EN_URL = "https://coastal-ledger.example/world/harbour-ferry-timetable-idUS1234?utm_medium=rss"
LIBRARY_URL = "https://valley-courier.example/2021/11/03/library"

RU_PARAGRAPH = (
    "В Приволжске в среду открыли новый речной вокзал, строительство которого шло почти "
    "три года. Здание рассчитано на одновременное обслуживание четырех теплоходов."
)


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# --- The seed site ----------------------------------------------------------------------------


def test_islworld_page_renders_the_seed_layout() -> None:
    article = extract(page("islworld_ar.html"), ISLWORLD_URL)
    expected = (PAGES / "islworld_ar.txt").read_text(encoding="utf-8")
    assert render_seed_text(article) == expected


def test_islworld_page_fields() -> None:
    article = extract(page("islworld_ar.html"), ISLWORLD_URL)
    assert article.title == "مجلس التعاون الإقليمي يبحث خطة مشتركة لحماية الممرات المائية"
    assert article.url == ISLWORLD_URL
    assert article.outlet == "russia-islworld.ru"
    assert article.language == "ar"
    assert article.alternates == (
        Alternate(
            "ru",
            "https://russia-islworld.ru/novosti/sovet-regionalnogo-sotrudnicestva-2022-02-09-31337",
        ),
        Alternate(
            "en",
            "https://russia-islworld.ru/en/novosti/regional-council-waterways-2022-02-09-31338",
        ),
    )
    assert article.published == datetime(2022, 2, 9)
    assert article.published_text == "٠٩ فبراير ٢٠٢٢"
    assert (article.published_source, article.published_precision) == ("text", "day")
    assert article.publisher == 'مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"'
    assert article.photo_credit == "Creative Commons"
    assert (article.wire_agency, article.attribution) == ("tass", "المصدر: تاس")
    kinds = [block.kind for block in article.body]
    assert kinds == ["paragraph"] * 3 + ["subheading"] + ["paragraph"] * 2 + ["subheading"] + [
        "paragraph"
    ]
    assert article.body[3] == Block("مراحل تنفيذ الخطة", "subheading")
    # Nothing of the page's furniture gets into the body.
    text = article.body_text
    for furniture in ("شارك", "أخبار أخرى", "الرئيسية", "Photo", "المصدر", "جميع الحقوق"):
        assert furniture not in text


def test_islworld_rendering_reads_back_as_the_same_article() -> None:
    article = extract(page("islworld_ar.html"), ISLWORLD_URL)
    again = parse_seed_text(render_seed_text(article))
    assert again.title == article.title
    assert again.body == article.body
    assert again.content_hash == article.content_hash
    assert again.published == article.published
    assert (again.publisher, again.photo_credit) == (article.publisher, article.photo_credit)
    assert (again.wire_agency, again.attribution) == (article.wire_agency, article.attribution)
    assert [a.language for a in again.alternates] == ["ru", "en"]


ISLWORLD_RU_URL = "https://russia-islworld.ru/novosti/delegacia-ucenyh-2022-02-09-31400"


def test_islworld_russian_edition_with_another_template() -> None:
    # The site's name in an <h1> logo, the headline in an <h3>, the photo caption above the
    # date, paragraphs separated by <br><br>, a bold subheading: the older layout.
    article = extract(page("islworld_ru.html"), ISLWORLD_RU_URL)
    expected = (PAGES / "islworld_ru.txt").read_text(encoding="utf-8")
    assert render_seed_text(article) == expected
    assert article.title == "Делегация ученых обсудила в Казани программу летней школы"
    assert article.language == "ru"
    assert [a.language for a in article.alternates] == ["en", "ar"]
    assert article.published == datetime(2022, 2, 9)
    assert article.photo_credit == "пресс-служба организаторов"
    assert (article.wire_agency, article.attribution) == ("tass", "Источник: ТАСС")
    # The same words in the logo above the headline are not a publisher line.
    assert article.publisher == ""
    assert Block("Набор слушателей", "subheading") in article.body
    assert "Другие новости" not in article.body_text


def _seed_like_page(article: Article) -> str:
    """A page in the seed site's layout around the fields of ``article``."""
    body = "".join(
        f"<h3>{html.escape(b.text)}</h3>"
        if b.kind == "subheading"
        else f"<p>{html.escape(b.text)}</p>"
        for b in article.body
    )
    return f"""<html lang="ar"><head><meta charset="utf-8">
<title>{html.escape(article.title)}</title></head><body>
<div class="lang"><a href="/novosti/x-2022-02-09-1">Ru</a>
<a href="/en/novosti/x-2022-02-09-2">En</a></div>
<div class="news-detail"><h1>{html.escape(article.title)}</h1>
<div class="date">{article.published_text}</div><div class="text">{body}</div>
<div class="author">{html.escape(article.publisher)}</div>
<div class="photo">Photo : {html.escape(article.photo_credit)}</div>
<div class="source">{html.escape(article.attribution)}</div></div></body></html>"""


def test_real_seed_survives_a_page_round_trip(seed_text: str) -> None:
    # The real seed's text (tatweel, NBSP, Levantine months and all) put into the site's
    # layout at test time, then extracted: the seed format comes back line for line.
    seed = parse_seed_text(seed_text)
    article = extract(_seed_like_page(seed), "https://russia-islworld.ru/ar/novosti/x-2022-02-09-3")

    def lines(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines() if line.split()]

    assert lines(render_seed_text(article)) == lines(seed_text)
    assert article.body == seed.body
    assert (article.wire_agency, article.published) == ("tass", seed.published)


def test_islworld_rule_can_be_turned_off() -> None:
    article = extract(page("islworld_ar.html"), ISLWORLD_URL, ExtractOptions(site_rules=False))
    # The generic path still finds the text and the date, but not the footer lines.
    assert article.paragraphs[0].startswith("أعلن الأمين العام")
    assert article.published == datetime(2022, 2, 9)
    assert article.photo_credit == ""


@pytest.mark.parametrize(
    "url, has_rule",
    [
        ("https://russia-islworld.ru/ar/novosti/x-2022-02-09-1", True),
        ("https://www.russia-islworld.ru/novosti/x-2022-02-09-1", True),
        ("http://russia-islworld.ru/en/", True),
        ("https://not-russia-islworld.ru/ar/novosti/x", False),
        ("https://example.com/russia-islworld.ru", False),
        ("not a url", False),
    ],
)
def test_site_rules_match_by_host(url: str, has_rule: bool) -> None:
    assert (sites.rule_for(url) is not None) is has_rule


# --- Generic pages ----------------------------------------------------------------------------


def test_russian_page_with_a_relative_date_and_a_tass_credit() -> None:
    options = ExtractOptions(fetched_at=datetime(2022, 2, 9, 13, 0, tzinfo=UTC), timezone=MSK)
    article = extract(page("ru_today_tass.html"), RU_URL, options)
    assert article.title == "В Приволжске открыли новый речной вокзал"
    assert article.published == datetime(2022, 2, 9, 15, 33, tzinfo=MSK)
    assert article.published_text == "Сегодня, 15:33"
    assert (article.published_source, article.published_precision) == ("text", "minute")
    assert article.language == "ru"
    assert (article.wire_agency, article.attribution) == ("tass", "— ТАСС")
    # The canonical link is on the same site: it replaces the feed's tracking URL.
    assert article.url == "https://vesti-privolzhya.example/news/2022/rechnoy-vokzal.html"
    assert article.outlet == "vesti-privolzhya.example"
    assert article.fetched_at == options.fetched_at
    assert article.paragraphs[0] == RU_PARAGRAPH
    assert "Читайте также" not in article.body_text


def test_relative_date_needs_the_fetch_time() -> None:
    article = extract(page("ru_today_tass.html"), RU_URL)
    # "Сегодня" cannot be read without knowing when "today" was; the URL has no day either.
    assert article.published is None
    assert article.published_source == ""


def test_english_wire_page_with_json_ld() -> None:
    article = extract(page("en_reuters_jsonld.html"), EN_URL)
    assert article.title == "Harbour authority approves new ferry timetable"
    # JSON-LD datePublished beats the <time> element, which shows another day.
    assert article.published == datetime(2022, 2, 9, 14, 35, tzinfo=UTC)
    assert article.published_text == "2022-02-09T14:35:00Z"
    assert (article.published_source, article.published_precision) == ("meta", "second")
    assert article.authors == ("Jane Harbor", "Tom Keel")
    assert article.language == "en"
    assert article.url == "https://coastal-ledger.example/world/harbour-ferry-timetable-idUS1234"
    # x-default and the page's own language are not other editions.
    assert article.alternates == (
        Alternate("es", "https://es.coastal-ledger.example/mundo/horario-ferry-idES1234"),
    )
    assert article.wire_agency == "reuters"
    assert article.attribution == "PORT ELLIS, Feb 9 (Reuters) -"
    assert article.paragraphs[0].startswith("PORT ELLIS, Feb 9 (Reuters) - The port authority")


def test_h2_and_h3_become_subheadings() -> None:
    article = extract(page("en_subheadings.html"), LIBRARY_URL)
    assert [(b.kind, b.text) for b in article.body if b.kind == "subheading"] == [
        ("subheading", "A building saved by its neighbours"),
        ("subheading", "What is new inside"),
        ("subheading", "A garden on the roof"),
    ]
    assert article.body[0].kind == "paragraph"
    assert len(article.paragraphs) == 5
    assert article.published == datetime(2021, 11, 3, 8, 15, tzinfo=timezone(timedelta(hours=1)))
    assert article.published_source == "meta"


def test_headline_is_not_repeated_in_the_body() -> None:
    article = extract(page("en_subheadings.html"), LIBRARY_URL)
    assert all(block.text != article.title for block in article.body)


def test_extract_main_text_gives_block_texts() -> None:
    texts = extract_main_text(page("en_subheadings.html"), LIBRARY_URL)
    assert texts[0].startswith("Two years after the flood")
    assert "What is new inside" in texts
    assert extract_main_text(b"", LIBRARY_URL) == []


# --- Encodings --------------------------------------------------------------------------------


def test_windows_1256_page_with_meta_charset() -> None:
    data = page("ar_windows1256.html")
    assert b"windows-1256" in data
    article = extract(data, "http://www.wadi-news.example/culture/2022/03/15/book-fair")
    assert article.title == "افتتاح معرض للكتاب في مدينة الساحل"
    assert article.paragraphs[0].startswith("افتتح محافظ مدينة الساحل")
    assert article.language == "ar"
    assert article.outlet == "wadi-news.example"
    assert article.published == datetime(2022, 3, 15)
    assert article.published_text == "الثلاثاء 15 مارس 2022"


def test_charset_from_http_header_and_from_detection() -> None:
    data = page("ar_windows1256.html").replace(
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">', b""
    )
    title = "افتتاح معرض للكتاب في مدينة الساحل"
    by_header = extract(
        data, "http://x.example/a", headers={"Content-Type": "text/html; charset=windows-1256"}
    )
    assert by_header.title == title
    assert extract(data, "http://x.example/a").title == title


def test_stored_copy_keeps_its_old_charset_label_but_is_utf8() -> None:
    text = (PAGES / "ru_today_tass.html").read_text(encoding="utf-8")
    relabelled = text.replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
    article = extract(relabelled.encode("utf-8"), RU_URL)
    assert article.paragraphs[0] == RU_PARAGRAPH


@pytest.mark.parametrize("codec", ["cp1251", "koi8-r"])
def test_cyrillic_single_byte_pages(codec: str) -> None:
    text = (PAGES / "ru_today_tass.html").read_text(encoding="utf-8")
    relabelled = text.replace('<meta charset="utf-8">', f'<meta charset="{codec}">')
    # Characters the codec lacks ("•" in koi8-r) are written as entities, as such pages do.
    data = relabelled.encode(codec, errors="xmlcharrefreplace")
    assert extract(data, RU_URL).paragraphs[0] == RU_PARAGRAPH


@pytest.mark.parametrize(
    "data, expected",
    [
        ("\ufeffплain".encode("utf-8"), "плain"),
        ("тест".encode("utf-16"), "тест"),
        (b"<meta charset='no-such-codec'>caf\xc3\xa9", "<meta charset='no-such-codec'>café"),
        (b"<meta charset='latin1'>\x93quoted\x94", "<meta charset='latin1'>“quoted”"),
    ],
)
def test_decode_html(data: bytes, expected: str) -> None:
    assert decode_html(data) == expected


# --- Feeds ------------------------------------------------------------------------------------

ENTRY = FeedEntry(
    entry_id="urn:x:1",
    link="https://vesti-privolzhya.example/news/2022/rechnoy-vokzal.html",
    title="В Приволжске открыли новый речной вокзал",
    published=datetime(2022, 2, 9, 12, 33, tzinfo=UTC),
    published_text="Wed, 09 Feb 2022 15:33:00 +0300",
    content_html=(
        f"<p>{RU_PARAGRAPH}</p><h2>Что дальше</h2>"
        "<p>Первые рейсы из нового вокзала отправятся в начале мая, когда на реке начнется "
        "навигация, сообщает ТАСС.</p>"
    ),
    authors=("Иван Речной",),
)


def test_article_from_entry_uses_the_feed_content() -> None:
    article = article_from_entry(ENTRY, feed_language="ru")
    assert article is not None
    assert article.title == ENTRY.title
    assert article.body[0] == Block(RU_PARAGRAPH)
    assert article.body[1] == Block("Что дальше", "subheading")
    assert article.published == ENTRY.published
    assert (article.published_source, article.published_precision) == ("feed", "second")
    assert article.published_text == ENTRY.published_text
    assert article.language == "ru"
    assert article.authors == ("Иван Речной",)
    assert article.wire_agency == "tass"
    assert article.url == ENTRY.link
    assert article.outlet == "vesti-privolzhya.example"


def test_article_from_entry_reads_a_plain_summary() -> None:
    entry = FeedEntry(
        entry_id="2", link="https://example.org/a", title="A title", summary=RU_PARAGRAPH * 2
    )
    article = article_from_entry(entry)
    assert article is not None
    assert article.language == "ru"
    assert article.published is None


@pytest.mark.parametrize(
    "entry",
    [
        FeedEntry(entry_id="3", link="https://example.org/a", title="Teaser", summary="Short."),
        FeedEntry(entry_id="4", link="https://example.org/a", title="", summary=RU_PARAGRAPH * 3),
        FeedEntry(entry_id="5", link="https://example.org/a", title="Nothing"),
    ],
)
def test_article_from_entry_refuses_a_teaser(entry: FeedEntry) -> None:
    assert article_from_entry(entry) is None


def test_feed_entry_fills_what_the_page_lacks() -> None:
    html = f"<html><body><div><p>{RU_PARAGRAPH}</p><p>{RU_PARAGRAPH}</p></div></body></html>"
    entry = FeedEntry(
        entry_id="6",
        link="https://example.org/a",
        title="Заголовок из ленты",
        published=datetime(2022, 2, 9, 12, 33, tzinfo=UTC),
        published_text="2022-02-09T12:33:00Z",
        authors=("Автор Ленты",),
        language="ru",
    )
    article = extract(html, "https://example.org/a", feed_entry=entry)
    assert article.title == "Заголовок из ленты"
    assert article.published == entry.published
    assert article.published_source == "feed"
    assert article.authors == ("Автор Ленты",)


def test_date_from_the_url() -> None:
    html = "<html><body><article><p>" + RU_PARAGRAPH + "</p></article></body></html>"
    from_url = extract(html, "https://example.org/news/2021-12-30-some-slug-12345")
    assert (from_url.published, from_url.published_source) == (datetime(2021, 12, 30), "url")


@pytest.mark.parametrize(
    "paragraph",
    [
        RU_PARAGRAPH,
        "The harbour board met on a wet morning and agreed to keep the old ferry running for "
        "one more winter, while the new boat waits for its engines.",
        "اجتمع مجلس الميناء صباح يوم ممطر وقرر إبقاء العبارة القديمة في الخدمة لشتاء آخر، "
        "بينما تنتظر السفينة الجديدة محركاتها.",
        "La junta del puerto se reunió en una mañana lluviosa y decidió mantener el viejo "
        "transbordador un invierno más, mientras el barco nuevo espera sus motores.",
    ],
)
def test_a_page_without_date_evidence_has_no_date(paragraph: str) -> None:
    # No metadata, no printed date, no feed, no date in the URL: the fetch time is not a
    # publication date, and inventing one would make a late copy look first.
    html = f"<html><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    fetched = datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)
    undated = extract(html, "https://example.org/news/a", ExtractOptions(fetched_at=fetched))
    assert undated.published is None
    assert (undated.published_source, undated.published_precision) == ("", "")
    assert undated.published_text == ""
    assert undated.fetched_at == fetched


# --- Failures ---------------------------------------------------------------------------------


def test_page_without_article_text_raises_with_the_url() -> None:
    url = "https://valley-courier.example/empty"
    with pytest.raises(ExtractionError, match=re.escape(url)):
        extract(page("empty_article.html"), url)


@pytest.mark.parametrize("html", ["", b"", "   \n ", b"\x00\x00", "<html></html>", "<!-- -->"])
def test_empty_input_raises(html: str | bytes) -> None:
    with pytest.raises(ExtractionError):
        extract(html, "https://example.org/x")


def test_extraction_error_is_a_wirecrawl_error() -> None:
    assert issubclass(ExtractionError, WirecrawlError)


@pytest.mark.parametrize("tag", ["div", "span", "blockquote", "h2", "li", "table"])
def test_deeply_nested_page_neither_hangs_nor_loses_its_text(tag: str) -> None:
    depth = 5000
    html = f"<html><body>{f'<{tag}>' * depth}<p>{RU_PARAGRAPH}</p></body></html>"
    started = time.perf_counter()
    article = extract(html, "https://example.org/deep")
    assert time.perf_counter() - started < 10
    assert article.paragraphs == (RU_PARAGRAPH,)


@pytest.mark.parametrize(
    "filler",
    [
        "<div>" + "x " * 500 + "</div>\n",  # a page larger than the size cap
        '<a href="/x">link text</a> ',  # a hundred thousand elements in one paragraph
        "word<br>",
        "<p>a b</p>",
    ],
)
def test_huge_pages_take_seconds_not_minutes(filler: str) -> None:
    head = f"<html><body><article><h1>Big</h1><p>{RU_PARAGRAPH}</p></article>"
    html = (head + filler * (MAX_HTML_BYTES // len(filler) + 1)).encode()
    assert len(html) > MAX_HTML_BYTES
    started = time.perf_counter()
    with contextlib.suppress(ExtractionError):
        extract(html, "https://example.org/huge")
    assert time.perf_counter() - started < 20


# Arbitrary input: the only exceptions allowed are ours.
_HTMLISH = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div>",
                "</div>",
                "<h1>",
                "<h2>",
                "<br>",
                "<table><tr><td>",
                "<script>",
                "<?xml version='1.0' encoding='utf-8'?>",
                "<meta charset='koi8-r'>",
                '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":',
                '<meta property="article:published_time" content="',
                '<html lang="',
                "Сегодня, 15:33",
                "٠٩ فبراير ٢٠٢٢",
                "المصدر: تاس",
                "Photo : x",
            ]
        ),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=st.one_of(_HTMLISH, st.text(max_size=300)))
def test_extract_raises_only_our_errors_on_any_text(html: str) -> None:
    try:
        article = extract(html, "https://russia-islworld.ru/ar/novosti/x-2022-02-09-1")
    except WirecrawlError:
        return
    assert article.body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), url=st.sampled_from(["https://example.org/a", "", "::"]))
def test_extract_raises_only_our_errors_on_any_bytes(data: bytes, url: str) -> None:
    with contextlib.suppress(WirecrawlError):
        extract(data, url, ExtractOptions(fetched_at=datetime(2022, 1, 1, tzinfo=UTC)))


# --- Layering ---------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["crawler.core.extract", "crawler.core.sites"])
def test_extract_imports_no_framework(module: str) -> None:
    frameworks = ["scrapy", "twisted", "click", "sqlite_utils"]
    code = f"import sys, {module}; print(','.join(m for m in {frameworks!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_sites_does_not_import_trafilatura() -> None:
    code = "import sys, crawler.core.sites; print('trafilatura' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
