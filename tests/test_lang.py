"""Language detection from script and common words."""

from __future__ import annotations

import pytest

from crawler.core.lang import detect_language

CASES = [
    ("أكد نائب وزير الخارجية الروسي أن منظمة معاهدة الأمن الجماعي", "ar"),
    ("Заместитель министра иностранных дел заявил журналистам", "ru"),
    ("Заступник міністра закордонних справ заявив журналістам, що її", "uk"),
    ("The deputy foreign minister said on Wednesday that the organisation", "en"),
    ("Der Minister sagte am Mittwoch, dass die Organisation nicht", "de"),
    ("Le ministre a déclaré mercredi que les forces de la mission", "fr"),
    ("O ministro disse nesta quarta-feira que a organização não", "pt"),
    ("وزیر امور خارجه گفت که پیمان امنیت جمعی چگونه", "fa"),
    ("وزیر خارجہ نے کہا کہ تنظیم ایک فوجی اتحاد نہیں ہے", "ur"),
    ("東京で記者会見を行った", "ja"),
    ("서울에서 기자회견을 열었다", "ko"),
    ("", ""),
    ("12345 !!!", ""),
]


@pytest.mark.parametrize("text, language", CASES)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text, language",
    [
        # As many Cyrillic as Arabic letters: the script met first decides.
        ("мир سلم", "ru"),
        ("سلم мир", "ar"),
        # Characters outside the Basic Multilingual Plane and a lone surrogate count for no script.
        ("😀😀😀 \ud800 Новости дня", "ru"),
        ("😀 \ud800", ""),
        # "İ" lower-cases to two characters; the words around it still count.
        ("İstanbul'da the mayor said that the plan is ready", "en"),
        ("", ""),
    ],
)
def test_detect_language_edge_cases(text: str, language: str) -> None:
    assert detect_language(text) == language
