"""Wire-agency attribution: source lines, datelines, bylines and inline credits."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.wire import (
    AGENCIES,
    Agency,
    WireAttribution,
    agency_from_name,
    detect_wire,
    find_attributions,
    parse_source_line,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"
SEED_FILE = SEEDS / "000_fddc9570532f3f98.txt"
DANIEL_RU = SHARED / "data" / "articles" / "daniel-ru" / "reference"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real test data not found at {path} (../shared beside the project)")
    return path


def assert_points_into(att: WireAttribution, paragraphs: list[str], source_line: str) -> None:
    """The attribution's text is the very substring its position names."""
    where = source_line if att.paragraph == -1 else paragraphs[att.paragraph]
    assert where[att.start : att.end] == att.text
    assert att.agency in AGENCIES


# --- One paragraph: what is found, where, and exactly as printed ----------------------

# (paragraph, agency, kind, text as printed)
ONE_PARAGRAPH = [
    # TASS, Arabic
    (
        "أعلن الكرملين، حسب وكالة الأنباء الروسية (تاس)، أن المحادثات ستستأنف الأسبوع المقبل.",
        "tass",
        "inline",
        "حسب وكالة الأنباء الروسية (تاس)",
    ),
    (
        "وقال المتحدث باسم الوزارة، نقلا عن تاس، إن الوفد وصل إلى جنيف.",
        "tass",
        "inline",
        "نقلا عن تاس",
    ),
    (
        "ذكرت وكالة تاس أن الرئيس الروسي سيزور أنقرة الشهر المقبل.",
        "tass",
        "inline",
        "ذكرت وكالة تاس",
    ),
    (
        "وقال بانكين لتاس إن المنظمة أقامت اتصالات مع العديد من الهياكل الدولية.",
        "tass",
        "inline",
        "لتاس",
    ),
    (
        "موسكو - (تاس) - أعلنت وزارة الدفاع الروسية اليوم عن بدء مناورات مشتركة.",
        "tass",
        "dateline",
        "موسكو - (تاس) -",
    ),
    (
        "وأفادت وكالة تـاس بأن الاجتماع سيعقد في مينسك.",  # tatweel inside the name
        "tass",
        "inline",
        "وأفادت وكالة تـاس",
    ),
    (
        "ذكرت وكالةُ تاسْ أن الوفد غادر موسكو.",  # harakat on the noun and the name
        "tass",
        "inline",
        "ذكرت وكالةُ تاسْ",
    ),
    (
        "أكد نائب وزير الخارجية الروسي لوكاله ايتار تاس أن العلاقات مستقرة.",  # no hamza, ه
        "tass",
        "inline",
        "لوكاله ايتار تاس",
    ),
    # TASS, Russian
    (
        "Замглавы МИД России Александр Панкин заявил об этом журналистам, передает ТАСС.",
        "tass",
        "inline",
        "передает ТАСС",
    ),
    (
        "В Кремле пока не комментировали эту информацию, сообщает ТАСС.",
        "tass",
        "inline",
        "сообщает ТАСС",
    ),
    (
        "В ОДКБ считают, что угрозы для всех стран общие, передаёт ТАСС.",  # ё
        "tass",
        "inline",
        "передаёт ТАСС",
    ),
    (
        "МОСКВА, 9 февраля. /ТАСС/. Организация Договора о коллективной безопасности "
        "установила контакты со многими международными структурами.",
        "tass",
        "dateline",
        "МОСКВА, 9 февраля. /ТАСС/.",
    ),
    (
        "МОСКВА, 9 февраля. /Корр. ТАСС Анна Юдина/. Глава МИД провел переговоры.",
        "tass",
        "dateline",
        "МОСКВА, 9 февраля. /Корр. ТАСС Анна Юдина/.",
    ),
    (
        "Оползень сошел с рельсов в среду днем, передает ИТАР-ТАСС со ссылкой на МЧС.",
        "tass",
        "inline",
        "передает ИТАР-ТАСС",
    ),
    (
        "По данным ТАСС, переговоры продлятся два дня.",
        "tass",
        "inline",
        "По данным ТАСС",
    ),
    (
        "Об этом сообщил корр. ТАСС в Женеве источник в делегации.",
        "tass",
        "byline",
        "сообщил корр. ТАСС",
    ),
    (
        "Переговоры в Женеве отложены на неделю /ТАСС/.",
        "tass",
        "inline",
        "/ТАСС/",
    ),
    (
        "«Мы готовы к диалогу», — сказал Песков ТАСС.",
        "tass",
        "inline",
        "сказал Песков ТАСС",
    ),
    # TASS, English
    (
        "MOSCOW, February 9. /TASS/. The Collective Security Treaty Organization has "
        "established contacts with many international structures.",
        "tass",
        "dateline",
        "MOSCOW, February 9. /TASS/.",
    ),
    (
        "Russia's deputy foreign minister told TASS on Wednesday that NATO ignores the CSTO.",
        "tass",
        "inline",
        "told TASS",
    ),
    (
        "The talks will resume next week, the Kremlin said (TASS).",
        "tass",
        "inline",
        "(TASS)",
    ),
    # RIA Novosti
    (
        "МОСКВА, 5 янв - РИА Новости. Оползень сошел в районе небольшого поселка.",
        "ria",
        "dateline",
        "МОСКВА, 5 янв - РИА Новости.",
    ),
    (
        "БРЮССЕЛЬ, 5 янв - РИА Новости, Александр Шишло. Экс-министр Бельгии задержан.",
        "ria",
        "dateline",
        "БРЮССЕЛЬ, 5 янв - РИА Новости",
    ),
    (
        "Пострадавших нет, движение поездов восстановлено, передает РИА Новости.",
        "ria",
        "inline",
        "передает РИА Новости",
    ),
    (
        "Губернатор рассказал РИА Новости, что ремонт завершат к осени.",
        "ria",
        "inline",
        "рассказал РИА Новости",
    ),
    (
        'Все ответы я дам через четыре года, заявил Чуров. Его цитирует РИА "Новости".',
        "ria",
        "inline",
        'цитирует РИА "Новости"',
    ),
    (
        "وأفادت وكالة ريا نوفوستي بأن الطائرة هبطت بسلام.",
        "ria",
        "inline",
        "وأفادت وكالة ريا نوفوستي",
    ),
    (
        "The death toll rose to 12, according to RIA Novosti.",
        "ria",
        "inline",
        "according to RIA Novosti",
    ),
    # Sputnik
    (
        "وذكرت وكالة سبوتنيك أن الوفد الروسي وصل إلى دمشق.",
        "sputnik",
        "inline",
        "وذكرت وكالة سبوتنيك",
    ),
    (
        "Об этом в эфире радио Sputnik рассказал политолог.",
        "sputnik",
        "inline",
        "радио Sputnik",
    ),
    (
        "Как сообщает агентство «Спутник», переговоры продолжатся.",
        "sputnik",
        "inline",
        "Как сообщает агентство «Спутник»",
    ),
    (
        "Sputnik reported that the delegation had arrived in Minsk.",
        "sputnik",
        "inline",
        "Sputnik",
    ),
    # Interfax
    (
        "Москва. 1 ноября. INTERFAX.RU - Президент России провел совещание с правительством.",
        "interfax",
        "dateline",
        "Москва. 1 ноября. INTERFAX.RU -",
    ),
    (
        "Тула. 17 января. ИНТЕРФАКС-ЦЕНТР - Центральный филиал компании увеличил выработку.",
        "interfax",
        "dateline",
        "Тула. 17 января. ИНТЕРФАКС-ЦЕНТР -",
    ),
    (
        'ПРО может быть создана к тому времени, - сообщил "Интерфаксу" источник.',
        "interfax",
        "inline",
        'сообщил "Интерфаксу"',
    ),
    (
        "وقالت الوزارة لوكالة إنترفاكس إن الإمدادات مستمرة.",
        "interfax",
        "inline",
        "وقالت الوزارة لوكالة إنترفاكس",
    ),
    (
        "A company spokesman told Interfax the plant would reopen in March.",
        "interfax",
        "inline",
        "told Interfax",
    ),
    # Reuters
    (
        "MOSCOW, Feb 9 (Reuters) - Russia said on Wednesday it was ready for talks.",
        "reuters",
        "dateline",
        "MOSCOW, Feb 9 (Reuters) -",
    ),
    (
        "واشنطن (رويترز) - قال مسؤول أمريكي إن المحادثات ستستأنف.",
        "reuters",
        "dateline",
        "واشنطن (رويترز) -",
    ),
    (
        "وقال مصدر مطلع لرويترز إن الصفقة لم تكتمل بعد.",
        "reuters",
        "inline",
        "لرويترز",
    ),
    (
        "Об этом сообщает агентство Рейтер со ссылкой на источники.",
        "reuters",
        "inline",
        "сообщает агентство Рейтер",
    ),
    (
        "Не менее 29 человек погибли, сообщает Reuters со ссылкой на местные власти.",
        "reuters",
        "inline",
        "сообщает Reuters",
    ),
    (
        "(Reporting by Dmitry Antonov; Editing by Alex Richardson)",
        "reuters",
        "byline",
        "(Reporting by Dmitry Antonov; Editing by Alex Richardson)",
    ),
    # AFP
    (
        "باريس (أ ف ب) - أعلنت الحكومة الفرنسية الثلاثاء خطة جديدة.",
        "afp",
        "dateline",
        "باريس (أ ف ب) -",
    ),
    (
        "بيروت - أ.ف.ب - قال مسؤول لبناني إن الحدود أغلقت.",
        "afp",
        "dateline",
        "بيروت - أ.ف.ب -",
    ),
    (
        "وقال المتحدث لوكالة فرانس برس إن الجيش انسحب.",
        "afp",
        "inline",
        "وقال المتحدث لوكالة فرانس برس",
    ),
    (
        "Об этом сообщает агентство Франс Пресс.",
        "afp",
        "inline",
        "сообщает агентство Франс Пресс",
    ),
    (
        "The minister told AFP on Tuesday that the border would stay closed.",
        "afp",
        "inline",
        "told AFP",
    ),
    # AP
    (
        "WASHINGTON (AP) — The Senate voted on Thursday to extend the program.",
        "ap",
        "dateline",
        "WASHINGTON (AP) —",
    ),
    (
        "واشنطن (أ ب) - صوت مجلس الشيوخ على تمديد البرنامج.",
        "ap",
        "dateline",
        "واشنطن (أ ب) -",
    ),
    (
        "وقالت الشرطة لوكالة أسوشيتد برس إن المشتبه به اعتقل.",
        "ap",
        "inline",
        "وقالت الشرطة لوكالة أسوشيتد برس",
    ),
    (
        "Как передает Ассошиэйтед Пресс, голосование перенесено.",
        "ap",
        "inline",
        "Как передает Ассошиэйтед Пресс",
    ),
    (
        "A senior official told The Associated Press the deal was close.",
        "ap",
        "inline",
        "told The Associated Press",
    ),
    # Xinhua
    (
        "BEIJING, Feb. 9 (Xinhua) -- China on Wednesday urged restraint.",
        "xinhua",
        "dateline",
        "BEIJING, Feb. 9 (Xinhua) --",
    ),
    (
        "بكين 9 فبراير 2022 (شينخوا) -- أعلنت الصين اليوم عن خطة.",
        "xinhua",
        "dateline",
        "بكين 9 فبراير 2022 (شينخوا) --",
    ),
    (
        "ذكرت وكالة أنباء الصين الجديدة (شينخوا) أن الزلزال لم يسفر عن ضحايا.",
        "xinhua",
        "inline",
        "ذكرت وكالة أنباء الصين الجديدة (شينخوا)",
    ),
    (
        "По данным агентства Синьхуа, водитель автобуса госпитализирован.",
        "xinhua",
        "inline",
        "По данным агентства Синьхуа",
    ),
    # Anadolu
    (
        "إسطنبول/ الأناضول/ أعلن الرئيس التركي عن حزمة دعم جديدة.",
        "anadolu",
        "dateline",
        "إسطنبول/ الأناضول/",
    ),
    (
        "وقال الوزير في تصريح للأناضول إن الحدود ستفتح.",
        "anadolu",
        "inline",
        "في تصريح للأناضول",
    ),
    (
        "ANKARA (AA) - Turkish President met his Azerbaijani counterpart.",
        "anadolu",
        "dateline",
        "ANKARA (AA) -",
    ),
    (
        "Об этом сообщает агентство Анадолу.",
        "anadolu",
        "inline",
        "сообщает агентство Анадолу",
    ),
    (
        "The quake killed at least 12 people, according to Anadolu Agency.",
        "anadolu",
        "inline",
        "according to Anadolu Agency",
    ),
    # RT
    (
        "وقال لقناة روسيا اليوم إن الحوار مستمر.",
        "rt",
        "inline",
        "وقال لقناة روسيا اليوم",
    ),
    (
        "ذكر موقع RT عربي أن الوفد وصل.",
        "rt",
        "inline",
        "ذكر موقع RT عربي",
    ),
    (
        "The interview was aired by the state broadcaster RT on Monday.",
        "rt",
        "inline",
        "the state broadcaster RT",
    ),
    (
        "Как сообщает телеканал RT, съемочная группа вернулась в Москву.",
        "rt",
        "inline",
        "Как сообщает телеканал RT",
    ),
    # Other agencies, by their Arabic datelines
    ("القاهرة (أ ش أ) - أعلنت وزارة الصحة المصرية.", "mena", "dateline", "القاهرة (أ ش أ) -"),
    (
        "الكويت - 9 - 2 (كونا) -- أعلنت وزارة الخارجية الكويتية.",
        "kuna",
        "dateline",
        "الكويت - 9 - 2 (كونا) --",
    ),
    ("دمشق-سانا أكد الرئيس السوري أن الحوار مستمر.", "sana", "dateline", "دمشق-سانا"),
    ("المنامة (بنا) - استقبل الملك الوفد الزائر.", "bna", "dateline", "المنامة (بنا) -"),
    ("الرياض (واس) - وصل ولي العهد إلى الرياض.", "spa", "dateline", "الرياض (واس) -"),
    ("الدوحة (قنا) - استقبل الأمير وزير الخارجية.", "qna", "dateline", "الدوحة (قنا) -"),
    ("أبوظبي (وام) - أعلنت الإمارات عن مبادرة جديدة.", "wam", "dateline", "أبوظبي (وام) -"),
    ("طهران (إرنا) - قال المتحدث باسم الخارجية.", "irna", "dateline", "طهران (إرنا) -"),
    ("برلين (د ب أ) - أعلنت الحكومة الألمانية.", "dpa", "dateline", "برلين (د ب أ) -"),
    ("مدريد (إفي) - أعلنت الحكومة الإسبانية.", "efe", "dateline", "مدريد (إفي) -"),
]


@pytest.mark.parametrize(("paragraph", "agency", "kind", "text"), ONE_PARAGRAPH)
def test_detects_agency_in_one_paragraph(paragraph: str, agency: str, kind: str, text: str) -> None:
    found = detect_wire([paragraph])
    assert found is not None, paragraph
    assert (found.agency, found.kind, found.text) == (agency, kind, text)
    assert_points_into(found, [paragraph], "")


# Text that names no agency, though it looks close to one.
NO_AGENCY = [
    "وصل الوفد في اليوم التاسع من الشهر الجاري إلى موسكو.",
    "عقدت الجلسة التاسعة للبرلمان أمس بحضور الوزراء.",
    "تناولت المحاضرة الحساسية المفرطة لدى الأطفال.",
    "أطلق الاتحاد السوفيتي أول قمر صناعي عام 1957.",
    "وأعلنت روسيا اليوم الأربعاء عن خطة جديدة للتعاون.",  # "Russia today"
    "تعاني مناطق جنوب شرق الأناضول من الجفاف منذ أشهر.",  # Anatolia, the region
    "وعاد بنا الحديث إلى بداية الأزمة.",
    "افتتح المحافظ مستشفى جديدا في محافظة قنا بصعيد مصر.",  # Qena, the city
    "وأظهرت بيانات لقاح سبوتنيك في فعالية عالية.",  # the vaccine
    "موسكو- الأمة برس - أعلن الكرملين أن المحادثات ستستمر.",  # a newspaper's own dateline
    "Спутник Земли был выведен на расчетную орбиту в понедельник.",
    "Ракета вывела спутник Земли на орбиту.",
    "Более двух миллионов человек привились вакциной «Спутник V».",
    "В 1920 году была образована ТАССР.",  # the Tatar ASSR
    "Фото: ТАСС/Михаил Метцель",  # a photo credit
    "Photo: REUTERS/Maxim Shemetov",
    "The Sputnik V vaccine was approved in more than 70 countries.",
    "Students across the country sat the AP exam in May.",
    "RT @newsdesk: breaking news from Moscow",
    "Andhra Pradesh (AP) announced a new budget on Monday.",
    "Australian Federal Police (AFP) officers arrested two men.",
    "Growth in the MENA region slowed last year.",
    "The hotel spa reopened after the renovation.",
    "The tassels on the uniform were gold.",
    "",
]


@pytest.mark.parametrize("paragraph", NO_AGENCY)
def test_finds_no_agency(paragraph: str) -> None:
    assert detect_wire([paragraph]) is None


# --- Source lines -----------------------------------------------------------------

# (line, agency, text as printed)
SOURCE_LINES = [
    ("المصدر: تاس", "tass", "المصدر: تاس"),
    ("المصدر : وكالة سبوتنيك", "sputnik", "المصدر : وكالة سبوتنيك"),
    ("المصدر: وكالة الأنباء الروسية (تاس)", "tass", "المصدر: وكالة الأنباء الروسية (تاس)"),
    ("  المصدر: تـاس\u200f  ", "tass", "المصدر: تـاس"),
    ("المصدر: روسيا اليوم", "rt", "المصدر: روسيا اليوم"),
    ("Источник: ТАСС", "tass", "Источник: ТАСС"),
    ("Источник: РИА Новости", "ria", "Источник: РИА Новости"),
    ("Фото/Источник: РИА Новости", "ria", "Фото/Источник: РИА Новости"),
    ("По материалам: Интерфакс", "interfax", "По материалам: Интерфакс"),
    (
        "Источник: https://tass.ru/politika/13653871",
        "tass",
        "Источник: https://tass.ru/politika/13653871",
    ),
    ("Source: Reuters", "reuters", "Source: Reuters"),
    ("Source : AFP", "afp", "Source : AFP"),
    ("Sources: Reuters, AFP", "reuters", "Sources: Reuters, AFP"),
    ("Source: AP", "ap", "Source: AP"),
]


@pytest.mark.parametrize(("line", "agency", "text"), SOURCE_LINES)
def test_parses_source_line(line: str, agency: str, text: str) -> None:
    found = parse_source_line(line)
    assert found is not None
    assert (found.agency, found.kind, found.text) == (agency, "source_line", text)
    assert line[found.start : found.end] == text


NOT_SOURCE_LINES = [
    "Photo : Creative Commons",
    "Фото: ТАСС",
    "Источник фото: ТАСС",
    "مصدر الصورة: رويترز",
    "المصدر: الأمة برس",  # a source, but no agency we know
    "المصدر: وكالات",
    "Source: a person familiar with the matter told Reuters",
    "وقالت وكالة تاس إن الوفد وصل.",
    "",
]


@pytest.mark.parametrize("line", NOT_SOURCE_LINES)
def test_rejects_line_that_is_not_an_agency_source(line: str) -> None:
    assert parse_source_line(line) is None


# --- Names ------------------------------------------------------------------------

NAMES = [
    ("تاس", "tass"),
    ("وكالة تاس", "tass"),
    ("(تاس)", "tass"),
    ("وكالة الأنباء الروسية (تاس)", "tass"),
    ("ТАСС", "tass"),
    ("ИТАР-ТАСС", "tass"),
    ("TASS", "tass"),
    ("Tass", "tass"),
    ("TASS news agency", "tass"),
    ("ريا نوفوستي", "ria"),
    ("РИА Новости", "ria"),
    ("RIA Novosti", "ria"),
    ("سبوتنيك", "sputnik"),
    ("Sputnik", "sputnik"),
    ("إنترفاكس", "interfax"),
    ("انترفاكس", "interfax"),
    ("Интерфакс", "interfax"),
    ("Интерфаксу", "interfax"),
    ("агентство «Интерфакс»", "interfax"),
    ("رويترز", "reuters"),
    ("Рейтер", "reuters"),
    ("Reuters", "reuters"),
    ("(Reuters)", "reuters"),
    ("فرانس برس", "afp"),
    ("أ ف ب", "afp"),
    ("Франс Пресс", "afp"),
    ("Agence France-Presse", "afp"),
    ("أسوشيتد برس", "ap"),
    ("Associated Press", "ap"),
    ("شينخوا", "xinhua"),
    ("Синьхуа", "xinhua"),
    ("Xinhua", "xinhua"),
    ("الأناضول", "anadolu"),
    ("Anadolu Agency", "anadolu"),
    ("روسيا اليوم", "rt"),
    ("RT", "rt"),
    ("dpa", "dpa"),
    ("كونا", "kuna"),
]


@pytest.mark.parametrize(("name", "agency"), NAMES)
def test_agency_from_name(name: str, agency: str) -> None:
    assert agency_from_name(name) == agency


@pytest.mark.parametrize(
    "name", ["", "   ", "Bloomberg", "الأمة برس", "تاسع", "the TASS report", "спутник Земли"]
)
def test_agency_from_name_unknown(name: str) -> None:
    assert agency_from_name(name) is None


def test_agencies_table() -> None:
    for agency_id in ("tass", "ria", "sputnik", "interfax", "reuters", "afp", "ap", "xinhua"):
        assert agency_id in AGENCIES
    tass = AGENCIES["tass"]
    assert isinstance(tass, Agency)
    assert tass.name == "TASS"
    assert "تاس" in tass.names["ar"]
    assert "ТАСС" in tass.names["ru"]
    assert "TASS" in tass.names["en"]
    assert all(a.id == key for key, a in AGENCIES.items())
    assert hash(tass) == hash(AGENCIES["tass"])  # frozen records are usable as keys


# --- Several pieces of evidence: which one wins -----------------------------------


def test_source_line_beats_dateline() -> None:
    paragraphs = ["MOSCOW, Feb 9 (Reuters) - Russia said on Wednesday it was ready for talks."]
    found = detect_wire(paragraphs, source_line="المصدر: تاس")
    assert found == WireAttribution("tass", "المصدر: تاس", "source_line", -1, 0)


def test_source_line_among_paragraphs_beats_dateline() -> None:
    paragraphs = [
        "МОСКВА, 5 янв - РИА Новости. Глава ЦИК пообещал ответить на вопрос через 4 года.",
        "Об этом он сказал в четверг.",
        "Фото: РИА Новости\nИсточник: Интерфакс",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.kind, found.paragraph) == ("interfax", "source_line", 2)
    assert_points_into(found, paragraphs, "")


def test_source_line_naming_no_agency_falls_back_to_the_text() -> None:
    paragraphs = [
        "موسكو- الأمة برس - أكد الكرملين، حسب وكالة الأنباء الروسية (تاس)، أن الحوار مستمر."
    ]
    found = detect_wire(paragraphs, source_line="المصدر: الأمة برس")
    assert found is not None
    assert (found.agency, found.kind) == ("tass", "inline")
    assert found.text == "حسب وكالة الأنباء الروسية (تاس)"


def test_dateline_beats_inline_attribution() -> None:
    paragraphs = [
        "МОСКВА, 5 янв - РИА Новости. Министр подтвердил данные, которые ранее передал ТАСС.",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.kind) == ("ria", "dateline")


def test_dateline_after_a_title_and_captions() -> None:
    paragraphs = [
        "Чуров вновь пообещал ответить на вопрос о своей отставке через 4 года",
        "видео: От Сибири до Поволжья",
        "Фото: архив",
        "МОСКВА, 5 янв - РИА Новости. Глава ЦИК РФ обещает ответить не ранее, чем через 4 года.",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.kind, found.paragraph) == ("ria", "dateline", 3)


def test_byline_beats_inline_mention() -> None:
    paragraphs = [
        "Russia said on Wednesday it was ready for talks, TASS reported.",
        "The ministry gave no details.",
        "(Reporting by Dmitry Antonov; Editing by Alex Richardson)",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.kind, found.paragraph) == ("reuters", "byline", 2)


def test_first_paragraph_beats_last() -> None:
    paragraphs = [
        "Завод возобновит работу в марте, сообщает Интерфакс.",
        "Ремонт обошелся в 2 млрд рублей.",
        "Работы вели три подрядчика.",
        "Ранее о сроках ремонта писало РИА Новости, передает ТАСС.",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.paragraph) == ("interfax", 0)


def test_last_paragraph_beats_the_middle() -> None:
    paragraphs = [
        "Завод возобновит работу в марте.",
        "Ремонт обошелся в 2 млрд рублей.",
        "Ранее о сроках ремонта сообщало агентство Рейтер.",
        "Работы вели три подрядчика.",
        "Подробности пока не раскрываются.",
        "Решение одобрено советом директоров, сообщает РИА Новости.",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.paragraph) == ("ria", 5)


def test_passing_mention_deep_in_the_body_is_weak_but_found() -> None:
    paragraphs = [
        "The plant will reopen in March, the company said.",
        "Repairs cost about $30 million.",
        "The plan failed once before, as TASS reported last year.",
        "Three contractors carried out the work.",
        "No details were given.",
    ]
    found = detect_wire(paragraphs)
    assert found is not None
    assert (found.agency, found.kind, found.paragraph, found.text) == ("tass", "inline", 2, "TASS")


def test_credit_paragraph_is_a_byline() -> None:
    paragraphs = ["Премьер-министр провел совещание по вопросам энергетики.", "— ТАСС"]
    found = detect_wire(paragraphs)
    assert found == WireAttribution("tass", "— ТАСС", "byline", 1, 0)


def test_bracketed_credit_closing_an_arabic_reprint() -> None:
    paragraphs = [
        "أكد نائب وزير الخارجية الروسي أن المنظمة أقامت اتصالات مع العديد من الهياكل الدولية.",
        "وأضاف أن التهديد الذي يتعرض له كل منا لم يتغير.",
        "(تاس)",
    ]
    found = detect_wire(paragraphs)
    assert found == WireAttribution("tass", "(تاس)", "byline", 2, 0)


def test_find_attributions_orders_all_evidence() -> None:
    paragraphs = [
        "MOSCOW, Feb 9 (Reuters) - Russia's deputy foreign minister told TASS the CSTO "
        "had contacts with many international bodies.",
        "NATO did not comment, AFP reported.",
    ]
    found = find_attributions(paragraphs, source_line="Source: Reuters")
    kinds = [(a.agency, a.kind) for a in found]
    assert kinds == [
        ("reuters", "source_line"),
        ("reuters", "dateline"),
        ("tass", "inline"),
        ("afp", "inline"),
    ]
    for att in found:
        assert_points_into(att, paragraphs, "Source: Reuters")


def test_a_plain_string_is_one_paragraph() -> None:
    # A str is itself a sequence of strings; taken letter by letter it would name nothing.
    found = detect_wire("В Кремле пока не комментировали эту информацию, сообщает ТАСС.")
    assert found is not None
    assert (found.agency, found.paragraph) == ("tass", 0)


# --- The real seed article -----------------------------------------------------------


def seed_blocks() -> list[str]:
    text = need(SEED_FILE).read_text(encoding="utf-8")
    return [block for block in re.split(r"\n[ \t\u00a0]*\n", text) if block.strip()]


def test_seed_source_line() -> None:
    last_line = seed_blocks()[-1].splitlines()[-1]
    found = parse_source_line(last_line)
    assert found is not None
    assert (found.agency, found.kind, found.text) == ("tass", "source_line", "المصدر: تاس")


def test_seed_article_with_its_footer() -> None:
    blocks = seed_blocks()
    found = detect_wire(blocks)
    assert found is not None
    assert (found.agency, found.kind, found.text) == ("tass", "source_line", "المصدر: تاس")
    assert found.paragraph == len(blocks) - 1
    assert_points_into(found, blocks, "")


def test_seed_article_with_source_line_passed_apart() -> None:
    blocks = seed_blocks()
    *footer, source = blocks[-1].splitlines()
    paragraphs = [*blocks[:-1], "\n".join(footer)]
    found = detect_wire(paragraphs, source_line=source)
    assert found == WireAttribution("tass", "المصدر: تاس", "source_line", -1, 0)


def test_seed_body_alone_names_no_agency() -> None:
    # The real Arabic body has no attribution: nothing in it may pass for one.
    blocks = seed_blocks()
    assert detect_wire(blocks[:-1]) is None


def test_seed_body_as_a_reprint_with_a_dateline_and_inline_credit() -> None:
    # How Arabic outlets rerun the same copy: their own dateline, the agency woven in.
    blocks = seed_blocks()[:-1]
    first = next(b for b in blocks if len(b) > 150)
    cut = first.index("،") + 1
    reprint = f"موسكو- الأمة برس - {first[:cut]} حسب وكالة الأنباء الروسية (تاس)،{first[cut:]}"
    found = detect_wire([reprint, *blocks[blocks.index(first) + 1 :]])
    assert found is not None
    assert (found.agency, found.kind, found.paragraph) == ("tass", "inline", 0)
    assert found.text == "حسب وكالة الأنباء الروسية (تاس)"


# --- Real Russian pages -----------------------------------------------------------

RIA_DATELINE = re.compile(r"^[А-ЯЁ-]+, \d{1,2} янв [-—] РИА Новости")


def daniel_pages() -> list[tuple[str, list[str]]]:
    pages = []
    for path in sorted(need(DANIEL_RU).iterdir()):
        raw = path.read_text(encoding="utf-8", errors="replace")
        paragraphs = [
            html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", raw, re.S)
        ]
        pages.append((path.name, paragraphs))
    return pages


def test_real_russian_pages() -> None:
    pages = daniel_pages()
    ria_datelines = 0
    for name, paragraphs in pages:
        found = find_attributions(paragraphs)
        for att in found:
            assert_points_into(att, paragraphs, "")
        if any(RIA_DATELINE.match(p) for p in paragraphs[:5]):
            ria_datelines += 1
            assert found and (found[0].agency, found[0].kind) == ("ria", "dateline"), name
    assert ria_datelines >= 5


# --- Properties -------------------------------------------------------------------

# Pieces of real attributions mixed into random text, so that the matching code runs
# on near-misses and not only on noise.
FRAGMENTS = [
    "تاس",
    "(تاس)",
    "وكالة",
    "حسب",
    "لـ",
    "ـ",
    "\u064e",
    "المصدر:",
    "ТАСС",
    "/ТАСС/",
    "Спутник",
    "агентство «",
    "сообщает",
    "МОСКВА, 9 февраля. ",
    "Источник:",
    "Фото/",
    "(Reuters) -",
    "AP",
    "RT @",
    "(",
    ")",
    "/",
    "—",
    " - ",
    "Source:",
    "Reporting by X; Editing by Y",
    "\n",
    "\u200f",
    "\u00a0",
    "INTERFAX.RU",
    "الأناضول",
    "روسيا اليوم",
]
messy_text = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(FRAGMENTS)), max_size=12).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(name=st.one_of(st.text(), messy_text))
def test_agency_from_name_never_raises(name: str) -> None:
    result = agency_from_name(name)
    assert result is None or result in AGENCIES


@settings(max_examples=300, deadline=None)
@given(line=st.one_of(st.text(), messy_text))
def test_parse_source_line_points_into_the_line(line: str) -> None:
    found = parse_source_line(line)
    if found is not None:
        assert found.kind == "source_line"
        assert line[found.start : found.end] == found.text
        assert found.text in line
        assert found.agency in AGENCIES


@settings(max_examples=300, deadline=None)
@given(paragraphs=st.lists(st.one_of(st.text(), messy_text), max_size=6), source=messy_text)
def test_detect_wire_points_into_the_input(paragraphs: list[str], source: str) -> None:
    found = detect_wire(paragraphs, source_line=source)
    if found is not None:
        assert_points_into(found, paragraphs, source)
    for att in find_attributions(paragraphs, source_line=source):
        assert_points_into(att, paragraphs, source)


@pytest.mark.parametrize("junk", [None, 42, b"\xd8\xaa\xd8\xa7\xd8\xb3", ["تاس"], object()])
def test_wrong_types_do_not_raise(junk: object) -> None:
    assert agency_from_name(junk) is None  # type: ignore[arg-type]
    assert parse_source_line(junk) is None  # type: ignore[arg-type]
    detect_wire([junk, "сообщает ТАСС"])  # type: ignore[list-item]
    detect_wire(junk)  # type: ignore[arg-type]
