"""Reward-design comparisons: one training run per (design, seed), all scored on the same task
metrics. ``rl-envs-baselines compare``; see :mod:`baselines.compare.cli`.

- :mod:`~baselines.compare.spec`: the options, their validation, the list of runs;
- :mod:`~baselines.compare.worker`: one run (train or resume, then evaluate), in any process;
- :mod:`~baselines.compare.backends`: local processes or Ray tasks, with a progress display;
- :mod:`~baselines.compare.report`: summary.csv / summary.json, plots, the terminal table.
"""
