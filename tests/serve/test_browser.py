"""The studio page in a real headless Chromium (Debian's, driven by Playwright): generate, open a
product, move a direction slider and see the image change, style-mix, walk, upload and project a
photo, make a product and export it. Screenshots at 1280 and 390 px go to $MODISTE_SCREENSHOTS
when it is set (docs/images uses them)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")]
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def studio_url(runs_dir, tmp_path_factory, tiny_tagger, tiny_text_model):
    import uvicorn

    from modiste.serve.app import create_app
    from modiste.serve.config import ServeConfig

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = ServeConfig(runs=runs_dir, storage=tmp_path_factory.mktemp("studio-storage"), tagger=tiny_tagger,
                         text_model=tiny_text_model)
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.time() + 30
    while not server.started and time.time() < end:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def shot(page, name: str) -> None:
    folder = os.environ.get("MODISTE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def open_page(browser, url: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((url, "data:", "blob:")) else None)
    page.goto(url + "/")
    page.wait_for_selector("#grid .card img", timeout=30_000)
    return page, errors, external


def test_generate_edit_mix_walk_project_and_export(browser, studio_url, tmp_path):
    page, errors, external = open_page(browser, studio_url, 1280)
    page.select_option("#model", "cond")
    page.select_option("#class", "Dresses")
    page.wait_for_function("document.querySelectorAll('#grid .card').length === 12")
    page.fill("#seed-start", "40")
    page.click("#generate")
    page.wait_for_function("document.querySelector('#grid .card .row span').textContent === 'seed 40'")
    assert page.get_attribute("#grid .card img", "src").startswith("data:image/png;base64,")

    # open a product, find directions, move a slider: the image changes
    page.click("#grid .card img")
    page.wait_for_selector("#product:not([hidden])")
    page.wait_for_function("document.querySelector('#product-image').src.startsWith('blob:')")
    page.click("#find-directions")
    page.wait_for_selector("#sliders input[type=range]", timeout=30_000)
    before = page.get_attribute("#product-image", "src")
    page.fill("#dir-0", "3")  # sets the value and fires input
    page.wait_for_function(f"document.querySelector('#product-image').src !== {before!r}", timeout=30_000)
    page.wait_for_function("document.querySelector('#product-image').dataset.edits.includes('sefa:sefa_0')")
    shot(page, "studio-1280-edit")

    # describe and make a product, then export it
    page.fill("#context", "sleeveless red dress")
    page.click("#describe")
    page.wait_for_selector("#descriptions li", timeout=60_000)
    page.click("#make-product")
    page.wait_for_selector("#product-name", timeout=120_000)
    page.wait_for_selector("#exports a", timeout=30_000)
    with page.expect_download() as dl:
        page.click("#exports a[download='products.jsonl']")
    saved = tmp_path / "products.jsonl"
    dl.value.save_as(saved)
    assert '"handle"' in saved.read_text()

    # style-mix two picks
    cards = page.query_selector_all("#grid .card button")
    cards[0].click()
    cards[1].click()
    page.click("#mix")
    page.wait_for_selector("#mix-image:not([hidden])")

    # a walk job with progress, shown as a GIF
    page.fill("#walk-seeds", "1,2")
    page.fill("#walk-frames", "6")
    page.click("#walk")
    page.wait_for_selector("#walk-image:not([hidden])", timeout=120_000)

    # upload a photo, project it, open the projection to edit
    photo = tmp_path / "dress.png"
    Image.new("RGB", (60, 90), (180, 20, 40)).save(photo)
    page.set_input_files("#photo", str(photo))
    page.fill("#project-steps", "3")
    page.click("#project")
    page.wait_for_selector("#project-result:not([hidden])", timeout=180_000)
    assert "psnr" in page.inner_text("#project-scores").lower()
    page.click("#open-projection")
    page.wait_for_function("document.querySelector('#product-caption').textContent === 'projected photo'")
    page.wait_for_function("document.querySelector('#product-image').src.startsWith('blob:')")
    shot(page, "studio-1280")
    assert "error" not in (page.get_attribute("#status", "class") or ""), page.inner_text("#status")
    assert errors == [] and external == []
    page.close()


def test_phone_width_is_usable(browser, studio_url):
    page, errors, external = open_page(browser, studio_url, 390)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing forces sideways scrolling
    box = page.query_selector("#generate").bounding_box()
    assert box["width"] >= 40 and box["height"] >= 32  # a tappable button
    page.click("#grid .card img")
    page.wait_for_selector("#product:not([hidden])")
    shot(page, "studio-390")
    assert errors == [] and external == []
    page.close()


def test_token_prompt_when_the_server_needs_one(browser, runs_dir, tmp_path):
    import uvicorn

    from modiste.serve.app import create_app
    from modiste.serve.config import ServeConfig

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ServeConfig(runs=runs_dir, storage=tmp_path, token="tok")),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#token-row:not([hidden])")
        page.fill("#token", "tok")
        page.click("#token-save")
        page.wait_for_selector("#grid .card img", timeout=30_000)
        page.close()
    finally:
        server.should_exit = True
        thread.join(10)
