"""Property-based tests that the per-module ones leave out: no input crashes, fixed points hold.

tests/test_seedformat.py, test_dates.py, test_urls.py and test_text.py
already check that their parsers never raise on any text and that
canonicalising or normalising twice changes nothing. These add the inputs
those strategies rarely produce: the bytes of any file on its way through
``wirecrawl import``; text dense in Arabic and Cyrillic letters, harakat,
tatweel and Eastern digits; dates with numbers far out of range; URLs with
odd hosts (IDN, IPv6, shorthand IPv4, user info, bad ports) resolved against
odd bases; and the charset guessing shared by feeds, pages and imports.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.app.importer import decode_text
from crawler.core.charset import guess_legacy_charset, reread_garbled
from crawler.core.dates import find_date, parse_date, parse_feed_date
from crawler.core.errors import InputFileError, SeedFormatError
from crawler.core.extract import decode_html
from crawler.core.seedformat import parse_seed_text, render_seed_text
from crawler.core.text import normalise, words
from crawler.core.urls import canonical_url, is_private_address, outlet_of
from crawler.glue.safety import host_of, scheme_of

QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ARABIC = st.characters(min_codepoint=0x600, max_codepoint=0x6FF)
CYRILLIC = st.characters(min_codepoint=0x400, max_codepoint=0x52F)
MARKS = st.sampled_from(list("\u0640\u064b\u064e\u0651\u0670ёЁйЙ٠١٩۰۹ \n\t.,-/:؟،"))
#: Text as files hold it (no lone surrogates), dense in the letters of our languages.
DENSE = st.text(st.one_of(ARABIC, CYRILLIC, MARKS, st.characters(codec="utf-8")), max_size=200)
#: Any Python string, lone surrogates included.
DENSE_STR = st.text(st.one_of(ARABIC, CYRILLIC, MARKS, st.characters()), max_size=200)


@QUICK
@given(st.binary(max_size=3000))
def test_any_file_is_imported_or_refused_with_a_reason(data: bytes) -> None:
    try:
        article = parse_seed_text(decode_text(data, "file.txt"))
    except (InputFileError, SeedFormatError):
        return
    assert parse_seed_text(render_seed_text(article)) == article


@QUICK
@given(st.lists(DENSE, max_size=10).map("\n".join), st.sampled_from(["utf-8", "utf-16"]))
def test_dense_text_in_a_file_round_trips(text: str, codec: str) -> None:
    try:
        article = parse_seed_text(decode_text(text.encode(codec), "file.txt"))
    except (InputFileError, SeedFormatError):
        return
    assert parse_seed_text(render_seed_text(article)) == article


@QUICK
@given(DENSE_STR)
def test_normalising_dense_text_twice_changes_nothing(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert all(word == normalise(word) for word in words(text))


EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
NUMBER = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10**12).map(lambda n: str(n).translate(EASTERN_DIGITS)),
)
WORD = st.sampled_from(
    ["февраля", "фев.", "فبراير", "شباط", "February", "г.", ":", ".", "/", "-", "T", "Z", "+03:00"]
)


@QUICK
@given(st.lists(st.one_of(NUMBER, WORD), min_size=1, max_size=8).map(" ".join))
def test_dates_with_numbers_out_of_range_never_raise(text: str) -> None:
    for found in (parse_date(text), find_date(text)):
        assert found is None or found.text in text
    when = parse_feed_date(text)
    assert when is None or when.tzinfo is not None


HOSTS = st.one_of(
    st.from_regex(r"[a-zA-Z0-9-]{1,12}(\.[a-zA-Z0-9-]{1,12}){0,3}", fullmatch=True),
    st.text(st.one_of(ARABIC, CYRILLIC, st.characters()), min_size=1, max_size=12),
    st.sampled_from(
        [
            "[::1]",
            "[fe80::1%25eth0]",
            "127.1",
            "0x7f000001",
            "2130706433",
            "xn--80ak6aa92e.com",
            "россия.рф",
            "user:pw@news.example",
            "news.example:99999",
            "news.example:",
            "тест.рф.",
            "a..b",
            "",
        ]
    ),
)
PATHS = st.text(
    st.one_of(st.sampled_from(list("/%?#&=;.+~@!$'()*,:")), ARABIC, CYRILLIC, st.characters()),
    max_size=40,
)
URLS = st.builds(
    "{}://{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "hTtPs", "ftp", "file", ""]),
    HOSTS,
    PATHS,
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(URLS, PATHS), st.one_of(st.none(), URLS))
def test_canonicalising_odd_urls_twice_changes_nothing(url: str, base: str | None) -> None:
    once = canonical_url(url, base=base)
    assert canonical_url(once) == once
    outlet_of(url)
    is_private_address(host_of(url))
    assert scheme_of(url) == scheme_of(url).lower()


CODECS = st.sampled_from(["cp1251", "koi8_r", "cp1256", "cp1252", "iso8859_5", "utf-8", "bogus"])


@QUICK
@given(st.one_of(st.binary(max_size=2000), DENSE.map(lambda t: t.encode("utf-8"))), CODECS)
def test_charset_guessing_never_raises(data: bytes, codec: str) -> None:
    reread = reread_garbled(data, codec)
    assert reread is None or isinstance(reread[1], str)
    guess_legacy_charset(data)
    assert isinstance(decode_html(data, {"Content-Type": f"text/html; charset={codec}"}), str)
