"""scripts/baseline_results.py: the Mario table from run directories, and never an emptied README."""

import json
from pathlib import Path

import pytest


@pytest.fixture
def script(load_script):
    return load_script("baseline_results")


def evaluation(flags: list[float], xs: list[float], random: dict | None = None) -> dict:
    result = {"episodes": len(xs), "task": {"x_pos": sum(xs) / len(xs), "flag": sum(flags) / len(flags)},
              "task_episodes": {"x_pos": xs, "flag": flags}, "return_mean": 0.0, "return_std": 0.0,
              "returns": [0.0] * len(xs)}
    return {**result, "random": random} if random else result


def fake_run(script, root: Path, name: str, seed: int, greedy_flags: list[float], steps: int = 1_000_000) -> Path:
    run = script.mario_run(root, name, seed)
    run.mkdir(parents=True)
    (run / "state.json").write_text(json.dumps({"timesteps": steps, "wall_seconds": 5400.0 if steps else 0.5}))
    (run / "behaviour_cloning.json").write_text(json.dumps({"pairs": 10, "seconds": 120.0}))
    random = evaluation([0.0] * 4, [600.0, 700.0, 800.0, 900.0])
    files = {"eval_deterministic.json": evaluation([1.0], [3161.0]),
             "eval_greedy.json": evaluation(greedy_flags, [3161.0 if f else 1200.0 for f in greedy_flags], random),
             "eval_sampled.json": evaluation([1.0, 0.0], [3161.0, 900.0])}
    for file, data in files.items():
        (run / file).write_text(json.dumps({**data, "timesteps": steps}))
    (run / "episodes.jsonl").write_text("".join(json.dumps({"step": 1000 * (i + 1), "flag": float(i % 2), "x_pos": 1.0})
                                                + "\n" for i in range(500)))
    return run


def test_mario_table_from_runs_with_targets_per_agent(script, tmp_path, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- mario-results:start -->\nold table\n<!-- mario-results:end -->\nrest\n")
    for seed, flags in enumerate([[1.0, 1.0, 1.0, 0.0], [1.0] * 4, [0.0] * 4]):
        fake_run(script, tmp_path / "runs", "ppo_dqn", seed, flags)
        fake_run(script, tmp_path / "runs", "dqn_dqn", seed, [0.0, 1.0, 0.0, 0.0])
        fake_run(script, tmp_path / "runs", "ppo_fit_only", seed, [1.0, 1.0, 1.0, 1.0], steps=0)
    assert script.mario_results(tmp_path / "runs", [0, 1, 2], readme)
    text = readme.read_text()
    assert text.startswith("intro\n<!-- mario-results:start -->\n| agent | seed |") and text.endswith("<!-- mario-results:end -->\nrest\n")
    assert "old table" not in text
    ppo, dqn, fit = (script.MARIO_EXPERIMENTS[name][0] for name in ("ppo_dqn", "dqn_dqn", "ppo_fit_only"))
    assert f"| {ppo} | 1 | 1,000,000 | 92 | flag (x 3161) | 1.00, x 3161 | 0.50, x 2030 |" in text  # 90 + 2 of fit
    assert f"| {fit} | 2 | 0 | 2 | flag (x 3161) | 1.00, x 3161 |" in text
    assert f"- {fit}: 3 of 3 seeds reach a greedy flag rate >= 0.9 (flag rates 1.00, 1.00, 1.00): the control: no target" in text
    assert f"- {ppo}: 1 of 3 seeds reach a greedy flag rate >= 0.9 (flag rates 0.75, 1.00, 0.00): target not met" in text
    assert f"- {dqn}: 0 of 3 seeds" in text
    assert "| uniformly random actions (on the same starts, pooled over 9 runs) |  |  |  |  | 0.00, x 750 |  |" in text
    assert (tmp_path / "docs" / "mario_training_flag_rate.png").stat().st_size > 10_000
    assert "--run-dir ~/runs/mario_ppo_dqn_s0" in text and "--bc-demo rl_envs/mario/demos/1-1.json" in text


def test_two_seeds_meeting_the_target_meet_it(script, tmp_path, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setattr(script, "MARIO_EXPERIMENTS", {"ppo_dqn": script.MARIO_EXPERIMENTS["ppo_dqn"]})
    for seed, flags in enumerate([[1.0] * 10, [1.0] * 9 + [0.0], [0.0] * 10]):
        fake_run(script, tmp_path, "ppo_dqn", seed, flags)
    assert "2 of 3 seeds reach a greedy flag rate >= 0.9 (flag rates 1.00, 0.90, 0.00): target met\n" in \
        script.mario_lines(tmp_path, [0, 1, 2])
    assert "2 of 2 seeds reach a greedy flag rate >= 0.9 (flag rates 1.00, 0.90): target met (2 of 3 seeds run)" in \
        script.mario_lines(tmp_path, [0, 1])  # whatever the third seed does, 2 of 3 reach it
    assert "1 of 1 seeds reach a greedy flag rate >= 0.9 (flag rates 1.00): target not met (1 of 3 seeds run)" in \
        script.mario_lines(tmp_path, [0])


def test_missing_runs_leave_the_readme_table_and_are_named(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    readme = tmp_path / "README.md"
    original = "<!-- mario-results:start -->\nthe measured table\n<!-- mario-results:end -->\n"
    readme.write_text(original)
    fake_run(script, tmp_path, "ppo_dqn", 0, [1.0])
    (script.mario_run(tmp_path, "ppo_dqn", 0) / "eval_sampled.json").unlink()
    assert not script.mario_results(tmp_path, [0, 1], readme)
    assert readme.read_text() == original
    out = capsys.readouterr().out
    assert "Mario table left as it is; missing:" in out
    assert f"{tmp_path / 'mario_ppo_dqn_s0'}: no eval_sampled.json" in out
    assert f"{tmp_path / 'mario_ppo_dqn_s1'}: no state.json, eval_deterministic.json" in out
    assert f"{tmp_path / 'mario_dqn_dqn_s0'}: no state.json" in out
    assert not (tmp_path / "results" / "mario.md").exists()


def test_no_cartpole_runs_leave_the_results_table(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setattr(script, "RUNS", tmp_path / "none")
    readme = tmp_path / "README.md"
    readme.write_text("<!-- results:start -->\nkept\n<!-- results:end -->\n")
    assert script.main(["--table-only", "--only", "cartpole"]) == 0
    assert "kept" in readme.read_text()
    assert "left as it is" in capsys.readouterr().out


def test_evaluations_of_an_earlier_model_are_stale(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(script, "MARIO_EXPERIMENTS", {"ppo_dqn": script.MARIO_EXPERIMENTS["ppo_dqn"]})
    run = fake_run(script, tmp_path, "ppo_dqn", 0, [1.0])
    (run / "state.json").write_text(json.dumps({"timesteps": 1_200_000, "wall_seconds": 6000.0}))  # resumed since
    assert script.mario_missing(tmp_path, [0]) == [
        f"{run}: eval_deterministic.json, eval_greedy.json, eval_sampled.json evaluate an earlier model"]


def test_training_resumes_short_runs_and_evaluates_only_what_is_stale(script, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(script.subprocess, "run", lambda cmd, **kwargs: calls.append(cmd[1:]))
    run = fake_run(script, tmp_path, "ppo_dqn", 0, [1.0])
    script.train_mario(tmp_path, "ppo_dqn", 0, 100)
    assert calls == []  # finished and evaluated: nothing to do
    (run / "config.json").write_text("{}")
    (run / "state.json").write_text(json.dumps({"timesteps": 650_000, "wall_seconds": 5400.0}))
    script.train_mario(tmp_path, "ppo_dqn", 0, 100)
    assert calls[0] == ["-m", "baselines.train", "--resume", str(run), "--no-progress-bar"]
    assert [c[-1] for c in calls[1:]] == list(script.MARIO_EVALS)  # the subprocesses are stubbed: all stale
    calls.clear()
    script.train_mario(tmp_path, "dqn_dqn", 1, 30)  # a new run: trained for a 30-minute slice
    assert calls[0][:4] == ["-m", "baselines.train", "--env", "RLEnvs/Mario-v0"] and calls[0][calls[0].index("--max-minutes") + 1] == "30"
    assert "--algo" in calls[0] and calls[0][calls[0].index("--algo") + 1] == "dqn"
    calls.clear()
    fake_run(script, tmp_path, "ppo_fit_only", 0, [1.0], steps=0)
    script.train_mario(tmp_path, "ppo_fit_only", 0, 100)
    assert calls == []  # the control is complete at 0 steps, and evaluated
    script.train_mario(tmp_path, "ppo_fit_only", 1, 100)
    assert calls[0][calls[0].index("--total-timesteps") + 1] == "0" and "--bc-keep" not in calls[0]
