"""Random streams that let a batched env equal N single envs draw for draw.

A vector env that must match ``N`` single envs seeded ``seed, seed + 1, ...`` needs one
generator per env, consumed in each env's own order. Calling N generators every step is too
slow for thousands of envs, so each env's future draws are generated ahead in blocks: a
generator's ``draw(n)`` values are the same whether asked for at once or a few at a time
(checked in the tests), so the streams stay identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from gymnasium.utils import seeding


def env_generators(seed: int | Sequence[int] | None, num_envs: int) -> list[np.random.Generator]:
    """Gymnasium-seeded generators, one per env: ``seed + i`` as SyncVectorEnv seeds its envs."""
    if seed is None:
        return [seeding.np_random(None)[0] for _ in range(num_envs)]
    if isinstance(seed, (int, np.integer)):
        return [seeding.np_random(int(seed) + i)[0] for i in range(num_envs)]
    seeds = list(seed)
    if len(seeds) != num_envs:
        raise ValueError(f"seed must be an int, None or {num_envs} seeds (one per env); got {len(seeds)} seeds")
    return [seeding.np_random(s)[0] for s in seeds]


def child_generator(generator: np.random.Generator) -> np.random.Generator:
    """An independent generator derived from ``generator``'s seed, without drawing from it."""
    return np.random.Generator(np.random.PCG64(generator.bit_generator.seed_seq.spawn(1)[0]))


class BufferedStreams:
    """Per-env draws of ``width`` values, generated ``block`` draws ahead for every env."""

    def __init__(self, generators: list[np.random.Generator], draw: Callable[[np.random.Generator, int], np.ndarray],
                 width: int, block: int = 64) -> None:
        self.generators, self.draw_fn, self.width, self.block = generators, draw, width, block
        self.buffer = np.stack([draw(g, width * block) for g in generators]).reshape(len(generators), block, width)
        self.next = np.zeros(len(generators), dtype=np.int64)

    def take(self, envs: np.ndarray) -> np.ndarray:
        """The next draw of each env in ``envs`` (an index array), shape (len(envs), width)."""
        spent = envs[self.next[envs] >= self.block]
        for i in spent:
            self.buffer[i] = self.draw_fn(self.generators[i], self.width * self.block).reshape(self.block, self.width)
            self.next[i] = 0
        values = self.buffer[envs, self.next[envs]]
        self.next[envs] += 1
        return values
