"""One reading of charset labels for feeds, pages and seed files."""

from __future__ import annotations

import pytest

from crawler.core.charset import codec_for_label, decode_document, plausibility
from crawler.core.extract import decode_html
from crawler.core.feeds import parse_feed

LABELS = [
    ("windows-1251", "cp1251"),
    ("x-cp1251", "cp1251"),
    ("WIN-1251", "cp1251"),
    ('"koi8-r"', "koi8-r"),
    ("windows-1256", "cp1256"),
    ("x-cp1256", "cp1256"),
    ("x-mac-cyrillic", "mac-cyrillic"),
    ("iso-8859-1", "cp1252"),
    ("latin1", "cp1252"),
    ("us-ascii", "cp1252"),
    ("gb2312", "gb18030"),
    (b"utf-8", "utf-8"),
    ("no-such-charset", None),
    ("", None),
]


@pytest.mark.parametrize("label, codec", LABELS)
def test_labels_mean_what_servers_mean(label: str | bytes, codec: str | None) -> None:
    assert codec_for_label(label) == codec


RUSSIAN = "Москва. Министр иностранных дел России провёл переговоры в Каире."
ARABIC = "أجرى وزير الخارجية الروسي محادثات في القاهرة مع نظيره المصري."


@pytest.mark.parametrize("label", ["x-cp1251", "windows-1251"])
def test_a_feed_and_a_page_with_the_same_label_read_alike(label: str) -> None:
    feed = (
        f'<?xml version="1.0" encoding="{label}"?><rss version="2.0"><channel><title>Новости'
        f"</title><item><title>{RUSSIAN}</title><link>https://example.ru/1</link></item>"
        "</channel></rss>"
    ).encode("cp1251")
    parsed = parse_feed(feed, "https://example.ru/rss")
    assert parsed.entries[0].title == RUSSIAN
    page = (
        f'<html><head><meta charset="{label}"><title>t</title></head><body><p>{RUSSIAN}</p>'
        "</body></html>"
    ).encode("cp1251")
    assert RUSSIAN in decode_html(page)


def test_a_garbled_reading_scores_below_a_real_one() -> None:
    for text, codec in ((RUSSIAN, "cp1251"), (ARABIC, "cp1256")):
        data = text.encode(codec)
        assert plausibility(text) > 0
        assert plausibility(data.decode("cp1252", errors="replace")) < 0
        decoded, used, _ = decode_document(data, "iso-8859-1")
        assert decoded == text and used == codec
