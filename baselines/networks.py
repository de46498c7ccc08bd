"""Feature extractors: image encoders for SB3's CnnPolicy, chosen by the hyperparameter ``cnn``,
and :class:`Standardize` for MlpPolicy's vector observations (``normalize_obs: true``).

``nature`` is SB3's own NatureCNN (Mnih et al. 2015: 32-64-64 filters, 512 features). ``small``
is the encoder of the first DQN paper (Mnih et al. 2013: 16 8x8/4 filters, 32 4x4/2, 256
features): a third of NatureCNN's arithmetic, for training on CPUs (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor, NatureCNN
from torch import nn

from rl_envs.options import check_choice


class SmallCNN(BaseFeaturesExtractor):
    """Mnih et al. 2013's encoder; expects channel-first images (SB3 transposes channel-last ones)."""

    def __init__(self, observation_space: gym.spaces.Box, features_dim: int = 256) -> None:
        super().__init__(observation_space, features_dim)
        channels = observation_space.shape[0]
        self.cnn = nn.Sequential(
            nn.Conv2d(channels, 16, kernel_size=8, stride=4), nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=4, stride=2), nn.ReLU(),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.cnn(torch.as_tensor(observation_space.sample()[None]).float()).shape[1]
        self.linear = nn.Sequential(nn.Linear(flat, features_dim), nn.ReLU())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.linear(self.cnn(observations))


class PairCNN(SmallCNN):
    """Mario's ``state="pixels_pair"`` (the last two 240x256x3 frames, as the lecture designs it):
    the pair stacked along the channels (6 x 240 x 256, scaled to [0, 1]) into :class:`SmallCNN`.
    SB3 leaves such a 4-D space as it is (it transposes only images), so the stacking is here;
    a single frame (``markov=False``) arrives as SB3's channel-first image and goes straight in."""

    def __init__(self, observation_space: gym.spaces.Box, features_dim: int = 256) -> None:
        self.pair = len(observation_space.shape) == 4
        if self.pair:
            frames, height, width, channels = observation_space.shape
            observation_space = gym.spaces.Box(0.0, 1.0, (frames * channels, height, width), dtype="float32")
        super().__init__(observation_space, features_dim)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        if self.pair:  # (B, 2, H, W, 3) in 0..255 -> (B, 6, H, W) in [0, 1]
            batch, frames, height, width, channels = observations.shape
            observations = observations.permute(0, 1, 4, 2, 3).reshape(batch, frames * channels, height, width) / 255.0
        return super().forward(observations)


class Standardize(BaseFeaturesExtractor):
    """Flatten, then ``(obs - mean) / std`` clipped to +-``CLIP``: vector observations on very
    different scales (Mario's "ram": x positions in the thousands, flags of 0 or 1) made
    comparable for an MLP. ``mean`` and ``std`` are buffers of the network, fitted once before
    training by :func:`fit_standardizers` and frozen, so they travel in the model file (no
    statistics file beside it, nothing to pickle) and a trained policy sees the same scale forever.
    Until fitted they are 0 and 1: the identity."""

    CLIP = 10.0
    MIN_STD = 1e-6  # a feature constant in the fitting data keeps its raw offset from the mean

    def __init__(self, observation_space: gym.spaces.Box) -> None:
        size = int(np.prod(observation_space.shape))
        super().__init__(observation_space, size)
        self.flatten = nn.Flatten()
        self.register_buffer("mean", torch.zeros(size))
        self.register_buffer("std", torch.ones(size))

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return ((self.flatten(observations) - self.mean) / self.std).clamp(-self.CLIP, self.CLIP)


def fit_standardizers(policy: nn.Module, observations: np.ndarray) -> dict[str, Any]:
    """Set every :class:`Standardize` in ``policy`` (DQN's online and target networks alike) to
    the mean and standard deviation of ``observations``; returns what was fitted."""
    flat = np.asarray(observations, dtype=np.float64).reshape(len(observations), -1)
    mean, spread = flat.mean(axis=0), flat.std(axis=0)
    constant = spread < Standardize.MIN_STD
    std = np.where(constant, 1.0, spread)
    fitted = 0
    for module in policy.modules():
        if isinstance(module, Standardize):
            module.mean.copy_(torch.as_tensor(mean, dtype=module.mean.dtype))
            module.std.copy_(torch.as_tensor(std, dtype=module.std.dtype))
            fitted += 1
    if not fitted:
        raise ValueError("the policy has no Standardize extractor to fit (hyperparameter normalize_obs: true)")
    return {"observations": len(flat), "extractors": fitted, "constant_features": int(constant.sum())}


ENCODERS: dict[str, type[BaseFeaturesExtractor]] = {"nature": NatureCNN, "small": SmallCNN, "pair": PairCNN}


# What a hyperparameter file's policy_kwargs may hold: plain data only (a name for the activation,
# never a Python object spelled as a string).
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU}
POLICY_KWARGS = ("net_arch", "activation_fn", "ortho_init", "log_std_init", "share_features_extractor",
                 "lstm_hidden_size", "n_lstm_layers", "enable_critic_lstm", "shared_lstm")


def check_policy_kwargs(value: Any, source: str) -> None:
    """A ValueError naming ``source`` unless ``value`` is policy_kwargs this project builds from:
    a dict of :data:`POLICY_KWARGS`, ``net_arch`` a list of layer widths (or a dict of such lists
    per head, e.g. ``{pi: [64], vf: [64]}``), ``activation_fn`` one of :data:`ACTIVATIONS`."""
    def widths(layers: Any) -> bool:
        return isinstance(layers, list) and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in layers)

    if not isinstance(value, dict):
        raise ValueError(f"{source}: policy_kwargs must be a mapping of {', '.join(POLICY_KWARGS)}; got {value!r:.60}")
    unknown = sorted(set(value) - set(POLICY_KWARGS))
    if unknown:
        raise ValueError(f"{source}: policy_kwargs has unknown keys {unknown}; valid: {', '.join(POLICY_KWARGS)}")
    arch = value.get("net_arch", [])
    if not (widths(arch) or (isinstance(arch, dict) and all(isinstance(k, str) and widths(v) for k, v in arch.items()))):
        raise ValueError(f"{source}: policy_kwargs net_arch must be a list of layer widths (e.g. [256, 256]) or a "
                         f"dict of them per head (e.g. {{pi: [64], vf: [64]}}); got {arch!r:.60}")
    if "activation_fn" in value and value["activation_fn"] not in ACTIVATIONS:
        raise ValueError(f"{source}: policy_kwargs activation_fn must be one of {', '.join(map(repr, ACTIVATIONS))}; "
                         f"got {value['activation_fn']!r:.60}")
    for key in ("lstm_hidden_size", "n_lstm_layers"):
        if key in value and not (isinstance(value[key], int) and not isinstance(value[key], bool) and value[key] > 0):
            raise ValueError(f"{source}: policy_kwargs {key} must be a whole number >= 1; got {value[key]!r:.60}")
    for key in ("ortho_init", "share_features_extractor", "enable_critic_lstm", "shared_lstm"):
        if key in value and not isinstance(value[key], bool):
            raise ValueError(f"{source}: policy_kwargs {key} must be true or false; got {value[key]!r:.60}")
    if "log_std_init" in value and (isinstance(value["log_std_init"], bool) or
                                    not isinstance(value["log_std_init"], (int, float))):
        raise ValueError(f"{source}: policy_kwargs log_std_init must be a number; got {value['log_std_init']!r:.60}")


def policy_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` for the hyperparameters: their own (the activation's name made its
    class), plus the extractor that ``cnn`` or ``normalize_obs`` names."""
    result = dict(params.get("policy_kwargs") or {})
    if "activation_fn" in result:
        result["activation_fn"] = ACTIVATIONS[result["activation_fn"]]
    if "cnn" in params:
        result["features_extractor_class"] = ENCODERS[check_choice("cnn", params["cnn"], ENCODERS)]
    if params.get("normalize_obs"):
        result["features_extractor_class"] = Standardize
    return result
