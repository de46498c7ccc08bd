"""Generated blocks in hand-written pages: the one function the results scripts write through."""

from __future__ import annotations

from pathlib import Path


def replace_block(path: Path, name: str, text: str) -> bool:
    """Put ``text`` between ``<!-- {name}:start -->`` and ``<!-- {name}:end -->``; False if the markers are absent."""
    content = path.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in content or end not in content:
        return False
    head, rest = content.split(start, 1)
    path.write_text(head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1])
    return True


def write_page(path: Path, text: str | None, missing: str) -> None:
    """Write a generated page, or say ``missing`` (why there is none yet) and leave the file as it is."""
    if text is None:
        print(missing)
        return
    path.write_text(text)
    print(f"wrote {path}")
