"""Small text and markup helpers shared by the feed and OPML readers.

Entity references decoded as XML and HTML5 name them (never ``&reg=2`` in a query
string), whitespace squashed, language tags to ISO 639-1, and the shape of a document:
where its root element starts and what it is called, past the prolog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.entities import html5 as HTML5_ENTITIES
from typing import Any

#: A URL that starts with a scheme ("https:", "feed:", "javascript:").
HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

_ENTITY_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] == "#":
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
        except ValueError:
            return match.group(0)
    return HTML5_ENTITIES.get(name + ";", match.group(0))


def unescape(text: str) -> str:
    """Decode ``&name;`` and numeric references; unlike ``html.unescape`` never ``&copy=2``.

    ``html.unescape`` follows the HTML5 rule that decodes a few entity names without their
    semicolon, which turns a query string such as ``?a=1&reg=2`` into ``?a=1®=2``.
    """
    if "&" not in text:
        return text
    return _ENTITY_REF.sub(_entity, text)


def squash(text: str) -> str:
    """Whitespace runs as one space, none at the ends."""
    return " ".join(text.split())


_ISO639_2 = {
    "ara": "ar", "rus": "ru", "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de",
    "spa": "es", "por": "pt", "ita": "it", "ukr": "uk", "bel": "be", "tur": "tr", "fas": "fa",
    "per": "fa", "urd": "ur", "heb": "he", "zho": "zh", "chi": "zh", "jpn": "ja", "kor": "ko",
    "nld": "nl", "dut": "nl", "pol": "pl", "kaz": "kk", "aze": "az", "uzb": "uz",
}  # fmt: skip
_OLD_CODES = {"iw": "he", "in": "id", "ji": "yi"}


def iso639_1(tag: Any) -> str:
    """ISO 639-1 code of a language tag: "ru-RU" -> "ru", "ar_EG" -> "ar"; empty when unknown."""
    if not isinstance(tag, str):
        return ""
    primary = re.split(r"[-_\s]", tag.strip().lower(), maxsplit=1)[0]
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return _OLD_CODES.get(primary, primary)
    return _ISO639_2.get(primary, "")


_PROLOG_ITEM = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[[^\]]*\][^>]*)?>)", re.DOTALL | re.IGNORECASE
)
_ROOT_TAG = re.compile(r"\s*<([A-Za-z_][\w:.-]*)")
HTML_ROOTS = {"html", "head", "body"}
_DOCTYPE_HTML = re.compile(r"<!DOCTYPE\s+html", re.IGNORECASE)


@dataclass(frozen=True)
class DocumentShape:
    """Where the document's root element starts, and its name."""

    root: str  # lower-cased tag name, "" when no element was found
    prolog_end: int  # offset of the root element
    html_doctype: bool


def document_shape(text: str) -> DocumentShape:
    """The root element of ``text`` (after declarations, comments and a DOCTYPE)."""
    pos = 0
    html_doctype = False
    limit = min(len(text), 200_000)
    while pos < limit:
        item = _PROLOG_ITEM.match(text, pos)
        if item is None:
            break
        if _DOCTYPE_HTML.match(item.group().lstrip()):
            html_doctype = True
        pos = item.end()
    root = _ROOT_TAG.match(text, pos)
    if root is None:
        return DocumentShape("", pos, html_doctype)
    return DocumentShape(root.group(1).lower(), root.start(1) - 1, html_doctype)


_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml\b[^>]{0,400}?\?>", re.IGNORECASE)
UTF8_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def utf8_declared(text: str, problems: list[str] | None = None) -> str:
    """The document with one XML declaration, first, saying UTF-8 (line numbers kept)."""
    declaration = _DECLARATION.match(text)
    if declaration is None:
        return UTF8_DECLARATION + text.lstrip("\ufeff")
    head = text[: declaration.end()]
    if problems is not None and head.lstrip("\ufeff")[:1].isspace():
        problems.append("whitespace before the XML declaration removed")
    return UTF8_DECLARATION + "\n" * head.count("\n") + text[declaration.end() :]
