"""Sphinx configuration of the rl-envs site (built by ``./dev docs``: scripts/build_docs.py)."""

project = "rl-envs"
author = "rl-envs developers"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = "rl-envs"
exclude_patterns = ["_build", "README.md"]
suppress_warnings = []
