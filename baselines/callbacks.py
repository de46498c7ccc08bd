"""Training callbacks the SB3 library lacks: checkpoints that a resume can trust, an episode
log for learning curves, an evaluation history that survives resumptions, a progress file for
dashboards, a wall-time budget."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.evaluation import evaluate_policy

from baselines.checkpoint import atomic_write, atomic_write_json, load_npz, save_replay_buffer
from baselines.demonstrations import Cloner
from baselines.episodes import EpisodeTracker, task_metrics
from baselines.rundir import (
    BEST_MODEL,
    CHECKPOINT_MODEL,
    EPISODES,
    EVALUATIONS,
    PROGRESS,
    REPLAY_ARRAYS,
    REPLAY_INFO,
    RunDir,
    RunFileError,
)


class AtomicCheckpoint(BaseCallback):
    """Every ``every`` env steps (at the next rollout's start) and once at the end: one checkpoint directory holding the model,
    the replay buffer if asked, and ``checkpoint.json`` (step, wall time so far, the episodes
    still running), committed by a rename before latest.json points at it (:meth:`RunDir.write_checkpoint`),
    so a kill at any moment never pairs a model with another step's buffer."""

    def __init__(self, run_dir: RunDir, algo: str, every: int, save_replay_buffer: bool, episode_log: EpisodeLog,
                 wall_seconds_before: float) -> None:
        super().__init__()
        self.algo = algo
        self.run_dir, self.every, self.save_buffer = run_dir, max(int(every), 1), save_replay_buffer
        self.episode_log, self.wall_before = episode_log, wall_seconds_before
        self.last, self.start = 0, time.time()

    def _on_training_start(self) -> None:
        self.last, self.start = self.num_timesteps, time.time()

    def _on_step(self) -> bool:
        return True

    def _on_rollout_start(self) -> None:
        # Between rollouts every step so far is stored (DQN's replay buffer gets a step's
        # transition only after the step's callback) and the model has learnt from all of them,
        # so a checkpoint holds steps 1..N exactly and a resume repeats no update and skips none.
        if self.num_timesteps - self.last >= self.every:
            self.save()

    def wall_seconds(self) -> float:
        return self.wall_before + time.time() - self.start

    def save(self) -> Path:
        self.last = self.num_timesteps
        buffer = getattr(self.model, "replay_buffer", None) if self.save_buffer else None

        def write(directory: Path) -> None:
            self.model.save(directory / CHECKPOINT_MODEL)
            if buffer is not None:
                save_replay_buffer(buffer, directory / REPLAY_ARRAYS, directory / REPLAY_INFO)

        info = {"algo": self.algo, "wall_seconds": self.wall_seconds(), "replay_buffer": buffer is not None,
                "unfinished": self.episode_log.running()}
        return self.run_dir.write_checkpoint(self.num_timesteps, write, info)


class KeepCloning(BaseCallback):
    """The demonstration's loss kept during RL: ``per_1000`` minibatches of it for every 1,000
    env steps, taken between rollouts (after the algorithm's own updates). RL then improves the
    cloned policy without forgetting what it copied: DAPG (Rajeswaran et al. 2018) keeps a
    behaviour-cloning term in the policy gradient, DQfD (Hester et al. 2018) its margin loss."""

    SCORE_EVERY_STEPS = 5_000  # env steps between logged scores
    SCORE_PAIRS = 1_024  # pairs each score is measured on

    def __init__(self, cloner: Cloner, per_1000: int) -> None:
        super().__init__()
        self.cloner, self.per_1000 = cloner, per_1000
        self.done_at = self.scored_at = 0

    def _on_training_start(self) -> None:
        self.done_at = self.scored_at = self.num_timesteps

    def _on_rollout_start(self) -> None:
        owed = (self.num_timesteps - self.done_at) * self.per_1000 // 1000
        if owed >= 1:
            self.cloner.steps(owed)
            self.done_at += owed * 1000 // self.per_1000
        if self.num_timesteps - self.scored_at >= self.SCORE_EVERY_STEPS:
            self.scored_at = self.num_timesteps
            loss, accuracy = self.cloner.score(self.SCORE_PAIRS)
            self.logger.record("losses/imitation_loss", loss)
            self.logger.record("charts/demonstration_accuracy", accuracy)

    def _on_step(self) -> bool:
        return True


class StopAfter(BaseCallback):
    """Ends training once ``seconds`` of wall time have passed (a budget; the model is then saved)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.start = 0.0

    def _on_training_start(self) -> None:
        self.start = time.time()

    def _on_step(self) -> bool:
        return time.time() - self.start < self.seconds


class EpisodeLog(BaseCallback):
    """Every finished training episode: TensorBoard ``charts/episodic_return`` and
    ``charts/episodic_length`` (CleanRL's names), ``charts/design_return/<design>``,
    ``charts/task/<metric>``, and a line in ``episodes.jsonl`` (the learning-curve data).

    A resume restarts the envs, so the episodes running at the checkpoint end there: they are
    logged once, with ``"unfinished": true`` and their partial return and length. Records written
    after the checkpoint (the work lost to the interruption) are dropped first, atomically, so the
    log never holds an episode twice, and the lengths of all records add up to the run's steps.
    """

    def __init__(self, run_dir: RunDir, env_id: str, n_envs: int, unfinished: list[dict] | None = None) -> None:
        super().__init__()
        self.path = run_dir / EPISODES
        self.tracker = EpisodeTracker(n_envs, task_metrics(env_id))
        self.unfinished = unfinished or []
        self._file: Any = None

    def running(self) -> list[dict[str, float]]:
        """The episodes in progress now, as records (for a checkpoint)."""
        return [dict(r) for r in self.tracker.running if r["length"] > 0]

    def _on_training_start(self) -> None:
        step = self.num_timesteps
        kept = []
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    record = json.loads(line)
                    later = record["step"] > step or (record["step"] == step and record.get("unfinished"))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a kill
                if not later:
                    kept.append(line)
        kept += [json.dumps({"step": step, **record, "unfinished": True}) for record in self.unfinished]
        atomic_write(self.path, lambda f: f.write("".join(line + "\n" for line in kept).encode()))
        self._file = self.path.open("a")

    def _on_step(self) -> bool:
        ended = self.tracker.step(self.locals["rewards"], self.locals["dones"], self.locals["infos"])
        for record in ended:
            self.logger.record_mean("charts/episodic_return", record["return"])
            self.logger.record_mean("charts/episodic_length", record["length"])
            for key, value in record.items():
                if key.startswith("return/"):
                    self.logger.record_mean("charts/design_return/" + key.removeprefix("return/"), value)
                elif key not in ("return", "length"):
                    self.logger.record_mean("charts/task/" + key, value)
            self._file.write(json.dumps({"step": self.num_timesteps, **record}) + "\n")
        if ended:
            self._file.flush()
        return True

    def close(self, final_step: int) -> None:
        """At the end of training: the episodes still running, logged as unfinished."""
        if self._file is None:
            return
        for record in self.running():
            self._file.write(json.dumps({"step": final_step, **record, "unfinished": True}) + "\n")
        self._file.close()
        self._file = None


class ResumableEval(BaseCallback):
    """Periodic evaluation (SB3's ``evaluate_policy``), like SB3's EvalCallback, but resumable:
    ``evaluations.npz`` keeps every evaluation of the run across resumptions (SB3's callback
    restarts it), ``best_model.zip`` is replaced only by a better mean return than any before,
    and both files are written atomically."""

    def __init__(self, eval_env: Any, run_dir: RunDir, every: int, episodes: int, deterministic: bool,
                 resumed_step: int) -> None:
        super().__init__()
        self.eval_env, self.run_dir, self.every = eval_env, run_dir, every
        self.episodes, self.deterministic = episodes, deterministic
        self.timesteps: list[int] = []
        self.results: list[list[float]] = []
        self.lengths: list[list[int]] = []
        self.best = -np.inf
        self._load(resumed_step)  # before training starts, so a bad file stops the resume early

    def _load(self, resumed_step: int) -> None:
        path = self.run_dir / EVALUATIONS
        if not path.exists():
            return
        data = load_npz(path, ["timesteps", "results", "ep_lengths"], "evaluation history")
        timesteps, results, lengths = data["timesteps"], data["results"], data["ep_lengths"]
        if any(a.dtype.kind not in "iuf" for a in (timesteps, results, lengths)):
            raise RunFileError(f"{path}: timesteps, results and ep_lengths must be numeric arrays")
        if results.ndim != 2 or timesteps.shape != results.shape[:1] or lengths.shape != results.shape:
            raise RunFileError(f"{path}: timesteps, results and ep_lengths do not match in shape")
        if len(results):
            self.best = float(results.mean(axis=1).max())  # best_model.zip may come from any of them
        keep = timesteps <= resumed_step
        self.timesteps = [int(t) for t in timesteps[keep]]
        self.results, self.lengths = results[keep].tolist(), lengths[keep].astype(int).tolist()

    def _on_step(self) -> bool:
        if self.every <= 0 or self.n_calls % self.every:
            return True
        returns, lengths = evaluate_policy(self.model, self.eval_env, n_eval_episodes=self.episodes,
                                           deterministic=self.deterministic, return_episode_rewards=True, warn=False)
        mean = float(np.mean(returns))
        self.logger.record("eval/mean_reward", mean)
        self.logger.record("eval/mean_ep_length", float(np.mean(lengths)))
        if mean > self.best:
            atomic_write(self.run_dir / BEST_MODEL, self.model.save)
            self.best = mean
        self.timesteps.append(self.num_timesteps)
        self.results.append([float(r) for r in returns])
        self.lengths.append([int(n) for n in lengths])
        atomic_write(self.run_dir / EVALUATIONS, lambda f: np.savez(f, timesteps=np.array(self.timesteps),
                                                                    results=np.array(self.results),
                                                                    ep_lengths=np.array(self.lengths)))
        return True


class ProgressFile(BaseCallback):
    """``progress.json`` with the steps done, the total, agent steps/s since this process started
    training and the time left at that speed, for a dashboard in another process; every
    ``print_every`` seconds (None: never) the same as one line on stdout, for logs of runs
    without a progress bar."""

    def __init__(self, run_dir: RunDir, total: int, every_seconds: float = 2.0,
                 print_every: float | None = None) -> None:
        super().__init__()
        self.path, self.total, self.every, self.print_every = run_dir / PROGRESS, total, every_seconds, print_every
        self._last = self._printed = self._start = 0.0
        self._first_step = 0

    def progress(self) -> dict[str, float | int]:
        elapsed = time.monotonic() - self._start
        speed = (self.num_timesteps - self._first_step) / elapsed if elapsed > 0 else 0.0
        left = max(self.total - self.num_timesteps, 0) / speed if speed > 0 else None
        return {"step": self.num_timesteps, "total": self.total, "steps_per_second": round(speed, 1),
                "seconds_left": None if left is None else round(left)}

    def write(self) -> None:
        progress = self.progress()
        atomic_write_json(self.path, progress)
        self._last = time.monotonic()
        if self.print_every is not None and self._last - self._printed >= self.print_every:
            self._printed = self._last
            left = progress["seconds_left"]
            print(f"step {progress['step']:,} of {progress['total']:,}: {progress['steps_per_second']} steps/s"
                  + ("" if left is None else f", {left / 60:.0f} min left"), flush=True)

    def _on_training_start(self) -> None:
        self._start, self._first_step = time.monotonic(), self.num_timesteps
        self._printed = self._start
        self.write()

    def _on_step(self) -> bool:
        if time.monotonic() - self._last >= self.every:
            self.write()
        return True

    def _on_training_end(self) -> None:
        self.write()


class OneThreadWhileCollecting(BaseCallback):
    """Torch on one thread while the envs step, all of them for the gradient updates.

    With subprocess envs on a small machine, torch's extra threads wake for every action
    computed and spin-wait on the cores the env processes need.
    """

    def _on_training_start(self) -> None:
        import torch

        self.threads = torch.get_num_threads()

    def _on_rollout_start(self) -> None:
        import torch

        torch.set_num_threads(1)

    def _on_rollout_end(self) -> None:
        import torch

        torch.set_num_threads(self.threads)

    def _on_step(self) -> bool:
        return True

    def _on_training_end(self) -> None:
        import torch

        torch.set_num_threads(self.threads)
