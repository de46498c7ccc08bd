"""scripts/mario_studies.py: the Mario design studies' page, from committed files only."""

import json
from pathlib import Path

import pytest


@pytest.fixture
def script(load_script):
    return load_script("mario_studies")


def figures(flag: float, x: float, episodes: int) -> dict:
    return {"episodes": episodes, "flag": flag, "x_pos": x, "return_mean": 0.0}


def summary(label: str, seed: int, greedy: float, sampled: float, score: float) -> dict:
    return {"name": "reward", "label": label, "seed": seed, "steps": 80_896, "train_minutes": 7.6,
            "frames": {"rl": 323_584, "demonstration": 9_160, "planner": 62_784, "total": 395_528},
            "evaluations": {"eval_deterministic.json": figures(0.0, 363.0, 1),
                            "eval_sticky_greedy.json": figures(greedy, 1000.0 + seed, 10),
                            "eval_sticky_sampled.json": figures(sampled, 700.0, 100)},
            "agreement": {"identical": seed == 1}, "score": score, "command": ".venv/bin/python -m baselines.compare.cli"}


def write(results: Path) -> None:
    folder = results / "studies" / "reward"
    folder.mkdir(parents=True)
    for seed, (greedy, sampled) in enumerate([(0.0, 0.1), (0.3, 0.2)]):
        (folder / f"progress__seed{seed}.json").write_text(json.dumps(summary("progress", seed, greedy, sampled, 300.0)))
    (folder / "score__seed0.json").write_text(json.dumps(summary("score", 0, 0.0, 0.0, 900.0)))
    (results / "blind_replay_1-1.json").write_text(json.dumps({"sticky_actions": {
        "0.0": {"episodes": 1, "flag": 1.0, "x_pos": 3161.0}, "0.25": {"episodes": 100, "flag": 0.03, "x_pos": 1800.0}}}))


def test_a_row_per_design_with_every_seed_beside_the_blind_replay(script, tmp_path):
    results = tmp_path / "results"
    write(results)
    text = script.page(results)
    assert "greedy, sticky 0.25, 10 episodes (per seed) | sampled, sticky 0.25, 100 episodes (per seed)" in text
    assert ("| progress | 2 | 80,896 | 0.40M | 0.15 (0.00, 0.30) | 0.15 (0.10, 0.20) | 1000 | 700 | 300 | "
            "no flag, x 363, no flag, x 363 | 1 of 2 |") in text
    assert "| score | 1 | 80,896 | 0.40M | 0.00 (0.00) | 0.00 (0.00) | 1000 | 700 | 900 |" in text
    assert ("| **the demonstration's actions replayed blind** |  |  |  | 0.03, x 1800 |  | 1800 |  |  | "
            "flag (x 3161) |  |") in text
    assert "## Actions designs" not in text  # a study with no results has no section
    assert "the planner, planning while it plays" not in text
    row = {"episodes": 100, "flag": 0.97, "x_pos": 3120.0, "frames_searched": 1_500_000,
           "frames_searched_per_step": 50.0, "wall_seconds": 3000.0}
    (results / "planner_1-1.json").write_text(json.dumps({"demonstration_search_frames": 62_784, "sticky_actions": {
        "0.0": {**row, "episodes": 1, "flag": 1.0, "x_pos": 3161.0}, "0.25": row}}))
    assert ("| **the planner, planning while it plays (the emulator as its model)** |  |  |  | 0.97, x 3120 |  | 3120 |"
            "  |  | flag (x 3161) |  |") in script.page(results)


def test_no_study_yet_writes_no_page(script, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.main([]) == 0
    assert "no study in" in capsys.readouterr().out
    assert not (tmp_path / script.PAGE).exists()
    with pytest.raises(SystemExit, match="no comparison there"):
        script.main(["--evaluate", "reward", "--runs", str(tmp_path)])
    with pytest.raises(SystemExit):
        script.main(["--evaluate", "rewards"])  # argparse names the valid studies


@pytest.mark.parametrize("study", ["reward", "actions", "state", "markov"])
def test_every_study_is_a_comparison_that_can_start(script, study, tmp_path):
    """Each study's command passes compare's checks (every variant's env options and
    hyperparameters, as the trainer will check them) and plans 3 seeds per design; nothing trains."""
    from baselines.compare.spec import CompareArgs, runs, validate
    from rl_envs.cli_args import parse

    command = script.command(tmp_path, study)
    args = validate(parse(CompareArgs, command[command.index("baselines.compare.cli") + 1:], prog="compare"))
    specs = runs(args, tmp_path / "out")
    designs = {spec.design for spec in specs}
    assert len(specs) == script.SEEDS * len(designs) and len(designs) >= 2
    assert all(spec.train["env_kwargs"]["sticky_actions"] == script.STICKY for spec in specs)
    assert {spec.train["total_timesteps"] for spec in specs} == {script.STUDIES[study][2]}


def test_a_label_drops_the_axis_every_design_of_the_study_shares(script):
    labels = ["reward=progress, actions=buttons", "reward=progress, actions=simple"]
    assert script.short_labels(labels) == {labels[0]: "actions=buttons", labels[1]: "actions=simple"}
    assert script.short_labels(["clear", "score"]) == {"clear": "clear", "score": "score"}
    grid = ["reward=progress, markov=True, algo=ppo", "reward=progress, markov=False, algo=ppo",
            "reward=progress, markov=True, algo=ppo_lstm"]
    assert script.short_labels(grid)[grid[2]] == "markov=True, algo=ppo_lstm"
