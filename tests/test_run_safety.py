"""Nothing run, nothing lost: run files never run code, locked run directories, resumes that keep
history, complete runs left alone, comparison workers that die with their parent."""

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from baselines.args import TrainArgs
from baselines.checkpoint import CheckpointError
from baselines.evaluate import evaluate
from baselines.rundir import OutsideRunError, RunDir, RunLockedError
from baselines.train import main as train_main
from baselines.train import resume_args, train

ROOT = Path(__file__).resolve().parents[1]


def tiny_args(run_dir: Path, algo: str = "ppo", total: int = 512, **extra) -> TrainArgs:
    overrides = {"n_steps": 64, "batch_size": 64, "n_epochs": 1} if algo == "ppo" else \
        {"learning_starts": 64, "train_freq": 16, "gradient_steps": 1, "buffer_size": 2000}
    values = {"algo": algo, "env": "RLEnvs/CartPole-v0", "total_timesteps": total, "n_envs": 2 if algo == "ppo" else 1,
              "checkpoint_freq": 128, "eval_freq": 0, "progress_bar": False, "run_dir": str(run_dir),
              "overrides": overrides, "save_replay_buffer": algo == "dqn", **extra}
    return TrainArgs(**values)


def snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file of a run directory (the lock file aside) and its bytes."""
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*"))
            if p.is_file() and p.name != ".lock"}


class _Touch:
    """Unpickling this creates a file: the stand-in for malicious code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture(scope="module")
def dqn_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("dqn") / "run"
    train(tiny_args(run_dir, "dqn", total=384))
    return run_dir


def copy_run(run_dir: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(run_dir, to)
    return to


# --- no code from a file -------------------------------------------------------------------------
def test_a_planted_pickle_never_runs_wherever_the_loader_is_pointed(dqn_run, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Touch(str(marker)))
    evil = tmp_path / "evil"
    evil.mkdir()
    step_dir = dqn_run / json.loads((dqn_run / "checkpoints/latest.json").read_text())["dir"]
    with np.load(step_dir / "replay_buffer.npz") as genuine:
        arrays = {name: genuine[name] for name in genuine.files}
    arrays["observations"] = np.array([_Touch(str(marker))] * 3, dtype=object)  # a pickled object array
    np.savez(evil / "objects.npz", **arrays)

    def resume(run_dir: Path) -> None:
        train(resume_args(run_dir, 1024), resume=run_dir)

    # The replay buffer replaced by a pickle, or by an .npz holding pickled objects.
    for planted in (payload, (evil / "objects.npz").read_bytes()):
        run_dir = copy_run(dqn_run, tmp_path / f"run{len(planted)}")
        step_dir = run_dir / json.loads((run_dir / "checkpoints/latest.json").read_text())["dir"]
        (step_dir / "replay_buffer.npz").write_bytes(planted)
        before = snapshot(run_dir)
        with pytest.raises(CheckpointError, match=r"replay_buffer.npz is not a readable replay buffer"):
            resume(run_dir)
        assert snapshot(run_dir) == before
    # latest.json pointing outside the run: absolute, or climbing out.
    for target in (str(evil), "../../evil", "checkpoints/../../evil"):
        run_dir = copy_run(dqn_run, tmp_path / f"out{abs(hash(target))}")
        (run_dir / "checkpoints/latest.json").write_text(json.dumps({"step": 384, "dir": target}))
        with pytest.raises(OutsideRunError, match=r"latest.json names .* outside the run directory"):
            resume(run_dir)
    # --model pointing outside the run.
    (evil / "model.zip").write_bytes(payload)
    for name in (str(evil / "model"), "../evil/model", "../../evil/model.zip"):
        with pytest.raises(OutsideRunError, match="--model names .* outside the run directory"):
            evaluate(dqn_run, episodes=1, model_name=name)
    assert not marker.exists()


# --- locks ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_second_command_on_a_held_run_directory_is_refused_and_the_first_finishes_intact(tmp_path):
    run_dir = tmp_path / "held"
    cmd = [sys.executable, "-m", "baselines.train", "--no-progress-bar", "--env", "RLEnvs/CartPole-v0",
           "--total-timesteps", "20000", "--checkpoint-freq", "2000", "--eval-freq", "0", "--run-dir", str(run_dir)]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (run_dir / "checkpoints" / "latest.json").exists():
        assert first.poll() is None and time.time() < deadline, first.communicate()
        time.sleep(0.1)
    message = rf"{run_dir} is in use by process {first.pid} \(train\); wait for it to finish or stop it"
    with pytest.raises(RunLockedError, match=message):
        train(resume_args(run_dir), resume=run_dir)
    with pytest.raises(RunLockedError, match=message):
        evaluate(run_dir, episodes=1, model_name="checkpoints/step_2000")
    second = subprocess.run([sys.executable, "-m", "baselines.train", "--resume", str(run_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 2 and f"in use by process {first.pid}" in second.stderr
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    state = json.loads((run_dir / "state.json").read_text())
    assert state["timesteps"] >= 20000
    steps = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    assert sum(r["length"] for r in steps) == state["timesteps"]  # every env step in exactly one record
    assert evaluate(run_dir, episodes=1)["timesteps"] == state["timesteps"]  # the lock went with the process


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    code = f"from baselines.rundir import RunDir; import time\nwith RunDir({str(run_dir)!r}).lock('x'):\n" \
           "    print('held', flush=True); time.sleep(60)"
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RunLockedError, match=f"in use by process {holder.pid} "):
        with RunDir(run_dir).lock("test"):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with RunDir(run_dir).lock("test"):  # the kernel released it
        with RunDir(run_dir).lock("nested"):  # and one process may nest its own
            pass


# --- resume --------------------------------------------------------------------------------------
def test_resume_of_a_complete_run_changes_nothing(tmp_path, capsys):
    run_dir = tmp_path / "done"
    train(tiny_args(run_dir))
    before = snapshot(run_dir)
    assert train_main(["--resume", str(run_dir)]) == 0
    assert f"{run_dir} is complete (512 of 512 steps); nothing to do" in capsys.readouterr().out
    assert snapshot(run_dir) == before


def test_resume_keeps_the_history_wall_time_and_unfinished_episodes(tmp_path):
    run_dir = tmp_path / "history"
    train(tiny_args(run_dir, total=512, eval_freq=256, eval_episodes=1))
    first_state = json.loads((run_dir / "state.json").read_text())
    with np.load(run_dir / "evaluations.npz") as first:
        first_steps = first["timesteps"].tolist()
    assert first_steps == [256, 512]
    # A planted evaluation better than any this run can reach: best_model.zip must stay as it is.
    np.savez(run_dir / "evaluations.npz", timesteps=np.array(first_steps), results=np.array([[1e9], [1.0]]),
             ep_lengths=np.array([[1], [1]]))
    best_before = (run_dir / "best_model.zip").read_bytes()
    train(resume_args(run_dir, 1024), resume=run_dir)
    with np.load(run_dir / "evaluations.npz") as history:
        assert history["timesteps"].tolist() == [256, 512, 768, 1024]  # appended, not restarted
        assert history["results"][0, 0] == 1e9
    assert (run_dir / "best_model.zip").read_bytes() == best_before
    state = json.loads((run_dir / "state.json").read_text())
    assert state["timesteps"] == 1024 and state["wall_seconds"] > first_state["wall_seconds"]
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == sorted(r["step"] for r in records)
    assert sum(r["length"] for r in records) == 1024  # every env step counted once, unfinished ones included
    cut = [r for r in records if r.get("unfinished")]
    assert {r["step"] for r in cut} <= {512, 1024} and len([r for r in cut if r["step"] == 512]) <= 2
    from baselines.compare.report import read_episodes

    assert len(read_episodes(run_dir)) == len(records) - len(cut)  # learning curves skip them


def test_a_run_killed_before_its_first_checkpoint_restarts_in_place(tmp_path, capsys):
    run_dir = tmp_path / "early"
    train(tiny_args(run_dir))
    for path in (run_dir / "checkpoints").iterdir():
        if path.is_dir():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink()
    (run_dir / "state.json").unlink()
    (run_dir / "model.zip").unlink()
    train(resume_args(run_dir), resume=run_dir)
    assert "has no checkpoint yet; starting it again from step 0" in capsys.readouterr().out
    assert json.loads((run_dir / "state.json").read_text())["timesteps"] == 512


# --- compare -------------------------------------------------------------------------------------
def compare_cmd(out: Path, total: int = 16000) -> list[str]:
    return [sys.executable, "-m", "baselines.compare.cli", "--env", "RLEnvs/CartPole-v0", "--designs", "alive",
            "--seeds", "1", "--total-timesteps", str(total), "--eval-episodes", "1", "--workers", "1", "--out", str(out)]


def holder_pid(run_dir: Path) -> int | None:
    try:
        return int((run_dir / ".lock").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.split(")")[-1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("whole_group", [False, True])
def test_compare_workers_die_with_a_killed_parent_and_the_rerun_trains_once(tmp_path, whole_group):
    out = tmp_path / "cmp"
    run_dir = out / "runs" / "alive__seed0"
    parent = subprocess.Popen(compare_cmd(out), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.time() + 180
    while not (run_dir / "checkpoints" / "latest.json").exists():
        assert parent.poll() is None and time.time() < deadline
        time.sleep(0.1)
    worker = holder_pid(run_dir)
    assert worker is not None and worker != parent.pid and alive(worker)
    if whole_group:
        os.killpg(parent.pid, signal.SIGKILL)
    else:
        parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    while alive(worker) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(worker), "the worker outlived its comparison"
    done = subprocess.run(compare_cmd(out), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "done" and result["resumed_from"] > 0
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    assert sum(r["length"] for r in records) == result["timesteps"]  # nothing counted twice


def test_a_second_comparison_on_the_same_output_is_refused(tmp_path, capsys):
    out = tmp_path / "cmp"
    out.mkdir()
    from baselines.compare.cli import main as compare_main

    with RunDir(out).lock("compare"):
        code = subprocess.run(compare_cmd(out, 1000), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert code.returncode == 2 and f"{out} is in use by process {os.getpid()} (compare)" in code.stderr
    (tmp_path / "file").write_text("x")
    assert compare_main(compare_cmd(tmp_path / "file", 1000)[3:]) == 2
    assert f"--out {tmp_path / 'file'} is a file, not a directory" in capsys.readouterr().err
