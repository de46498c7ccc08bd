"""Sphinx configuration of the rl-envs site (built by ``./dev docs``: scripts/build_docs.py)."""

project = "rl-envs"
author = "rl-envs developers"
# myst_nb: MyST Markdown, and the tutorials (MyST notebooks, docs/tutorials/) executed at build time.
extensions = ["myst_nb"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
# Executed once, then from the cache (keyed by each notebook's code) in the build folder;
# RL_ENVS_TUTORIAL_SHORT=1 in the environment builds them in their short mode.
nb_execution_mode = "cache"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
html_theme = "furo"
html_title = "rl-envs"
exclude_patterns = ["_build", "README.md", "**/runs"]
suppress_warnings = ["mystnb.unknown_mime_type"]
