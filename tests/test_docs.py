"""The docs site builds from the registry with warnings as errors: every id has a page and a GIF
(small, 84-256 px wide), and every internal link and image resolves."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from rl_envs.registry import ENTRIES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
build_docs = pytest.importorskip("build_docs")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        target = attrs.get("src") if tag == "img" else attrs.get("href") if tag == "a" else None
        if target and not re.match(r"^(https?:|mailto:|#|javascript:)", target):
            self.targets.append(target.split("#")[0])


@pytest.mark.slow
def test_the_site_builds_with_a_page_and_a_gif_per_id_and_no_broken_link(tmp_path):
    # sphinx-build -W: a warning (a broken cross-reference) fails. The tutorials are run by
    # test_tutorials.py; here their pages are built without outputs.
    html = build_docs.build(tmp_path, execute=False)
    for entry in ENTRIES:
        page = html / "envs" / f"{entry.name}.html"
        assert page.exists(), entry.id
        assert entry.id in page.read_text()
        gif = tmp_path / "src" / "gifs" / f"{entry.name}.gif"
        with Image.open(gif) as image:
            assert 84 <= image.size[0] <= 256 and image.n_frames > 5, entry.id
        assert gif.stat().st_size <= 2 * 2**20, entry.id
    broken = []
    for page in html.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text())
        broken += [f"{page.relative_to(html)} -> {t}" for t in parser.targets if t and not (page.parent / t).exists()]
    assert not broken, broken[:10]
    tutorials = sorted(p.stem for p in (html / "tutorials").glob("0*.html"))
    assert len(tutorials) == 5 and "tutorials/index.html" in (html / "index.html").read_text(), tutorials
    index = (html / "index.html").read_text()
    assert all(f"gifs/{e.name}.gif" in index or f"_images/{e.name}.gif" in index for e in ENTRIES)
