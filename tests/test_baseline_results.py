"""scripts/baseline_results.py: the cart-pole tables, and never an emptied README."""

import json

import pytest


@pytest.fixture
def script(load_script):
    return load_script("baseline_results")


def test_no_cartpole_runs_leave_the_results_table(script, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setattr(script, "RUNS", tmp_path / "none")
    readme = tmp_path / "README.md"
    readme.write_text("<!-- results-brief:start -->\nkept\n<!-- results-brief:end -->\n")
    assert script.main(["--table-only", "--only", "cartpole"]) == 0
    assert "kept" in readme.read_text()
    assert "left as it is" in capsys.readouterr().out


def test_finished_runs_fill_the_guide_and_the_readme_brief(script, tmp_path, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    monkeypatch.setattr(script, "RUNS", tmp_path / "runs")
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("a\n<!-- results-brief:start -->\nold\n<!-- results-brief:end -->\nb\n")
    (tmp_path / "docs" / "baselines.md").write_text("<!-- results:start -->\nold\n<!-- results:end -->\n")
    for seed, ret in enumerate([500.0, 480.0, 100.0]):
        run = tmp_path / "runs" / script.run_name("ppo", "RLEnvs/CartPole-v0", [], seed)
        run.mkdir(parents=True)
        (run / "eval.json").write_text(json.dumps({"env": "RLEnvs/CartPole-v0", "algo": "ppo", "return_mean": ret,
                                                   "return_std": 1.0, "timesteps": 100, "wall_seconds": 3.0}))
    assert script.main(["--table-only", "--only", "cartpole"]) == 0
    readme, guide = (tmp_path / "README.md").read_text(), (tmp_path / "docs" / "baselines.md").read_text()
    assert "| RLEnvs/CartPole-v0 | ppo | default | 2/3 | 100 | 500, 480, 100 |" in readme and "old" not in readme
    assert "| RLEnvs/CartPole-v0 | ppo | default | 2/3 | 100 | 3 | 500 +- 1, 480 +- 1, 100 +- 1 |" in guide


