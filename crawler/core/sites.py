"""Reading article pages of known sites, and the line reader the extractor shares.

Most pages go through the generic extractor (``crawler.core.extract``). A few sites matter
enough, or lay their pages out oddly enough, to get a rule of their own: a function that
reads the page's DOM into a ``SitePage`` (the fields the site prints) or returns None when
the page is not one of the site's articles, so that the generic path takes over.

Rules in this module:

``russia-islworld.ru``
    the seed site, the Arabic, Russian and English editions of the strategic vision group
    "Russia – Islamic World". An article page prints, in reading order: the language
    switcher to the other editions ("Ru En"), the headline, the date as printed
    ("٠٩ فبراير ٢٠٢٢"), the body (paragraphs, with short subheadings), the publisher line
    (``مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"``), a photo credit
    ("Photo : ...") and a source line ("المصدر: تاس"). The rule reads these by what they
    say rather than by class names, which change with each redesign of the site; the
    photo caption, which the page shows above the text, goes to the footer where the seed
    format keeps it. Lines are classified by ``seedformat.parse_seed_text``, so that
    ``render_seed_text`` of the result gives the seed layout back.

``page_lines(element)`` turns a DOM subtree into the text lines a reader sees (one per
block element or ``<br>``), with the element that holds each line. The extractor uses it
too: to read trafilatura's XML (with its own ``Vocabulary``), to place the extracted
blocks on the page, to find a printed date near the headline and to read feed content.

Nothing here imports trafilatura: rules read the DOM with lxml only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawler.core import dates, seedformat
from crawler.core.errors import SeedFormatError
from crawler.core.items import Alternate, Block
from crawler.core.lang import detect_language
from crawler.core.text import normalise

__all__ = [
    "HTML",
    "PHOTO_LINE",
    "SOURCE_LINE",
    "Line",
    "SitePage",
    "SiteRule",
    "Vocabulary",
    "page_lines",
    "rule_for",
]

# --------------------------------------------------------------------------------------------
# The line reader
# --------------------------------------------------------------------------------------------

#: Elements whose content a reader never sees.
_INVISIBLE = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "head",
        "iframe",
        "object",
        "embed",
        "select",
        "option",
        "textarea",
        "button",
        "canvas",
        "video",
        "audio",
    }
)
#: Elements that start a new line of text.
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BOLD = frozenset({"b", "strong"})


@dataclass(frozen=True)
class Vocabulary:
    """Which tags start lines, break them, head sections or hide text."""

    blocks: frozenset[str]
    headings: frozenset[str]
    breaks: frozenset[str]
    invisible: frozenset[str]


#: HTML as browsers show it.
HTML = Vocabulary(_BLOCKS, _HEADINGS, frozenset({"br"}), _INVISIBLE)


@dataclass(frozen=True)
class Line:
    """One line of text as a reader sees it."""

    #: The text, whitespace collapsed.
    text: str
    #: The innermost block element that holds the line.
    element: HtmlElement
    #: True when every word of the line is bold (``<b>``, ``<strong>``): a heading in disguise.
    bold: bool = False
    #: True when the line's block is a heading (``<h1>``-``<h6>`` in HTML).
    is_heading: bool = False

    @property
    def tag(self) -> str:
        """Tag name of the block that holds the line."""
        tag = self.element.tag
        return tag.lower() if isinstance(tag, str) else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def page_lines(
    root: HtmlElement,
    *,
    skip: Callable[[HtmlElement], bool] | None = None,
    vocabulary: Vocabulary = HTML,
) -> list[Line]:
    """The text lines of ``root`` in reading order: one per block element or ``<br>``.

    Invisible elements (scripts, styles, forms' widgets) are left out, and so is every
    subtree for which ``skip`` returns True. Iterative, so deep trees cannot exhaust the
    Python stack.
    """
    lines: list[Line] = []
    pieces: list[str] = []
    # Whether every non-blank piece of the pending line was bold.
    all_bold = True
    blocks: list[HtmlElement] = [root]
    bold_depth = 0
    block_tags, break_tags = vocabulary.blocks, vocabulary.breaks
    invisible, headings = vocabulary.invisible, vocabulary.headings

    def add(text: str) -> None:
        nonlocal all_bold
        pieces.append(text)
        if bold_depth == 0 and all_bold and not text.isspace():
            all_bold = False

    def flush(holder: HtmlElement) -> None:
        nonlocal all_bold
        if pieces:
            text = " ".join("".join(pieces).split())
            if text:
                lines.append(Line(text, holder, all_bold, holder.tag in headings))
            pieces.clear()
        all_bold = True

    walker = etree.iterwalk(root, events=("start", "end"))
    # The element whose subtree was skipped: its end event comes next, and only its tail
    # counts. Holding the reference keeps lxml handing back the same proxy object.
    skipped: HtmlElement | None = None
    for event, element in walker:
        if event == "end" and skipped is not None and element is skipped:
            skipped = None
            if element.tail:
                add(element.tail)
            continue
        # lxml gives HTML tags in lower case; comments and processing instructions have a
        # function for a tag.
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if (
                not tag
                or tag in invisible
                or (skip is not None and element is not root and skip(element))
            ):
                walker.skip_subtree()
                skipped = element
                continue
            if tag in block_tags:
                flush(blocks[-1])
                blocks.append(element)
            elif tag in break_tags:
                flush(blocks[-1])
            elif tag in _BOLD:
                bold_depth += 1
            if element.text:
                add(element.text)
        else:
            if tag in block_tags and blocks[-1] is element:
                flush(element)
                blocks.pop()
            elif tag in _BOLD:
                bold_depth -= 1
            if element.tail and element is not root:
                add(element.tail)
    flush(blocks[-1] if blocks else root)
    return lines


# --------------------------------------------------------------------------------------------
# Headlines as printed
# --------------------------------------------------------------------------------------------

#: How the parts of a headline printed apart are joined: a kicker set above or before the
#: headline ("General strike" over "Dock workers walk out") reads "General strike: Dock
#: workers walk out", the way news sites write a kicker inline.
HEADLINE_JOINER = ": "
# A part that already ends in punctuation needs only a space before the next one.
_ENDS_JOINED = re.compile(r"[:;,.!?…\-–—|/•·]$")
# Where the layout, not the text, separates two parts: a <br> or a block inside the heading.
_BREAK = "\n"
_STAMP_MAX_CHARS = 40


def _is_date_stamp(text: str) -> bool:
    """True for a short text that is nothing but a date ("06.01.12 08:46")."""
    text = " ".join(text.split())
    if not text or len(text) > _STAMP_MAX_CHARS:
        return False
    parsed = dates.parse_date(text)
    return parsed is not None and len(parsed.text) >= 0.6 * len(text)


def _heading_pieces(element: HtmlElement, pieces: list[str], top: bool) -> None:
    """The text nodes inside ``element`` in reading order, with ``_BREAK`` where the layout
    breaks a line, leaving out furniture and date stamps."""
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if not top and (
        not tag
        or tag in _INVISIBLE
        or _is_furniture(element)
        or (tag != "br" and _is_date_stamp(element.text_content()))
    ):
        return
    breaks = not top and (tag == "br" or tag in _BLOCKS)
    if breaks:
        pieces.append(_BREAK)
    if element.text:
        pieces.append(element.text)
    for child in element:
        _heading_pieces(child, pieces, False)
        if child.tail:
            pieces.append(child.tail)
    if breaks:
        pieces.append(_BREAK)


def _glued(pieces: list[str], following: str) -> bool:
    """Whether ``following`` runs into the text before it without a space where two
    separately styled parts meet: a lower-case letter, digit or full stop right before a
    capital, or two letters of a script without case."""
    before = next((piece for piece in reversed(pieces) if piece), "")
    if before == _BREAK or not before or not following:
        return False
    last, first = before[-1], following[0]
    if first.isupper():
        return last.islower() or last.isdigit() or last in ".!?»”"
    # Scripts without case (Arabic): two words meeting at an element's edge.
    return last.isalpha() and first.isalpha() and not (last.isupper() or last.islower())


def heading_parts(heading: HtmlElement) -> list[str]:
    """The parts of a heading as the page lays them out, in reading order.

    Parts are separated by ``<br>`` and block elements inside the heading, and by the seam
    between two inline elements whose texts would otherwise run together ("General strike"
    in one ``<span>``, "Dock workers walk out" in the next: a lower-case letter or a full
    stop glued to a capital is a line break the stylesheet makes). Page furniture inside the
    heading (a comment counter, a share button) and a date stamp printed in it are left out.
    """
    pieces: list[str] = []
    _heading_pieces(heading, pieces, True)
    # Seams between sibling elements: "<span>General strike</span><span>Dock ...</span>".
    joined: list[str] = []
    for piece in pieces:
        if piece != _BREAK and _glued(joined, piece):
            joined.append(_BREAK)
        joined.append(piece)
    text = "".join(joined)
    return [part for part in (" ".join(line.split()) for line in text.split(_BREAK)) if part]


def heading_text(heading: HtmlElement) -> str:
    """A heading's text as printed: its parts (``heading_parts``) joined by
    ``HEADLINE_JOINER``, or by a space where a part ends in punctuation or the next one
    carries on the sentence (it starts in lower case or with punctuation)."""
    text = ""
    for part in heading_parts(heading):
        if not text:
            text = part
        elif _ENDS_JOINED.search(text) or part[:1].islower() or not part[:1].isalnum():
            text = f"{text} {part}"
        else:
            text = f"{text}{HEADLINE_JOINER}{part}"
    return text


# --------------------------------------------------------------------------------------------
# Footer lines shared by the rules and the generic extractor
# --------------------------------------------------------------------------------------------

#: A photo credit line: "Photo : Creative Commons", "Фото: ТАСС", "الصورة: ...".
PHOTO_LINE = re.compile(
    r"^\s*(?:photo(?:\s+credit)?|фото|foto|الصورة|صورة|تصوير)\s*[:：]\s*(?P<value>\S.{0,150}?)\s*$",
    re.IGNORECASE,
)
#: A source line: "المصدر: تاس", "Источник: ТАСС", "Source: Reuters".
SOURCE_LINE = re.compile(
    r"^\s*(?:المصدر|المصادر|источник|source|quelle|fuente|fonte)\s*[:：]\s*(?P<value>\S.{0,150}?)\s*$",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------
# Site rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePage:
    """What a site rule read from an article page; the extractor completes the record."""

    #: Headline as printed.
    title: str
    #: Body in reading order.
    body: tuple[Block, ...]
    #: The date line exactly as printed, or empty.
    published_text: str = ""
    #: Other editions named by the page's language switcher, with their URLs.
    alternates: tuple[Alternate, ...] = ()
    #: Publisher line under the body.
    publisher: str = ""
    #: Photo credit after its label.
    photo_credit: str = ""
    #: The source line as printed ("المصدر: تاس"), or empty.
    source_line: str = ""
    #: Language of the edition (ISO 639-1), or empty.
    language: str = ""


#: A site rule: the page's tree and URL in, the page's fields out (None: not an article).
SiteRule = Callable[[HtmlElement, str], "SitePage | None"]


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


# --- russia-islworld.ru ---------------------------------------------------------------------

_ISLWORLD_HOSTS = frozenset({"russia-islworld.ru"})

#: The publisher line the site prints under its articles, per edition.
_ISLWORLD_PUBLISHERS = {
    "ar": 'مجموعة الرؤية الاستراتيجية "روسيا - العالم الإسلامي"',
    "ru": 'Группа стратегического видения "Россия - исламский мир"',
    "en": 'Group of Strategic Vision "Russia - Islamic World"',
}
_ISLWORLD_PUBLISHER_KEYS = frozenset(normalise(line) for line in _ISLWORLD_PUBLISHERS.values())

#: Switcher labels as the site prints them.
_SWITCHER_LABELS = {"ru": "ru", "en": "en", "ar": "ar", "рус": "ru", "eng": "en", "عربي": "ar"}

# Page furniture that can sit inside the article's container: sharing buttons, tags,
# related links, comment forms. Matched against class and id.
_FURNITURE = re.compile(
    r"share|social|related|tags?\b|comment|banner|breadcrumb|menu|\bnav|sidebar|subscribe|"
    r"pagination|pager|advert|\bads?\b|popular|read-?more",
    re.IGNORECASE,
)
_FURNITURE_TAGS = frozenset({"nav", "aside", "form"})

# The body must hold at least this much text after the headline for a container to be
# the article rather than the headline's own wrapper.
_MIN_BODY_CHARS = 200
# The date line sits within the first few lines after the headline.
_DATE_WINDOW = 4
_DATE_LINE_MAX_CHARS = 80


def _is_furniture(element: HtmlElement) -> bool:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in _FURNITURE_TAGS:
        return True
    marks = f"{element.get('class', '')} {element.get('id', '')}"
    return bool(marks.strip()) and _FURNITURE.search(marks) is not None


def _switcher(tree: HtmlElement, url: str) -> tuple[Alternate, ...]:
    """The editions the "Ru En" switcher links to, in page order."""
    found: dict[str, str] = {}
    for anchor in tree.iter("a"):
        label = _squash(anchor.text_content()).casefold()
        language = _SWITCHER_LABELS.get(label)
        href = (anchor.get("href") or "").strip()
        if language is None or not href or href.startswith(("#", "javascript:")):
            continue
        found.setdefault(language, urljoin(url, href))
        if len(found) >= 3:
            break
    return tuple(Alternate(language, link) for language, link in found.items())


_WORD = re.compile(r"\w+")
# Headings looked at when searching for the headline.
_HEADLINE_CANDIDATES = 40


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}


def _headline(tree: HtmlElement) -> HtmlElement | None:
    """The heading that agrees with the page's ``og:title``/``<title>``, else the first ``<h1>``.

    Templates put the site's name in an ``<h1>`` as often as the headline, and some print
    the headline in an ``<h2>`` or ``<h3>``: agreement with the metadata settles it.
    """
    references = [
        element.get("content") or ""
        for element in tree.iter("meta")
        if (element.get("property") or element.get("name") or "").lower()
        in ("og:title", "twitter:title")
    ]
    references += [element.text_content() for element in tree.iter("title")]
    known = set().union(*(_words(text) for text in references))
    first_h1 = None
    for index, heading in enumerate(tree.iter("h1", "h2", "h3")):
        if index >= _HEADLINE_CANDIDATES:
            break
        words = _words(heading.text_content())
        if not words:
            continue
        if heading.tag == "h1" and first_h1 is None:
            first_h1 = heading
        if len(words & known) >= 0.6 * len(words) and len(words) >= 2:
            return heading
    return first_h1


def _article_root(headline: HtmlElement) -> tuple[HtmlElement, HtmlElement]:
    """The container of the article and its child that holds the headline.

    Climbs from the headline until the container holds enough text after it: the
    headline often sits in a wrapper of its own beside the body's container.
    """
    child = headline
    for ancestor in headline.iterancestors():
        following = sum(
            len(_squash(sibling.text_content()))
            for sibling in child.itersiblings()
            if isinstance(sibling.tag, str) and sibling.tag.lower() not in _INVISIBLE
        )
        if following >= _MIN_BODY_CHARS or ancestor.tag == "body":
            return ancestor, child
        child = ancestor
    return child, headline


def _lines_from(root: HtmlElement, first: HtmlElement) -> list[Line]:
    """Lines of ``first`` and its following siblings inside ``root``."""
    lines: list[Line] = []
    started = False
    for child in root:
        if child is first:
            started = True
        if not started or not isinstance(child.tag, str):
            continue
        if child is not first and _is_furniture(child):
            continue
        lines += page_lines(child, skip=_is_furniture)
    return lines


def _is_date_line(text: str) -> bool:
    if len(text) > _DATE_LINE_MAX_CHARS:
        return False
    parsed = dates.parse_date(text)
    return parsed is not None and len(parsed.text) >= 0.6 * len(text)


def _is_switcher_line(text: str) -> bool:
    return bool(seedformat.parse_switcher(text))


def _islworld(tree: HtmlElement, url: str) -> SitePage | None:
    headline = _headline(tree)
    if headline is None:
        return None
    title = heading_text(headline)
    root, first = _article_root(headline)
    lines = [line for line in _lines_from(root, first) if not _is_switcher_line(line.text)]
    # Drop everything up to and including the headline itself.
    for index, line in enumerate(lines):
        if line.element is headline or headline in line.element.iterancestors():
            lines = lines[index + 1 :]
            break
    else:
        if lines and lines[0].text == title:
            lines = lines[1:]

    photo = source = publisher = date_text = ""
    for index, line in enumerate(lines[:_DATE_WINDOW]):
        if _is_date_line(line.text):
            # Whatever sits between the headline and the date (a rubric, a label) is not
            # body text; a photo caption there is still the photo's credit.
            date_text = line.text
            photo = next((x.text for x in lines[:index] if PHOTO_LINE.match(x.text)), "")
            lines = lines[index + 1 :]
            break

    body_lines: list[Line] = []
    for line in lines:
        text = line.text
        if SOURCE_LINE.match(text):
            source = text
            # The source line closes the article: what follows is page furniture.
            break
        if PHOTO_LINE.match(text):
            photo = photo or text
        elif normalise(text) in _ISLWORLD_PUBLISHER_KEYS:
            publisher = publisher or text
        else:
            body_lines.append(line)
    if not publisher:
        publisher = _publisher_below(tree, headline)
    if not body_lines:
        return None

    seed_text = _seed_text(title, date_text, body_lines, [publisher, photo, source])
    try:
        draft = seedformat.parse_seed_text(seed_text)
    except SeedFormatError:
        return None
    language = detect_language(title + "\n" + "\n".join(draft.paragraphs[:5]))
    return SitePage(
        title=draft.title,
        body=draft.body,
        published_text=draft.published_text,
        alternates=tuple(a for a in _switcher(tree, url) if a.language != language),
        publisher=draft.publisher,
        photo_credit=draft.photo_credit,
        source_line=source,
        language=language,
    )


def _publisher_below(tree: HtmlElement, headline: HtmlElement) -> str:
    """The publisher line anywhere below the headline (outside the article's container).

    Above the headline the same words are the site's logo, not a line under the article.
    """
    body = tree.find("body")
    below = False
    for line in page_lines(body if body is not None else tree):
        if line.element is headline or headline in line.element.iterancestors():
            below = True
        elif below and normalise(line.text) in _ISLWORLD_PUBLISHER_KEYS:
            return line.text
    return ""


def _seed_text(title: str, date_text: str, body: list[Line], footer: list[str]) -> str:
    """The lines in the seed layout, so that ``parse_seed_text`` classifies them.

    Headings on the page (``<h2>``-``<h6>`` or an all-bold line) get the wide gaps the
    seed format gives subheadings; the parser still checks that they read like one.
    """
    parts = [title, ""]
    if date_text:
        parts += [date_text, ""]
    for index, line in enumerate(body):
        heading = (line.is_heading or line.bold) and 0 < index < len(body) - 1
        if heading:
            parts += ["", ""]
        parts += [line.text, "", "", "", ""] if heading else [line.text, "", ""]
    parts += [line for line in footer if line]
    return "\n".join(parts) + "\n"


_RULES: dict[str, SiteRule] = dict.fromkeys(_ISLWORLD_HOSTS, _islworld)


def rule_for(url: str) -> SiteRule | None:
    """The rule for the site ``url`` belongs to, or None for the generic extractor."""
    host = _host(url)
    while host:
        rule = _RULES.get(host)
        if rule is not None:
            return rule
        _, _, host = host.partition(".")
    return None
