"""Every tutorial notebook (``docs/tutorials/*.md``, MyST Markdown) runs from top to bottom in its
short mode (``RL_ENVS_TUTORIAL_SHORT=1``: training cells take seconds), so the tutorials cannot
drift from the code. The exercises' solution cells run too, and assert their answers."""

from __future__ import annotations

import pytest

jupytext = pytest.importorskip("jupytext")  # the 'tutorials' extra
nbclient = pytest.importorskip("nbclient")

from scripts.time_tutorials import execute, notebooks, table  # noqa: E402

NOTEBOOKS = notebooks()


def test_there_are_five_tutorials_each_with_exercises_and_a_hidden_solution():
    assert len(NOTEBOOKS) == 5, NOTEBOOKS
    for path in NOTEBOOKS:
        notebook = jupytext.read(path)
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        assert "## Exercises" in markdown, path.name
        hidden = [c for c in notebook.cells if "hide-cell" in c.metadata.get("tags", [])]
        assert hidden and all("assert" in c.source for c in hidden), f"{path.name}: solutions must check their answers"


@pytest.mark.slow  # the cart-pole and Mario tutorials train (for seconds, in the short mode)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_tutorial_runs_in_its_short_mode(path, tmp_path):
    notebook = execute(path, short=True, workdir=tmp_path)  # raises CellExecutionError on any error
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    figures = sum(1 for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {}) or "<img" in str(o.get("data", {}).get("text/html", "")))
    assert figures >= 2, f"{path.name}: a tutorial shows its results as pictures ({figures} found)"


def test_the_tutorial_times_table_reads_the_results_file():
    result = {"seconds": {"01_mdps_grid_world": 12.3, "05_mario_designs": 200.0}, "note": "", "cpus": 2,
              "machine": "Linux x86_64", "measured": "2026-12-04"}
    text = table(result)
    assert "| 01_mdps_grid_world | 12 s | yes |" in text and "| 05_mario_designs | 200 s | no |" in text
    assert "full mode" in text and "2 cores" in text
