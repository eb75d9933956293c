"""What a user meets on bad input: one-line errors, exit codes, filters that say no.

Each test runs the real command (CliRunner, or a subprocess for crawls) on a
real SQLite store, and checks the message, the exit code and that no
traceback is printed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from storage import Store
from tests.loopback import LoopbackSite, page, rss

ROOT = Path(__file__).resolve().parents[1]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0.01"]


def cli(db: Path, *args: str) -> tuple[int, str, str]:
    """Run ``wirecrawl --db DB ARGS``; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wirecrawl: "), lines[0]
    return lines[0]


# -- 1. feeds: a bad URL is refused, fails alone, is flagged, can be removed --------------------


@pytest.mark.parametrize("no_check", [True, False])
def test_feeds_add_refuses_what_is_not_a_url(tmp_path: Path, no_check: bool) -> None:
    db = tmp_path / "w.db"
    flag = ["--no-check"] if no_check else []
    code, out, err = cli(db, "feeds", "add", *flag, "nonsense")
    assert code == 1
    assert "nonsense" in one_line(err) and "https://" in err
    assert "added" not in out
    code, out, err = cli(db, "feeds", "add", *flag, "tass.ru/rss/v2.xml")
    assert code == 1
    assert "did you mean https://tass.ru/rss/v2.xml" in one_line(err)
    code, _, err = cli(db, "feeds", "add", *flag, "ftp://tass.ru/rss.xml")
    assert code == 1 and "only http and https" in one_line(err)
    with Store.open(db, readonly=True) as store:
        assert store.count("feeds") == 0


def test_feeds_remove(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code, _, _ = cli(db, "feeds", "add", "--no-check", "https://tass.ru/rss/v2.xml")
    assert code == 0
    code, out, _ = cli(db, "feeds", "remove", "https://tass.ru/rss/v2.xml")
    assert code == 0 and "removed: https://tass.ru/rss/v2.xml" in out
    code, _, err = cli(db, "feeds", "remove", "https://tass.ru/rss/v2.xml")
    assert code == 1 and "no feed https://tass.ru/rss/v2.xml" in one_line(err)
    code, out, _ = cli(db, "feeds", "list", "--json")
    assert out == ""


@pytest.mark.slow
def test_one_bad_feed_fails_alone_and_is_flagged(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    good = "http://good.example/feed.xml"
    # A store written by an older version (or by sqlite-utils) may hold any text as a feed URL.
    with Store.open(db) as store:
        store.add_feed("nonsense")
        store.add_feed(good)
    with LoopbackSite() as site:
        site.set(good, body=rss("Good", [{"title": "Port", "link": "http://good.example/a1"}]))
        site.set(
            "http://good.example/a1",
            body=page("Port story", [f"The harbour board met for the {n} time." * 8 for n in "ab"]),
        )
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "--db", str(db), "crawl", "--json", *FAST],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "WIRECRAWL_PROXY": site.proxy_url},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # Quiet by default: no Scrapy INFO log, a progress line and the bad feed's warning.
    assert "INFO" not in result.stderr
    assert len(result.stderr.splitlines()) < 10, result.stderr
    run = json.loads(result.stdout.strip().splitlines()[-1])
    assert run["feeds_polled"] == 2 and run["errors"] == 1
    assert run["articles_new"] == 1
    conn = sqlite3.connect(db)
    outcomes = dict(conn.execute("SELECT url, last_outcome FROM feeds"))
    conn.close()
    assert outcomes == {"nonsense": "bad_url", good: "ok"}
    code, out, _ = cli(db, "feeds", "doctor")
    assert code == 1
    assert "bad-url" in out and "nonsense" in out and "wirecrawl feeds remove nonsense" in out


def test_crawl_refuses_a_feeds_argument_that_is_neither_file_nor_url(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code, _, err = cli(db, "crawl", "--feeds", "feeds.opml")
    assert code == 1
    assert "feeds.opml" in one_line(err) and "no such OPML file" in err


# -- fixtures: a real store of the demo corpus (Arabic, Russian, English) ----------------------


def demo_store(path: Path) -> Path:
    from tests.reprint_set import demo_corpus

    with Store.open(path) as store:
        store.save_articles([item.article for item in demo_corpus()])
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_store(tmp_path_factory.mktemp("demo") / "demo.db")


# -- 3. a damaged store, unusable output paths, a missing page, a busy port ---------------------


def test_a_store_with_damaged_pages_gives_one_line_and_exit_2(
    demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "damaged.db"
    conn = sqlite3.connect(demo_db)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    # The pages of the articles table and its indexes, past the first of each (the file
    # opens, the schema reads, and the damage is met in the middle of a command).
    pages = [
        number
        for (number,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name IN "
            "(SELECT name FROM sqlite_master WHERE tbl_name = 'articles') AND pageno > 2"
        )
    ]
    conn.close()
    data = bytearray(demo_db.read_bytes())
    for number in pages:
        data[(number - 1) * size : number * size] = b"\xde\xad" * (size // 2)
    db.write_bytes(bytes(data))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "001.txt").write_text(
        "Ru En\nЗаголовок\n9 февраля 2022\n\nВ Москве прошла встреча делегаций.\n",
        encoding="utf-8",
    )
    for args in (
        ["stats"],
        ["clusters", "list"],
        ["search", "سوتشي"],
        ["export", "--format", "jsonl", "--out", "-"],
        ["import", str(seeds)],
    ):
        code, _, err = cli(db, *args)
        assert code == 2, (args, err)
        line = one_line(err)
        assert str(db) in line and "damaged" in line and ".recover" in line


def test_export_to_an_unusable_path(demo_db: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing.csv"
    existing.write_text("keep me", encoding="utf-8")
    code, _, err = cli(demo_db, "export", "--format", "seed", "--out", str(existing))
    assert code == 1 and "is a file" in one_line(err) and str(existing) in err
    assert existing.read_text(encoding="utf-8") == "keep me"
    blocked = existing / "nope.jsonl"  # a file cannot hold a folder
    code, _, err = cli(demo_db, "export", "--format", "jsonl", "--out", str(blocked))
    assert code == 1 and f"cannot write {blocked}" in one_line(err)


def test_extract_a_missing_file(tmp_path: Path) -> None:
    code, _, err = cli(tmp_path / "w.db", "extract", str(tmp_path / "missing.html"))
    assert code == 1
    line = one_line(err)
    assert "missing.html: no such file" in line and "feeds" not in line


def test_serve_on_a_busy_port_says_so_before_serving(demo_db: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = cli(demo_db, "serve", "--port", str(port))
    assert code == 1
    line = one_line(err)
    assert f"127.0.0.1:{port}" in line and "--port" in line and "serving" not in line


# -- 2. read-only media ---------------------------------------------------------------------


def _without_write_rights() -> None:
    """In the child: as root, give up the right to override file permissions."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_read_only(db: Path, *args: str, **options: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        preexec_fn=_without_write_rights,
        **options,  # type: ignore[call-overload]
    )


@pytest.fixture
def read_only_store(demo_db: Path, tmp_path: Path) -> Iterator[Path]:
    if not sys.platform.startswith("linux"):
        pytest.skip("read-only media are imitated with Linux permissions")
    folder = tmp_path / "media"
    folder.mkdir()
    db = folder / "demo.db"
    db.write_bytes(demo_db.read_bytes())
    db.chmod(0o444)
    folder.chmod(0o555)
    probe = subprocess.run(
        ["touch", str(folder / "probe")], preexec_fn=_without_write_rights, capture_output=True
    )
    if probe.returncode == 0:
        pytest.skip("this process can write anywhere; read-only media cannot be imitated")
    yield db
    folder.chmod(0o755)


def test_a_store_on_read_only_media_can_be_read(read_only_store: Path) -> None:
    for args in (
        ["stats", "--json"],
        ["clusters", "list", "--json"],
        ["search", "--json", "سوتشي"],
        ["export", "--format", "jsonl", "--out", "-"],
    ):
        result = run_read_only(read_only_store, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.strip(), args
    figures = json.loads(run_read_only(read_only_store, "stats", "--json").stdout)
    assert figures["articles"] > 0
    # Writing says why it cannot, in one line.
    result = run_read_only(
        read_only_store, "feeds", "add", "--no-check", "https://tass.ru/rss/v2.xml"
    )
    assert result.returncode == 2
    assert "read-only" in one_line(result.stderr) and str(read_only_store) in result.stderr
    result = run_read_only(read_only_store.parent / "new.db", "import", str(ROOT / "tests"))
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "cannot create the store" in line and "read-only" in line


@pytest.mark.parametrize("immutable", [False, True])
def test_serve_a_store_on_read_only_media(read_only_store: Path, immutable: bool) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    args = [sys.executable, "-m", "crawler", "--db", str(read_only_store), "serve"]
    args += ["--port", str(port), *(["--immutable"] if immutable else [])]
    server = subprocess.Popen(
        args, cwd=ROOT, preexec_fn=_without_write_rights, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/-/wirecrawl/demo/clusters"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode("utf-8")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert "cluster" in body.lower()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/demo/articles.json?_shape=array&_size=1", timeout=10
        ) as response:
            assert json.loads(response.read())[0]["title"]
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- 4. filters that say what they cannot read, and lists that say they were cut --------------


@pytest.mark.parametrize("since", ["20/11/2026", "garbage", "next tuesday"])
@pytest.mark.parametrize(
    "command",
    [["clusters", "list"], ["search", "سوتشي"], ["export", "--format", "jsonl", "--out", "-"]],
)
def test_an_unreadable_since_is_refused(demo_db: Path, command: list[str], since: str) -> None:
    code, out, err = cli(demo_db, *command, "--since", since)
    assert code == 1
    assert f"--since {since}" in one_line(err) and "yesterday" in err
    assert out == ""


def _ids(out: str, key: str) -> list[int]:
    return [json.loads(line)[key] for line in out.splitlines()]


def test_since_reads_iso_offsets_and_ages(demo_db: Path) -> None:
    code, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "0")
    every = [json.loads(line) for line in out.splitlines()]
    firsts = sorted(c["first_published_at"] for c in every)
    middle = firsts[len(firsts) // 2]
    code, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "0", "--since", middle)
    assert code == 0
    later = _ids(out, "cluster_id")
    assert 0 < len(later) < len(every)
    # The same moment written at +03:00 selects the same clusters.
    from datetime import datetime, timedelta, timezone

    moment = datetime.fromisoformat(middle.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moscow = moment.astimezone(timezone(timedelta(hours=3))).isoformat()
    _, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "0", "--since", moscow)
    assert _ids(out, "cluster_id") == later
    for age in ("yesterday", "24h", "7d"):
        code, _, err = cli(demo_db, "clusters", "list", "--since", age)
        assert code == 0, err


def test_wire_lang_and_outlet_are_read_in_any_form(demo_db: Path) -> None:
    _, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "0", "--wire", "tass")
    tass = _ids(out, "cluster_id")
    assert tass
    for form in ("TASS", "ТАСС", "Tass"):
        _, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "0", "--wire", form)
        assert _ids(out, "cluster_id") == tass, form
    code, _, err = cli(demo_db, "clusters", "list", "--wire", "nonsense")
    assert code == 1 and "--wire nonsense" in one_line(err) and "tass" in err

    _, out, _ = cli(demo_db, "search", "--json", "سوتشي", "--lang", "ar")
    arabic = _ids(out, "article_id")
    assert arabic
    for form in ("AR", "ar-EG"):
        _, out, _ = cli(demo_db, "search", "--json", "سوتشي", "--lang", form)
        assert _ids(out, "article_id") == arabic

    outlet = json.loads(out.splitlines()[0])["outlet"]
    _, out, _ = cli(demo_db, "search", "--json", "سوتشي", "--outlet", outlet)
    by_host = _ids(out, "article_id")
    assert by_host
    for form in (f"https://{outlet}/", f"http://www.{outlet.upper()}/news/1", outlet.upper()):
        _, out, _ = cli(demo_db, "search", "--json", "سوتشي", "--outlet", form)
        assert _ids(out, "article_id") == by_host, form
        _, out, _ = cli(demo_db, "clusters", "list", "--json", "--outlet", form)
        assert out.strip(), form


def test_a_cut_list_says_how_many_more(demo_db: Path) -> None:
    _, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "0")
    total = len(out.splitlines())
    assert total > 3
    code, out, err = cli(demo_db, "clusters", "list", "--limit", "3")
    assert code == 0
    assert f"showing 3 of {total} clusters ({total - 3} more)" in one_line(err)
    assert "--limit 0" in err
    for no_limit in ("0", "-1", "-50"):
        code, out, err = cli(demo_db, "clusters", "list", "--json", "--limit", no_limit)
        assert len(out.splitlines()) == total and err == ""
    _, out, _ = cli(demo_db, "stories", "--json", "--min-languages", "1", "--limit", "0")
    stories = len(out.splitlines())
    assert stories > 1
    code, out, err = cli(demo_db, "stories", "--min-languages", "1", "--limit", "1")
    assert code == 0
    assert f"showing 1 of {stories} stories ({stories - 1} more)" in one_line(err)
    _, out, _ = cli(demo_db, "search", "--json", "سوتشي", "--limit", "0")
    hits = len(out.splitlines())
    assert hits > 2
    _, out, err = cli(demo_db, "search", "--json", "سوتشي", "--limit", "-1")
    assert len(out.splitlines()) == hits and err == ""
    _, out, err = cli(demo_db, "search", "سوتشي", "--limit", "2")
    assert out.count("(article ") == 2 and "--limit 0 shows them all" in one_line(err)
    result = CliRunner().invoke(main, ["search", "--help"])
    assert "0 (or a negative number) means no limit" in " ".join(result.output.split())


# -- 8. noise: hints, plurals, help texts, packaging ----------------------------------------


def test_import_of_a_folder_without_seed_files_says_what_is_there(tmp_path: Path) -> None:
    from tests.loopback import page as html_page

    folder = tmp_path / "pages"
    folder.mkdir()
    for number in range(3):
        body = [f"Москва, {number} декабря. Делегации провели переговоры в Кремле."]
        (folder / f"{number}.html").write_bytes(html_page("Переговоры", body, lang="ru"))
    db = tmp_path / "w.db"
    code, out, err = cli(db, "import", str(folder))
    assert code == 1 and out == ""
    line = one_line(err)
    assert str(folder) in line and "3 .html" in line and "wirecrawl extract" in line
    assert not db.exists()


def test_counts_are_written_in_the_singular_when_there_is_one(demo_db: Path) -> None:
    _, out, _ = cli(demo_db, "clusters", "list", "--min-size", "1", "--limit", "0")
    assert "1 article · 1 outlet" in out
    assert "1 articles" not in out and "1 outlets" not in out
    _, out, _ = cli(demo_db, "clusters", "list", "--json", "--min-size", "1", "--limit", "0")
    single = next(json.loads(x) for x in out.splitlines() if json.loads(x)["size"] == 1)
    _, out, _ = cli(demo_db, "clusters", "show", str(single["cluster_id"]))
    assert "1 article from 1 outlet" in out


def test_the_main_help_gives_whole_descriptions() -> None:
    result = CliRunner().invoke(main, ["--help"])
    commands = result.output.split("Commands:", 1)[1]
    assert "..." not in commands
    assert "find their reprints" in " ".join(commands.split())
    result = CliRunner().invoke(main, ["feeds", "--help"])
    assert "..." not in result.output.split("Commands:", 1)[1]


def test_the_licence_is_an_spdx_expression() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # A table here makes setuptools warn on every install.
    assert project["license"] == "Apache-2.0"


# -- 7. times, snippets, spreadsheets and columns users can quote ----------------------------


def test_one_time_convention_with_the_offset_shown(demo_db: Path) -> None:
    import re

    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    _, listed, _ = cli(demo_db, "clusters", "list", "--limit", "1")
    _, found, _ = cli(demo_db, "search", "سوتشي", "--limit", "1")
    _, out, _ = cli(demo_db, "clusters", "list", "--json", "--limit", "1")
    cluster = json.loads(out)
    _, shown, _ = cli(demo_db, "clusters", "show", str(cluster["cluster_id"]))
    for text in (listed, found, shown):
        assert stamp.search(text), text
        assert not re.search(r"\d\d:\d\d(?! UTC)(?!:)", text.split("=" * 20)[0]), text
    first = cluster["canonical"]["published_utc"][:16].replace("T", " ") + " UTC"
    assert first in listed and first in shown


def test_snippets_are_the_text_as_printed(demo_db: Path) -> None:
    _, out, _ = cli(demo_db, "search", "--json", "--limit", "0", "الطاقه الشمسيه")
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits
    conn = sqlite3.connect(demo_db)
    for hit in hits:
        (body,) = conn.execute("SELECT body_text FROM articles WHERE id = ?", [hit["article_id"]])
        original = body[0]
        quoted = hit["snippet"].replace("[", "").replace("]", "").strip("…")
        assert quoted in original, (quoted, original[:200])
    conn.close()
    assert any("[" in h["snippet"] for h in hits)
    # Russian: capitals and ё stay as printed.
    _, out, _ = cli(demo_db, "search", "--json", "--limit", "0", "волги")
    ru = [json.loads(line)["snippet"] for line in out.splitlines()]
    assert ru and any("[Волги" in s for s in ru), ru
    _, text, _ = cli(demo_db, "search", "волги", "--limit", "1")
    assert "[Волги" in text


def test_csv_for_spreadsheets_starts_with_a_byte_order_mark(demo_db: Path, tmp_path: Path) -> None:
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert cli(demo_db, "export", "--format", "csv", "--out", str(plain))[0] == 0
    assert cli(demo_db, "export", "--format", "csv", "--excel", "--out", str(excel))[0] == 0
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    data = excel.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,url,outlet,")
    assert data[3:] == plain.read_bytes()
    assert "سوتشي" in data.decode("utf-8-sig")
    code, _, err = cli(demo_db, "export", "--format", "jsonl", "--excel", "--out", "-")
    assert code == 1 and "--excel" in one_line(err)


def test_arabic_columns_line_up_whatever_their_harakat(tmp_path: Path) -> None:
    from crawler.core.items import Article, Block
    from crawler.core.width import display_width

    plain = [
        "قال الأمين العام لمنظمة معاهدة الأمن الجماعي إن المنظمة مستعدة للتعاون مع الناتو",
        "وأضاف أن الاجتماع المقبل سيعقد في موسكو في شهر ديسمبر بمشاركة جميع الدول الأعضاء",
        "وأشار إلى أن التعاون يشمل مكافحة الإرهاب وتهريب المخدرات والهجرة غير الشرعية",
    ]
    voweled = [
        "قَالَ الأَمِينُ العَامُّ لِمُنَظَّمَةِ مُعَاهَدَةِ الأَمْنِ الجَمَاعِيِّ إِنَّ المُنَظَّمَةَ مُسْتَعِدَّةٌ لِلتَّعَاوُنِ مَعَ النَّاتُو",
        *plain[1:],
    ]
    db = tmp_path / "w.db"
    with Store.open(db) as store:
        for number, text in enumerate((voweled, plain)):
            store.save_article(
                Article(
                    title="الأمن الجماعي",
                    body=tuple(Block(p) for p in text),
                    url=f"https://outlet{number}.example/a",
                    outlet=f"outlet{number}.example",
                    language="ar",
                )
            )
        cluster = store.db.conn.execute("SELECT max(size), id FROM clusters").fetchone()
    assert cluster[0] == 2
    _, out, _ = cli(db, "clusters", "show", str(cluster[1]), "--width", "100")
    rows = [line for line in out.splitlines() if " | " in line]
    assert rows
    bars = {display_width(line.split(" | ")[0]) for line in rows}
    assert len(bars) == 1, out


# -- 5. what an outlet added inside a paragraph shows ------------------------------------------

_INTERFAX = [
    "Международный фестиваль света «Огни Волги» откроется в четверг вечером в Нижнем "
    "Новгороде. В течение четырёх дней на фасадах исторических зданий покажут 26 инсталляций.",
    "Организаторы ожидают, что фестиваль посетят не менее 400 тысяч человек. В прошлом году "
    "его гостями стали около 350 тысяч жителей и туристов.",
    "Главным объектом программы станет проекция на склоне у Чкаловской лестницы площадью "
    "около 4 тысяч квадратных метров.",
]


def _reprint_store(path: Path) -> int:
    from datetime import datetime, timedelta, timezone

    from crawler.core.items import Article, Block

    copy = [
        "Нижний Новгород. 19 ноября. INTERFAX.RU - " + _INTERFAX[0],
        _INTERFAX[1],
        _INTERFAX[2][:-1] + ", передает «Интерфакс».",
    ]
    start = datetime(2026, 11, 19, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    with Store.open(path) as store:
        for number, body in enumerate((_INTERFAX, copy)):
            store.save_article(
                Article(
                    title="Фестиваль света «Огни Волги» откроется в Нижнем Новгороде",
                    body=tuple(Block(p) for p in body),
                    url=f"https://outlet{number}.example/festival",
                    outlet=f"outlet{number}.example",
                    language="ru",
                    published=start + timedelta(minutes=35 * number),
                )
            )
        (cluster,) = store.db.conn.execute("SELECT id FROM clusters WHERE size = 2").fetchone()
    return int(cluster)


def test_a_dateline_or_credit_added_to_a_paragraph_shows(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    cluster = _reprint_store(db)
    _, out, _ = cli(db, "clusters", "show", str(cluster), "--width", "160")
    assert "(1 kept, 2 changed, 0 added, 0 cut; 8 words added, 0 cut)" in out
    assert "{+Нижний Новгород. 19 ноября. INTERFAX.RU -+}" in out
    assert "{+передает «Интерфакс».+}" in out
    marks = [line.split(" | ")[0][-1] for line in out.splitlines() if " | " in line]
    assert marks.count("~") == 2 and marks.count("=") == 1
    _, out, _ = cli(db, "clusters", "show", str(cluster), "--json")
    rows = json.loads(out)["members"][1]["rows"]
    assert [(r["kind"], r["words_added"]) for r in rows] == [
        ("changed", 6),
        ("same", 0),
        ("changed", 2),
    ]

    import asyncio

    from crawler.app.web.server import make_datasette

    ds = make_datasette(db)

    async def get() -> str:
        response = await ds.client.get(f"/-/wirecrawl/w/clusters/{cluster}")
        assert response.status_code == 200
        return response.text

    html = asyncio.run(get())
    for database in ds.databases.values():
        database.close()
    assert "<ins>Нижний Новгород. 19 ноября. INTERFAX.RU -</ins>" in html
    assert "<ins>передает «Интерфакс».</ins>" in html
    assert "8 words added, 0 cut" in " ".join(html.split())
    assert "<mark>" not in html  # what is shared is left plain
