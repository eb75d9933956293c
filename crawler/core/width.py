"""How wide text is on a terminal, for columns that line up in any script.

Combining marks (Arabic harakat, the Russian stress mark), zero-width characters
and format controls take no cell; East Asian wide and full-width characters take two.
Python's ``len`` counts each of them as one, so Arabic with harakat drifts to the left.
"""

from __future__ import annotations

import unicodedata

__all__ = ["display_width", "pad", "wrap"]


def _cells(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes."""
    return sum(_cells(char) for char in text)


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` cells."""
    return text + " " * max(0, width - display_width(text))


def wrap(text: str, width: int) -> list[str]:
    """Lines of whole words, each at most ``width`` cells (a longer word is cut)."""
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        size = display_width(word)
        while size > width:  # a word wider than the column: cut it where it fills the line
            if line:
                lines.append(line)
                line, used = "", 0
            cut, cells = 0, 0
            while cut < len(word) and cells + _cells(word[cut]) <= width:
                cells += _cells(word[cut])
                cut += 1
            while cut < len(word) and _cells(word[cut]) == 0:
                cut += 1  # keep marks with their letter
            lines.append(word[:cut])
            word = word[cut:]
            size = display_width(word)
        if not word:
            continue
        if line and used + 1 + size > width:
            lines.append(line)
            line, used = "", 0
        line, used = (f"{line} {word}", used + 1 + size) if line else (word, size)
    if line:
        lines.append(line)
    return lines
