"""Screenshots of the studio for docs/images: serve a runs folder, drive the page in Debian's headless
Chromium (Playwright), and save studio-1280.png and studio-390.png.

    python scripts/studio_screenshots.py --runs RUNS --model NAME [--class C] [--tagger T] [--text-model M] --out docs/images
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=Path, required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--class", dest="class_name", default=None)
    ap.add_argument("--tagger", type=Path, default=None)
    ap.add_argument("--text-model", type=Path, default=None)
    ap.add_argument("--context", default="sleeveless red dress")
    ap.add_argument("--out", type=Path, default=Path("docs/images"))
    args = ap.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from modiste.serve.app import create_app
    from modiste.serve.config import ServeConfig

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = ServeConfig(runs=args.runs, storage=Path(tempfile.mkdtemp(prefix="studio-shots-")), tagger=args.tagger,
                         text_model=args.text_model)
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/"
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(url)
            page.wait_for_selector("#grid .card img", timeout=60_000)
            page.select_option("#model", args.model)
            if args.class_name:
                page.select_option("#class", args.class_name)
            page.wait_for_function(f"document.querySelector('#status').textContent.includes({args.model!r})",
                                   timeout=60_000)
            page.click("#grid .card:nth-child(3) img")
            try:
                page.wait_for_function("document.querySelector('#product-image').src.startsWith('blob:')")
            except Exception:
                raise SystemExit("the page did not show the product: " + page.inner_text("#status"))
            if page.is_visible("#find-directions"):
                page.click("#find-directions")
            page.wait_for_selector("#sliders input[type=range]", timeout=60_000)
            page.fill("#dir-0", "2")
            page.wait_for_timeout(1500)
            if args.text_model is not None and width == 1280:
                page.fill("#context", args.context)
                page.click("#describe")
                page.wait_for_selector("#descriptions li", timeout=120_000)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(args.out / f"studio-{width}.png"), full_page=width == 1280,
                            clip=None if width == 1280 else {"x": 0, "y": 0, "width": 390, "height": 1400})
            page.close()
        browser.close()
    server.should_exit = True
    print(f"wrote {args.out}/studio-1280.png and studio-390.png")


if __name__ == "__main__":
    main()
