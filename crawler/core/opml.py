"""OPML feed lists: read tolerantly, written as OPML 2.0.

``parse_opml(data, source)``
    every readable outline of a subscription export. Real lists are often not
    well-formed XML (unescaped ``&``, stray quotes, HTML entities, a cut-off end):
    lxml reads what it can, a tag scanner recovers the outlines it dropped, and each
    problem names its line.
``render_opml(outlines, title)``
    the outlines grouped into folders by category; ``parse_opml`` reads it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from crawler.core.charset import decode_document
from crawler.core.markup import HAS_SCHEME as _HAS_SCHEME
from crawler.core.markup import HTML5_ENTITIES as _HTML5_ENTITIES
from crawler.core.markup import HTML_ROOTS as _HTML_ROOTS
from crawler.core.markup import document_shape as _shape
from crawler.core.markup import iso639_1 as _iso639_1
from crawler.core.markup import squash as _squash
from crawler.core.markup import unescape as _unescape
from crawler.core.markup import utf8_declared as _utf8_declared

__all__ = ["OpmlOutline", "OpmlResult", "parse_opml", "render_opml"]


@dataclass(frozen=True)
class OpmlOutline:
    """One feed of an OPML list."""

    #: The feed URL (``xmlUrl``; ``url`` for link outlines), whitespace stripped.
    url: str
    #: The outline's ``text`` (or ``title``), whitespace collapsed.
    title: str = ""
    #: The site's home page (``htmlUrl``).
    site_url: str = ""
    #: The folder the outline sits in (the parent outline's text), else its ``category``.
    category: str = ""
    #: ISO 639-1 code from the outline's ``language`` attribute, else empty.
    language: str = ""


@dataclass(frozen=True)
class OpmlResult:
    """The feeds an OPML list gives, and what could not be read (each naming its line)."""

    outlines: tuple[OpmlOutline, ...]
    problems: tuple[str, ...]


_MAX_PROBLEMS = 1000
_OPML_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_OPML_RECOVER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, load_dtd=False
)
_USABLE_SCHEMES = ("http", "https", "feed", "")


@dataclass
class _Node:
    """An outline tag as read, before it becomes an ``OpmlOutline``."""

    line: int
    attributes: dict[str, str]
    folder: str  # text of the nearest enclosing outline that is not a feed
    has_children: bool


def _node_url(attributes: Mapping[str, str]) -> str:
    return (attributes.get("xmlurl", "") or attributes.get("url", "")).strip()


def _node_label(attributes: Mapping[str, str]) -> str:
    return _squash(attributes.get("text", "") or attributes.get("title", ""))


def _outline_from(node: _Node, problems: list[str]) -> OpmlOutline | None:
    attrs = node.attributes
    url = _node_url(attrs)
    title = _node_label(attrs)
    if not url:
        if not node.has_children:
            label = f"outline {title!r}" if title else "an outline"
            problems.append(f"line {node.line}: {label} has no feed URL (xmlUrl); skipped")
        return None
    scheme_match = _HAS_SCHEME.match(url)
    scheme = scheme_match.group()[:-1].lower() if scheme_match else ""
    if scheme not in _USABLE_SCHEMES or any(c in url for c in '\r\n\t<>"'):
        problems.append(f"line {node.line}: outline {title!r} has an unusable URL {url!r}; skipped")
        return None
    category = node.folder or _squash(attrs.get("category", "").split(",")[0])
    return OpmlOutline(
        url=url,
        title=title,
        site_url=attrs.get("htmlurl", "").strip(),
        category=category,
        language=_iso639_1(attrs["language"]) if "language" in attrs else "",
    )


def _is_outline(element: Any) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).localname.lower() == "outline"


def _tree_nodes(root: Any) -> list[_Node]:
    """Outline elements of a parsed tree, in document order, with their folders."""
    nodes: list[_Node] = []
    # An explicit stack instead of recursion: lxml's recovering parser can nest deeply.
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        element, folder = stack.pop()
        if not isinstance(element.tag, str):
            continue
        inner = folder
        if _is_outline(element):
            attributes = {str(k).lower(): str(v) for k, v in element.attrib.items()}
            children = any(_is_outline(c) for c in element)
            nodes.append(_Node(element.sourceline or 0, attributes, folder, children))
            if not _node_url(attributes):
                inner = _node_label(attributes)
        stack.extend((child, inner) for child in reversed(element))
    return nodes


_OPML_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<(/?)(outline|body|opml|head)\b",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTE_NAME = re.compile(r"\s*([^\s=/>\"']+)\s*=\s*")
_NEXT_ATTRIBUTE = re.compile(r"\s(?=[^\s=/>\"']+\s*=)")
_UNQUOTED = re.compile(r"[^\s>]*")
# A quote closes an attribute value only where another attribute or the end of the tag
# follows, so values with stray quotes inside (`text="Газета "Коммерсантъ""`) stay whole.
_CLOSERS = {q: re.compile(q + r"(?=\s+[^\s=/>\"']+\s*=\s*[\"']|\s*\Z)", re.DOTALL) for q in "\"'"}


def _scan_attributes(area: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    pos = 0
    while pos < len(area):
        name = _ATTRIBUTE_NAME.match(area, pos)
        if name is None:
            # A bare word or stray character: go on at the next "name=".
            skip = _NEXT_ATTRIBUTE.search(area, pos + 1)
            if skip is None:
                break
            pos = skip.start()
            continue
        pos = name.end()
        if pos < len(area) and area[pos] in "\"'":
            closer = _CLOSERS[area[pos]].search(area, pos + 1)
            end = closer.start() if closer else len(area)
            value = area[pos + 1 : end]
            pos = end + 1
        else:
            bare = _UNQUOTED.match(area, pos)
            value = bare.group() if bare else ""
            pos = bare.end() if bare else len(area)
        # Values are raw text here (no XML parser saw them): decode references once.
        attributes.setdefault(name.group(1).lower(), _unescape(value))
    return attributes


def _scan_nodes(text: str) -> tuple[list[_Node], int]:
    """Outline tags read one by one from text that is not well-formed XML (linear time).

    A tag runs to the next outline/body/opml/head tag or comment; its attributes are split
    where a quote is followed by another attribute, so unescaped ``&``, quotes and ``<``
    inside values do not lose the outline. Returns the nodes and the number of outline tags.
    """
    tokens = list(_OPML_TOKEN.finditer(text))
    nodes: list[_Node] = []
    stack: list[tuple[str, bool]] = []  # (label, is a feed) per open outline
    line, counted_to = 1, 0
    tags = 0
    pending: _Node | None = None  # an open outline without URL: a folder once a child appears
    for index, token in enumerate(tokens):
        name = token.group(2)
        if name is None or name.lower() != "outline":
            continue
        if token.group(1):
            if pending is not None:
                pending.has_children = False
                pending = None
            if stack:
                stack.pop()
            continue
        tags += 1
        line += text.count("\n", counted_to, token.start())
        counted_to = token.start()
        end = tokens[index + 1].start() if index + 1 < len(tokens) else len(text)
        segment = text[token.end() : end]
        gt = segment.rfind(">")
        area = segment[:gt] if gt >= 0 else segment
        self_closing = area.rstrip().endswith("/")
        if self_closing:
            area = area.rstrip()[:-1]
        attributes = _scan_attributes(area)
        folder = next((label for label, is_feed in reversed(stack) if not is_feed), "")
        if pending is not None:
            pending.has_children = True
            pending = None
        node = _Node(line, attributes, folder, has_children=False)
        nodes.append(node)
        if not self_closing and gt >= 0:
            is_feed = bool(_node_url(attributes))
            stack.append((_node_label(attributes), is_feed))
            if not is_feed:
                pending = node
                node.has_children = True  # until its close tag comes first
    return nodes, tags


_XML_ENTITY_OR_AMP = re.compile(
    r"&(?:(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});)?"
)
_XML_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}


def _xml_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name is None:
        return "&amp;"  # a bare ampersand
    if name[0] == "#" or name in _XML_PREDEFINED:
        return match.group(0)
    value = _HTML5_ENTITIES.get(name + ";")
    if value is None:
        return "&amp;" + name + ";"
    return "".join(f"&#{ord(c)};" for c in value)


def _xml_entities(text: str) -> str:
    """Bare ``&`` escaped and HTML entities turned into character references."""
    return _XML_ENTITY_OR_AMP.sub(_xml_entity, text)


def _recover_nodes(text: str, repaired: bytes, problems: list[str]) -> list[_Node]:
    """Outlines of a file the strict parser refuses: lxml's recovery, checked by a tag scan.

    libxml2 in recovery mode keeps an element whose attributes it could not read (a stray
    quote or ``<`` in a value) but drops those attributes, feed URL included. So the outline
    tags are also read one by one; when that finds more tags or more feed URLs, its reading
    is used, plus any URL only the recovering parser found.
    """
    try:
        recovered = etree.fromstring(repaired, _OPML_RECOVER)
    except (etree.XMLSyntaxError, ValueError):
        recovered = None
    nodes = _tree_nodes(recovered) if recovered is not None else []
    scanned, tags = _scan_nodes(_utf8_declared(text))
    kept = sum(1 for n in nodes if _node_url(n.attributes))
    seen = sum(1 for n in scanned if _node_url(n.attributes))
    if len(nodes) >= tags and kept >= seen:
        problems.append("recovered with lxml's recovering parser")
        return nodes
    problems.append(
        f"lxml's recovering parser kept {kept} of {seen} feed URLs; read the outline tags "
        "one by one"
    )
    known = {_node_url(n.attributes) for n in scanned} | {""}
    extra = [n for n in nodes if _node_url(n.attributes) not in known]
    return sorted(scanned + extra, key=lambda n: n.line)


def _opml_text(data: bytes | str, problems: list[str]) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    text, _codec_used, decode_problems = decode_document(bytes(data))
    problems.extend(decode_problems)
    return text.lstrip("\ufeff")


def parse_opml(data: bytes, source: str = "") -> OpmlResult:
    """Read every feed an OPML list gives, however broken the file; never raises.

    Well-formed XML is read as is. Otherwise bare ``&`` and HTML entities (``&nbsp;``) are
    escaped and the strict parser tries again; failing that, lxml's recovering parser is
    tried, and when it yields fewer outline tags or feed URLs than reading the tags one by one
    (which survives stray quotes and ``<`` in attributes and missing close tags), the
    tag-by-tag reading is used. URLs are deduplicated, the first outline kept. ``problems``
    says what could not be read, with line numbers, and which recovery was used; ``source``
    (a file name or URL) prefixes them. Input that is not OPML gives no outlines and a problem
    saying what it is (not an exception), so one bad file never stops an import.
    """
    prefix = f"{source}: " if source else ""
    problems: list[str] = []
    text = _opml_text(data, problems)
    if not text.strip():
        return OpmlResult((), (f"{prefix}empty input, not an OPML document",))
    clean = _utf8_declared(text).encode("utf-8", errors="replace")

    nodes: list[_Node]
    well_formed = False
    try:
        root = etree.fromstring(clean, _OPML_STRICT)
    except etree.XMLSyntaxError as error:
        shape = _shape(text)
        if shape.root and shape.root != "opml" and "<outline" not in text.lower():
            what = "an HTML page" if shape.root in _HTML_ROOTS else f"root <{shape.root}>"
            return OpmlResult((), (f"{prefix}not an OPML document ({what})",))
        where = "" if "line" in error.msg else f", line {error.lineno}"
        problems.append(f"not well-formed XML ({error.msg}{where})")
        # The commonest fault is a bare "&" in a URL or title, or an HTML entity such as
        # &nbsp;. lxml's recovering parser silently drops the text after a bare "&"
        # ("home&x=1" becomes "home=1"), so these are escaped first and the strict parser
        # gets a second chance.
        repaired = _xml_entities(clean.decode("utf-8")).encode("utf-8")
        try:
            root = etree.fromstring(repaired, _OPML_STRICT)
        except etree.XMLSyntaxError:
            root = None
        if root is not None:
            problems.append("read after escaping bare '&' and HTML entities")
            nodes = _tree_nodes(root)
        else:
            nodes = _recover_nodes(text, repaired, problems)
    else:
        tag = etree.QName(root).localname.lower() if isinstance(root.tag, str) else ""
        if tag != "opml":
            return OpmlResult((), (f"{prefix}not an OPML document (root <{tag}>)",))
        nodes = _tree_nodes(root)
        well_formed = True

    outlines: list[OpmlOutline] = []
    first_line: dict[str, int] = {}
    repeats: list[int] = []
    for node in nodes:
        outline = _outline_from(node, problems)
        if outline is None:
            continue
        if outline.url in first_line:
            repeats.append(node.line)
            continue
        first_line[outline.url] = node.line
        outlines.append(outline)
    if repeats:
        shown = ", ".join(str(n) for n in repeats[:10]) + (", ..." if len(repeats) > 10 else "")
        problems.append(
            f"{len(repeats)} outline(s) repeat a feed URL listed earlier; kept the first "
            f"(lines {shown})"
        )
    if not nodes and not well_formed:
        # A well-formed OPML document without outlines is an empty list, not a problem.
        problems.append("no outline elements found: not an OPML feed list")
    if len(problems) > _MAX_PROBLEMS:
        problems = [*problems[:_MAX_PROBLEMS], f"... and {len(problems) - _MAX_PROBLEMS} more"]
    return OpmlResult(tuple(outlines), tuple(prefix + p for p in problems))


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _attr(value: str) -> str:
    value = _XML_INVALID.sub("", value)
    value = (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )
    return f'"{value}"'


def render_opml(outlines: Iterable[OpmlOutline], title: str) -> str:
    """An OPML 2.0 document listing ``outlines``, grouped into folders by category.

    Consecutive outlines of one category share a folder, so the order is kept and
    ``parse_opml`` reads the document back to the same outlines.
    """
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_attr(title)[1:-1]}</title>",
        "  </head>",
        "  <body>",
    ]
    folder = ""
    for outline in outlines:
        if outline.category != folder:
            if folder:
                lines.append("    </outline>")
            folder = outline.category
            if folder:
                lines.append(f"    <outline text={_attr(folder)} title={_attr(folder)}>")
        attributes = [
            ("type", "rss"),
            ("text", outline.title),
            ("title", outline.title),
            ("xmlUrl", outline.url),
        ]
        if outline.site_url:
            attributes.append(("htmlUrl", outline.site_url))
        if outline.language:
            attributes.append(("language", outline.language))
        rendered = " ".join(f"{name}={_attr(value)}" for name, value in attributes)
        lines.append(f"{'      ' if folder else '    '}<outline {rendered}/>")
    if folder:
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
