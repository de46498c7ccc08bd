"""``pip install rl-envs`` with no extras, into a fresh virtual environment from this checkout:
the tabular and cart-pole envs work with Gymnasium and NumPy alone, and whatever needs an extra
says which one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import importlib.util, json
    import gymnasium as gym
    import rl_envs
    from rl_envs.extras import MissingExtraError

    heavy = [m for m in ("torch", "stable_baselines3", "pygame", "nes_py", "cv2", "ray")
             if importlib.util.find_spec(m) is not None]
    made = {}
    for env_id in ["RLEnvs/GridWorld-v0", "RLEnvs/CheeseMaze-v0", "RLEnvs/CambridgePub-v0", "RLEnvs/CartPole-v0",
                   "RLEnvs/CartPoleNoVelocity-v0", "RLEnvs/CartPolePixels-v0", "RLEnvs/CartPoleContinuous-v0"]:
        env = gym.make(env_id)
        obs, info = env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        made[env_id] = env.observation_space.contains(obs)
    vector = gym.make_vec("RLEnvs/CartPole-v0", num_envs=3, vectorization_mode="vector_entry_point")
    vector.reset(seed=0)
    ansi = gym.make("RLEnvs/GridWorld-v0", render_mode="ansi")
    ansi.reset(seed=0)
    errors = {}
    for name, attempt in {"mario": lambda: gym.make("RLEnvs/Mario-v0"),
                          "grid_rgb": lambda: (lambda e: (e.reset(seed=0), e.render()))(
                              gym.make("RLEnvs/GridWorld-v0", render_mode="rgb_array"))}.items():
        try:
            attempt()
            errors[name] = None
        except MissingExtraError as error:
            errors[name] = str(error)
    print(json.dumps({"heavy": heavy, "made": made, "ansi": ansi.render(), "errors": errors}))
""")


@pytest.mark.slow
def test_bare_install_makes_the_light_envs_and_names_missing_extras(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "rl_envs", "baselines"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    run = subprocess.run([python, "-c", SCRIPT], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr

    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []  # nothing heavy came with the bare package
    assert all(result["made"].values()) and len(result["made"]) == 7
    assert "A" in result["ansi"]  # the agent, drawn as text with no extra
    assert "pip install 'rl-envs[mario]'" in result["errors"]["mario"]
    assert "pip install 'rl-envs[play]'" in result["errors"]["grid_rgb"]
