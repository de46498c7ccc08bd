"""An SB3 VecEnv for slow, CPU-bound envs: the envs in consecutive blocks, the first block
stepped in the learner's process while every other block steps in a worker process of its own
(``vec_env: split``, one block per core; ``vec_env: local_workers``, one env per block).

SubprocVecEnv leaves the learner's process idle while its workers step, and pays one round trip
per env and step; with N envs on N cores that process is a core's worth of emulation lost. Here
each block is a DummyVecEnv, so every core emulates and a step costs one round trip per worker,
whatever its number of envs, with SB3's own semantics unchanged (same-step autoreset,
``terminal_observation`` in the info, seeds ``seed + i``): the same trajectories as a
DummyVecEnv of the same envs (``tests/test_vec_env.py``). Attributes and methods go to the
block that holds each index.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv
from stable_baselines3.common.vec_env.base_vec_env import CloudpickleWrapper


def blocks(n_envs: int, processes: int) -> list[int]:
    """``n_envs`` envs in ``processes`` consecutive blocks of sizes as even as can be, the larger first."""
    processes = max(1, min(processes, n_envs))
    return [n_envs // processes + (i < n_envs % processes) for i in range(processes)]


def _serve(remote: Any, parent_remote: Any, env_fns: CloudpickleWrapper) -> None:
    """A worker: a DummyVecEnv of its block, answering ``(method, args, kwargs)`` until ``None``."""
    # Ctrl-C is the learner's to handle (it finishes the step, saves, then closes the workers)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent_remote.close()
    venv = DummyVecEnv(env_fns.var)
    remote.send((venv.observation_space, venv.action_space))
    try:
        while (message := remote.recv()) is not None:
            method, args, kwargs = message
            remote.send((getattr(venv, method)(*args, **kwargs), venv.reset_infos))
    except EOFError:  # the learner went away
        pass
    finally:
        venv.close()


class _Worker:
    """A DummyVecEnv in another process: ``send`` a method call, ``receive`` its result."""

    def __init__(self, env_fns: list[Callable[[], gym.Env]], context: Any) -> None:
        self.remote, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, self.remote, CloudpickleWrapper(env_fns)),
                                       daemon=True)  # a crashed learner leaves no worker behind
        self.process.start()
        theirs.close()
        self.observation_space, self.action_space = self.remote.recv()
        self.reset_infos: list[dict] = [{} for _ in env_fns]

    def send(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.remote.send((method, args, kwargs))

    def receive(self) -> Any:
        result, self.reset_infos = self.remote.recv()
        return result

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.send(method, *args, **kwargs)
        return self.receive()

    def close(self) -> None:
        try:
            self.remote.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


class SplitVecEnv(VecEnv):
    """``env_fns`` in ``processes`` blocks (default: one per core): the first a DummyVecEnv here,
    each other one a DummyVecEnv in a worker process."""

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], processes: int | None = None,
                 start_method: str | None = None) -> None:
        sizes = blocks(len(env_fns), processes or os.cpu_count() or 1)
        self.starts = list(np.cumsum([0, *sizes]))
        self.local = DummyVecEnv(list(env_fns[:sizes[0]]))
        # forkserver as SB3's SubprocVecEnv: fork is not safe once torch has started threads
        method = start_method or ("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        context = multiprocessing.get_context(method)
        self.workers = [_Worker(list(env_fns[a:b]), context) for a, b in zip(self.starts[1:-1], self.starts[2:])]
        super().__init__(len(env_fns), self.local.observation_space, self.local.action_space)
        if not isinstance(self.observation_space, gym.spaces.Box):
            raise TypeError(f"SplitVecEnv batches array observations; got {self.observation_space}")
        self._local_actions: np.ndarray | None = None

    def _blocks(self) -> list[Any]:
        return [self.local, *self.workers]

    def _call(self, block: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        """``method`` of one block, here or in its worker."""
        return getattr(block, method)(*args, **kwargs) if block is self.local else block.call(method, *args, **kwargs)

    def _gather(self) -> None:
        self.reset_infos = [info for block in self._blocks() for info in block.reset_infos]

    def seed(self, seed: int | None = None) -> Sequence[None | int]:
        self.local.seed(seed)
        for worker, start in zip(self.workers, self.starts[1:]):
            worker.call("seed", None if seed is None else seed + int(start))
        return [None if seed is None else seed + i for i in range(self.num_envs)]

    def set_options(self, options: list[dict] | dict | None = None) -> None:
        for i, block in enumerate(self._blocks()):
            part = options[self.starts[i]:self.starts[i + 1]] if isinstance(options, list) else options
            self._call(block, "set_options", part)

    def reset(self) -> np.ndarray:
        for worker in self.workers:  # the blocks reset at once: a reset may replay a demonstration
            worker.send("reset")
        observations = [self.local.reset(), *(worker.receive() for worker in self.workers)]
        self._gather()
        return np.concatenate(observations)

    def step_async(self, actions: np.ndarray) -> None:
        actions = np.asarray(actions)
        for worker, a, b in zip(self.workers, self.starts[1:-1], self.starts[2:]):
            worker.send("step", actions[a:b])
        self._local_actions = actions[:self.starts[1]]

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        results = [self.local.step(self._local_actions), *(worker.receive() for worker in self.workers)]
        self._gather()
        observations, rewards, dones, infos = zip(*results)
        return (np.concatenate(observations), np.concatenate(rewards), np.concatenate(dones),
                [info for block in infos for info in block])

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.local.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [image for block in self._blocks() for image in self._call(block, "get_images")]

    def _each(self, method: str, indices: None | int | Iterable[int], *args: Any, **kwargs: Any) -> list[Any]:
        """``method`` of each block holding one of ``indices``, block by block (ascending indices keep their order)."""
        wanted = range(self.num_envs) if indices is None else [indices] if isinstance(indices, int) else list(indices)
        out = []
        for i, block in enumerate(self._blocks()):
            mine = [j - int(self.starts[i]) for j in wanted if self.starts[i] <= j < self.starts[i + 1]]
            if mine:
                out += self._call(block, method, *args, indices=mine, **kwargs) or []  # set_attr returns None
        return out

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return self._each("get_attr", indices, attr_name)

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        self._each("set_attr", indices, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        return self._each("env_method", indices, method_name, *method_args, **method_kwargs)

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: Any = None) -> list[bool]:
        return self._each("env_is_wrapped", indices, wrapper_class)


def local_and_workers(env_fns: Sequence[Callable[[], gym.Env]]) -> SplitVecEnv:
    """``vec_env: local_workers``: env 0 in this process, every other env in a process of its own."""
    return SplitVecEnv(env_fns, processes=len(env_fns))
