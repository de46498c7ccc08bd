"""How long each tutorial takes a student: every notebook of ``docs/tutorials/`` executed from
top to bottom in its full mode (what a student runs; ``--short`` for the test suite's mode),
one after the other, each in a fresh kernel and a fresh working folder, timed from the kernel's
start to its last cell.

Writes ``results/benchmarks/tutorials.json`` and the ``tutorial-times`` table of
``docs/tutorials/index.md`` (target: each <= 3 minutes on a laptop CPU) from a full-mode run of
every tutorial; ``--short`` and ``--only`` print their times only. Measure on a quiet machine:
``--note`` says on the page what else ran.

Run: ``.venv/bin/python scripts/time_tutorials.py [--short] [--only 04_cartpole_dqn_ppo] [--note TEXT]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.generated_blocks import replace_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
RESULT = ROOT / "results" / "benchmarks" / "tutorials.json"
SHORT_MODE = "RL_ENVS_TUTORIAL_SHORT"
TARGET_S = 180
CELL_TIMEOUT_S = 600


def notebooks() -> list[Path]:
    return sorted(TUTORIALS.glob("[0-9]*.md"))


def execute(path: Path, short: bool, workdir: Path) -> Any:
    """The notebook at ``path`` (MyST Markdown), executed in a fresh kernel whose working folder
    is ``workdir``; raises nbclient's CellExecutionError, with the cell and its traceback, on an error."""
    import jupytext  # the 'tutorials' extra: heavy, and only these callers need it
    import nbclient

    notebook = jupytext.read(path)
    with mock.patch.dict(os.environ, {SHORT_MODE: "1" if short else "0"}):  # restored afterwards, whole
        os.environ.pop("MPLBACKEND", None)  # the kernel draws inline, as in Jupyter
        nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


def table(result: dict) -> str:
    lines = ["| tutorial | wall time | within 3 minutes |", "|---|---:|---|"]
    for name, seconds in result["seconds"].items():
        lines.append(f"| {name} | {seconds:.0f} s | {'yes' if seconds <= TARGET_S else 'no'} |")
    note = f", {result['note']}" if result.get("note") else ""
    return "\n".join(lines) + (f"\n\nEach notebook in its full mode (what a student runs), in a fresh kernel, on {result['machine']} "
                               f"({result['cpus']} cores{note}), measured {result['measured']} by "
                               "`scripts/time_tutorials.py`.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="the test suite's short mode instead of the full one")
    names = [p.stem for p in notebooks()]
    parser.add_argument("--only", choices=names, action="append", default=[], help="this tutorial only (repeatable)")
    parser.add_argument("--note", default="", help="what else ran on the machine, for the page (default: nothing)")
    args = parser.parse_args(argv)
    load = round(os.getloadavg()[0], 2)
    seconds = {}
    for path in notebooks():
        if args.only and path.stem not in args.only:
            continue
        with tempfile.TemporaryDirectory() as workdir:
            start = time.perf_counter()
            execute(path, args.short, Path(workdir))
            seconds[path.stem] = round(time.perf_counter() - start, 1)
        print(f"{path.stem}: {seconds[path.stem]:.0f} s", flush=True)
    if args.only or args.short:  # the page reports the full mode of every tutorial
        return 0
    result = {"seconds": seconds, "note": args.note, "cpus": os.cpu_count(),
              "machine": f"{platform.system()} {platform.machine()}", "measured": time.strftime("%Y-%m-%d"),
              "load_average_at_start": load}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    replace_block(TUTORIALS / "index.md", "tutorial-times", table(result))
    print(f"wrote {RESULT} and the table of {TUTORIALS / 'index.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
