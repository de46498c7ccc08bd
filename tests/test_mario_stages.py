"""scripts/mario_stages.py: one policy over several Mario stages, its page from committed files."""

import json
from pathlib import Path

import pytest


@pytest.fixture
def script(load_script):
    return load_script("mario_stages")


def figures(flag: float, x: float, episodes: int = 100) -> dict:
    return {"episodes": episodes, "flag": flag, "x_pos": x, "return_mean": 0.0}


def write(results: Path, episodes: int = 100) -> None:
    (results / "stages").mkdir(parents=True)
    stages = {"1-1": figures(0.8, 3000.0, episodes), "1-2": figures(0.4, 1500.0, episodes),
              "1-3": figures(0.0, 600.0, episodes)}
    summary = {"name": "ppo_tiles_multistage", "label": "PPO tiles, several stages", "seed": 0, "steps": 1_000_000,
               "train_minutes": 135.0, "frames": {"rl": 4_000_000, "demonstration": 20_000, "planner": 500_000,
                                                  "total": 4_520_000},
               "trained": ["1-1", "1-2"], "held_out": ["1-3"],
               "stages": {stage: {"greedy": f, "sampled": {**f, "flag": f["flag"] / 2}} for stage, f in stages.items()},
               "command": ".venv/bin/python -m baselines.train ...", "machine": {}}
    (results / "stages" / "ppo_tiles_multistage_s0.json").write_text(json.dumps(summary))
    (results / "blind_replay_1-1.json").write_text(json.dumps({"sticky_actions": {
        "0.25": {"episodes": 100, "flag": 0.03, "x_pos": 1800.0}}}))


def test_the_page_has_a_row_per_stage_the_blind_replays_and_the_means(script, tmp_path):
    results = tmp_path / "results"
    write(results)
    text = script.page(results)
    assert "4.52M emulator frames (4.00M RL, 20,000 demonstration, 0.50M planner)" in text
    assert "| 1-1 | yes | 0.03, x 1800 | 0.80, x 3000 | 0.40, x 3000 |" in text
    assert "| 1-2 | yes |  | 0.40, x 1500 | 0.20, x 1500 |" in text  # no blind replay file: an empty cell
    assert "| 1-3 | no (held out) |  | 0.00, x 600 | 0.00, x 600 |" in text
    assert "| **mean, trained stages** |  |  | 0.60 | 0.30 |" in text
    assert "| **mean, held-out stages** |  |  | 0.00 | 0.00 |" in text
    assert "trained stages, 100 episodes each): met." in text


def test_a_probe_with_fewer_episodes_never_meets_the_target(script, tmp_path):
    results = tmp_path / "results"
    write(results, episodes=10)
    assert "10 episodes per stage and mode" in script.page(results)
    assert "100 episodes each): not met." in script.page(results)


def test_no_summary_yet_writes_no_page(script, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.main([]) == 0
    assert "no multi-stage summary" in capsys.readouterr().out
    assert not (tmp_path / script.PAGE).exists()


def test_the_training_command_gives_each_copy_one_demonstrated_stage(script):
    command = script.train_command(Path("/runs"), 0, 30)
    stages = command[command.index("--per-env") + 1].removeprefix("stage=").split(",")
    assert stages == script.trained_stages() and len(stages) >= 2
    assert command[command.index("--n-envs") + 1] == str(len(stages))
    assert not set(script.HELD_OUT) & set(stages)
