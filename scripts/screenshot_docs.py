"""Look at the built site the way a visitor does: serve ``docs/_build/html`` on localhost, open
the home page, an environment page and a tutorial in headless Chromium (Debian's ``chromium`` package:
``apt-get install chromium``), save a screenshot of each, and fail on any page error or any
request the server could not answer (a broken image, stylesheet or script).

    ./dev docs && .venv/bin/python scripts/screenshot_docs.py [--site docs/_build/html] [--out docs/_build/screenshots]
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rl_envs.cli_args import parse

ROOT = Path(__file__).resolve().parents[1]
# name -> (page, window height in pixels): the tutorial page is shot whole enough to show its plots.
PAGES = {"home": ("index.html", 1400), "env": ("envs/Mario-v0.html", 1400),
         "tutorial": ("tutorials/01_mdps_grid_world.html", 3600)}
# Chromium as this machine's closed network wants it (no background requests, no sandbox as root).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--virtual-time-budget=5000",
                  "--enable-logging=stderr", "--v=0"]
PAGE_ERRORS = ("Uncaught", "Failed to load resource", "net::ERR_")


@dataclass
class ShotArgs:
    site: str = field(default="docs/_build/html", metadata={"help": "the built site (./dev docs)"})
    out: str = field(default="docs/_build/screenshots", metadata={"help": "where the screenshots go"})


class Recorder(SimpleHTTPRequestHandler):
    answers: list[tuple[str, int]] = []

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.answers.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: object) -> None:
        pass  # answers are checked below, not printed


def main(argv: list[str] | None = None) -> int:
    args = parse(ShotArgs, argv, prog="screenshot_docs.py", description=__doc__)
    site, out = ROOT / args.site, ROOT / args.out
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("screenshot_docs: no chromium on PATH; install Debian's: apt-get install chromium", file=sys.stderr)
        return 2
    if not (site / "index.html").exists():
        print(f"screenshot_docs: {site} has no index.html; build the site first: ./dev docs", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Recorder, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    problems = []
    try:
        for name, (page, height) in PAGES.items():
            url = f"http://127.0.0.1:{server.server_port}/{page}"
            with tempfile.TemporaryDirectory() as profile:
                shot = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--window-size=1280,{height}",
                                       f"--user-data-dir={profile}", f"--screenshot={out / f'{name}.png'}", url],
                                      capture_output=True, text=True, timeout=120)
            errors = [line for line in shot.stderr.splitlines() if any(e in line for e in PAGE_ERRORS)]
            if shot.returncode != 0 or not (out / f"{name}.png").exists():
                problems.append(f"{page}: chromium exited {shot.returncode}")
            problems += [f"{page}: {line.strip()[:200]}" for line in errors]
            print(f"{name}: {url} -> {out / f'{name}.png'}")
    finally:
        server.shutdown()
    # Browsers ask for /favicon.ico on their own; the site does not link one.
    problems += [f"{path}: HTTP {code}" for path, code in Recorder.answers if code >= 400 and path != "/favicon.ico"]
    for problem in problems:
        print(f"screenshot_docs: {problem}", file=sys.stderr)
    print(f"{len(Recorder.answers)} requests answered, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
