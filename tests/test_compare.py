"""Reward-design comparisons: bad input, the pure aggregation, end to end (local processes and a
local Ray instance), a failed run among good ones, resume after an interruption."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from baselines.args import CompareArgs
from baselines.compare import report
from baselines.compare.spec import validate
from baselines.compare.worker import metric_value

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--env", "RLEnvs/GridWorld-v0", "--designs", "step_cost,goal", "--seeds", "2", "--total-timesteps", "1024",
        "--eval-episodes", "3"]


def compare_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "baselines.compare.cli", *args]


def run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)


# --- bad input: refused before anything is trained or written --------------------------------
@pytest.mark.parametrize("kwargs,message", [
    ({"designs": ["step_cost", "speed"]}, r"has no design 'speed'; valid: step_cost, goal"),
    ({"seeds": 0}, r"seeds must be in \[1"),
    ({"seeds": 1.5}, "seeds must be an integer"),
    ({"env": "RLEnvs/Nope-v0"}, "unknown env 'RLEnvs/Nope-v0'; registered: "),
    ({"algo": "trpo"}, "algo must be one of 'dqn', 'ppo', 'a2c', 'sac', 'ppo_lstm'"),
    ({"backend": "slurm"}, "backend must be one of 'local', 'ray'"),
    ({"address": "ray://x:10001"}, "--address .* needs --backend ray"),
    ({"env_kwargs": {"reward": "goal"}}, "what --designs sets"),
    ({"env_kwargs": {"slip": 2.0}}, r"slip must be in \[0, 1\]"),
    ({"overrides": {"learning_rat": 0.1}}, r"unknown ppo hyperparameter\(s\) \['learning_rat'\]"),
    ({"designs": ["goal", "goal"]}, "lists a design twice"),
    ({"workers": 0}, r"workers must be in \[1"),
    ({"env": "RLEnvs/CartPoleContinuous-v0", "algo": "dqn"}, "discrete action space"),
    ({"vary": {"slipp": (0.0, 0.1)}}, "unknown option 'slipp' for GridWorldEnv; valid options: "),
    ({"vary": {"slip": (0.0, 2.0)}}, r"variant slip=2.0: slip must be in \[0, 1\]"),
    ({"vary": {"slip": (0.1, 0.1)}}, "--vary slip lists a value twice"),
    ({"vary": {"slip": "0.1,"}}, "--vary slip= needs values separated by commas"),
    ({"vary": {"reward": "goal,step_cost"}}, r"--vary reward=\.\.\. is the reward axis: give it as --designs"),
    ({"vary": {"slip": "0,0.1"}, "env_kwargs": {"slip": 0.2}}, "--vary slip and --env-kwarg slip both set slip"),
    ({"vary": {"algo": "ppo,trpo"}}, "--vary algo must be one of 'dqn', 'ppo'"),
])
def test_bad_input_is_refused_before_training(tmp_path, kwargs, message):
    args = CompareArgs(**{"out": str(tmp_path / "out"), **kwargs})
    with pytest.raises((ValueError, TypeError), match=message):
        validate(args)
    assert not (tmp_path / "out").exists()


def test_variants_are_every_combination_of_the_axes():
    from baselines.compare.spec import runs, variants

    args = validate(CompareArgs(env="RLEnvs/GridWorld-v0", designs=["step_cost", "goal"],
                                vary={"markov": "True,False", "algo": "ppo,dqn"}, seeds=2))
    labels = [label for label, _ in variants(args)]
    assert labels[0] == "reward=step_cost, markov=True, algo=ppo" and len(labels) == 8
    specs = runs(args, Path("out"))
    assert len(specs) == 16
    first = specs[0].train
    assert first["algo"] == "ppo" and first["env_kwargs"] == {"reward": "step_cost", "markov": True}
    assert first["run_dir"] == str(Path("out") / "runs" / "reward-step_cost__markov-True__algo-ppo__seed0")
    assert specs[-1].train["algo"] == "dqn" and specs[-1].train["env_kwargs"] == {"reward": "goal", "markov": False}
    alone = validate(CompareArgs(env="RLEnvs/GridWorld-v0", vary={"slip": "0.0,0.2"}))
    assert [label for label, _ in variants(alone)] == ["slip=0.0", "slip=0.2"] and alone.designs == []
    rewards = validate(CompareArgs(env="RLEnvs/GridWorld-v0"))
    assert [label for label, _ in variants(rewards)] == ["step_cost", "goal"]  # the reward axis alone: its names


def test_a_comparison_over_another_axis_runs_and_reports_it(tmp_path):
    out = tmp_path / "out"
    done = run(compare_cmd("--env", "RLEnvs/GridWorld-v0", "--vary", "slip=0.0,0.3", "--seeds", "1",
                           "--total-timesteps", "512", "--eval-episodes", "2", "--out", str(out), "--workers", "2"))
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["by_design"]) == {"slip=0.0", "slip=0.3"}
    assert all(s["runs_done"] == 1 for s in summary["by_design"].values())
    assert {r["design"] for r in summary["runs"]} == {"slip=0.0", "slip=0.3"}
    assert "return/step_cost" in summary["runs"][0] and "return/goal" in summary["runs"][0]


def test_an_env_with_one_reward_cannot_be_compared(tmp_path, monkeypatch):
    from baselines.compare import spec

    monkeypatch.setattr(spec, "reward_designs", lambda env_id: ("only",) if env_id == "RLEnvs/CartPole-v0" else ("a", "b"))
    with pytest.raises(ValueError, match="has a single reward; envs with several designs: RLEnvs/GridWorld-v0"):
        validate(CompareArgs(env="RLEnvs/CartPole-v0", out=str(tmp_path / "out")))
    assert not (tmp_path / "out").exists()


def test_cli_bad_design_exits_2_and_writes_nothing(tmp_path):
    done = run(compare_cmd("--env", "RLEnvs/CartPole-v0", "--designs", "alive,upright", "--out", str(tmp_path / "o")))
    assert done.returncode == 2
    assert "has no design 'upright'; valid: alive, failure" in done.stderr
    assert not (tmp_path / "o").exists()


def test_other_settings_in_the_same_output_directory_are_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "compare.json").write_text(json.dumps({"env": "RLEnvs/GridWorld-v0", "algo": "ppo", "total_timesteps": 5}))
    done = run(compare_cmd(*TINY, "--out", str(out)))
    assert done.returncode == 2 and "holds a comparison with other settings" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["compare.json"]


# --- the aggregation ------------------------------------------------------------------------
def test_learning_curve_windows_and_carries_forward():
    records = [{"step": 10, "m": 1.0}, {"step": 20, "m": 3.0}, {"step": 55, "m": 10.0}]
    curve = report.learning_curve(records, "m", np.array([5.0, 20.0, 40.0, 60.0]), window=20.0)
    assert np.isnan(curve[0]) and curve[1] == 2.0 and curve[2] == 2.0 and curve[3] == 10.0  # (20, 40] is empty


def test_band_is_mean_and_student_t_interval():
    mean, half = report.band(np.array([[1.0, 2.0], [3.0, np.nan]]))
    assert mean.tolist() == [2.0, 2.0]
    assert half[0] == pytest.approx(12.706 * np.std([1.0, 3.0], ddof=1) / np.sqrt(2)) and half[1] == 0.0
    assert report.ci95([5.0, 5.0, 5.0]) == 0.0 and report.t_quantile(1000) == 1.96


def test_metric_value_reads_design_returns_or_task_metrics():
    evaluation = {"design_returns": {"goal": 1.0}, "task": {"x_pos": 812.0}}
    assert metric_value(evaluation, "return/goal") == 1.0 and metric_value(evaluation, "x_pos") == 812.0


def test_by_design_counts_failures_and_averages_returns():
    results = [{"design": "a", "seed": 0, "status": "done", "metric_value": 1.0, "wall_seconds": 2.0,
                "design_returns": {"a": 1.0, "b": -3.0}},
               {"design": "a", "seed": 1, "status": "done", "metric_value": 3.0, "wall_seconds": 4.0,
                "design_returns": {"a": 3.0, "b": -1.0}},
               {"design": "b", "seed": 0, "status": "failed", "error": "boom"}]
    summary = report.by_design(results, ["a", "b"])
    assert summary["a"]["metric_mean"] == 2.0 and summary["a"]["design_returns"] == {"a": 2.0, "b": -2.0}
    assert summary["b"] == {**summary["b"], "runs_done": 0, "runs_failed": 1, "metric_mean": None}


# --- end to end -----------------------------------------------------------------------------
def plant_corrupt_run(out: Path, design: str, seed: int) -> None:
    """A run interrupted earlier whose checkpoint is now garbage: resuming it must fail alone."""
    from baselines.config import load_hyperparams

    run_dir = out / "runs" / f"{design}__seed{seed}"
    (run_dir / "checkpoints" / "step_512").mkdir(parents=True)
    params = load_hyperparams("ppo", "RLEnvs/GridWorld-v0", {"reward": design})
    args = {"algo": "ppo", "env": "RLEnvs/GridWorld-v0", "env_kwargs": {"reward": design}, "seed": seed,
            "run_dir": str(run_dir), "eval_freq": 0, "progress_bar": False}
    (run_dir / "config.json").write_text(json.dumps({"args": args, "total_timesteps": 1024, "n_envs": 4,
                                                     "device": "cpu", "hyperparams": params, "machine": {}}))
    (run_dir / "checkpoints" / "step_512" / "model.zip").write_bytes(b"not a zip")
    (run_dir / "checkpoints" / "step_512" / "checkpoint.json").write_text(json.dumps(
        {"step": 512, "algo": "ppo", "wall_seconds": 1.0, "replay_buffer": False, "unfinished": []}))
    (run_dir / "checkpoints" / "latest.json").write_text(json.dumps({"step": 512, "dir": "checkpoints/step_512"}))


def check_png(path: Path) -> None:
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 300
    colours = np.unique(image.reshape(-1, image.shape[-1]).round(2), axis=0)
    assert len(colours) > 20  # axes, text, lines and bands, not a blank canvas


def test_tiny_comparison_end_to_end_with_a_failed_run(tmp_path):
    out = tmp_path / "cmp"
    plant_corrupt_run(out, "goal", 1)
    done = run(compare_cmd(*TINY, "--out", str(out), "--workers", "2"))
    assert done.returncode == 1, done.stderr  # one run failed, the others finished
    with (out / "summary.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["design"], r["seed"], r["status"]) for r in rows] == [
        ("step_cost", "0", "done"), ("step_cost", "1", "done"), ("goal", "0", "done"), ("goal", "1", "failed")]
    for column in ("timesteps", "wall_seconds", "metric", "metric_value", "return_mean", "return/step_cost",
                   "return/goal", "error"):
        assert column in rows[0]
    assert rows[0]["metric"] == "return/step_cost" and int(rows[0]["timesteps"]) >= 1024
    assert "step_512/model.zip is not a readable SB3 model file" in rows[3]["error"]
    assert (out / "runs" / "goal__seed1" / "checkpoints" / "step_512" / "model.zip").read_bytes() == b"not a zip"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metric"] == "return/step_cost" and summary["settings"]["designs"] == ["step_cost", "goal"]
    assert summary["by_design"]["step_cost"]["runs_done"] == 2 and summary["by_design"]["goal"]["runs_failed"] == 1
    assert len(summary["learning_curves"]["designs"]["step_cost"]["mean"]) == report.CURVE_POINTS
    for name in ("learning_curves.png", "final_metric.png"):
        check_png(out / name)
    assert "failed" in done.stderr and "plots:" in done.stdout and "step_cost" in done.stdout


@pytest.mark.slow
def test_resume_after_interruption_skips_finished_runs_and_continues_the_others(tmp_path):
    out = tmp_path / "cmp"
    args = ["--env", "RLEnvs/CartPole-v0", "--designs", "alive,failure", "--seeds", "1", "--total-timesteps", "12000",
            "--eval-episodes", "2", "--workers", "1", "--out", str(out)]
    # Started with SIGINT ignored and blocked, as a parent may leave it (a background job, or a
    # test process after some earlier test: this test twice saw the comparison run to its end):
    # the command still stops on SIGINT.
    def ignore_and_block_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    proc = subprocess.Popen(compare_cmd(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ignore_and_block_sigint)
    first, second = out / "runs" / "alive__seed0", out / "runs" / "failure__seed0"
    deadline = time.time() + 300
    while not (second / "checkpoints" / "latest.json").exists():
        assert proc.poll() is None and time.time() < deadline, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (stdout, stderr)
    assert "run the same command again to resume" in stderr
    finished_first = (first / "result.json").read_text()
    assert not (second / "result.json").exists()
    interrupted_at = json.loads((second / "checkpoints" / "latest.json").read_text())["step"]

    done = run(compare_cmd(*args))
    assert done.returncode == 0, done.stderr
    assert (first / "result.json").read_text() == finished_first  # skipped, not retrained
    resumed = json.loads((second / "result.json").read_text())
    assert resumed["resumed_from"] is not None and resumed["resumed_from"] >= interrupted_at > 0
    assert resumed["timesteps"] >= 12000
    steps = [json.loads(line)["step"] for line in (second / "episodes.jsonl").read_text().splitlines()]
    assert steps == sorted(steps)  # no episode logged twice across the interruption
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["status"] for r in rows] == ["done", "done"]


def test_ray_backend_on_a_local_instance(tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "ray"
    done = run(compare_cmd("--env", "RLEnvs/GridWorld-v0", "--designs", "step_cost,goal", "--seeds", "1",
                           "--total-timesteps", "1024", "--eval-episodes", "2", "--workers", "2", "--backend", "ray",
                           "--out", str(out)))
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["backend"] == "ray"
    assert [(r["design"], r["status"]) for r in summary["runs"]] == [("step_cost", "done"), ("goal", "done")]
    check_png(out / "final_metric.png")


def test_one_seed_has_no_interval_in_the_table():
    from rich.console import Console

    results = [{"design": d, "seed": 0, "status": "done", "metric_value": v, "design_returns": {}, "wall_seconds": 1.0}
               for d, v in (("alive", 10.0), ("failure", 20.0))]
    console = Console(record=True, width=200)
    console.print(report.terminal_table(report.by_design(results, ["alive", "failure"]), ["alive", "failure"],
                                        "return/alive", "one seed"))
    text = console.export_text()
    assert "10 +- n/a" in text and "+- 0" not in text


def test_each_run_gets_its_share_of_the_threads_its_caller_allows(monkeypatch):
    from baselines.compare.spec import runs

    args = validate(CompareArgs(env="RLEnvs/GridWorld-v0", designs=["step_cost", "goal"], seeds=1, workers=1))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert {spec.torch_threads for spec in runs(args, Path("out"))} == {4}
    # A caller that set OMP_NUM_THREADS (a test worker, a batch job's share) caps every run to it:
    # threads beyond the free cores spin in OpenMP's barriers and slow the whole machine.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert {spec.torch_threads for spec in runs(args, Path("out"))} == {1}
    two = validate(CompareArgs(env="RLEnvs/GridWorld-v0", designs=["step_cost", "goal"], seeds=1, workers=2))
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    assert {spec.torch_threads for spec in runs(two, Path("out"))} == {2}
