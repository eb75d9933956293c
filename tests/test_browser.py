"""A cluster page in a real headless browser (Debian's chromium through chromedriver).

``wirecrawl demo`` crawls the bundled demo site into a store, ``wirecrawl
serve`` serves it on a free loopback port in a subprocess, and chromium opens
the page of the Arabic library story: every member's title must be shown and
the Arabic paragraphs laid out right to left, as the browser computes it.
Skips when chromium or chromedriver is not installed (``.ci/run`` installs them).
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: The canonical title of the Arabic story the page is opened for (RIA Novosti, five copies).
STORY = "مكتبة في أستراخان تنجز رقمنة 3200 مخطوطة وكتاب نادر بالعربية والفارسية"


def _need_browser() -> None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.skip(
                f"{path} is not installed (apt-get install chromium chromium-driver; "
                ".ci/run does it)"
            )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_command(db: Path, port: int) -> list[str]:
    """``wirecrawl --db DB serve``, or the same command called directly before it is registered."""
    from crawler.app.cli import main

    if "serve" in main.commands:
        return [sys.executable, "-m", "crawler", "--db", str(db), "serve", "--port", str(port)]
    code = (
        "import sys; from pathlib import Path; from crawler.app.cli.serve import serve_command; "
        "serve_command.main(sys.argv[2:], obj=Path(sys.argv[1]))"
    )
    return [sys.executable, "-c", code, str(db), "--port", str(port)]


def _wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"wirecrawl serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled by `wirecrawl demo` (a real crawl of the demo site on 127.0.0.1)."""
    _need_browser()
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "--db", str(db), "demo", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture(scope="module")
def server(demo_store: Path) -> Iterator[str]:
    """`wirecrawl serve` on a free loopback port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        _serve_command(demo_store, port),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/-/versions.json", proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless chromium with a fresh profile."""
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.TemporaryDirectory(prefix="wirecrawl-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile.name}",
        "--window-size=1280,1600",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


def _cluster_of(db: Path, title: str) -> tuple[int, list[str]]:
    conn = sqlite3.connect(db)
    (cluster,) = conn.execute("SELECT cluster_id FROM articles WHERE title = ?", [title]).fetchone()
    titles = [
        r[0] for r in conn.execute("SELECT title FROM articles WHERE cluster_id = ?", [cluster])
    ]
    conn.close()
    return cluster, titles


def test_arabic_cluster_page_shows_members_right_to_left(
    demo_store: Path, server: str, browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    cluster, titles = _cluster_of(demo_store, STORY)
    assert len(titles) == 5
    browser.get(f"{server}/-/wirecrawl/demo/clusters/{cluster}")
    assert STORY in browser.title

    shown = [
        e.text for e in browser.find_elements(By.CSS_SELECTOR, "tr.wc-member .wc-member-title")
    ]
    assert len(shown) == len(titles)
    for title in titles:
        assert any(title in text for text in shown), title

    paragraphs = browser.find_elements(By.CSS_SELECTOR, '.wc-side-by-side p[lang="ar"]')
    assert paragraphs, "no Arabic paragraph on the page"
    for element in (paragraphs[0], browser.find_element(By.CSS_SELECTOR, "h1.wc-title")):
        assert element.is_displayed()
        style = browser.execute_script("return getComputedStyle(arguments[0]).direction", element)
        assert style == "rtl"
    # What the copies added or cut is marked, and the comparison has all four copies.
    assert browser.find_elements(By.CSS_SELECTOR, ".wc-side-by-side ins, .wc-side-by-side del")
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.wc-comparison")) == 4


def test_russian_cluster_stays_left_to_right_and_index_links_to_it(
    demo_store: Path, server: str, browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    cluster, _ = _cluster_of(
        demo_store, "В Нижнем Новгороде открывается фестиваль света «Огни Волги»"
    )
    browser.get(f"{server}/-/wirecrawl/demo/clusters")
    browser.find_element(By.CSS_SELECTOR, f'a[href$="/clusters/{cluster}"]').click()
    paragraph = browser.find_element(By.CSS_SELECTOR, '.wc-side-by-side p[lang="ru"]')
    direction = browser.execute_script("return getComputedStyle(arguments[0]).direction", paragraph)
    assert direction == "ltr"


def test_articles_table_shows_its_first_row_in_a_1400x900_window(
    demo_store: Path, server: str, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    browser.set_window_size(1400, 900)
    try:
        # From the home page, as a user arrives: the cluster pages are linked there.
        browser.get(f"{server}/")
        assert browser.find_elements(By.CSS_SELECTOR, 'a[href$="/-/wirecrawl/demo/clusters"]')
        browser.get(f"{server}/demo/articles")
        shot = tmp_path / "articles.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        height = browser.execute_script("return window.innerHeight")
        assert height >= 700
        first = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
        box = browser.execute_script(
            "var r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom];", first
        )
        assert box[0] > 0 and box[1] <= height, (box, height)
        headers = [
            e.get_attribute("data-column")
            for e in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns thead th")
        ]
        assert headers[1:5] == ["title", "outlet", "time_utc", "cluster_id"], headers
        assert not {"body", "body_text", "body_folded", "title_folded"} & set(headers)
        # Every column is still one click away.
        browser.find_element(By.CSS_SELECTOR, "details.wc-column-descriptions summary a").click()
        headers = [
            e.get_attribute("data-column")
            for e in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns thead th")
        ]
        assert "body_text" in headers
    finally:
        browser.set_window_size(1280, 1600)
