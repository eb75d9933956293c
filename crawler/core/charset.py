"""Bytes to text, for feeds, article pages and seed files alike.

One place knows what charset labels mean as servers use them (``codec_for_label``),
the byte-order marks (``BOMS``), and how plausible a reading is as real writing
(``plausibility``): a Russian text read in the wrong code page ("Ïðèâåò", "пРИВЕТ")
or an Arabic one read as windows-1251 scores below zero. On top of these,
``decode_document`` reads a feed (XML or JSON), ``reread_garbled`` second-guesses a
declared single-byte code page that garbles the bytes (used for pages too), and
``guess_legacy_charset`` names the code page of a file that is not UTF-8.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL_BYTES = re.compile(rb"^\s*<\?xml\b[^>]{0,400}?\?>", re.IGNORECASE)
_ENCODING_ATTR = re.compile(rb"""encoding\s*=\s*["']\s*([A-Za-z0-9._:()-]{1,40})\s*["']""", re.I)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:()-]{1,40})""", re.I)

# Legacy code pages tried, in this order, for bytes that are not UTF-8 and say nothing true
# about themselves: Western, then the Cyrillic, Arabic and other scripts wirecrawl reads.
_GUESSES = ("cp1252", "cp1251", "koi8_r", "cp1256", "cp1250", "cp1253", "cp1255", "cp1254")
_SAMPLE = 65536
# Prefixes of the single-byte code pages, where a reading can be second-guessed by score.
_SINGLE_BYTE = ("cp12", "cp8", "iso8859", "koi8", "mac", "latin")


#: Labels Python does not know, as servers and pages write them.
_LABEL_ALIASES = {
    "x-cp1251": "cp1251",
    "win-1251": "cp1251",
    "x-cp1256": "cp1256",
    "x-mac-cyrillic": "mac_cyrillic",
}
#: As browsers read them (WHATWG Encoding): latin-1 and ASCII labels mean windows-1252
#: (curly quotes in 0x80-0x9F), and gb2312 means its superset gb18030.
_AS_BROWSERS_READ = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
}


def codec_for_label(label: str | bytes | None) -> str | None:
    """Python codec name for a charset label (``"windows-1251"`` -> ``"cp1251"``), or None."""
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    try:
        codec = codecs.lookup(_LABEL_ALIASES.get(name, name)).name
    except (LookupError, ValueError):
        return None
    return _AS_BROWSERS_READ.get(codec, codec)


def try_decode(data: bytes, codec: str) -> str | None:
    """``data`` read strictly in ``codec``, or None when it is not valid there."""
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        if codec == "cp1252":
            # The five bytes windows-1252 leaves undefined are C1 controls in ISO-8859-1.
            return data.decode("latin-1")
        return None


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x250 or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if 0x400 <= code <= 0x52F:
        return "cyrillic"
    if 0x600 <= code <= 0x6FF or 0x750 <= code <= 0x77F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x370 <= code <= 0x3FF:
        return "greek"
    if 0x590 <= code <= 0x5FF:
        return "hebrew"
    return "other"


_LETTERS = re.compile(r"[^\W\d_]+")
_ODD_SYMBOL = re.compile(r"[^\x00-\x7f\w\s«»“”„‘’‚–—…€№°·•‹›\u200c\u200d\u200e\u200f]")


def plausibility(text: str) -> int:
    """How much ``text`` looks like real writing rather than a misread code page.

    Words (letter runs) with non-ASCII letters score their length when they keep to one
    script, are lower case or Title case (or have no case) and, in Latin script, are not
    mostly accented letters; all-capital words count nothing; other words lose their length.
    Stray symbols cost two each. A Russian text read as windows-1252 ("Ïðèâåò") or as KOI8-R
    ("пРИВЕТ") and an Arabic one read as windows-1251 ("ЗбУнЗУЙ") all fail these tests.
    """
    score = 0
    for match in _LETTERS.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        scripts = {_script(c) for c in word}
        length = len(word)
        if len(scripts) != 1 or "other" in scripts:
            score -= length
            continue
        cased = word.lower() != word.upper()
        if cased and not (word.islower() or word.istitle()):
            # All capitals is rare in running text but is what a KOI8-R text read as
            # windows-1251 looks like ("РЕТЕЗПЧПТЩ"): neutral, not a point in favour.
            if not word.isupper():
                score -= length
            continue
        if "latin" in scripts and length >= 3 and 2 * sum(not c.isascii() for c in word) > length:
            score -= length
            continue
        score += length
    return score - 2 * len(_ODD_SYMBOL.findall(text))


def _best_guess(data: bytes, candidates: Sequence[str]) -> tuple[str, str] | None:
    """The candidate code page whose reading of ``data`` is most plausible (first on ties)."""
    best: tuple[int, str, str] | None = None
    for codec in candidates:
        text = try_decode(data, codec)
        if text is None:
            continue
        score = plausibility(_sample(text))
        if best is None or score > best[0]:
            best = (score, codec, text)
    return None if best is None else (best[1], best[2])


def reread_garbled(data: bytes, codec: str) -> tuple[str, str] | None:
    """A readable (codec, text) for bytes that the declared single-byte ``codec`` garbles.

    None when ``codec`` is not a single-byte code page, when its reading looks like real
    writing, or when no other legacy code page does better. Pages use it too: a server
    that labels windows-1251 bytes as koi8-r (or Arabic as iso-8859-1) lies to both.
    """
    if not codec.startswith(_SINGLE_BYTE):
        return None
    text = try_decode(data, codec)
    if text is not None and plausibility(_sample(text)) >= 0:
        return None
    guess = _best_guess(data, [c for c in _GUESSES if c != codec])
    if guess is None or plausibility(_sample(guess[1])) <= 0:
        return None
    return guess


def guess_legacy_charset(data: bytes) -> str | None:
    """The legacy code page (web label) whose reading of ``data`` looks like writing, or None.

    For messages about files that are not UTF-8: which ``iconv -f`` to suggest.
    """
    guess = _best_guess(data, _GUESSES)
    if guess is None or plausibility(_sample(guess[1])) <= 0:
        return None
    return web_label(guess[0])


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f][^\s<>]*")


def _sample(text: str) -> str:
    """The part of a long text that carries its non-ASCII letters, for scoring."""
    if len(text) <= _SAMPLE:
        return text
    return "".join(_NON_ASCII_RUN.findall(text)[:20000])


def charset_of(content_type: str) -> str:
    """The ``charset`` parameter of a ``Content-Type`` value, or empty."""
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1) if match else ""


def decode_document(body: bytes, header_charset: str = "") -> tuple[str, str, list[str]]:
    """Decode a feed or other XML document: the text, the codec used, what had to be decided.

    Order: a byte-order mark; UTF-16 without one; plain ASCII; strict UTF-8 (whatever the
    declarations say: non-ASCII text that happens to be valid UTF-8 is UTF-8); the charset of
    the HTTP header and of the XML declaration (the more plausible reading when they
    disagree); UTF-8 with its few bad bytes replaced; and last a guess among legacy code pages.
    """
    problems: list[str] = []
    for bom, codec in BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            if "\ufffd" in text and try_decode(body[len(bom) :], codec) is None:
                problems.append(f"invalid {codec.upper()} bytes replaced with U+FFFD")
            return text, codec, problems
    if len(body) >= 4 and b"\x00" in body[:4]:
        codec = "utf-16-le" if body[1:2] == b"\x00" else "utf-16-be"
        if body[:4] in (b"<\x00\x00\x00", b"\x00\x00\x00<"):
            codec = "utf-32-le" if body[0:1] == b"<" else "utf-32-be"
        return body.decode(codec, errors="replace"), codec, problems
    if body.isascii():
        return body.decode("ascii"), "utf-8", problems

    declaration = _XML_DECL_BYTES.match(body[:512])
    xml_label = ""
    if declaration:
        found = _ENCODING_ATTR.search(declaration.group())
        xml_label = found.group(1).decode("ascii") if found else ""
    declared: list[tuple[str, str]] = []  # (label as printed, codec)
    for who, label in (("the HTTP header", header_charset), ("the XML declaration", xml_label)):
        codec_name = codec_for_label(label)
        if label and codec_name is None:
            problems.append(f"unknown charset {label!r} in {who} ignored")
        if codec_name and codec_name not in {c for _, c in declared}:
            declared.append((label, codec_name))

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        others = [label for label, c in declared if c not in ("utf-8", "utf-8-sig")]
        if others:
            problems.append(f"declared {others[0]}, but the bytes are UTF-8; read as UTF-8")
        return text, "utf-8", problems

    legacy = [
        (label, c) for label, c in declared if not c.startswith(("utf-8", "utf-16", "utf-32"))
    ]
    readings = [(label, c, t) for label, c in legacy if (t := try_decode(body, c)) is not None]
    if readings:
        scores = [plausibility(_sample(t)) for _, _, t in readings]
        pick = max(range(len(readings)), key=lambda i: (scores[i], -i))
        label, codec, text = readings[pick]
        if len(readings) > 1:
            problems.append(
                f"the HTTP header says {readings[0][0]}, the XML declaration {readings[1][0]}; "
                f"read as {label}, which gives readable text"
            )
        elif len(declared) > len(legacy):
            unicode_label = next(lb for lb, c in declared if (lb, c) not in legacy)
            problems.append(
                f"declared {unicode_label}, but the bytes are not; read as {label}, as also "
                "declared"
            )
        if scores[pick] < 0 and codec.startswith(_SINGLE_BYTE):
            # A declared single-byte code page that yields gibberish (a server default such
            # as iso-8859-1 in front of an Arabic or Russian feed) loses to a reading that
            # yields words.
            guess = _best_guess(body, [c for c in _GUESSES if c != codec])
            if guess is not None and plausibility(_sample(guess[1])) > 0:
                problems.append(
                    f"declared {label}, but that gives unreadable text; read as "
                    f"{web_label(guess[0])} (best guess)"
                )
                return guess[1], guess[0], problems
        return text, codec, problems

    repaired = body.decode("utf-8", errors="replace")
    bad = repaired.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    good = sum(1 for c in repaired if ord(c) > 0x7F) - bad
    guess = _best_guess(body, _GUESSES) if legacy or good < 10 * bad else None
    if not legacy and (
        guess is None or plausibility(_sample(repaired)) >= plausibility(_sample(guess[1]))
    ):
        # Mostly good UTF-8 with a few broken sequences (a truncated or spliced string):
        # re-reading the whole document in another code page would garble all the rest.
        problems.append(f"{bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD")
        return repaired, "utf-8", problems
    if guess is None:  # pragma: no cover - cp1252 falls back to latin-1, which always decodes
        return repaired, "utf-8", problems
    codec, text = guess
    if legacy:
        claim = f"the bytes are not valid {legacy[0][0]} as declared"
    elif declared:
        claim = f"the bytes are not valid {declared[0][0]} as declared"
    else:
        claim = "no charset is declared and the bytes are not valid UTF-8"
    problems.append(f"{claim}; read as {web_label(codec)} (best guess)")
    return text, codec, problems


def web_label(codec: str) -> str:
    """The usual web name of a Python codec ("cp1256" -> "windows-1256")."""
    if codec.startswith("cp12"):
        return "windows-" + codec[2:]
    return codec.replace("_", "-")


# --------------------------------------------------------------------------------------------
