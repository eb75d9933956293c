"""The labelled reprint set for the dedup quality gate (see README.md beside this file).

Built at run time from real text read from ``../shared`` (never copied into
the project) and from the bundled demo site:

``real_corpus(data_dir, seed_file)``
    real article texts, each published by its own outlet and reprinted one
    to four times by other outlets with the edits outlets really make, plus
    hard negatives (see README.md).
``demo_corpus()``
    the demo site, labelled by story and language.
``score(predicted, corpus)``
    pairwise precision/recall, adjusted Rand index, and merges of hard negatives.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.app import demo
from crawler.core.items import Article, Block
from crawler.core.seedformat import parse_seed_text

#: Sources shorter than this (in words) are published once and never reprinted.
MIN_SOURCE_WORDS = 80

# DAnIEL pages whose reference text holds no article, only the site's comment
# rules under a headline (the same 250 words on both). They are not news
# articles, so they are left out of the set; README.md says what the detector
# does with such pages.
NOT_ARTICLES = {
    "20111128_www.aif.ru_8615176c4de88091217e66433b654d812ceb3aa888504cc5c65da372",
    "20120117_www.aif.ru_a7a2b954a2707bdba78a221747044782454c7e7c29ea9ac74797aa01",
}

#: Roles of articles that must never share a cluster with anything.
HARD_NEGATIVE_ROLES = frozenset({"house", "background"})


@dataclass(frozen=True)
class Labelled:
    """One article of a corpus with its ground-truth story."""

    article: Article
    #: Articles with the same label are copies of one story; None for one-offs.
    story: str | None
    #: original, reprint, excerpt, mirror, unrelated; house and background are hard negatives.
    role: str


@dataclass(frozen=True)
class Source:
    """One real article text that the real corpus reprints."""

    source_id: str
    language: str
    outlet: str
    title: str
    paragraphs: tuple[str, ...]


# -- sources -------------------------------------------------------------------


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p for p in (" ".join(line.split()) for line in text.split("\n")) if p)


def benchmark_sources(data_dir: Path) -> list[Source]:
    """The extraction benchmark's ground-truth article bodies."""
    folder = data_dir / "articles" / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    languages = json.loads((folder / "lang_detected.json").read_text(encoding="utf-8"))
    sources = []
    for page_id, record in sorted(truth.items()):
        language = languages.get(f"article-extraction-benchmark/html/{page_id}.html.gz", "en")
        host = re.sub(r"^www\.", "", re.sub(r"^https?://([^/]+).*$", r"\1", record["url"]))
        paragraphs = _paragraphs(record["articleBody"])
        if paragraphs:
            title = " ".join(paragraphs[0].split()[:12])
            sources.append(Source(page_id[:16], language, host, title, paragraphs))
    return sources


def daniel_sources(data_dir: Path) -> list[Source]:
    """The DAnIEL Russian references (``<p>`` paragraphs; the first is the headline)."""
    folder = data_dir / "articles" / "daniel-ru" / "reference"
    sources = []
    for path in sorted(folder.iterdir()):
        if path.name in NOT_ARTICLES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        paragraphs = tuple(
            " ".join(re.sub(r"<[^>]+>", " ", p).split())
            for p in re.findall(r"<p>(.*?)</p>", text, re.S)
        )
        paragraphs = tuple(p for p in paragraphs if p)
        if len(paragraphs) < 2:
            continue
        outlet = path.name.split("_")[1].removeprefix("www.")
        sources.append(Source(path.name, "ru", outlet, paragraphs[0], paragraphs[1:]))
    return sources


def seed_source(seed_file: Path) -> list[Source]:
    """The Arabic seed article."""
    article = parse_seed_text(seed_file.read_text(encoding="utf-8"))
    paragraphs = tuple(b.text for b in article.body)
    return [Source("seed", "ar", "russia-islworld.ru", article.title, paragraphs)]


# -- invented outlets and their habits ---------------------------------------------

_HOUSE = {
    "ar": [
        "تأسست الصحيفة عام ألف وتسعمئة وثمانية وتسعين وتصدر يومياً من القاهرة، وتغطي أخبار "
        "المنطقة والعالم عبر شبكة من المراسلين في أكثر من عشرين عاصمة عربية وأجنبية.",
        "موقع إخباري مستقل يقدم لقرائه آخر الأخبار والتحليلات على مدار الساعة، ويمكنكم متابعتنا "
        "عبر حساباتنا على منصات التواصل الاجتماعي والاشتراك في نشرتنا البريدية اليومية.",
        "جميع الحقوق محفوظة للمؤسسة، ولا يجوز نسخ هذا المحتوى أو إعادة نشره كلياً أو جزئياً "
        "دون إذن خطي مسبق من إدارة التحرير، ويتحمل الناشر المسؤولية القانونية عن أي مخالفة.",
    ],
    "ru": [
        "Издание основано в тысяча девятьсот девяносто первом году и выходит ежедневно; редакция "
        "освещает события региона и мира при помощи сети собственных корреспондентов в тридцати "
        "городах.",
        "Подписывайтесь на наш канал в мессенджере и на ежедневную рассылку, чтобы первыми "
        "узнавать главные новости дня, читать аналитику и получать приглашения на встречи с "
        "редакцией.",
        "При полном или частичном использовании материалов ссылка на издание обязательна; мнение "
        "авторов может не совпадать с позицией редакции, за содержание рекламы редакция не "
        "отвечает.",
    ],
    "en": [
        "The Ledger has covered the region since nineteen eighty four and is read in print and "
        "online by more than two million people each month across forty countries and territories.",
        "Sign up for our morning briefing to get the day's most important stories, analysis and "
        "opinion delivered to your inbox before breakfast, free of charge and with no advertising.",
        "All rights reserved. This material may not be published, broadcast, rewritten or "
        "redistributed in whole or in part without the prior written permission of the publisher.",
    ],
}
# A wire agency's standard background paragraph, appended to different stories.
_BACKGROUND = {
    "ar": "ومنظمة التعاون الإقليمي تكتل سياسي واقتصادي تأسس قبل ثلاثين عاماً ويضم ست دول أعضاء، "
    "ويقع مقر أمانتها العامة في العاصمة، وتعقد قمتها مرة كل عامين بالتناوب بين الدول الأعضاء، "
    "وتنسق سياساتها في مجالات التجارة والطاقة والنقل والأمن الغذائي والتعليم والصحة.",
    "ru": "Организация регионального сотрудничества - политический и экономический союз, "
    "созданный тридцать лет назад; в нее входят шесть государств, секретариат находится в столице, "
    "саммиты проводятся раз в два года поочередно в странах-участницах, а совместные программы "
    "охватывают торговлю, энергетику, транспорт, продовольственную безопасность и образование.",
    "en": "The Regional Cooperation Organisation is a political and economic bloc founded thirty "
    "years ago that groups six member states; its secretariat sits in the capital, its summits "
    "rotate among the members every two years, and its joint programmes cover trade, energy, "
    "transport, food security, education and public health across the region.",
}
_HEADLINE = {"ar": "عاجل: ", "ru": "Срочно: ", "en": "Breaking: "}
_SHARE = {
    "ar": "شارك هذا الخبر عبر فيسبوك تويتر واتساب تيليغرام",
    "ru": "Поделиться: ВКонтакте Одноклассники Telegram WhatsApp",
    "en": "Share this article on Facebook Twitter LinkedIn Email",
}
_DATELINES = {
    "ar": ["موسكو - {outlet} - ", "القاهرة ({outlet}) - ", "بيروت - ", "موسكو، ٩ فبراير - "],
    "ru": ["Москва. 9 февраля. {outlet} - ", "МОСКВА, 9 фев — ", "Санкт-Петербург, 9 февраля. "],
    "en": ["MOSCOW, Feb 9 ({outlet}) - ", "LONDON (AP) — ", "WASHINGTON, Feb 9 - "],
}
_ATTRIBUTIONS = {
    "ar": ["حسب وكالة تاس.", "نقلاً عن وكالة ريا نوفوستي.", "(رويترز)"],
    "ru": ["Об этом сообщает ТАСС.", "Как передает РИА Новости.", "Сообщает Интерфакс."],
    "en": ["Reuters reported.", "(Reporting by staff; Editing by desk)", "according to AFP."],
}


def _family(language: str) -> str:
    return language if language in _HOUSE else "en"


def _outlets(language: str) -> list[tuple[str, str]]:
    """Eight invented outlets per language family, each with its house paragraph."""
    family = _family(language)
    house = _HOUSE[family]
    return [(f"{family}-outlet-{i}.example", house[i % len(house)]) for i in range(8)]


# -- the edits reprints make -------------------------------------------------------

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _arabic_spelling(text: str, rng: random.Random) -> str:
    """Egyptian-style spelling: hamza dropped, final ى, tatweel, a haraka, Arabic-Indic digits."""
    out = []
    for word in text.split(" "):
        if word[:1] in "أإآ" or word[:3] in ("الأ", "الإ"):
            word = word.replace("أ", "ا").replace("إ", "ا")
        if word.endswith("ي") and rng.random() < 0.5:
            word = word[:-1] + "ى"
        if len(word) > 4 and rng.random() < 0.03:
            word = word[:2] + "ـ" + word[2:]
        if len(word) > 3 and rng.random() < 0.02:
            word = word[:1] + "َ" + word[1:]
        out.append(word)
    return " ".join(out).translate(_ARABIC_INDIC)


def _russian_spelling(text: str, rng: random.Random) -> str:
    """ё where the source wrote е, straight quotes for «»."""
    text = text.replace("«", '"').replace("»", '"')
    return re.sub(r"\bвсе\b|\bее\b|\bеще\b", lambda m: m.group().replace("е", "ё", 1), text)


def _latin_spelling(text: str, rng: random.Random) -> str:
    """Typographic apostrophes and quotes."""
    return text.replace("'", "’").replace('"', "“")


_SPELLING = {"ar": _arabic_spelling, "ru": _russian_spelling}


def _reword(paragraph: str, rng: random.Random) -> str:
    """A copy editor's touch: one word dropped or two swapped in some paragraphs."""
    words = paragraph.split(" ")
    if len(words) < 8 or rng.random() > 0.3:
        return paragraph
    index = rng.randrange(1, len(words) - 2)
    if rng.random() < 0.5:
        del words[index]
    else:
        words[index], words[index + 1] = words[index + 1], words[index]
    return " ".join(words)


def _truncate(paragraphs: list[str], share: float) -> list[str]:
    """The first ``share`` of the words, cut where the count runs out ("read more" copies)."""
    total = sum(len(p.split()) for p in paragraphs)
    budget = max(1, math.ceil(total * share))
    out = []
    for paragraph in paragraphs:
        words = paragraph.split()
        if budget <= 0:
            break
        out.append(" ".join(words[:budget]))
        budget -= len(words)
    return out


def _headline(source: Source, rng: random.Random) -> str:
    family = _family(source.language)
    words = source.title.split()
    if rng.random() < 0.5 and len(words) > 4:
        # A rewrite: the words reshuffled and shortened, as sub-editors retitle.
        rng.shuffle(words)
        return " ".join(words[: max(4, len(words) * 2 // 3)])
    return _HEADLINE[family] + source.title


def _reprint(
    source: Source, outlet: tuple[str, str], role: str, rng: random.Random
) -> tuple[str, tuple[str, ...]]:
    host, house = outlet
    family = _family(source.language)
    paragraphs = list(source.paragraphs)
    if role == "excerpt":
        paragraphs = _truncate(paragraphs, rng.uniform(0.4, 0.9))
    elif len(paragraphs) > 4:
        # Dropped middle paragraphs: the lede and the last paragraph stay.
        for _ in range(rng.randint(0, min(3, (len(paragraphs) - 2) // 3))):
            del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
    spelling = _SPELLING.get(source.language, _latin_spelling)
    paragraphs = [spelling(_reword(p, rng), rng) for p in paragraphs]
    paragraphs[0] = rng.choice(_DATELINES[family]).format(outlet=host.split(".")[0]) + paragraphs[0]
    if rng.random() < 0.5:
        paragraphs[-1] = paragraphs[-1] + " " + rng.choice(_ATTRIBUTIONS[family])
    if rng.random() < 0.7:
        paragraphs.append(house)
    if rng.random() < 0.5:
        paragraphs.append(_SHARE[family])
    return _headline(source, rng), tuple(paragraphs)


def real_corpus(data_dir: Path, seed_file: Path | None = None, seed: int = 7) -> list[Labelled]:
    """Real texts, each reprinted by other outlets with real-world edits (see README.md)."""
    rng = random.Random(seed)
    sources = benchmark_sources(data_dir) + daniel_sources(data_dir)
    if seed_file is not None and seed_file.exists():
        sources += seed_source(seed_file)
    start = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    corpus: list[Labelled] = []
    held_out: list[Source] = []
    for number, source in enumerate(sources):
        words = sum(len(p.split()) for p in source.paragraphs)
        published = start + timedelta(minutes=37 * number)
        if number % 7 == 6 and len(source.paragraphs) >= 2:
            held_out.append(source)  # its text appears once, as a hard negative
            continue
        original = _article(source.title, source.paragraphs, source, source.outlet, published, "o")
        if words < MIN_SOURCE_WORDS:
            corpus.append(Labelled(original, None, "unrelated"))
            continue
        corpus.append(Labelled(original, source.source_id, "original"))
        for copy_number, outlet in enumerate(
            rng.sample(_outlets(source.language), rng.randint(1, 4)), 1
        ):
            role = "excerpt" if rng.random() < 0.25 else "reprint"
            title, paragraphs = _reprint(source, outlet, role, rng)
            later = published + timedelta(minutes=rng.randint(5, 600))
            article = _article(title, paragraphs, source, outlet[0], later, f"r{copy_number}")
            corpus.append(Labelled(article, source.source_id, role))
    return corpus + _hard_negatives(held_out, rng)


def _hard_negatives(sources: list[Source], rng: random.Random) -> list[Labelled]:
    """Different stories that share text with others but are not copies of anything.

    ``house``: two opening paragraphs of a story under one invented outlet's
    house paragraph and share bar (different stories of one outlet).
    ``background``: two opening paragraphs followed by a wire agency's long
    standard background paragraph, at different outlets (different stories
    sharing a long background paragraph).
    """
    out = []
    start = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    for number, source in enumerate(sources):
        family = _family(source.language)
        published = start + timedelta(minutes=41 * number)
        host, house = rng.choice(_outlets(source.language))
        lead = source.paragraphs[:2]
        if number % 2:
            body = (*lead, house, _SHARE[family])
            role = "house"
        else:
            body = (*lead, _BACKGROUND[family])
            role = "background"
        article = _article(source.title, body, source, host, published, role[0])
        out.append(Labelled(article, None, role))
    return out


def _article(
    title: str,
    paragraphs: Iterable[str],
    source: Source,
    outlet: str,
    published: datetime,
    suffix: str,
) -> Article:
    digest = hashlib.sha1(source.source_id.encode("utf-8")).hexdigest()[:12]
    return Article(
        title=title,
        body=tuple(Block(p) for p in paragraphs),
        url=f"https://{outlet}/news/{digest}-{suffix}",
        outlet=outlet,
        published=published,
        published_precision="minute",
        language=source.language,
        fetched_at=published + timedelta(minutes=3),
    )


def demo_corpus() -> list[Labelled]:
    """The bundled demo site, labelled by (story, language)."""
    corpus = []
    for entry in demo.entries():
        story = f"{entry.story}/{entry.language}" if entry.story else None
        corpus.append(Labelled(demo.load_article(entry), story, entry.role))
    return corpus


def shuffled(corpus: list[Labelled], seed: int) -> list[Labelled]:
    """The same corpus in another arrival order."""
    items = list(corpus)
    random.Random(seed).shuffle(items)
    return items


# -- scoring -----------------------------------------------------------------------


@dataclass(frozen=True)
class SetScore:
    """How well predicted clusters match the labels."""

    #: Share of predicted same-cluster pairs that are copies of one story.
    precision: float
    #: Share of same-story pairs that the clusters put together.
    recall: float
    #: Adjusted Rand index of the partition (1.0 = identical, ~0 = chance).
    adjusted_rand: float
    true_pairs: int
    false_pairs: int
    missed_pairs: int
    #: Hard negatives that share a cluster with any other article.
    hard_negative_merges: int
    articles: int

    @property
    def f1(self) -> float:
        """Harmonic mean of pairwise precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def adjusted_rand_index(truth: Sequence[object], predicted: Sequence[object]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labelings of the same items."""
    n = len(truth)
    contingency = Counter(zip(truth, predicted, strict=True))
    sum_cells = sum(_pairs(c) for c in contingency.values())
    sum_truth = sum(_pairs(c) for c in Counter(truth).values())
    sum_pred = sum(_pairs(c) for c in Counter(predicted).values())
    expected = sum_truth * sum_pred / _pairs(n) if n > 1 else 0.0
    maximum = (sum_truth + sum_pred) / 2
    if maximum == expected:
        return 1.0
    return (sum_cells - expected) / (maximum - expected)


def score(predicted: dict[str, int], corpus: list[Labelled]) -> SetScore:
    """Score clusters: ``predicted`` maps each article key to its cluster id."""
    labels = {item.article.key: item.story for item in corpus}
    roles = {item.article.key: item.role for item in corpus}
    keys = sorted(labels)
    tp = fp = fn = 0
    for a, b in itertools.combinations(keys, 2):
        same_cluster = predicted[a] == predicted[b]
        same_story = labels[a] is not None and labels[a] == labels[b]
        tp += same_cluster and same_story
        fp += same_cluster and not same_story
        fn += same_story and not same_cluster
    sizes = Counter(predicted[k] for k in keys)
    merges = sum(1 for k in keys if roles[k] in HARD_NEGATIVE_ROLES and sizes[predicted[k]] > 1)
    truth = [labels[k] if labels[k] is not None else f"single:{k}" for k in keys]
    return SetScore(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        adjusted_rand=adjusted_rand_index(truth, [predicted[k] for k in keys]),
        true_pairs=tp,
        false_pairs=fp,
        missed_pairs=fn,
        hard_negative_merges=merges,
        articles=len(keys),
    )
