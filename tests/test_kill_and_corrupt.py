"""Kill anywhere, corrupt anything: afterwards nothing is counted twice, nothing is paired with
another step, and every unreadable file gets one clear error naming it, with no file changed."""

import json
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from baselines.checkpoint import CheckpointError
from baselines.config import ConfigError
from baselines.evaluate import evaluate
from baselines.train import resume_args, train
from tests.test_run_safety import snapshot, tiny_args

ROOT = Path(__file__).resolve().parents[1]
CLEAR = (CheckpointError, ConfigError)


def model_step(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return int(json.loads(archive.read("data"))["num_timesteps"])


def check_run(run_dir: Path, total: int, buffer_size: int | None = None) -> None:
    """The invariants of a run after any number of kills and resumes."""
    state = json.loads((run_dir / "state.json").read_text())
    assert state["timesteps"] >= total
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in records]
    assert steps == sorted(steps)
    assert sum(r["length"] for r in records) == state["timesteps"]  # no episode twice, none missing
    checkpoints = sorted((run_dir / "checkpoints").glob("step_*"))
    assert checkpoints and not list(run_dir.rglob("*.tmp"))
    for directory in checkpoints:
        step = int(directory.name.removeprefix("step_"))
        info = json.loads((directory / "checkpoint.json").read_text())
        assert info["step"] == step == model_step(directory / "model.zip")  # model and manifest agree
        if buffer_size is not None:
            buffer = json.loads((directory / "replay_buffer.json").read_text())
            assert buffer["pos"] == step % buffer_size and buffer["full"] == (step >= buffer_size)
    assert model_step(run_dir / "model.zip") == state["timesteps"]
    assert evaluate(run_dir, episodes=1)["timesteps"] == state["timesteps"]  # the final model loads


TRAIN = {
    "ppo": (["--total-timesteps", "12000", "--n-envs", "2", "--checkpoint-freq", "500", "--set", "n_steps=64",
             "--set", "batch_size=64", "--set", "n_epochs=2"], 12000, None),
    "dqn": (["--algo", "dqn", "--total-timesteps", "5000", "--checkpoint-freq", "400", "--save-replay-buffer",
             "--set", "learning_starts=200", "--set", "buffer_size=3000", "--set", "train_freq=8",
             "--set", "gradient_steps=1"], 5000, 3000),
}


@pytest.mark.slow
@pytest.mark.parametrize("algo", ["ppo", "dqn"])
def test_sigkill_at_random_moments_then_resume(tmp_path, algo):
    extra, total, buffer_size = TRAIN[algo]
    run_dir = tmp_path / algo
    base = [sys.executable, "-m", "baselines.train", "--no-progress-bar", "--eval-freq", "0"]
    rng = random.Random(algo)
    kills = 0
    for attempt in range(6):
        # A run killed before it wrote its config.json is started again with the same command.
        started = (run_dir / "config.json").exists()
        cmd = base + (["--resume", str(run_dir)] if started else extra + ["--run-dir", str(run_dir)])
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if attempt:  # the first kill may land before the config is written; the others once it is
            deadline = time.time() + 120
            while not (run_dir / "config.json").exists() and process.poll() is None and time.time() < deadline:
                time.sleep(0.05)
        time.sleep(rng.uniform(0.5, 4.0))  # some kills land before any checkpoint, some between two
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 3
    assert (run_dir / "config.json").exists()
    finish = subprocess.run(base + ["--resume", str(run_dir)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finish.returncode == 0, finish.stderr
    check_run(run_dir, total, buffer_size)


def test_ctrl_c_says_what_the_run_keeps_and_how_to_go_on(tmp_path):
    """Ctrl-C (SIGINT, with Python's own handler: a shell's background jobs start with it ignored)
    ends training with exit code 130 and one line naming the last checkpoint and the resume
    command, no traceback; the resumed run finishes with every invariant."""
    extra, total, _ = TRAIN["ppo"]
    run_dir = tmp_path / "ppo"
    base = [sys.executable, "-m", "baselines.train", "--no-progress-bar", "--eval-freq", "0"]
    process = subprocess.Popen(base + extra + ["--run-dir", str(run_dir)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while not list((run_dir / "checkpoints").glob("step_*")) and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    step = json.loads((run_dir / "checkpoints" / "latest.json").read_text())["step"]
    assert f"keeps its last checkpoint (step {step:,})" in err and f"train --resume {run_dir}" in err
    finish = subprocess.run(base + ["--resume", str(run_dir)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finish.returncode == 0, finish.stderr
    check_run(run_dir, total)


@pytest.mark.slow
def test_sigkill_a_comparison_at_random_moments_then_rerun(tmp_path):
    out = tmp_path / "cmp"
    cmd = [sys.executable, "-m", "baselines.compare.cli", "--env", "RLEnvs/CartPole-v0", "--designs", "alive,failure",
           "--seeds", "1", "--total-timesteps", "8000", "--eval-episodes", "1", "--workers", "2", "--out", str(out)]
    rng = random.Random(0)
    for attempt in range(3):
        parent = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        time.sleep(rng.uniform(4.0, 9.0))
        if parent.poll() is None:
            if attempt % 2:
                import os

                os.killpg(parent.pid, signal.SIGKILL)  # the whole group
            else:
                parent.send_signal(signal.SIGKILL)  # the parent alone
        parent.wait()
        time.sleep(1.0)  # the workers' parent-death signal
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for design in ("alive", "failure"):
        run_dir = out / "runs" / f"{design}__seed0"
        assert json.loads((run_dir / "result.json").read_text())["status"] == "done"
        check_run(run_dir, 8000)


# --- corruption matrix ----------------------------------------------------------------------------
FILES = ["config.json", "state.json", "model.zip", "checkpoints/latest.json", "checkpoints/step_384/checkpoint.json",
         "checkpoints/step_384/model.zip", "checkpoints/step_384/replay_buffer.npz",
         "checkpoints/step_384/replay_buffer.json", "evaluations.npz", "result.json"]
KINDS = ["missing", "empty", "truncated", "random", "wrong_type", "foreign"]
# What each operation reads (the cases of the matrix).
READS = {
    "evaluate": ["config.json", "model.zip", "state.json"],
    "play_agent": ["config.json", "model.zip"],
    "resume": ["config.json", "state.json", "checkpoints/latest.json", "checkpoints/step_384/checkpoint.json",
               "checkpoints/step_384/model.zip", "checkpoints/step_384/replay_buffer.npz",
               "checkpoints/step_384/replay_buffer.json", "evaluations.npz"],
    "compare_rerun": ["result.json", "config.json", "state.json", "model.zip"],
}
# Documented recoveries, where going on is right: an unfinished run has no state.json (and a
# foreign one of the same shape is indistinguishable), latest.json falls back to the newest
# complete checkpoint, an unreadable result.json means "not finished" and the run is evaluated again,
# a missing evaluation history starts empty (the run may have stopped before its first evaluation)
# and a foreign one of the same shapes is indistinguishable from the run's own.
RECOVERS = {("resume", "evaluations.npz", "missing"), ("resume", "evaluations.npz", "foreign"), ("resume", "state.json", "missing"), ("resume", "state.json", "foreign"),
            ("evaluate", "state.json", "missing"), ("evaluate", "state.json", "foreign"),
            ("compare_rerun", "state.json", "foreign"), ("compare_rerun", "state.json", "missing")} | \
    {("resume", "checkpoints/latest.json", kind) for kind in KINDS} | \
    {("compare_rerun", "result.json", kind) for kind in KINDS}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A finished DQN run (replay buffer, evaluations) with a result.json, and a PPO run beside it."""
    root = tmp_path_factory.mktemp("matrix")
    train(tiny_args(root / "dqn", "dqn", total=384, checkpoint_freq=384, eval_freq=192, eval_episodes=1))
    train(tiny_args(root / "ppo", "ppo", total=384, checkpoint_freq=384, eval_freq=192, eval_episodes=1))
    for name in ("dqn", "ppo"):
        (root / name / "result.json").write_text(json.dumps({"status": "done"}))
    return {"dqn": root / "dqn", "ppo": root / "ppo"}


def corrupt(path: Path, kind: str, foreign: Path) -> bool:
    """Damage ``path``; False when the kind does not apply (no foreign twin of that file)."""
    data = path.read_bytes()
    if kind == "missing":
        path.unlink()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "random":
        path.write_bytes(np.random.default_rng(len(data)).bytes(64))
    elif kind == "wrong_type":
        path.write_bytes(b'["a", "list", 1]' if path.suffix == ".json" else b'{"not": "a zip"}')
    elif not foreign.exists():
        return False
    else:
        path.write_bytes(foreign.read_bytes())
    return True


def operate(op: str, run_dir: Path) -> None:
    if op == "evaluate":
        evaluate(run_dir, episodes=1)
    elif op == "play_agent":
        from baselines.watch import watch

        watch(run_dir, fps=10_000, max_frames=2)
    elif op == "resume":
        train(resume_args(run_dir, 512), resume=run_dir)
    else:
        from baselines.compare.worker import run_one

        args = asdict(tiny_args(run_dir, "dqn", total=384, checkpoint_freq=384, eval_freq=192, eval_episodes=1))
        run_one({"design": "alive", "seed": 0, "train": args, "eval_episodes": 1, "torch_threads": 1})


@pytest.mark.slow
@pytest.mark.parametrize("op", list(READS))
def test_every_corrupt_run_file_gets_a_clear_error_and_nothing_changes(runs, tmp_path, op):
    outcomes = []
    for name in READS[op]:
        for kind in KINDS:
            run_dir = tmp_path / f"{name.replace('/', '_')}-{kind}"
            shutil.copytree(runs["dqn"], run_dir)
            if op == "compare_rerun" and name != "result.json":
                (run_dir / "result.json").unlink()  # killed before its result: the rerun reads the run
            if not corrupt(run_dir / name, kind, runs["ppo"] / name):
                continue
            before = snapshot(run_dir)
            try:
                operate(op, run_dir)
            except CLEAR as error:
                message = str(error)
                assert Path(name).name in message or Path(name).parent.name in message, (name, kind, message)
                assert snapshot(run_dir) == before, (name, kind, "a file changed after the error")
                outcomes.append((name, kind, "refused"))
            else:
                assert (op, name, kind) in RECOVERS, f"{op} went on with {kind} {name}"
                outcomes.append((name, kind, "recovered"))
            shutil.rmtree(run_dir)
    refused = [o for o in outcomes if o[2] == "refused"]
    assert len(refused) >= len(outcomes) // 2, outcomes
