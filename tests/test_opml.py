"""OPML feed lists: the real, often malformed lists in ../shared/data/opml and hand-made cases."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.core.opml import OpmlOutline, OpmlResult, parse_opml, render_opml
from tests.conftest import DATA, need_shared

OPML = DATA / "opml"


def urls(result: OpmlResult) -> list[str]:
    return [o.url for o in result.outlines]


# --------------------------------------------------------------------------------------------
# The real lists
# --------------------------------------------------------------------------------------------


def raw_feed_urls(data: bytes) -> list[str]:
    """Every xmlUrl value as printed, in order and once each (an independent, crude count)."""
    found = re.findall(rb'xmlurl="([^"]*)"', data, re.IGNORECASE)
    seen: list[str] = []
    for value in found:
        url = value.decode("utf-8").replace("&amp;", "&").strip()
        if url and url not in seen:
            seen.append(url)
    return seen


def test_every_real_list_gives_outlines_or_a_clear_problem() -> None:
    folder = need_shared(OPML)
    files = sorted(folder.rglob("*.opml"))
    assert len(files) == 118
    total = recovered_files = 0
    for path in files:
        data = path.read_bytes()
        result = parse_opml(data, path.name)
        assert result.outlines or result.problems, path
        # Nothing readable is lost: every xmlUrl printed in the file comes back, unchanged.
        assert urls(result) == raw_feed_urls(data), path
        for outline in result.outlines:
            assert outline.url.startswith(("http://", "https://")), (path, outline)
            assert "&amp;" not in outline.title + outline.url, (path, outline)
        if result.problems:
            recovered_files += 1
            assert all(p.startswith(f"{path.name}: ") for p in result.problems)
        if "with_category" in path.parts:
            assert all(o.category for o in result.outlines), path
        total += len(result.outlines)
    print(f"\nOPML: {len(files)} files, {total} outlines, {recovered_files} needed recovery")
    assert total == 1572
    assert recovered_files == 80


def test_russia_list() -> None:
    path = need_shared(OPML / "countries" / "with_category" / "Russia.opml")
    result = parse_opml(path.read_bytes(), "Russia.opml")
    assert len(result.outlines) == 13
    assert {o.category for o in result.outlines} == {"Russia"}
    by_url = {o.url: o for o in result.outlines}
    assert by_url["http://tass.com/rss/v2.xml"].title == "TASS"
    assert by_url["https://lenta.ru/rss"].title == "Lenta.ru : Новости"
    # Unescaped quotes inside the attribute: libxml2's recovery drops this outline's
    # attributes, the tag scan keeps them whole.
    assert by_url["https://www.kommersant.ru/RSS/main.xml"].title == (
        'Газета "Коммерсантъ". Главное'
    )
    assert urls(result)[-2:] == [
        "https://www.kommersant.ru/RSS/main.xml",
        "https://www.pravdareport.com/export.xml",
    ]
    assert any("one by one" in p for p in result.problems)


def test_unescaped_ampersands_in_real_urls_survive() -> None:
    path = need_shared(OPML / "countries" / "with_category" / "Italy.opml")
    result = parse_opml(path.read_bytes())
    assert (
        "https://www.ilmattino.it/?sez=XML&args&p=search&args[box]=Home&limit=20&layout=rss"
        in urls(result)
    )


# --------------------------------------------------------------------------------------------
# Hand-made cases
# --------------------------------------------------------------------------------------------

WELL_FORMED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Wire sources</title></head>
  <body>
    <outline text="Агентства" title="Агентства">
      <outline type="rss" text="ТАСС" xmlUrl=" https://tass.ru/rss/v2.xml "
               htmlUrl="https://tass.ru/" language="ru-RU"/>
      <outline type="rss" text="RIA &amp; Co" xmlUrl="https://ria.ru/export/rss2/archive/index.xml"/>
      <outline text="Nested">
        <outline type="rss" text="Deep" xmlurl="https://deep.example/rss"/>
      </outline>
    </outline>
    <outline type="rss" title="Title only" url="https://link.example/feed"/>
    <outline type="rss" text="Duplicate" xmlUrl="https://tass.ru/rss/v2.xml"/>
    <outline type="rss" text="No URL at all"/>
    <outline type="rss" text="Bad scheme" xmlUrl="javascript:alert(1)"/>
    <outline text="Empty folder"></outline>
  </body>
</opml>
"""


def test_well_formed_list() -> None:
    result = parse_opml(WELL_FORMED.encode("utf-8"), "sources.opml")
    assert result.outlines == (
        OpmlOutline(
            url="https://tass.ru/rss/v2.xml",
            title="ТАСС",
            site_url="https://tass.ru/",
            category="Агентства",
            language="ru",
        ),
        OpmlOutline(
            url="https://ria.ru/export/rss2/archive/index.xml",
            title="RIA & Co",
            category="Агентства",
        ),
        OpmlOutline(url="https://deep.example/rss", title="Deep", category="Nested"),
        OpmlOutline(url="https://link.example/feed", title="Title only"),
    )
    problems = "\n".join(result.problems)
    assert "sources.opml: line 15: outline 'No URL at all' has no feed URL" in problems
    assert "line 16: outline 'Bad scheme' has an unusable URL" in problems
    assert "line 17: outline 'Empty folder' has no feed URL" in problems
    assert "1 outline(s) repeat a feed URL listed earlier; kept the first (lines 14)" in problems
    assert "not well-formed" not in problems


MALFORMED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
<head><title>Broken & proud</title></head>
<body>
<outline text="News & Politics">
  <outline text="A&nbsp;B &copy; &#1058;&#x410;" xmlUrl="https://a.example/rss?x=1&y=2&reg=3"/>
  <outline text="Газета "Коммерсантъ". Главное" xmlUrl="https://k.example/main.xml" type="rss"/>
  <outline text="Less <b>than</b>" description="<p>HTML & stuff</p>" xmlUrl='https://c.example/feed'/>
  <outline text="unterminated" xmlUrl="https://d.example/rss" >
  <outline text="after" xmlUrl="https://e.example/rss"/>
<!-- <outline text="commented out" xmlUrl="https://commented.example/rss"/> -->
  <outline text="no url here"/>
</outline>
<outline text=Bare xmlUrl=https://bare.example/rss />
</body>
"""


def test_malformed_list_recovers_every_readable_outline() -> None:
    result = parse_opml(MALFORMED.encode("utf-8"), "broken.opml")
    assert urls(result) == [
        "https://a.example/rss?x=1&y=2&reg=3",
        "https://k.example/main.xml",
        "https://c.example/feed",
        "https://d.example/rss",
        "https://e.example/rss",
        "https://bare.example/rss",
    ]
    first, second, third = result.outlines[:3]
    assert first.title == "A B © ТА"
    assert first.category == "News & Politics"
    assert second.title == 'Газета "Коммерсантъ". Главное'
    assert third.title == "Less <b>than</b>"
    problems = "\n".join(result.problems)
    assert "not well-formed XML" in problems
    assert "one by one" in problems
    assert "line 12: outline 'no url here' has no feed URL" in problems
    assert "commented" not in " ".join(urls(result))


def test_entities_decode_in_a_strictly_parsed_list() -> None:
    data = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline text="&#1058;&#x410;&#x421;&#1057; &amp; &quot;Co&quot;" '
        b'xmlUrl="https://t.example/?a=1&amp;b=2"/></body></opml>'
    )
    (outline,) = parse_opml(data).outlines
    assert outline.title == 'ТАСС & "Co"'
    assert outline.url == "https://t.example/?a=1&b=2"


def test_html_entities_and_bare_ampersands_get_a_second_strict_parse() -> None:
    data = (
        b'<opml version="2.0"><body><outline text="Fish&nbsp;&amp; Chips" '
        b'xmlUrl="https://f.example/rss?a=1&b=2"/></body></opml>'
    )
    result = parse_opml(data)
    (outline,) = result.outlines
    assert outline.title == "Fish & Chips"
    assert outline.url == "https://f.example/rss?a=1&b=2"
    assert any("escaping bare '&'" in p for p in result.problems)


def test_missing_close_tags_and_truncation() -> None:
    data = (
        b'<?xml version="1.0"?><opml version="1.0"><body>\n'
        b'<outline text="Folder">\n'
        b'<outline text="One" xmlUrl="https://one.example/rss">\n'
        b'<outline text="Two" xmlUrl="https://two.example/rss"\n'
    )
    result = parse_opml(data)
    assert urls(result) == ["https://one.example/rss", "https://two.example/rss"]
    assert result.outlines[0].category == "Folder"


def test_legacy_encodings() -> None:
    text = (
        '<?xml version="1.0" encoding="windows-1251"?><opml version="1.0"><body>'
        '<outline text="Новости" xmlUrl="https://ru.example/rss"/></body></opml>'
    )
    assert parse_opml(text.encode("cp1251")).outlines[0].title == "Новости"
    # The declaration lies: the bytes are windows-1256.
    arabic = text.replace("Новости", "أخبار روسيا اليوم").replace("windows-1251", "utf-8")
    result = parse_opml(arabic.encode("cp1256"))
    assert result.outlines[0].title == "أخبار روسيا اليوم"
    assert any("windows-1256" in p for p in result.problems)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty input"),
        (b"   \n", "empty input"),
        (b"<html><head><title>Feeds</title></head><body><p>Hi</p></body></html>", "root <html>"),
        (b"<html><body><p>broken & unclosed", "an HTML page"),
        (b'<rss version="2.0"><channel><title>t</title></channel></rss>', "root <rss>"),
        (b"just some text, no markup", "no outline elements"),
        (b"\x00\xff\xfe\x00garbage", "no outline elements"),
    ],
)
def test_not_opml_gives_no_outlines_and_says_so(data: bytes, words: str) -> None:
    result = parse_opml(data, "input.xml")
    assert result.outlines == ()
    assert result.problems
    assert any(words in p for p in result.problems), result.problems
    assert all(p.startswith("input.xml: ") for p in result.problems)


def test_entity_expansion_is_not_expanded() -> None:
    data = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<opml version="1.0"><body><outline text="&e;" xmlUrl="https://x.example/rss"/></body></opml>"""
    started = time.perf_counter()
    result = parse_opml(data)
    assert time.perf_counter() - started < 2
    assert urls(result) == ["https://x.example/rss"]
    assert len(result.outlines[0].title) < 100


def test_one_hundred_thousand_outlines() -> None:
    rows = "\n".join(
        f'<outline type="rss" text="Feed {i} &amp; co" xmlUrl="https://f{i}.example/rss?a=1&b=2"/>'
        for i in range(100_000)
    )
    data = f'<opml version="2.0"><body><outline text="All">\n{rows}\n</outline></body></opml>'
    started = time.perf_counter()
    result = parse_opml(data.encode())  # bare "&": not well-formed, so the slow path
    elapsed = time.perf_counter() - started
    assert len(result.outlines) == 100_000
    assert result.outlines[99_999].url == "https://f99999.example/rss?a=1&b=2"
    assert result.outlines[0].title == "Feed 0 & co"
    assert {o.category for o in result.outlines} == {"All"}
    assert elapsed < 20, f"100,000 outlines took {elapsed:.1f} s"


def test_scan_is_linear_on_a_broken_list() -> None:
    # Stray quotes force the tag-by-tag reading; doubling the size must not quadruple the time.
    def build(n: int) -> bytes:
        rows = "\n".join(
            f'<outline text="Feed "{i}" x" xmlUrl="https://f{i}.example/rss"/>' for i in range(n)
        )
        return f"<opml><body>{rows}</body></opml>".encode()

    timings = []
    for n in (20_000, 40_000):
        started = time.perf_counter()
        result = parse_opml(build(n))
        timings.append(time.perf_counter() - started)
        assert len(result.outlines) == n
        assert result.outlines[1].title == 'Feed "1" x'
    assert timings[1] < 4 * timings[0] + 0.5


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def test_render_writes_valid_opml_2() -> None:
    from lxml import etree

    outlines = [
        OpmlOutline("https://a.example/rss?x=1&y=2", 'A "quoted" <title>', category="Wire & Co"),
        OpmlOutline("https://b.example/rss", "Б", site_url="https://b.example/", language="ru"),
        OpmlOutline("https://c.example/rss", "C", category="Wire & Co"),
    ]
    text = render_opml(outlines, "Export <1> & more")
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Export <1> & more"
    result = parse_opml(text.encode("utf-8"))
    assert result.outlines == tuple(outlines)
    assert result.problems == ()


def test_round_trip_of_a_real_list() -> None:
    path = need_shared(OPML / "countries" / "with_category" / "Russia.opml")
    first = parse_opml(path.read_bytes())
    again = parse_opml(render_opml(first.outlines, "Russia").encode("utf-8"))
    assert again.outlines == first.outlines
    assert again.problems == ()


def normalised_text() -> st.SearchStrategy[str]:
    # parse_opml collapses whitespace in titles, as real lists need.
    return st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30).map(
        lambda s: " ".join(s.split())
    )


outline_strategy = st.builds(
    OpmlOutline,
    url=st.from_regex(r"https://[a-z]{1,8}\.example/[a-zA-Z0-9&=?%._~-]{0,20}", fullmatch=True),
    title=normalised_text(),
    site_url=st.sampled_from(["", "https://site.example/"]),
    category=normalised_text(),
    language=st.sampled_from(["", "ru", "ar", "en"]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(outline_strategy, max_size=15, unique_by=lambda o: o.url), normalised_text())
def test_render_parse_round_trip(outlines: list[OpmlOutline], title: str) -> None:
    result = parse_opml(render_opml(outlines, title).encode("utf-8"))
    assert result.outlines == tuple(outlines)
    assert result.problems == ()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_parse_opml_never_raises_on_bytes(data: bytes) -> None:
    result = parse_opml(data)
    assert isinstance(result, OpmlResult)


OPML_FRAGMENTS = [
    "<opml>",
    "</opml>",
    "<body>",
    "</body>",
    "<outline ",
    "<outline>",
    "</outline>",
    "/>",
    ">",
    'text="',
    'xmlUrl="https://x.example/',
    "xmlUrl=",
    '"',
    "'",
    "&",
    "&amp;",
    "&nbsp;",
    "<!--",
    "-->",
    "<![CDATA[",
    "Газета",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(OPML_FRAGMENTS) | st.text(max_size=10), max_size=50))
def test_parse_opml_never_raises_on_opml_like_text(parts: list[str]) -> None:
    result = parse_opml("".join(parts).encode("utf-8", errors="replace"))
    for outline in result.outlines:
        assert outline.url == outline.url.strip()
        assert outline.url
