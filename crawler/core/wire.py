"""Which wire agency an article's text comes from.

Outlets that reprint agency copy credit it in a handful of recognisable ways, and
this module reads them in Arabic, Russian and English:

``source_line``
    a footer line that names the source (``المصدر: تاس``, ``Источник: ТАСС``,
    ``Source: Reuters``);
``dateline``
    the opening of the first paragraph (``MOSCOW, Feb 9 (Reuters) -``,
    ``МОСКВА, 9 февраля. /ТАСС/.``, ``Москва. 1 ноября. INTERFAX.RU -``,
    ``موسكو - (تاس) -``);
``byline``
    a credit to the agency's staff or a credit paragraph (``корр. ТАСС``,
    ``(Reporting by ...; Editing by ...)``, a last paragraph that is only ``— ТАСС``);
``inline``
    an attribution inside the text (``حسب وكالة تاس``, ``передает ТАСС``,
    ``according to TASS``) or a mere mention.

Evidence order, strongest first: the source line, then a dateline, then a byline,
then inline attributions. A source line is the publisher's own statement of where the
text came from; a dateline is written by the agency itself and survives reprinting
unchanged; a byline credits the agency's staff. Inline attributions are the weakest
because an article quotes other agencies' reports as often as it reprints one. Among
them, an attribution with a cue (a verb such as "передает", the word "وكالة", brackets)
beats a bare mention of the name, and at the same strength the first paragraphs beat
the last ones, which beat the middle of the body: the lead and the closing paragraph
are where reprints credit their source.

Names that are also ordinary words or common abbreviations ("спутник" is a satellite,
"روسيا اليوم" is "Russia today", "AP", "RT" and "AA" are everywhere in English) count
only with the context that makes them an agency: a verb of reporting, the word for
"agency" or "channel", brackets, or their place in a dateline or source line.

Matching tolerates the spelling noise of real pages (tatweel, harakat, hamza forms of
alef, ى for final ي, ة/ه, ё/е, non-breaking spaces and direction marks) without
rewriting the text, so every ``WireAttribution.text`` is an exact substring of the
input. Every regular expression is compiled once, at import: this runs on every
crawled article. No function here raises, whatever it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, NamedTuple

__all__ = [
    "AGENCIES",
    "HOUSES",
    "Agency",
    "AttributionKind",
    "WireAttribution",
    "agency_from_name",
    "detect_wire",
    "find_attributions",
    "house_of",
    "parse_source_line",
]

#: Where in the article an attribution was found.
AttributionKind = Literal["source_line", "dateline", "inline", "byline"]


@dataclass(frozen=True)
class Agency:
    """A news agency whose copy other outlets reprint."""

    #: Normalised id, stored with articles and clusters (``tass``, ``ria`` ...).
    id: str
    #: Display name in English ("TASS").
    name: str
    #: Spellings as printed, per language (``ar``, ``ru``, ``en``).
    names: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )


@dataclass(frozen=True)
class WireAttribution:
    """One place where an article credits a wire agency."""

    #: Normalised agency id, a key of ``AGENCIES``.
    agency: str
    #: The attribution exactly as printed: a substring of the input.
    text: str
    #: Where it was found.
    kind: AttributionKind
    #: Index of the paragraph that holds it; -1 for the ``source_line`` argument
    #: (and for the line given to ``parse_source_line``).
    paragraph: int = -1
    #: Offset of ``text`` in that paragraph (or line).
    start: int = 0

    @property
    def end(self) -> int:
        """Offset just past ``text`` in its paragraph (or line)."""
        return self.start + len(self.text)


# --- Spelling tolerance -------------------------------------------------------------

# Characters that may sit inside or after an Arabic letter without changing the word:
# tatweel, harakat, superscript alef, and the invisible joiners and direction marks
# that copy-and-paste leaves behind.
_MARK_CHARS = "\u0640\u064b-\u065f\u0670\u200b-\u200f\u2060\ufeff"
_MARKS = f"[{_MARK_CHARS}]*"
# Whitespace, including the non-breaking space (\s has it) and invisible marks.
_WS_CLASS = r"[\s\u200b-\u200f\u2060\ufeff]"
_WS = f"{_WS_CLASS}+"
# Between the words of a name: a space, a hyphen, or both ("RIA-Novosti", "فرانس-برس").
_NAME_SEP = f"(?:{_WS_CLASS}*[-‐–]{_WS_CLASS}*|{_WS})"

# Letters that real pages write in several forms; the regex for each accepts them all.
_VARIANTS: Mapping[str, str] = MappingProxyType(
    {letter: f"[{group}]" for group in ("اأإآٱ", "يىی", "ةه", "كک", "её", "ЕЁ") for letter in group}
)


def _is_arabic_letter(ch: str) -> bool:
    return ("\u0621" <= ch <= "\u064a" and ch != "\u0640") or ch in "پچژگکی"


def _tolerant(ch: str) -> str:
    """The regex for one letter of a pattern, with its spelling variants."""
    piece = _VARIANTS.get(ch, ch)
    return piece + _MARKS if _is_arabic_letter(ch) else piece


def _rx(source: str) -> str:
    """Expand a hand-written pattern: a space means any run of whitespace, letters
    accept their variants. Patterns keep Arabic and Cyrillic letters out of [...]."""
    return "".join(_WS if ch == " " else _tolerant(ch) for ch in source)


def _literal(text: str) -> str:
    """The regex for a plain spelling such as "РИА Новости" or "أ.ف.ب"."""
    out: list[str] = []
    for ch in text:
        if ch in " -‐–":
            if not out or out[-1] != _NAME_SEP:
                out.append(_NAME_SEP)
        elif ch in _VARIANTS or _is_arabic_letter(ch):
            out.append(_tolerant(ch))
        else:
            out.append(re.escape(ch))
    return "".join(out)


# --- The agencies -------------------------------------------------------------------

# How much context a spelling needs before it counts as the agency:
#   free    - the name alone ("ТАСС", "Reuters", "رويترز");
#   cue     - a reporting verb, an agency word, brackets or a following verb
#             ("AP", "RT", "الأناضول" which is also the region Anatolia);
#   speech  - like cue, but brackets are not enough: quotes around "Спутник" usually
#             name a satellite or a vaccine;
#   noun    - only the word for "agency"/"channel" or brackets ("روسيا اليوم" is also
#             "Russia today"; "قنا", "بنا", "واس" are common words).
_Need = Literal["free", "cue", "speech", "noun"]
_NEEDS: tuple[_Need, ...] = ("free", "cue", "speech", "noun")


class _Spelling(NamedTuple):
    text: str
    lang: str
    need: _Need
    #: Alternative regexes as (first letter, rest). The name regex groups alternatives
    #: by their first letter, so that at most positions one character test rules out
    #: every name: this pass runs over the whole text of every article.
    patterns: tuple[tuple[str, str], ...]


def _first_letter(ch: str) -> str:
    """A case-blind regex for a first letter."""
    letters = {ch.lower(), ch.upper()}
    for variant in tuple(letters):
        if variant in _VARIANTS:
            letters.update(_VARIANTS[variant].strip("[]"))
    return f"[{''.join(sorted(letters))}]" if len(letters) > 1 else re.escape(ch)


def _split_literal(text: str) -> tuple[str, str]:
    return _literal(text[0]), _literal(text[1:])


def _spelling(
    text: str,
    lang: str,
    need: _Need = "free",
    *,
    ci: bool | None = None,
    declines: bool = False,
    raw: tuple[str, str] | None = None,
) -> _Spelling:
    # Russian declines borrowed names: "Интерфакса", "Рейтеру", "Спутником".
    ending = "(?:а|у|ом|е)?" if declines else ""
    if raw is not None:
        patterns: tuple[tuple[str, str], ...] = (raw,)
    elif ci if ci is not None else lang == "ru":
        patterns = ((_first_letter(text[0]), f"(?i:{_literal(text[1:])}{ending})"),)
    elif lang == "ar" and text.startswith("ال"):
        # After the preposition lam the alef of the article drops: "للأناضول".
        patterns = (_split_literal(text), (_literal("ل"), _literal("ل") + _literal(text[2:])))
    else:
        head, tail = _split_literal(text)
        patterns = ((head, tail + ending),)
    return _Spelling(text, lang, need, patterns)


def _ar(text: str, need: _Need = "free") -> _Spelling:
    return _spelling(text, "ar", need)


def _ru(text: str, need: _Need = "free", **kw: bool) -> _Spelling:
    return _spelling(text, "ru", need, **kw)  # type: ignore[arg-type]


def _en(text: str, need: _Need = "free", *, ci: bool = False) -> _Spelling:
    return _spelling(text, "en", need, ci=ci)


def _domain(host: str) -> _Spelling:
    return _spelling(host, "en", ci=True)


_TABLE: tuple[tuple[str, str, tuple[_Spelling, ...]], ...] = (
    (
        "tass",
        "TASS",
        (
            _ar("تاس"),
            _ar("إيتار تاس"),
            _ru("ТАСС"),
            _ru("ИТАР-ТАСС"),
            _en("TASS"),
            _en("Tass"),
            _en("ITAR-TASS"),
            _domain("tass.ru"),
            _domain("tass.com"),
        ),
    ),
    (
        "ria",
        "RIA Novosti",
        (
            _ar("ريا نوفوستي"),
            _ar("نوفوستي"),
            _ru("РИА Новости"),
            _ru("РИА «Новости»"),
            _ru('РИА "Новости"'),
            _en("RIA Novosti", ci=True),
            _en("RIA", "cue"),
            _domain("ria.ru"),
        ),
    ),
    (
        "sputnik",
        "Sputnik",
        (
            _ar("سبوتنيك"),
            _ru("Спутник", "speech", ci=False, declines=True),
            _en("Sputnik"),
            _en("SPUTNIK"),
            _spelling(
                "sputniknews.com",
                "en",
                ci=True,
                raw=("[Ss]", r"(?i:putnik(?:news|arabic)?\.(?:com|ru|ae|by|kz|az))"),
            ),
        ),
    ),
    (
        "interfax",
        "Interfax",
        (
            _ar("إنترفاكس"),
            _spelling(
                "Интерфакс",
                "ru",
                ci=True,
                # "Интерфакс-Украина", "ИНТЕРФАКС-ЦЕНТР": the group's regional services.
                raw=("[Ии]", r"(?i:нтерфакс(?:а|у|ом|е)?(?:-[а-яё]+)?)"),
            ),
            _en("Interfax", ci=True),
            _domain("interfax.ru"),
            _domain("interfax.com"),
        ),
    ),
    (
        "reuters",
        "Reuters",
        (
            _ar("رويترز"),
            _ar("رويتر"),
            _ru("Рейтер", declines=True),
            _ru("Рейтерс"),
            _en("Reuters", ci=True),
            _domain("reuters.com"),
        ),
    ),
    (
        "afp",
        "AFP",
        (
            _ar("فرانس برس"),
            _ar("فرانس بريس"),
            _ar("أ ف ب"),
            _ar("أ.ف.ب"),
            _ar("أ. ف. ب"),
            _ar("وكالة الصحافة الفرنسية"),
            _ar("وكالة الأنباء الفرنسية"),
            _ru("Франс Пресс"),
            _ru("АФП", ci=False),
            _en("AFP"),
            _en("Agence France-Presse", ci=True),
            _domain("afp.com"),
        ),
    ),
    (
        "ap",
        "Associated Press",
        (
            _ar("أسوشيتد برس"),
            _ar("أسوشييتد برس"),
            _ar("أسوشيتيد برس"),
            _ar("أسوشيتدبرس"),
            _ar("أ ب", "noun"),
            _ru("Ассошиэйтед Пресс"),
            _ru("Ассошиейтед Пресс"),
            _en("Associated Press"),
            _en("AP", "cue"),
            _domain("apnews.com"),
        ),
    ),
    (
        "xinhua",
        "Xinhua",
        (
            _ar("شينخوا"),
            _ar("شينهوا"),
            _ar("وكالة أنباء الصين الجديدة"),
            _ru("Синьхуа"),
            _en("Xinhua", ci=True),
            _domain("xinhuanet.com"),
        ),
    ),
    (
        "anadolu",
        "Anadolu Agency",
        (
            _ar("وكالة الأناضول"),
            _ar("الأناضول", "cue"),
            _ru("Анадолу"),
            _en("Anadolu Agency", ci=True),
            _en("Anadolu", ci=True),
            _en("AA", "cue"),
            _domain("aa.com.tr"),
        ),
    ),
    (
        "rt",
        "RT",
        (
            _ar("RT عربي"),
            _ar("آر تي عربي"),
            _ar("آر تي"),
            _ar("روسيا اليوم", "noun"),
            _ru("RT на русском"),
            _en("RT Arabic"),
            _en("RT America"),
            _en("Russia Today"),
            _en("RT", "cue"),
            _domain("rt.com"),
        ),
    ),
    (
        "dpa",
        "dpa",
        (
            _ar("د ب أ"),
            _ar("وكالة الأنباء الألمانية"),
            _ru("ДПА", "cue", ci=False),
            _en("dpa"),
            _en("Deutsche Presse-Agentur", ci=True),
            _en("DPA", "cue"),
        ),
    ),
    (
        "efe",
        "EFE",
        (
            _ar("إفي", "cue"),
            _ar("وكالة الأنباء الإسبانية"),
            _ru("ЭФЕ", "cue", ci=False),
            _en("EFE"),
        ),
    ),
    (
        "ansa",
        "ANSA",
        (
            _ar("أنسا", "cue"),
            _ar("وكالة الأنباء الإيطالية"),
            _ru("АНСА", "cue", ci=False),
            _en("ANSA"),
        ),
    ),
    (
        "kuna",
        "KUNA",
        (
            _ar("كونا", "cue"),
            _ar("وكالة الأنباء الكويتية"),
            _en("KUNA"),
            _en("Kuwait News Agency", ci=True),
        ),
    ),
    (
        "wam",
        "WAM",
        (
            _ar("وام", "noun"),
            _ar("وكالة أنباء الإمارات"),
            _en("WAM", "cue"),
            _en("Emirates News Agency", ci=True),
        ),
    ),
    (
        "sana",
        "SANA",
        (
            _ar("سانا", "cue"),
            _ar("الوكالة العربية السورية للأنباء"),
            _ar("وكالة الأنباء السورية"),
            _ru("САНА", "cue", ci=False),
            _en("SANA"),
            _en("Syrian Arab News Agency", ci=True),
        ),
    ),
    (
        "mena",
        "MENA",
        (
            _ar("أ ش أ"),
            _ar("وكالة أنباء الشرق الأوسط"),
            _en("Middle East News Agency", ci=True),
            # "MENA" is mostly the region (Middle East and North Africa).
            _en("MENA", "noun"),
        ),
    ),
    (
        "irna",
        "IRNA",
        (
            _ar("إرنا", "cue"),
            _ar("وكالة الجمهورية الإسلامية للأنباء"),
            _ru("ИРНА", ci=False),
            _en("IRNA"),
            _en("Islamic Republic News Agency", ci=True),
        ),
    ),
    (
        "bna",
        "BNA",
        (
            _ar("بنا", "noun"),
            _ar("وكالة أنباء البحرين"),
            _en("BNA", "cue"),
            _en("Bahrain News Agency", ci=True),
        ),
    ),
    (
        "spa",
        "SPA",
        (
            _ar("واس", "noun"),
            _ar("وكالة الأنباء السعودية"),
            _en("Saudi Press Agency", ci=True),
            _en("SPA", "noun"),
        ),
    ),
    (
        "qna",
        "QNA",
        (
            _ar("قنا", "noun"),
            _ar("وكالة الأنباء القطرية"),
            _en("QNA", "cue"),
            _en("Qatar News Agency", ci=True),
        ),
    ),
)


def _make_agency(agency_id: str, name: str, spellings: tuple[_Spelling, ...]) -> Agency:
    by_lang: dict[str, tuple[str, ...]] = {}
    for sp in spellings:
        by_lang[sp.lang] = (*by_lang.get(sp.lang, ()), sp.text)
    return Agency(agency_id, name, MappingProxyType(by_lang))


#: Every agency this module recognises, by id.
AGENCIES: Mapping[str, Agency] = MappingProxyType(
    {agency_id: _make_agency(agency_id, name, sps) for agency_id, name, sps in _TABLE}
)

#: Agencies that are services of one house, by id -> the house. Sputnik's foreign-language
#: services translate RIA Novosti's copy and credit themselves: one house, one story.
HOUSES: Mapping[str, str] = MappingProxyType(
    {"ria": "rossiya-segodnya", "sputnik": "rossiya-segodnya"}
)


def house_of(agency_id: str) -> str:
    """The house an agency belongs to (its own id when it stands alone)."""
    return HOUSES.get(agency_id, agency_id)


# Acronyms in brackets are often definitions ("Andhra Pradesh (AP)"); they count as an
# agency in brackets only when a dash follows, as in "WASHINGTON (AP) —".
_ACRONYMS = frozenset(
    sp.text
    for _, _, sps in _TABLE
    for sp in sps
    if sp.lang == "en" and re.fullmatch("[A-Z]{2,4}", sp.text)
)


# Free spellings first, longest first: at one position the regex takes the first
# alternative that matches, and "RT Arabic" (free) must win over "RT" (needs context).
_SPELLINGS: tuple[tuple[str, _Spelling], ...] = tuple(
    sorted(
        ((agency_id, sp) for agency_id, _, sps in _TABLE for sp in sps),
        key=lambda pair: (_NEEDS.index(pair[1].need), -len(pair[1].text)),
    )
)
_SPELLING_RES: tuple[tuple[str, _Need, re.Pattern[str]], ...] = tuple(
    (agency_id, sp.need, re.compile("|".join(head + tail for head, tail in sp.patterns)))
    for agency_id, sp in _SPELLINGS
)


def _head_letters(head: str) -> str:
    """The letters a name's first-letter regex accepts: one letter or a [...] of letters,
    with the marks an Arabic letter may carry after it."""
    letter = head.removesuffix(_MARKS)
    if len(letter) > 2 and letter[0] == "[" and letter[-1] == "]" and "-" not in letter:
        return letter[1:-1]
    if len(letter) == 1:
        return letter
    raise ValueError(f"a name's first letter must be one letter or a set of letters: {head!r}")


_CLITIC_LETTERS = "وفلب"


def _build_name_re() -> re.Pattern[str]:
    by_head: dict[str, list[str]] = {}
    for _, sp in _SPELLINGS:
        for head, tail in sp.patterns:
            by_head.setdefault(head, []).append(tail)
    names = "|".join(f"{head}(?:{'|'.join(tails)})" for head, tails in by_head.items())
    # Every match starts with a clitic's letter or a name's first letter. Testing that
    # first, as one character set, rules out most positions before the look-behind and
    # the optional clitic are tried: a third of the pass over every article's text.
    letters = set(_CLITIC_LETTERS).union(*(_head_letters(head) for head in by_head))
    first = f"(?=[{''.join(re.escape(ch) for ch in sorted(letters))}])"
    left = f"(?<![\\w{_MARK_CHARS}])"
    # Attached conjunctions and prepositions: "لتاس", "وتاس", "لـ تاس", "بالأناضول".
    clitic = f"(?P<clitic>(?:و|ف)?(?:{_tolerant('ل')}|{_tolerant('ب')}){_WS_CLASS}?|و|ف)?"
    right = f"(?!{_MARKS}\\w)"
    return re.compile(f"{first}{left}{clitic}(?P<name>{names}){right}")


_NAME_RE = _build_name_re()
_LAM = re.compile(_rx("(?:و|ف)?(?:ل|ب)"))


_MARKS_RE = re.compile(f"[{_MARK_CHARS}]+")
_FOLD_TABLE = str.maketrans("أإآٱىیةکёЁ", "ااااييهكеЕ")
_SEPARATORS_RE = re.compile(r"[\s\-‐–—_«»\"“”„'’()\[\]/]+")


def _fold(text: str) -> str:
    """Spelling-insensitive key of a short name, for the exact-name index."""
    text = _MARKS_RE.sub("", text).translate(_FOLD_TABLE).casefold()
    return _SEPARATORS_RE.sub(" ", text).strip(" .,:;،")


_NAME_INDEX: Mapping[str, str] = MappingProxyType(
    {_fold(sp.text): agency_id for agency_id, _, sps in _TABLE for sp in sps}
)

# --- Context around a name ----------------------------------------------------------

_W = f"[\\w{_MARK_CHARS}]"  # a word character, harakat included
_BOUND = f"(?<!{_W})"

_AR_CUE = _rx(
    "(?:و|ف)?(?:"
    "حسبما|بحسب|حسب|نقلا عن|وفقا|طبقا|استنادا إلى|استنادا الى|"
    "ذكرت|ذكر|أفادت|أفاد|أوردت|أورد|نقلت|نقل|قالت|قال|أعلنت|أعلن|نشرت|بثت|"
    "صرحت|صرح|أكدت|أكد|أضافت|أضاف|أوضحت|أوضح|كشفت|كشف|أشارت|أشار|تحدثت|تحدث|"
    "في تصريحات|في تصريح|في حديث|في مقابلة مع|عبر"
    ")"
)
_RU_CUE = _rx(
    "(?:как )?(?:"
    "передает|передал|передала|передали|передают|сообщает|сообщают|сообщил|сообщила|"
    "сообщило|сообщили|пишет|писал|писала|написал|написала|заявил|заявила|заявили|"
    "рассказал|рассказала|рассказали|сказал|сказала|отметил|отметила|подтвердил|"
    "подтвердила|уточнил|уточнила|пояснил|пояснила|цитирует|информирует|уточняет|"
    "отмечает|напоминает|по данным|по информации|по сообщению|по сообщениям|по материалам|"
    "со ссылкой на|ссылаясь на|согласно|в интервью|в беседе с|в комментарии"
    ")"
)
_EN_CUE = (
    r"(?:according to|told|telling|reported by|quoted by|cited by|citing|via|speaking to"
    r"|spoke to|said to|in an interview with|interviewed by|a statement to|confirmed to"
    r"|contacted by|wrote|writing for|reports? from|report by|reporting by)"
)
# Words that may stand between the verb and the name: "сообщил в четверг РИА Новости",
# "قال الرئيس لتاس", "told the AP".
_FILLER = "(?:" + _rx(r"(?i:в [\w-]+)|(?i:the)|اليوم|أمس|ال\w+") + "|[А-ЯЁ][а-яё]+)"
_CUE = f"{_BOUND}(?:{_AR_CUE}|(?i:{_RU_CUE})|(?i:{_EN_CUE}))(?:{_WS}{_FILLER}){{0,2}}"

_AR_NOUN = _rx(
    r"(?:و|ف)?(?:ل|ب)?(?:الوكالة|وكالة|قناة|موقع|شبكة|تلفزيون|إذاعة|راديو)(?: \w+){0,3}?"
)
# Adjectives only before the noun: "российское информационное агентство".
_RU_NOUN = _rx(
    r"(?:[\w-]+(?:ое|ого|ому|ом|ым|ий|ый|ая|ой|ую|ые|ых|ими) ){0,2}(?:информ)?агентств\w*"
    r"|(?:теле)?канал\w*|радио(?:станци\w*)?|издани\w*|портал\w*|сайт\w*|телекомпани\w*"
)
# Only words that describe an agency may precede the noun, so that the attribution
# starts at "the state broadcaster RT", not at "aired by the state broadcaster RT".
_EN_NOUN = (
    r"(?:[Tt]he )?(?:(?:[A-Z][\w'’-]*|state|official|government|independent|private|news"
    r"|media|online|[a-z]+-(?:run|owned|backed|funded|controlled|affiliated|language)) ){0,3}"
    r"(?i:news agency|agency|newswire|wire service|broadcaster|channel|network|outlet|media)"
).replace(" ", _WS)
_NOUN = f"{_BOUND}(?:{_AR_NOUN}|(?i:{_RU_NOUN})|{_EN_NOUN})"

_AR_BYLINE = _rx("(?:و|ف)?ل?(?:مراسلة|مراسلي|مراسلو|مراسل)")
_RU_BYLINE = r"(?:корр\.|корреспондент\w*|спецкор\w*)"
_EN_BYLINE = f"(?:(?<=\\n)|(?<![\\s\\S]))(?:By|BY)(?:{_WS}(?:the|The|THE))?"  # at a line start
_BYLINE = f"{_BOUND}(?:{_AR_BYLINE}|(?i:{_RU_BYLINE})|{_EN_BYLINE})"

_OPENERS = "(/«\"“„[\u2018'"
_DASHES = "-–—"
_DASH_CLASS = r"\-–—"  # the same, for use inside [...]
_LEAD_RE = re.compile(
    f"(?:(?P<cue>{_CUE}){_WS})?"
    f"(?:(?P<by>{_BYLINE}){_WS})?"
    f"(?:(?P<noun>{_NOUN}){_WS_CLASS}*)?"
    f"(?:(?P<open>[{re.escape(_OPENERS)}])|(?P<dash>[{_DASH_CLASS}]))?"
    f"{_WS_CLASS}*\\Z"
)
# Where a lead can start: a word start, a bracket or a dash.
_LEAD_STARTS_RE = re.compile(f"(?<!{_W})\\w|[{re.escape(_OPENERS)}{_DASH_CLASS}]")
#: How far before a name its lead may start.
_LEAD_REACH = 120
_CLOSE_RE = re.compile(f"{_WS_CLASS}*[)/»\"”“\\]\u2019']")
_POST_RE = re.compile(
    f"(?:{_WS}(?P<pnoun>(?i:news agency|news service|agency|newswire|wire service)))?"
    f"(?:{_WS}(?:(?P<pby>(?i:writers?|correspondents?|reporters?|journalists?|staff)\\b)"
    f"|(?P<pcue>(?i:reported|reports|reporting|said|says|quoted|cited|wrote|writes"
    f"|(?:has )?learned|added|stated|published|broadcast|aired)\\b"
    f"|{_rx('(?i:сообщает|сообщил|сообщила|сообщило|передает|пишет|отмечает|уточняет)')}))"
    f")?"
)
_TRAILER_RE = re.compile(r"[\W_]*\Z")
_DASH_AFTER_RE = re.compile(f"{_WS_CLASS}*[{_DASH_CLASS}]")

# A photo credit names an agency without making it the text's source:
# "Фото: ТАСС/Михаил Метцель", "REUTERS/Maxim Shemetov", "(AP Photo/Evan Vucci)".
_PHOTO_BEFORE_RE = re.compile(_rx(r"(?i:фото|photo|صورة|الصورة|©|getty|credit|кадр|снимок)"))
_PHOTOGRAPHER_RE = re.compile(
    f"{_WS_CLASS}*/{_WS_CLASS}*[A-ZА-ЯЁ][a-zа-яё]+{_WS}[A-ZА-ЯЁ][a-zа-яё]+"
    f"|{_WS}(?i:photo|pictures)\\b"
)
# Names that are also something else in a typical neighbourhood.
_EXCLUDE_AFTER: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        # the vaccine ("Sputnik V", "Спутник Лайт") and the satellites ("Sputnik 1")
        "sputnik": re.compile(
            f"{_WS_CLASS}*(?:[-‐]?{_WS_CLASS}*(?:V\\b|\\d)|(?i:лайт|light|satellite)|لايت)"
        ),
        # Australian Federal Police officers, not Agence France-Presse
        "afp": re.compile(f"{_WS}(?i:officers?|agents?|commissioner|investigators?)\\b"),
        # a retweet, a PCR test
        "rt": re.compile(f"{_WS_CLASS}*(?:@|-\\w)"),
        # a Turkish basketball team and an airline
        "anadolu": re.compile(f"{_WS}(?:Efes|Jet)\\b"),
    }
)
_EXCLUDE_BEFORE: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        "sputnik": re.compile(_rx(r"(?i:вакцин|vaccin|لقاح|اللقاح)")),
        "afp": re.compile(r"(?i:federal police)"),
    }
)

# "(Reporting by Dmitry Antonov; Editing by Alex Richardson)" closes Reuters copy.
_REUTERS_CREDIT_RE = re.compile(
    r"\(?(?:Additional )?(?:[Rr]eporting|[Ww]riting|[Cc]ompiled|[Cc]ompiling) by "
    r"[^()\n]{1,300}?[;,] ?[Ee]diting by [^()\n]{1,200}?(?:\)|(?=\n)|\Z)"
)

# --- Datelines ----------------------------------------------------------------------

# A place is up to four words; a period inside it only ends an abbreviation ("St. Louis").
_PLACE = f"[^\\W\\d_][\\w'’]*(?:(?:\\.?{_WS}|[-‐/])[\\w'’]+){{0,3}}"
_REGION = f"{_WS_CLASS}*[,،]{_WS_CLASS}*[^\\W\\d_][\\w'’]*(?:{_WS}[\\w'’]+)?"
_DATE = (
    f"(?:[^\\W\\d_]{{2,12}}\\.?{_WS}\\d{{1,2}}(?:,?{_WS}\\d{{4}})?"
    f"|\\d{{1,2}}(?:{_WS_CLASS}*[-/.]{_WS_CLASS}*\\d{{1,4}}){{1,2}}"
    f"|\\d{{1,2}}{_WS}[^\\W\\d_]{{2,12}}\\.?(?:/[^\\W\\d_]{{2,12}})?(?:{_WS}\\d{{4}})?)"
)
_DATELINE_PREFIX_RE = re.compile(
    f"{_WS_CLASS}*"
    f"(?P<place>(?P<where>{_PLACE})(?:{_REGION})?"
    # A period may follow a date ("9 февраля. /ТАСС/"), not a bare place: "Премьер
    # провел совещание. — ТАСС" is a sentence, not a dateline.
    f"(?:{_WS_CLASS}*[-–,.،]?{_WS_CLASS}*{_DATE}{_WS_CLASS}*[,.،:]?|{_WS_CLASS}*[,،:]?)"
    f"{_WS_CLASS}*)?"
    f"(?:[{_DASH_CLASS}]+{_WS_CLASS}*)?"
    f"(?P<open>[(/]{_WS_CLASS}*)?"
    f"(?:(?i:{_RU_BYLINE}){_WS})?"
)
# Lower-case words a place name may contain ("Rio de Janeiro", "Ростов на Дону").
_PLACE_PARTICLES = frozenset(
    {
        *("de", "da", "do", "dos", "del", "la", "le", "el", "al", "am", "an", "der", "di"),
        *("du", "on", "upon", "na", "sur", "на", "де", "ла", "эль", "аль"),
    }
)
_DATELINE_CLOSE_RE: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {
        "(": re.compile(r"[^()\n]{0,40}?\)"),
        # "/Корр. ТАСС Анна Юдина/."
        "/": re.compile(r"[^/\n]{0,60}?/"),
    }
)
_DATELINE_END_RE = re.compile(f"[^\\S\\n]*(?:[{_DASH_CLASS}]+|[.:](?!\\w))")
_DATELINE_COMMA_RE = re.compile(f"{_WS_CLASS}*(?:,|\\Z)")
_WS_AFTER_RE = re.compile(_WS_CLASS)
#: How far into a paragraph an agency name may start and still be a dateline.
_DATELINE_REACH = 100
#: How many leading paragraphs may hold the dateline (a title or date may come first).
_DATELINE_PARAGRAPHS = 5

# --- Source lines -------------------------------------------------------------------

_SOURCE_LABEL = _rx(
    r"(?:(?i:фото\s*/\s*)?(?i:источники|источник)(?:\s*/\s*(?i:фото))?"
    r"|(?i:sources|source)|(?:ال)?مصادر|(?:ال)?مصدر(?: الخبر| النص)?)"
)
_SOURCE_LINE_RE = re.compile(
    f"{_WS_CLASS}*(?:"
    f"(?P<label>{_SOURCE_LABEL}){_WS_CLASS}*(?:[:：|]|[{_DASH_CLASS}]){_WS_CLASS}*"
    f"|(?P<label2>{_rx('(?i:по материалам|via)|نقلا عن')}){_WS_CLASS}*[:：]?{_WS_CLASS}*"
    f")(?P<value>[^\\n]{{1,160}}?){_WS_CLASS}*\\Z"
)
_SOURCE_VALUE_LEAD_RE = re.compile(
    f"(?:(?i:https?://)?(?i:www\\.)?|(?:{_NOUN}){_WS_CLASS}*)?"
    f"[{re.escape(_OPENERS)}]?{_WS_CLASS}*\\Z"
)
_LINE_RE = re.compile(r"[^\n\r]+")


# --- Matching -----------------------------------------------------------------------


class _Hit(NamedTuple):
    agency: str
    kind: AttributionKind
    start: int
    end: int
    explicit: bool


def _agency_of(match: re.Match[str]) -> tuple[str, _Need]:
    """Which spelling the name regex matched: the first one, in the regex's own order,
    that matches the same text."""
    name = match.group("name")
    for agency_id, need, spelling in _SPELLING_RES:
        if spelling.fullmatch(name):
            return agency_id, need
    return "", "noun"  # unreachable: the name regex is the union of these


def _excluded(agency: str, para: str, start: int, end: int) -> bool:
    """Whether this occurrence of the name is something other than the agency."""
    line_start = para.rfind("\n", 0, start) + 1
    if _PHOTO_BEFORE_RE.search(para, max(line_start, start - 40), start):
        return True
    if _PHOTOGRAPHER_RE.match(para, end):
        return True
    after = _EXCLUDE_AFTER.get(agency)
    if after is not None and after.match(para, end):
        return True
    before = _EXCLUDE_BEFORE.get(agency)
    return (
        before is not None and before.search(para, max(line_start, start - 30), start) is not None
    )


def _dateline(para: str, match: re.Match[str]) -> tuple[int, int] | None:
    """The span of the dateline that ends in this name, or None when it is not one."""
    start, end = match.span()
    if start > _DATELINE_REACH:
        return None
    prefix = _DATELINE_PREFIX_RE.fullmatch(para, 0, start)
    if prefix is None:
        return None
    stripped = para[:start].rstrip()
    first = len(para) - len(para.lstrip())
    where = prefix.group("where") or ""
    # Place names are capitalised word by word ("NEW YORK", "Нью-Йорк"); a sentence
    # is not ("Премьер провел ...").
    for word in where.split():
        if word[:1].islower() and word.casefold() not in _PLACE_PARTICLES:
            return None
    # The name must be set off from the place and date: "MOSCOW (", "موسكو - ",
    # "9 февраля. /", "1 ноября. INTERFAX.RU". A place followed by a plain space is a
    # sentence that starts with a name ("Moscow TASS ...").
    if stripped and stripped[-1] not in _DASHES + "(/.:":
        return None
    opener = prefix.group("open")
    if opener:
        close = _DATELINE_CLOSE_RE[opener[0]].match(para, end)
        if close is None:
            return None
        end = close.end()
    tail = _DATELINE_END_RE.match(para, end)
    if tail is not None:
        return first, tail.end()
    if not stripped:
        return None  # a paragraph that opens with a name needs a dash after it
    if (opener or "")[:1] == "/" or (where and not opener and _DATELINE_COMMA_RE.match(para, end)):
        # "أنقرة/ الأناضول/ أعلن", "МОСКВА, 5 янв - РИА Новости, Александр Шишло."
        # Brackets need the dash: "Andhra Pradesh (AP) announced" is no dateline.
        return first, end
    if where and stripped[-1] in _DASHES and _WS_AFTER_RE.match(para, end):
        # The dash-joined form runs straight into the text: "دمشق-سانا أكد الرئيس".
        return first, end
    return None


def _spoken_after(para: str, end: int) -> bool:
    """Whether a verb of reporting or a staff word follows: "AP reported", "RT said"."""
    post = _POST_RE.match(para, end)
    return bool(post and (post.group("pcue") or post.group("pby")))


def _lead(text: str, start: int) -> re.Match[str] | None:
    """The cue, agency word or bracket right before a name; None when there is none.

    Trying the lead pattern only where a lead can begin, leftmost first, finds the
    longest lead at a fraction of the cost of a search through every position."""
    for candidate in _LEAD_STARTS_RE.finditer(text, max(0, start - _LEAD_REACH), start):
        lead = _LEAD_RE.match(text, candidate.start(), start)
        if lead is not None and lead.lastgroup is not None:
            return lead
    return None


def _context_ok(need: _Need, name: str, lead: re.Match[str] | None, para: str, end: int) -> bool:
    """Whether the words around a name make it the agency (see ``_Need``)."""
    if need == "free":
        return True
    if lead is None:
        return _spoken_after(para, end) and need != "noun"
    if lead.group("noun") or lead.group("by"):
        return True
    wrapped = bool(lead.group("open")) and _CLOSE_RE.match(para, end) is not None
    if wrapped and name in _ACRONYMS:
        close = _CLOSE_RE.match(para, end)
        wrapped = close is not None and _DASH_AFTER_RE.match(para, close.end()) is not None
    if need == "noun":
        return wrapped
    spoken = bool(lead.group("cue")) or _spoken_after(para, end)
    if need == "speech":
        return spoken
    return spoken or wrapped


def _paragraph_hits(para: str, may_be_dateline: bool) -> Iterator[_Hit]:
    """Every attribution in one paragraph in reading order, merged where one phrase
    matched twice ("وكالة أنباء الصين الجديدة (شينخوا)")."""
    previous: _Hit | None = None
    for hit in sorted(_raw_hits(para, may_be_dateline), key=lambda h: (h.start, -h.end)):
        if previous is not None and previous.agency == hit.agency and hit.start <= previous.end:
            hit = previous._replace(
                end=max(previous.end, hit.end),
                explicit=previous.explicit or hit.explicit,
                kind=_stronger_kind(previous.kind, hit.kind),
            )
        elif previous is not None:
            yield previous
        previous = hit
    if previous is not None:
        yield previous


# The evidence order as sort keys; lower is stronger. A source line given by the
# caller beats one found among the paragraphs.
_RANK: Mapping[str, int] = MappingProxyType(
    {"given_source": 0, "source_line": 1, "dateline": 2, "byline": 3, "inline": 4}
)


def _stronger_kind(a: AttributionKind, b: AttributionKind) -> AttributionKind:
    return a if _RANK[a] <= _RANK[b] else b


def _raw_hits(para: str, may_be_dateline: bool) -> Iterator[_Hit]:
    for credit in _REUTERS_CREDIT_RE.finditer(para) if "diting by" in para else ():
        yield _Hit("reuters", "byline", credit.start(), credit.end(), True)
    for match in _NAME_RE.finditer(para):
        agency, need = _agency_of(match)
        start, end = match.span()
        clitic = match.group("clitic") or ""
        if not agency or _excluded(agency, para, start, end):
            continue
        if may_be_dateline:
            span = _dateline(para, match)
            if span is not None:
                yield _Hit(agency, "dateline", span[0], span[1], True)
                continue
        lead = _lead(para, start)
        opened = lead is not None and lead.group("open") is not None
        dashed = lead is not None and lead.group("dash") is not None
        text_start = lead.start() if lead is not None else start
        close = _CLOSE_RE.match(para, end) if opened else None
        text_end = close.end() if close else end
        post = _POST_RE.match(para, text_end)
        if post and post.group("pnoun"):
            text_end = post.end("pnoun")
        # A paragraph that holds nothing but the name ("(تاس)", "— ТАСС") is a credit.
        bare_start = start
        if lead is not None and (opened or dashed):
            bare_start = lead.start("open") if opened else lead.start("dash")
        alone = (
            _TRAILER_RE.fullmatch(para, 0, bare_start) is not None
            and _TRAILER_RE.fullmatch(para, text_end) is not None
        )
        trailing_credit = dashed and _TRAILER_RE.fullmatch(para, text_end) is not None
        if not alone and not _context_ok(need, match.group("name"), lead, para, end):
            continue
        by = lead is not None and lead.group("by") is not None
        byline = by or bool(post and post.group("pby")) or alone or trailing_credit
        yield _Hit(
            agency,
            "byline" if byline else "inline",
            text_start,
            text_end,
            # "لتاس": the attached preposition says "to TASS".
            lead is not None
            or bool(post and post.group(0))
            or alone
            or _LAM.match(clitic) is not None,
        )


def _source_line_in(line: str, offset: int, paragraph: int) -> WireAttribution | None:
    match = _SOURCE_LINE_RE.fullmatch(line)
    if match is None:
        return None
    value_start = match.start("value")
    value_end = match.end("value")
    for name in _NAME_RE.finditer(line, value_start, value_end):
        if not _SOURCE_VALUE_LEAD_RE.fullmatch(line, value_start, name.start()):
            return None
        agency, _ = _agency_of(name)
        if not agency:
            return None
        first = len(line) - len(line.lstrip())
        text = line[first:value_end]
        return WireAttribution(agency, text, "source_line", paragraph, offset + first)
    return None


# --- Public functions ---------------------------------------------------------------


def agency_from_name(name: str) -> str | None:
    """The agency id for a name as printed, in any of its languages and spellings.

    ``"تاس"``, ``"ТАСС"``, ``"TASS"``, ``"وكالة تاس"``, ``"(Reuters)"``,
    ``"агентство «Интерфакс»"`` -> the id; None when the name is unknown or is more
    than a name. Case does not matter here: the caller says it is a name.
    """
    if not isinstance(name, str) or len(name) > 200:
        return None
    key = _fold(name)
    if not key:
        return None
    found = _NAME_INDEX.get(key)
    if found is not None:
        return found
    for match in _NAME_RE.finditer(name):
        # Only an agency word, a verb or brackets may come before the name.
        lead = _lead(name, match.start())
        if not _TRAILER_RE.fullmatch(name, 0, match.start() if lead is None else lead.start()):
            continue
        post = _POST_RE.match(name, match.end())
        rest = post.end("pnoun") if post and post.group("pnoun") else match.end()
        if _TRAILER_RE.fullmatch(name, rest):
            return _agency_of(match)[0]
    return None


def parse_source_line(line: str) -> WireAttribution | None:
    """Read a footer line that names the article's source.

    ``"المصدر: تاس"``, ``"المصدر : وكالة سبوتنيك"``, ``"Источник: ТАСС"``,
    ``"Фото/Источник: РИА Новости"``, ``"Source: Reuters"``, ``"По материалам ТАСС"``.
    None when the line is not a source line (a photo credit is not one) or names no
    known agency. A multi-line string is read line by line; the first source line wins.
    """
    if not isinstance(line, str):
        return None
    for piece in _LINE_RE.finditer(line):
        found = _source_line_in(piece.group(), piece.start(), -1)
        if found is not None:
            return found
    return None


def find_attributions(paragraphs: Sequence[str], *, source_line: str = "") -> list[WireAttribution]:
    """Every attribution in an article, strongest first (see the module docstring).

    Several attributions to one agency in one phrase come back as one.
    """
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    elif not isinstance(paragraphs, Sequence):
        return []
    paras = [p if isinstance(p, str) else "" for p in paragraphs]
    ranked: list[tuple[tuple[int, int, int, int], WireAttribution]] = []
    if isinstance(source_line, str) and source_line:
        explicit = parse_source_line(source_line)
        if explicit is not None:
            ranked.append(((_RANK["given_source"], 0, 0, explicit.start), explicit))
    count = len(paras)
    for index, para in enumerate(paras):
        for piece in _LINE_RE.finditer(para):
            found = _source_line_in(piece.group(), piece.start(), index)
            if found is not None:
                # Footers come last: the latest source line is the article's own.
                ranked.append(((_RANK["source_line"], 0, -index, found.start), found))
        zone = 0 if index < 2 else 1 if index >= count - 2 else 2
        for hit in _paragraph_hits(para, index < _DATELINE_PARAGRAPHS):
            att = WireAttribution(hit.agency, para[hit.start : hit.end], hit.kind, index, hit.start)
            # Among inline attributions: with a cue before bare names, then by zone.
            strength = (zone if hit.explicit else zone + 3) if hit.kind == "inline" else 0
            ranked.append(((_RANK[hit.kind], strength, index, hit.start), att))
    ranked.sort(key=lambda pair: pair[0])
    return [att for _, att in ranked]


def detect_wire(paragraphs: Sequence[str], *, source_line: str = "") -> WireAttribution | None:
    """The wire agency of an article, from its strongest attribution; None when none.

    Evidence order: an explicit ``source_line`` (or a source line among the
    paragraphs), a dateline at the start of the first paragraphs, a byline, then an
    inline attribution: in the first paragraphs, then the last ones, then anywhere in
    the body.
    """
    found = find_attributions(paragraphs, source_line=source_line)
    return found[0] if found else None


def _agency_domains() -> dict[str, str]:
    domains: dict[str, str] = {}
    for agency in AGENCIES.values():
        for spellings in agency.names.values():
            for spelling in spellings:
                if "." in spelling and " " not in spelling and spelling.isascii():
                    domains[spelling.lower()] = agency.id
    return domains


_AGENCY_DOMAINS = _agency_domains()


def agency_of_outlet(outlet: str) -> str | None:
    """The agency whose own site ``outlet`` is ("tass.ru", "arabic.rt.com" -> "rt"); else None.

    Among copies published at the same moment, the agency's own copy is the original.
    """
    host = outlet.lower().strip(".")
    while host:
        if host in _AGENCY_DOMAINS:
            return _AGENCY_DOMAINS[host]
        _, _, host = host.partition(".")
    return None
