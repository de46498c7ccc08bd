"""The DQN/PPO front end: hyperparameter files, end-to-end runs, resume after a kill, safe loading."""

import base64
import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import rl_envs
from baselines.checkpoint import CheckpointError, serialized_keys
from baselines.config import ConfigError, load_hyperparams, valid_keys

ROOT = Path(__file__).resolve().parents[1]


def train_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "baselines.train", "--no-progress-bar", *args]


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.mark.parametrize("algo", ["dqn", "ppo"])
@pytest.mark.parametrize("env_id", rl_envs.env_ids())
def test_every_env_has_hyperparameters_or_a_reason(algo, env_id):
    try:
        params = load_hyperparams(algo, env_id)
    except ConfigError as error:
        assert algo == "dqn" and env_id == "RLEnvs/CartPoleContinuous-v0" and "discrete action space" in str(error)
        return
    assert params["policy"] in ("MlpPolicy", "CnnPolicy") and float(params["n_timesteps"]) > 0
    assert set(params) <= valid_keys(algo)


def test_variants_merge_on_matching_env_kwargs():
    assert "frame_stack" not in load_hyperparams("ppo", "RLEnvs/CartPole-v0")
    assert load_hyperparams("ppo", "RLEnvs/CartPole-v0", {"markov": False})["frame_stack"] == 4
    assert load_hyperparams("ppo", "RLEnvs/Mario-v0", {"state": "dqn"})["policy"] == "CnnPolicy"
    with pytest.raises(ConfigError, match="needs a Discrete action space"):
        load_hyperparams("dqn", "RLEnvs/Mario-v0", {"actions": "multibinary"})


def test_bad_hyperparameter_files(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("RLEnvs/CartPole-v0:\n  default: {policy: MlpPolicy, n_timesteps: 10, learning_rat: 0.1}\n")
    with pytest.raises(ConfigError, match=r"unknown ppo hyperparameter\(s\) \['learning_rat'\].*valid: .*learning_rate"):
        load_hyperparams("ppo", "RLEnvs/CartPole-v0", path=bad)
    with pytest.raises(ConfigError, match="has no ppo hyperparameters for 'RLEnvs/GridWorld-v0'"):
        load_hyperparams("ppo", "RLEnvs/GridWorld-v0", path=bad)
    bad.write_text("RLEnvs/CartPole-v0: [\n")
    with pytest.raises(ConfigError, match="cannot read hyperparameter file"):
        load_hyperparams("ppo", "RLEnvs/CartPole-v0", path=bad)


def test_ppo_end_to_end_then_evaluate(tmp_path):
    run_dir = tmp_path / "ppo"
    result = run(train_cmd("--algo", "ppo", "--env", "RLEnvs/CartPole-v0", "--total-timesteps", "1024",
                           "--n-envs", "2", "--checkpoint-freq", "256", "--eval-freq", "512", "--eval-episodes", "1",
                           "--run-dir", str(run_dir)))
    assert result.returncode == 0, result.stderr
    assert "training ppo on RLEnvs/CartPole-v0" in result.stdout
    config = json.loads((run_dir / "config.json").read_text())
    assert config["hyperparams"]["n_steps"] == 32 and config["device"] == "cpu" and config["n_envs"] == 2
    assert (run_dir / "model.zip").exists() and (run_dir / "best_model.zip").exists()
    checkpoints = sorted((run_dir / "checkpoints").glob("step_*"))
    assert len(checkpoints) == 2 and all((c / "model.zip").exists() for c in checkpoints)  # the last two kept
    assert json.loads((run_dir / "checkpoints" / "latest.json").read_text()) == {"step": 1024,
                                                                                 "dir": "checkpoints/step_1024"}
    events = list((run_dir / "tb").glob("events.out.tfevents.*"))
    assert events and b"charts/SPS" in events[0].read_bytes() and b"losses/value_loss" in events[0].read_bytes()
    result = run([sys.executable, "-m", "baselines.evaluate", str(run_dir), "--episodes", "3", "--video"])
    assert result.returncode == 0, result.stderr
    assert re.search(r"agent: 100%.*3/3.*return=", result.stderr)  # the bar over episodes, with running means
    assert list((run_dir / "videos").glob("*.mp4"))  # RecordVideo's first episode
    evaluation = json.loads((run_dir / "eval.json").read_text())
    assert {"env", "algo", "env_kwargs", "model", "episodes", "return_mean", "return_std", "returns", "length_mean",
            "lengths", "timesteps", "wall_seconds", "machine"} <= set(evaluation)
    assert evaluation["episodes"] == len(evaluation["returns"]) == 3 and evaluation["timesteps"] >= 1024
    assert set(evaluation["design_returns"]) == {"alive", "failure"} and evaluation["deterministic"] is True
    assert evaluation["design_returns"]["alive"] == evaluation["return_mean"]
    assert b"charts/design_return/failure" in events[0].read_bytes()
    episodes = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    assert episodes and all(e["return/alive"] == e["return"] == e["length"] for e in episodes)
    progress = json.loads((run_dir / "progress.json").read_text())
    assert progress["step"] >= 1024 and progress["total"] == 1024 and progress["steps_per_second"] > 0
    assert progress["seconds_left"] == 0
    result = run([sys.executable, "-m", "baselines.evaluate", str(run_dir), "--episodes", "2", "--stochastic",
                  "--output", "eval_stochastic.json", "--no-progress-bar"])
    assert result.returncode == 0 and "stochastic return" in result.stdout, result.stderr
    assert "agent:" not in result.stderr
    assert json.loads((run_dir / "eval_stochastic.json").read_text())["deterministic"] is False
    result = run([sys.executable, "-m", "baselines.evaluate", str(run_dir), "--output", "../escape.json"])
    assert result.returncode == 2 and "--output must be a file name" in result.stderr


def test_evaluation_mode_comes_from_the_hyperparameters_unless_overridden():
    from baselines.config import eval_deterministic

    assert eval_deterministic({}) is True and eval_deterministic({"eval_deterministic": False}) is False
    assert eval_deterministic({"eval_deterministic": False}, True) is True
    assert load_hyperparams("ppo", "RLEnvs/Mario-v0", {"state": "dqn"})["eval_deterministic"] is False


def test_episode_tracker_records_designs_task_metrics_and_the_unscaled_return():
    from baselines.episodes import EpisodeTracker, mean_of

    tracker = EpisodeTracker(2, {"x_pos": ("x_pos", "max"), "flag": ("flag_get", "last")})
    step = lambda i, x, flag=False: {"x_pos": x, "flag_get": flag, "reward_designs": {"a": 1.0, "b": -i}}  # noqa: E731
    assert tracker.step([0.1, 0.1], [False, False], [step(1, 40), step(1, 40)]) == []
    ended = tracker.step([0.1, 0.1], [True, False], [{**step(2, 30, True), "episode": {"r": 7.0}}, step(2, 50)])
    assert ended == [{"return": 7.0, "length": 2, "return/a": 2.0, "return/b": -3.0, "x_pos": 40.0, "flag": 1.0}]
    ended = tracker.step([0.5, 0.5], [True, True], [step(0, 10), step(0, 60)])
    assert ended[0]["length"] == 1 and ended[1] == {"return": 0.7, "length": 3, "return/a": 3.0, "return/b": -3.0,
                                                    "x_pos": 60.0, "flag": 0.0}
    assert mean_of([{"a": 1.0, "b": 2.0}, {"a": 3.0}]) == {"a": 2.0}
    with pytest.raises(ValueError, match="reduce must be one of"):
        EpisodeTracker(1, {"x": ("x", "mean")})


def test_dqn_end_to_end_with_frame_stack_and_buffer_size(tmp_path):
    run_dir = tmp_path / "dqn"
    result = run(train_cmd("--algo", "dqn", "--env", "RLEnvs/CartPoleNoVelocity-v0", "--total-timesteps", "600",
                           "--set", "learning_starts=100", "--set", "train_freq=50", "--set", "gradient_steps=5",
                           "--eval-freq", "0", "--save-replay-buffer", "--checkpoint-freq", "300",
                           "--run-dir", str(run_dir)))
    assert result.returncode == 0, result.stderr
    assert "replay buffer: 100,000 transitions" in result.stdout
    latest = json.loads((run_dir / "checkpoints" / "latest.json").read_text())
    checkpoint = run_dir / latest["dir"]
    assert json.loads((checkpoint / "checkpoint.json").read_text())["replay_buffer"] is True
    assert (checkpoint / "replay_buffer.npz").exists() and (checkpoint / "replay_buffer.json").exists()
    result = run([sys.executable, "-m", "baselines.evaluate", str(run_dir), "--episodes", "2"])
    assert result.returncode == 0, result.stderr


def test_resume_after_a_kill_continues_at_the_checkpoint(tmp_path):
    run_dir = tmp_path / "killed"
    process = subprocess.Popen(train_cmd("--algo", "ppo", "--env", "RLEnvs/CartPole-v0", "--total-timesteps", "200000",
                                         "--checkpoint-freq", "1024", "--eval-freq", "0", "--run-dir", str(run_dir)),
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latest = run_dir / "checkpoints" / "latest.json"
    deadline = time.time() + 300
    while time.time() < deadline and not (latest.exists() and json.loads(latest.read_text())["step"] >= 2048):
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    step = json.loads(latest.read_text())["step"]
    assert step >= 2048 and not (run_dir / "model.zip").exists()
    result = run(train_cmd("--resume", str(run_dir), "--total-timesteps", str(step + 512)))
    assert result.returncode == 0, result.stderr
    assert f"resuming {run_dir} at step {step:,} of {step + 512:,}" in result.stdout
    state = json.loads((run_dir / "state.json").read_text())
    assert step + 512 <= state["timesteps"] < step + 512 + 256  # one PPO rollout (8 envs x 32) of slack


def test_bad_input_is_refused_before_anything_is_written(tmp_path):
    cases = [
        (["--algo", "trpo"], "algo must be one of 'dqn', 'ppo', 'a2c', 'sac', 'ppo_lstm'"),
        (["--env", "RLEnvs/Nope-v0"], "unknown env 'RLEnvs/Nope-v0'; registered: RLEnvs/GridWorld-v0"),
        (["--env-kwarg", "slip=2", "--env", "RLEnvs/GridWorld-v0"], r"slip must be in \[0, 1\], got 2"),
        (["--set", "learning_rat=0.1"], r"unknown ppo hyperparameter\(s\) \['learning_rat'\] in --set"),
        (["--algo", "dqn", "--env", "RLEnvs/CartPoleContinuous-v0"], "DQN needs a discrete action space"),
        (["--device", "tpu"], "device must be one of 'auto', 'cpu', 'cuda'"),
        (["--env", "RLEnvs/CartPolePixels-v0", "--set", "cnn=big"], "cnn must be one of 'nature', 'small', 'pair'; got 'big'"),
        (["--total-timesteps", "-1"], r"total_timesteps must be in \[0, inf\)"),
    ]
    for args, message in cases:
        run_dir = tmp_path / "never"
        result = run(train_cmd(*args, "--run-dir", str(run_dir)))
        assert result.returncode == 2 and re.search(message, result.stderr), (args, result.stderr)
        assert not run_dir.exists()


def test_existing_run_dir_and_corrupt_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    assert run(train_cmd("--total-timesteps", "256", "--n-envs", "2", "--checkpoint-freq", "128", "--eval-freq", "0",
                         "--run-dir", str(run_dir))).returncode == 0
    config_before = (run_dir / "config.json").read_bytes()
    result = run(train_cmd("--run-dir", str(run_dir)))
    assert result.returncode == 2 and "already holds a run; use --resume" in result.stderr
    latest = json.loads((run_dir / "checkpoints" / "latest.json").read_text())
    checkpoint = run_dir / latest["dir"] / "model.zip"
    checkpoint.write_bytes(b"not a zip")
    result = run(train_cmd("--resume", str(run_dir), "--total-timesteps", "1000"))
    assert result.returncode == 2 and "is not a readable SB3 model file" in result.stderr
    assert (run_dir / "config.json").read_bytes() == config_before and checkpoint.read_bytes() == b"not a zip"
    result = run([sys.executable, "-m", "baselines.evaluate", str(tmp_path / "nowhere")])
    assert result.returncode == 2 and "is not a run directory" in result.stderr


def test_loading_never_unpickles_the_file(tmp_path):
    from stable_baselines3 import PPO

    from baselines.checkpoint import safe_load
    from baselines.train import make_env

    env = make_env("RLEnvs/CartPole-v0", {})
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=64, device="cpu")
    path = tmp_path / "model.zip"
    model.save(path)
    assert "observation_space" in serialized_keys(path)
    # A model whose data holds an extra pickled object: loading it would create a file.
    marker = tmp_path / "pwned"
    payload = base64.b64encode(pickle.dumps(_Touch(str(marker)))).decode()
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "data":
                content = json.loads(data)
                content["evil"] = {":type:": "<class 'object'>", ":serialized:": payload}
                data = json.dumps(content).encode()
            dst.writestr(item, data)
    with pytest.raises(CheckpointError, match=r"pickled objects \['evil'\].*refusing to run code"):
        safe_load(PPO, tampered, model, env, "cpu")
    assert not marker.exists()
    loaded = safe_load(PPO, path, model, env, "cpu")
    assert loaded.num_timesteps == model.num_timesteps


class _Touch:
    """Unpickling this creates a file: the test's stand-in for malicious code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_watch_a_trained_agent_headless(tmp_path):
    run_dir = tmp_path / "watched"
    assert run(train_cmd("--total-timesteps", "256", "--n-envs", "2", "--eval-freq", "0",
                         "--run-dir", str(run_dir))).returncode == 0
    from baselines.watch import watch

    board = watch(run_dir, fps=1000, max_frames=30)
    assert board.steps + sum(board.finished_returns) == 30  # +1 per step on the cart-pole


def test_double_dqn_target_uses_the_online_argmax_and_target_values():
    import torch as th

    from baselines.double_dqn import DQN
    from baselines.train import make_env

    env = make_env("RLEnvs/CartPole-v0", {})
    model = DQN("MlpPolicy", env, double_dqn=True, learning_starts=0, buffer_size=1000, batch_size=32,
                device="cpu", seed=0)
    model.learn(300)  # fill the buffer and train a little, so online and target networks differ
    # A target network whose two action outputs are the online network's, swapped: the Double
    # DQN target is then the online minimum, the vanilla target the online maximum.
    state = {k: v.clone() for k, v in model.q_net.state_dict().items()}
    last = [k for k in state if k.endswith("weight")][-1].rsplit(".", 1)[0]
    state[f"{last}.weight"], state[f"{last}.bias"] = state[f"{last}.weight"].flip(0), state[f"{last}.bias"].flip(0)
    model.q_net_target.load_state_dict(state)
    data = model.replay_buffer.sample(32)
    model.replay_buffer.sample = lambda *args, **kwargs: data  # train() on this very batch
    with th.no_grad():
        online_next = model.q_net(data.next_observations)
        target_next = model.q_net_target(data.next_observations)
        current = model.q_net(data.observations).gather(1, data.actions.long())
    double = target_next.gather(1, online_next.argmax(dim=1, keepdim=True))
    vanilla = target_next.max(dim=1, keepdim=True).values
    assert not th.allclose(double, vanilla)  # the two targets really differ on this batch

    def huber(next_q):
        return th.nn.functional.smooth_l1_loss(current, data.rewards + (1 - data.dones) * model.gamma * next_q).item()

    model.train(gradient_steps=1, batch_size=32)
    assert model.logger.name_to_value["train/loss"] == pytest.approx(huber(double), rel=1e-5)
    assert model.logger.name_to_value["train/loss"] != pytest.approx(huber(vanilla), rel=1e-3)


def test_reward_scale_reaches_the_learner_but_not_the_logged_return():
    import numpy as np

    from baselines.train import make_vec_env

    venv = make_vec_env("RLEnvs/CartPole-v0", {}, {"reward_scale": 0.5}, 1, seed=0, training=True)
    plain = make_vec_env("RLEnvs/CartPole-v0", {}, {"reward_scale": 0.5}, 1, seed=0)
    venv.reset(), plain.reset()
    for _ in range(200):
        _, reward, done, infos = venv.step(np.array([0]))
        _, plain_reward, *_ = plain.step(np.array([0]))
        assert reward[0] == 0.5 and plain_reward[0] == 1.0
        if done[0]:
            assert infos[0]["episode"]["r"] == infos[0]["episode"]["l"]  # SB3's Monitor saw the env's own reward
            return
    raise AssertionError("pushing left always ends an episode within 200 steps")


def test_small_cnn_is_chosen_by_the_cnn_key_and_survives_a_checkpoint(tmp_path):
    import torch
    from stable_baselines3 import PPO

    from baselines.checkpoint import safe_load
    from baselines.config import algo_kwargs
    from baselines.networks import SmallCNN
    from baselines.train import make_env

    assert load_hyperparams("ppo", "RLEnvs/Mario-v0", {"state": "dqn"})["cnn"] == "small"
    env = make_env("RLEnvs/CartPolePixels-v0", {})
    params = {"policy": "CnnPolicy", "cnn": "small", "n_steps": 64, "batch_size": 64}
    model = PPO("CnnPolicy", env, device="cpu", **algo_kwargs(params))
    encoder = model.policy.features_extractor
    assert isinstance(encoder, SmallCNN) and encoder.features_dim == 256
    nature = PPO("CnnPolicy", env, n_steps=64, batch_size=64, device="cpu")
    size = lambda m: sum(p.numel() for p in m.policy.features_extractor.parameters())  # noqa: E731
    assert size(model) < size(nature) / 2
    path = tmp_path / "small.zip"
    model.save(path)
    fresh = PPO("CnnPolicy", env, device="cpu", **algo_kwargs(params))
    loaded = safe_load(PPO, path, fresh, env, "cpu")
    for a, b in zip(loaded.policy.parameters(), model.policy.parameters(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ConfigError, match="cnn must be one of 'nature', 'small', 'pair'; got 'big'"):
        algo_kwargs({**params, "cnn": "big"})
    with pytest.raises(ConfigError, match="cnn chooses CnnPolicy's image encoder; .* policy is MlpPolicy"):
        algo_kwargs({**params, "policy": "MlpPolicy"})


def test_an_image_policy_on_the_tile_state_is_refused_naming_both(tmp_path):
    pytest.importorskip("nes_py")
    from baselines.args import TrainArgs
    from baselines.train import train

    run_dir = tmp_path / "run"
    args = TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs={"state": "tiles"},
                     overrides={"policy": "CnnPolicy"}, total_timesteps=64, run_dir=str(run_dir), progress_bar=False)
    expected = (r"policy CnnPolicy reads images .* RLEnvs/Mario-v0 with state='tiles' observes "
                r"Box\(0.0, 1.0, \(1872,\).*valid for it: MlpPolicy")
    with pytest.raises(ConfigError, match=expected):
        train(args)
    assert not (run_dir / "config.json").exists()


def test_torch_uses_one_thread_while_the_envs_step():
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback

    from baselines.callbacks import OneThreadWhileCollecting
    from baselines.train import make_vec_env

    class Probe(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.threads: set[int] = set()

        def _on_step(self) -> bool:
            self.threads.add(torch.get_num_threads())
            return True

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        probe = Probe()
        venv = make_vec_env("RLEnvs/CartPole-v0", {}, {}, 2, seed=0)
        model = PPO("MlpPolicy", venv, n_steps=32, batch_size=32, n_epochs=1, device="cpu")
        model.learn(128, callback=[OneThreadWhileCollecting(), probe])
        assert probe.threads == {1} and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_the_training_guide_names_every_hyperparameter_of_ours():
    from baselines.config import OWN_KEYS

    guide = (ROOT / "docs" / "baselines.md").read_text()
    missing = [key for key in OWN_KEYS if key != "unsupported" and f"`{key}`" not in guide]
    assert not missing, f"docs/baselines.md does not document {missing}"


@pytest.mark.parametrize("argv, message", [
    (["--set", "n_steps=0"], r"--set: n_steps must be in \[1, inf\) \(an integer\); got 0"),
    (["--set", "batch_size=0"], r"--set: batch_size must be in \[1, inf\) \(an integer\); got 0"),
    (["--set", "learning_rate=nan"], r"--set: learning_rate must be a number in \(0, inf\); got 'nan'"),
    (["--set", "learning_rate=abc"], r"--set: learning_rate must be a number in \(0, inf\); got 'abc'"),
    (["--set", "n_epochs=-1"], r"--set: n_epochs must be in \[1, inf\) \(an integer\); got -1"),
    (["--set", "gamma=2"], r"--set: gamma must be in \[0, 1\]; got 2"),
    (["--set", "frame_stack=-1"], r"--set: frame_stack must be in \[1, inf\) \(an integer\); got -1"),
    (["--set", "vec_env=bogus"], r"--set: vec_env must be one of 'dummy', 'subproc', 'local_workers', 'split'; got 'bogus'"),
    (["--set", "double_dqn=maybe", "--algo", "dqn"], r"--set: double_dqn must be true or false; got 'maybe'"),
    (["--checkpoint-freq", "0"], r"checkpoint_freq must be in \[1, inf\), got 0"),
    (["--seed", "-1"], r"seed must be in \[0, inf\), got -1"),
    (["--eval-episodes", "0"], r"eval_episodes must be in \[1, inf\), got 0"),
    (["--max-minutes", "0"], r"max_minutes must be in \(0, inf\), got 0"),
    (["--torch-threads", "0"], r"torch_threads must be in \[1, inf\), got 0"),
    (["--total-timesteps", "0"], r"--total-timesteps 0 trains nothing; it is only for --bc-demo"),
])
def test_every_hyperparameter_and_option_is_range_checked_before_anything_is_written(tmp_path, capsys, argv, message):
    from baselines.train import main

    run_dir = tmp_path / "never"
    assert main([*argv, "--run-dir", str(run_dir), "--no-progress-bar"]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not run_dir.exists()


def test_a_boolean_hyperparameter_reads_as_the_yaml_files_write_it():
    from baselines.args import TrainArgs
    from baselines.train import run_hyperparams
    from rl_envs.cli_args import parse_kwargs

    for raw, value in (("true", True), ("False", False), ("TRUE", True)):
        overrides = parse_kwargs([f"normalize_obs={raw}"], "--set")
        assert overrides == {"normalize_obs": value}
        assert run_hyperparams(TrainArgs(algo="ppo", env="RLEnvs/CartPole-v0", overrides=overrides))["normalize_obs"] is value


def test_hyperparameter_files_are_range_checked_too(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("RLEnvs/CartPole-v0:\n  default: {policy: MlpPolicy, n_timesteps: 10, gamma: 1.5}\n")
    with pytest.raises(ConfigError, match=r"bad.yml \(RLEnvs/CartPole-v0\): gamma must be in \[0, 1\]; got 1.5"):
        load_hyperparams("ppo", "RLEnvs/CartPole-v0", path=bad)


def test_evaluate_can_replace_env_options_and_records_them(tmp_path):
    from baselines.evaluate import evaluate
    from baselines.train import train
    from tests.test_run_safety import tiny_args

    run_dir = tmp_path / "run"
    train(tiny_args(run_dir, total=128))
    result = evaluate(run_dir, episodes=2, env_overrides={"obs_noise": 0.5})
    assert result["env_overrides"] == {"obs_noise": 0.5} and result["episodes"] == 2
    with pytest.raises((TypeError, ValueError), match="obs_noise"):
        evaluate(run_dir, episodes=1, env_overrides={"obs_noise": -1.0})


def test_progress_file_reports_speed_and_time_left_and_prints_without_a_bar(tmp_path, capsys):
    from baselines.callbacks import ProgressFile
    from baselines.rundir import RunDir

    progress = ProgressFile(RunDir(tmp_path), total=1000, print_every=0.0)
    progress.num_timesteps = 200  # resumed at step 200
    progress._on_training_start()
    time.sleep(0.05)
    progress.num_timesteps = 400
    progress.write()
    written = json.loads((tmp_path / "progress.json").read_text())
    assert written["step"] == 400 and written["total"] == 1000
    assert 0 < written["steps_per_second"] < 200 / 0.05 + 1  # 200 steps in at least 0.05 s
    assert abs(written["seconds_left"] - 600 / written["steps_per_second"]) <= 1
    assert re.search(r"step 400 of 1,000: [\d.]+ steps/s, \d+ min left", capsys.readouterr().out)
    silent = ProgressFile(RunDir(tmp_path), total=10)
    silent._on_training_start()
    silent.write()
    assert capsys.readouterr().out == ""


def test_torch_threads_caps_the_run_and_a_resume_may_change_it(tmp_path):
    import torch

    from baselines.train import resume_args, train
    from tests.test_run_safety import tiny_args

    before = torch.get_num_threads()
    try:
        run_dir = tmp_path / "run"
        train(tiny_args(run_dir, total=128, torch_threads=1))
        assert torch.get_num_threads() == 1
        assert json.loads((run_dir / "config.json").read_text())["args"]["torch_threads"] == 1
        assert resume_args(run_dir, 256).torch_threads == 1 and resume_args(run_dir, 256, 3).torch_threads == 3
    finally:
        torch.set_num_threads(before)


def test_per_env_options_reach_their_copies_and_a_resumed_run_keeps_them(tmp_path):
    from baselines.factories import make_vec_env
    from baselines.train import main as train_main

    venv = make_vec_env("RLEnvs/CartPole-v0", {}, {}, 3, seed=0, per_env={"reward": ["alive", "failure"]})
    assert [env.unwrapped.spec.kwargs["reward"] for env in venv.envs] == ["alive", "failure", "alive"]
    venv.reset()
    at_the_fall = [None] * 3  # pushing left ends an episode: alive pays +1 at the falling step, failure -1
    for _ in range(60):
        _, rewards, dones, _ = venv.step(np.zeros(3, dtype=int))
        for i in np.flatnonzero(dones):
            at_the_fall[i] = at_the_fall[i] if at_the_fall[i] is not None else float(rewards[i])
    assert at_the_fall == [1.0, -1.0, 1.0]
    run = tmp_path / "run"
    assert train_main(["--n-envs", "2", "--total-timesteps", "128", "--checkpoint-freq", "64", "--eval-freq", "0",
                       "--set", "n_steps=64", "--set", "batch_size=64", "--run-dir", str(run), "--no-progress-bar",
                       "--per-env", "reward=alive,failure"]) == 0
    assert json.loads((run / "config.json").read_text())["args"]["per_env"] == {"reward": ["alive", "failure"]}
    assert train_main(["--resume", str(run), "--total-timesteps", "256", "--no-progress-bar"]) == 0
    assert json.loads((run / "state.json").read_text())["timesteps"] == 256
