"""scripts/mario_results.py: the Mario table from committed summaries, under the sticky protocol,
with the blind-replay row, the frames each agent cost and its agreement with the demonstration."""

import json
from pathlib import Path

import pytest


@pytest.fixture
def script(load_script):
    return load_script("mario_results")


def figures(flag: float, x: float, episodes: int = 100, random: bool = False) -> dict:
    out = {"episodes": episodes, "flag": flag, "x_pos": x, "return_mean": 0.0}
    return {**out, "random": {"flag": 0.0, "x_pos": 700.0}} if random else out


def summary(name: str, label: str, seed, sticky_flag: float, identical: bool = False, steps: int = 500_000) -> dict:
    return {"name": name, "label": label, "seed": seed, "steps": steps, "train_minutes": 61.0,
            "frames": {"rl": steps * 4, "demonstration": 9_160, "planner": 62_784, "total": steps * 4 + 71_944},
            "evaluations": {"eval_deterministic.json": figures(1.0, 3161.0, episodes=1),
                            "eval_sticky_greedy.json": figures(sticky_flag, 2500.0, random=True),
                            "eval_sticky_sampled.json": figures(sticky_flag / 2, 2000.0)},
            "agreement": {"demonstration": "1-1.json", "steps": 280, "demonstration_steps": 287,
                          "same_steps": 287 if identical else 40, "first_difference": None if identical else 12,
                          "identical": identical},
            "command": f".venv/bin/python -m baselines.train --run-dir ~/runs/mario_{name}_s{seed}", "machine": {}}


def write(results: Path, summaries: list[dict], blind_sticky: float = 0.02) -> None:
    (results / "runs").mkdir(parents=True)
    for s in summaries:
        suffix = "" if s["seed"] is None else f"_s{s['seed']}"
        (results / "runs" / f"{s['name']}{suffix}.json").write_text(json.dumps(s))
    (results / "blind_replay_1-1.json").write_text(json.dumps({"stage": "1-1", "frames": 1145, "sticky_actions": {
        "0.0": {"episodes": 1, "flag": 1.0, "x_pos": 3161.0}, "0.25": {"episodes": 100, "flag": blind_sticky,
                                                                       "x_pos": 1832.0}}}))


def test_the_table_has_both_protocols_the_blind_row_and_the_frames(script, tmp_path):
    results = tmp_path / "results"
    write(results, [summary("ppo_tiles", "PPO tiles", seed, flag) for seed, flag in enumerate([0.95, 0.91, 0.40])]
          + [summary("agent_x", "shipped agent x (ppo)", None, 0.03, identical=True, steps=125_440)])
    text = script.table(results)
    assert "| PPO tiles | 1 | 500,000 | 2.07M (2.00M + 9,160 + 62,784) | 61 | flag (x 3161) | 0.91, x 2500 | 0.46, x 2000 | " \
           "no: differs at step 12 of 287 |" in text
    assert "| shipped agent x (ppo) |  | 125,440 |" in text and "| yes, all 280 steps |" in text
    assert "| **the demonstration's actions replayed blind** |  |  |  |  | flag (x 3161) | 0.02, x 1832 |  |  |" in text
    assert "| uniformly random actions (4 evaluations) |  |  |  |  |  | 0.00, x 700 |  |  |" in text
    verdicts = script.verdicts(results)
    assert "- PPO tiles: greedy flag rate under sticky 0.25 0.95, 0.91, 0.40 (3 runs); 3 beat the blind replay (0.02); " \
           "target (>= 0.9 on 2 of 3 seeds within 1,000,000 steps) met" in verdicts
    assert "- shipped agent x (ppo): greedy flag rate under sticky 0.25 0.03 (1 run); 1 beat the blind replay (0.02); " \
           "target (>= 0.9 on 2 of 3 seeds within 1,000,000 steps) not met" in verdicts


def test_the_planners_row_is_the_reference_with_the_frames_it_searched(script, tmp_path):
    results = tmp_path / "results"
    write(results, [summary("ppo_tiles", "PPO tiles", 0, 0.5)])
    assert script.PLANNER_LABEL not in script.table(results) and script.planner_paragraph(results) == ""
    row = {"episodes": 100, "flag": 0.97, "x_pos": 3120.0, "frames_searched": 1_500_000, "frames_searched_per_step": 50.0,
           "steps": 30_000, "wall_seconds": 3000.0, "flags": [1.0] * 97 + [0.0] * 3, "furthest_x": [3120.0] * 100}
    deterministic = {**row, "episodes": 1, "flag": 1.0, "x_pos": 3161.0, "flags": [1.0], "furthest_x": [3161.0]}
    agreement = {"steps": 288, "demonstration_steps": 287, "identical": False, "first_difference": 62}
    (results / "planner_1-1.json").write_text(json.dumps({"demonstration_search_frames": 62_784, "agreement": agreement,
                                                          "sticky_actions": {"0.0": deterministic, "0.25": row}}))
    assert (f"| **{script.PLANNER_LABEL}** |  |  | 62,784 + 15,000 per episode (50 per step) |  | flag (x 3161) | "
            "0.97, x 3120 |  | no: differs at step 62 of 287 (deterministic: it mends what a late press would break) |"
            ) in script.table(results)
    assert "15,000 frames per episode (50 per step), 30 s per episode on one core; 97 of 100 episodes reached the flag " \
           "(the others ended at x 3120, 3120, 3120)" \
        in script.planner_paragraph(results)
    assert "| 1-1 | 0.02, x 1832 | flag (x 3161) | 0.97, x 3120 | 100 | 50 | 30 |" in script.planner_stages_table(results)


def test_the_brief_table_keeps_the_best_seed_of_each_experiment(script, tmp_path):
    results = tmp_path / "results"
    write(results, [summary("ppo_tiles", "PPO tiles", seed, flag) for seed, flag in enumerate([0.40, 0.91, 0.60])]
          + [summary("agent_x", "shipped agent x (ppo)", None, 0.03, identical=True, steps=125_440)])
    rows = [line for line in script.table(results, best_only=True).splitlines() if line.startswith("| PPO tiles")]
    assert len(rows) == 1 and rows[0].startswith("| PPO tiles | 1 |")
    assert "| shipped agent x (ppo) |" in script.table(results, best_only=True)


def test_main_writes_the_page_and_the_readme_block_from_committed_files_only(script, tmp_path, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    write(tmp_path / script.RESULTS, [summary("dqn_tiles", "DQN tiles", 0, 0.5)])
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("a\n<!-- mario-results:start -->\nold\n<!-- mario-results:end -->\nb\n")
    (tmp_path / script.GIF_AGENT).mkdir(parents=True)
    (tmp_path / script.GIF_AGENT / "eval_sticky_greedy.json").write_text(json.dumps({"task": {"flag": 0.74}}))
    assert script.main(["--runs", str(tmp_path / "no-runs")]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert "(seed 2; its greedy flag rate there: 74%)](docs/mario_agent_1-1.gif)" in readme
    assert readme.startswith("a\n<!-- mario-results:start -->\n| agent |") and readme.endswith("-->\nb\n")
    assert "old" not in readme and "| DQN tiles | 0 |" in readme
    page = (tmp_path / script.PAGE).read_text()
    assert page.startswith("# Mario results") and "| DQN tiles | 0 |" in page
    assert "--run-dir ~/runs/mario_dqn_tiles_s0" in page


def test_no_results_is_an_error_that_says_what_to_run(script, tmp_path):
    with pytest.raises(SystemExit, match="--evaluate"):
        script.table(tmp_path)


def test_unfinished_runs_are_named_and_not_summarized(script, tmp_path, monkeypatch):
    monkeypatch.setattr(script, "ROOT", tmp_path)
    (tmp_path / "mario_ppo_tiles_s0").mkdir()
    waiting = script.evaluate_runs(tmp_path, [0])
    assert f"{tmp_path / 'mario_ppo_tiles_s0'}: not finished" in waiting
    assert f"{tmp_path / 'mario_dqn_tiles_s0'}: not finished" in waiting
    assert not (tmp_path / script.RESULTS).exists()


def test_a_continued_run_starts_from_the_shipped_agents_model(script, tmp_path):
    from baselines.rundir import RunDir

    name = next(iter(script.CONTINUED))
    _, agent, steps = script.CONTINUED[name]
    run = script.continued_run(tmp_path, name)
    shipped = RunDir(script.ROOT / agent).load_state()["timesteps"]
    checkpoint = RunDir(run).latest_checkpoint()
    assert checkpoint["step"] == shipped and (checkpoint["dir"] / "model.zip").read_bytes() == \
        (script.ROOT / agent / "model.zip").read_bytes()
    assert json.loads((run / "config.json").read_text())["args"]["run_dir"] == str(run)
    command = script.continue_command(run, name, 30)
    assert command[3:7] == ["--resume", str(run), "--total-timesteps", str(steps)] and steps > shipped
    assert script.continued_run(tmp_path, name) == run  # a second call keeps what is there


def test_training_resumes_short_runs_and_leaves_finished_ones(script, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(script.subprocess, "run", lambda cmd, **kwargs: calls.append(cmd[1:]))
    script.train(tmp_path, "ppo_tiles", 0, 30)
    assert calls[-1][:4] == ["-m", "baselines.train", "--env", "RLEnvs/Mario-v0"]
    assert calls[-1][calls[-1].index("--max-minutes") + 1] == "30" and "sticky_actions=0.25" in calls[-1]
    run = script.run_dir(tmp_path, "ppo_tiles", 0)
    run.mkdir()
    (run / "config.json").write_text("{}")
    script.train(tmp_path, "ppo_tiles", 0, 30)
    assert calls[-1] == ["-m", "baselines.train", "--resume", str(run), "--no-progress-bar", "--max-minutes", "30",
                         "--torch-threads", "1"]
    (run / "state.json").write_text(json.dumps({"timesteps": script.STEPS, "wall_seconds": 1.0}))
    calls.clear()
    script.train(tmp_path, "ppo_tiles", 0, 30)
    assert calls == []


def test_frames_count_the_rl_steps_the_demonstration_replays_and_the_planner(script):
    config = {"args": {"env": "RLEnvs/Mario-v0", "env_kwargs": {"state": "tiles", "start": "demo"}, "bc_demo": None,
                       "bc_idle": 0}, "n_envs": 8}
    frames = script.frames_cost(config, 1000)
    demo = json.loads((Path(__file__).resolve().parents[1] / "rl_envs/mario/demos/1-1.json").read_text())
    assert frames["rl"] == 4000  # tiles: frame_skip 4
    assert frames["demonstration"] == 8 * len(demo["frames"])
    assert frames["planner"] == demo["meta"]["expansions"] * demo["meta"]["hold"] > 0
    assert frames["total"] == frames["rl"] + frames["demonstration"] + frames["planner"]
    assert script.frames_cost({**config, "args": {**config["args"], "env_kwargs": {"state": "ram"}}}, 10) == \
        {"rl": 10, "demonstration": 0, "planner": 0, "total": 10}


def test_frames_of_env_copies_on_several_stages_count_each_copys_own_demonstration(script):
    demos = Path(__file__).resolve().parents[1] / "rl_envs/mario/demos"
    config = {"args": {"env": "RLEnvs/Mario-v0", "env_kwargs": {"state": "tiles", "start": "demo"},
                       "per_env": {"stage": ["1-1", "1-2"]}, "bc_demo": None, "bc_idle": 0}, "n_envs": 3}
    frames = script.frames_cost(config, 1000)
    one, two = (json.loads((demos / f"{stage}.json").read_text()) for stage in ("1-1", "1-2"))
    assert len(one["frames"]) != len(two["frames"])
    assert frames["demonstration"] == 2 * len(one["frames"]) + len(two["frames"])  # copies 0, 2 play 1-1
    assert frames["planner"] == sum(d["meta"]["expansions"] * d["meta"]["hold"] for d in (one, two))
