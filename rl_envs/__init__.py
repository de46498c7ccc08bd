"""rl-envs: the classic examples of introductory deep-RL lectures as Gymnasium environments.

Importing this package registers every environment under the ``RLEnvs/`` namespace:

>>> import gymnasium as gym, rl_envs
>>> env = gym.make("RLEnvs/GridWorld-v0")
>>> rl_envs.env_ids()[:3]
['RLEnvs/GridWorld-v0', 'RLEnvs/CheeseMaze-v0', 'RLEnvs/CambridgePub-v0']
"""

from rl_envs.registry import env_ids, register_all

__version__ = "0.1.0"
__all__ = ["env_ids", "register_all", "__version__"]

register_all()
