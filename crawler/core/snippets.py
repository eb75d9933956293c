"""Search snippets in the article's own words.

The search indexes hold folded text (lower case, ё as е, Arabic letter variants
and harakat folded away); a snippet a user quotes must come from the text as
printed. ``snippet`` finds the first word of the original text whose folded form
matches one of the query's folded terms and cuts a window of whole words around
it, the matched word in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.core.text import fold_word

__all__ = ["snippet"]

_TOKEN = re.compile(r"\S+")
#: Quotes, brackets and punctuation printed against a word: «», “”, „, (), commas, stops.
_PUNCTUATION = "\"'«»“”„‘’()[]{}.,;:!?…،؛؟—–-"


def snippet(
    text: str,
    terms: Sequence[str],
    *,
    inside: bool = False,
    context: int = 8,
    marks: tuple[str, str] = ("[", "]"),
) -> str:
    """Up to ``context`` words either side of the first word of ``text`` matching ``terms``.

    ``terms`` are folded words (as ``crawler.core.text.words`` gives them). A word
    matches when one of its folded parts equals a term, or with ``inside`` contains
    one (a stem inside a longer word). ``""`` when nothing matches.
    """
    wanted = [t for t in terms if t]
    if not wanted or not text:
        return ""
    tokens = list(_TOKEN.finditer(text))
    for index, token in enumerate(tokens):
        parts = fold_word(token.group())
        if inside:
            hit = any(term in part for part in parts for term in wanted)
        else:
            hit = any(part in wanted for part in parts)
        if not hit:
            continue
        first = max(0, index - context)
        last = min(len(tokens), index + context + 1)
        word = token.group()
        lead = len(word) - len(word.lstrip(_PUNCTUATION))
        trail = len(word) - len(word.rstrip(_PUNCTUATION))
        if lead + trail < len(word):  # brackets around the word, not its quotes and commas
            word = f"{word[:lead]}{marks[0]}{word[lead : len(word) - trail]}{marks[1]}"
            word += token.group()[len(token.group()) - trail :] if trail else ""
        else:
            word = f"{marks[0]}{word}{marks[1]}"
        before = text[tokens[first].start() : token.start()]
        after = text[token.end() : tokens[last - 1].end()]
        return (
            ("…" if first > 0 else "")
            + f"{before}{word}{after}"
            + ("…" if last < len(tokens) else "")
        )
    return ""
