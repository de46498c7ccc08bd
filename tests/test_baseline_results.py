"""scripts/baseline_results.py: the Mario verdict against random, from evaluation files."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location("baseline_results", ROOT / "scripts" / "baseline_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluation(xs: list[float], random_xs: list[float]) -> dict:
    def block(values):
        return {"episodes": len(values), "task": {"x_pos": sum(values) / len(values), "flag": 0.0},
                "task_episodes": {"x_pos": values, "flag": [0.0] * len(values)}, "return_mean": 0.0,
                "return_std": 0.0, "returns": [0.0] * len(values)}

    return {**block(xs), "deterministic": False, "timesteps": 1000, "wall_seconds": 60.0, "random": block(random_xs)}


def test_mario_table_counts_the_seeds_whose_interval_lies_above_random(tmp_path, monkeypatch):
    script = load_script()
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setattr(script, "RUNS", tmp_path)
    random_xs = [300.0, 700.0, 800.0, 900.0] * 5  # mean 675
    runs = {0: [1500.0, 1600.0, 1400.0, 1550.0] * 5, 1: [300.0, 2000.0, 700.0, 900.0] * 5}
    for seed, xs in runs.items():
        (tmp_path / f"RLEnvs_Mario-v0__ppo__{seed}").mkdir()
        run = tmp_path / f"RLEnvs_Mario-v0__ppo__{seed}"
        (run / "eval.json").write_text(json.dumps(evaluation(xs, random_xs)))
        (run / "episodes.jsonl").write_text("".join(json.dumps({"step": 50 * (i + 1), "x_pos": x}) + "\n"
                                                    for i, x in enumerate(xs)))
    text = script.mario_lines([0, 1, 2])
    assert "clearly beat random (agent's 95% interval above random's): 1 of 2 with sampled actions." in text
    assert "- seed 0, sampled: agent's interval starts at" in text and "(clear win)" in text.split("- seed 1,")[0].split("- seed 0, sampled:")[1]
    assert text.split("- seed 1, sampled:")[1].split("\n")[0].endswith("(not a clear win)")
    assert "| random agent (2 runs' evaluations pooled) |  |  | 40 | 675 +- " in text
    assert "![Mario PPO learning curve](docs/mario_ppo_learning_curve.png)" in text
    assert (tmp_path / "docs" / "mario_ppo_learning_curve.png").stat().st_size > 10_000
    assert "not run yet" in script.mario_lines([5])
    greedy = evaluation([2000.0, 2010.0] * 10, random_xs)
    (tmp_path / "RLEnvs_Mario-v0__ppo__1" / "eval_greedy.json").write_text(json.dumps(greedy))
    text = script.mario_lines([0, 1])
    assert "1 of 2 with sampled actions, 1 of 1 with greedy actions." in text
    assert "| PPO seed 1, greedy actions |  |  | 20 | 2005 +- " in text
