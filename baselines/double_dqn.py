"""SB3's DQN with the Double DQN target as an option (SB3 has only the vanilla target).

Double DQN (van Hasselt et al. 2016): the online network chooses a* = argmax_a Q(s', a; theta),
the target network evaluates it, y = r + gamma Q(s', a*; theta-), which curbs the max operator's
over-estimation. Everything else is SB3's DQN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch as th
import torch.nn.functional as F
from stable_baselines3 import DQN as SB3DQN


class DQN(SB3DQN):
    """``stable_baselines3.DQN`` plus ``double_dqn`` (default False: SB3's own behaviour)."""

    def __init__(self, *args: Any, double_dqn: bool = False, **kwargs: Any) -> None:
        self.double_dqn = bool(double_dqn)
        super().__init__(*args, **kwargs)

    def train(self, gradient_steps: int, batch_size: int = 100) -> None:
        if not self.double_dqn:
            return super().train(gradient_steps, batch_size)
        # SB3's DQN.train with the Double DQN target; the rest (Huber loss, clipping) unchanged.
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)
        losses = []
        for _ in range(gradient_steps):
            data = self.replay_buffer.sample(batch_size, env=self._vec_normalize_env)
            discounts = data.discounts if data.discounts is not None else self.gamma
            # One forward pass of the online network over s and s' (cheaper than two on a CPU);
            # only the s half takes part in the gradient.
            n = data.observations.shape[0]
            online = self.q_net(th.cat([data.observations, data.next_observations]))
            with th.no_grad():
                best_next = online[n:].argmax(dim=1, keepdim=True)
                next_q = th.gather(self.q_net_target(data.next_observations), dim=1, index=best_next)
                target = data.rewards + (1 - data.dones) * discounts * next_q
            current = th.gather(online[:n], dim=1, index=data.actions.long())
            loss = F.smooth_l1_loss(current, target)
            losses.append(loss.item())
            self.policy.optimizer.zero_grad()
            loss.backward()
            th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
            self.policy.optimizer.step()
        self._n_updates += gradient_steps
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", np.mean(losses))
