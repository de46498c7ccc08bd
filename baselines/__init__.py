"""Baseline agents for rl-envs: exact and tabular solvers now; DQN and PPO (SB3) trainers."""
