"""scripts/baseline_results.py: the cart-pole tables from committed summaries, never an emptied README."""

import json

import pytest


@pytest.fixture
def script(load_script):
    return load_script("baseline_results")


def test_no_summaries_leave_the_results_tables(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text("<!-- results-brief:start -->\nkept\n<!-- results-brief:end -->\n")
    assert script.main(["--table-only"]) == 0
    assert "kept" in readme.read_text()
    assert "left as they are" in capsys.readouterr().out


def write_summary(script, root, group, experiment, seed, ret, measured="2026-12-04"):
    out = root / script.RESULTS / "runs"
    out.mkdir(parents=True, exist_ok=True)
    row = {"group": group, "algo": experiment.algo, "env": experiment.env, "seed": seed,
           "variant": " ".join(experiment.overrides) or "default", "memory": experiment.memory, "timesteps": 100,
           "env_kwargs": " ".join(experiment.env_kwargs),
           "wall_seconds": 3.0, "return_mean": ret, "return_std": 1.0, "returns": [ret], "deterministic": True,
           "load_average": 1.0 + seed, "machine": "Linux-x86_64, 2 CPUs", "measured": measured}
    (out / f"{script.run_name(experiment, seed)}.json").write_text(json.dumps(row))


def test_committed_summaries_fill_the_guide_the_memory_table_and_the_readme_brief(script, tmp_path, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("a\n<!-- results-brief:start -->\nold\n<!-- results-brief:end -->\nb\n")
    (tmp_path / "docs" / "baselines.md").write_text("<!-- results:start -->\nold\n<!-- results:end -->\n"
                                                    "<!-- memory:start -->\nold\n<!-- memory:end -->\n")
    ppo = script.EXPERIMENTS["cartpole"][0]
    none, stack, lstm = script.EXPERIMENTS["memory"][:3]
    grid = [e for e in script.EXPERIMENTS["memory"] if e.env == "RLEnvs/GridWorld-v0"]
    for seed, ret in enumerate([500.0, 480.0, 100.0]):
        write_summary(script, tmp_path, "cartpole", ppo, seed, ret)
    write_summary(script, tmp_path, "memory", lstm, 0, 490.0, measured="2026-12-05")
    write_summary(script, tmp_path, "memory", none, 0, 40.0)
    for experiment, ret in zip(grid, [0.72, -1.5, 0.5]):
        write_summary(script, tmp_path, "memory", experiment, 0, ret)
    assert script.main(["--table-only"]) == 0
    readme, guide = (tmp_path / "README.md").read_text(), (tmp_path / "docs" / "baselines.md").read_text()
    assert "| RLEnvs/CartPole-v0 | ppo | default | 2/3 | 100 | 500, 480, 100 |" in readme and "old" not in readme
    assert "| RLEnvs/CartPole-v0 | ppo | default | 2/3 | 100 | 3 | 500 +- 1, 480 +- 1, 100 +- 1 |" in guide
    memory = guide.split("<!-- memory:start -->")[1]
    # The experiments' order, not the files': no memory first, then the LSTM.
    assert memory.index("| none | ppo | 0/1 | 100 | 40 |") < memory.index("| LSTM (RecurrentPPO) | ppo_lstm | 1/1 |")
    assert stack.memory not in memory and "RLEnvs/CartPole-v0 " not in memory
    # the grid world hidden or not, beside its Markov state; no cart-pole threshold for it
    assert "| RLEnvs/GridWorld-v0 |  | none (the Markov state) | ppo |  | 100 | 0.72 |" in memory
    assert "| RLEnvs/GridWorld-v0 | markov=False | none | ppo |  | 100 | -1.50 |" in memory
    assert "| RLEnvs/GridWorld-v0 | markov=False | LSTM (RecurrentPPO) | ppo_lstm |  | 100 | 0.50 |" in memory
    assert "GridWorld" not in guide.split("<!-- memory:start -->")[0]  # the results table is the cart-pole's
    assert "measured 2026-12-04 to 2026-12-05" in guide and "load average at a run's start 1.0 to 3.0" in guide


def test_runs_are_trained_resumed_or_left_as_their_directories_say(script, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(script.subprocess, "run", lambda cmd, **kwargs: calls.append(cmd[1:]))
    none = script.EXPERIMENTS["memory"][0]
    run_dir, trained = script.train_and_evaluate(none, 1, tmp_path)
    assert trained and run_dir == tmp_path / script.run_name(none, 1)
    assert calls[0][:2] == ["-m", "baselines.train"] and calls[0][calls[0].index("--set") + 1] == "frame_stack=1"
    assert calls[1][:3] == ["-m", "baselines.evaluate", str(run_dir)]
    run_dir.mkdir()
    (run_dir / "config.json").write_text("{}")
    calls.clear()
    script.train_and_evaluate(none, 1, tmp_path)
    assert calls[0] == ["-m", "baselines.train", "--resume", str(run_dir), "--no-progress-bar",
                        "--torch-threads", "1"]
    (run_dir / "eval.json").write_text("{}")
    calls.clear()
    assert script.train_and_evaluate(none, 1, tmp_path) == (run_dir, False) and calls == []
