"""Where the runs execute: local processes (default, no Ray needed) or Ray tasks.

Both report through the same :class:`Dashboard`, which reads each run's ``progress.json``
(written by the trainer), so progress shows however far away a run executes, as long as its
directory is visible here (a shared filesystem on a multi-machine Ray cluster).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from baselines.compare.spec import RunSpec
from baselines.compare.worker import finished, run_one
from baselines.rundir import PROGRESS

POLL_SECONDS = 0.5
LOG_TAIL_LINES = 15


class Dashboard:
    """A progress bar per run (steps done of steps planned) and its state, with rich."""

    def __init__(self, specs: list[RunSpec], enabled: bool = True) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.specs = specs
        self.progress = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[state]}"), TimeElapsedColumn(), disable=not enabled)
        self.tasks = {spec.run_dir: self.progress.add_task(spec.name, total=spec.train["total_timesteps"] or None,
                                                           state="waiting") for spec in specs}

    def __enter__(self) -> Dashboard:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.refresh()
        self.progress.__exit__(*exc)

    def state(self, spec: RunSpec, state: str) -> None:
        self.progress.update(self.tasks[spec.run_dir], state=state)

    def refresh(self) -> None:
        for spec in self.specs:
            try:
                progress = json.loads((Path(spec.run_dir) / PROGRESS).read_text())
            except (OSError, ValueError):
                continue
            self.progress.update(self.tasks[spec.run_dir], completed=progress["step"], total=progress["total"])


def failure(spec: RunSpec, error: str) -> dict[str, Any]:
    return {"design": spec.design, "seed": spec.seed, "status": "failed", "run_dir": spec.run_dir, "error": error}


def log_tail(path: Path) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
    except OSError:
        return ""


def run_local(specs: list[RunSpec], workers: int, out: Path, dashboard: Dashboard) -> list[dict[str, Any]]:
    """Each run in its own Python process, ``workers`` at a time; Ctrl-C / SIGTERM stops them all
    (their checkpoints stay, so the same command resumes them). Each worker runs in a process
    group of its own and dies with this process, even when this one is killed with SIGKILL."""
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "specs").mkdir(parents=True, exist_ok=True)
    children: set[subprocess.Popen] = set()
    lock = threading.Lock()
    stopping = threading.Event()

    def execute(spec: RunSpec) -> dict[str, Any]:
        if stopping.is_set():
            return failure(spec, "not started: the comparison was interrupted")
        done = finished(Path(spec.run_dir))
        if done is not None:
            dashboard.state(spec, "[green]done")
            return {**done, "skipped": True}
        name = Path(spec.run_dir).name
        spec_path, log_path = out / "specs" / f"{name}.json", out / "logs" / f"{name}.log"
        spec_path.write_text(json.dumps(asdict(spec)))
        env = {**os.environ, "OMP_NUM_THREADS": str(spec.torch_threads)}
        dashboard.state(spec, "running")
        with log_path.open("a") as log:
            child = subprocess.Popen([sys.executable, "-m", "baselines.compare.worker", str(spec_path),
                                      str(os.getpid())], stdout=log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
            with lock:
                children.add(child)
            code = child.wait()
            with lock:
                children.discard(child)
        result = finished(Path(spec.run_dir))
        if code == 0 and result is not None:
            dashboard.state(spec, "[green]done")
            return result
        dashboard.state(spec, "[red]failed")
        return failure(spec, f"exit code {code}; last lines of {log_path}:\n{log_tail(log_path)}")

    return _drive(specs, workers, dashboard, execute, stop=lambda: _stop_children(stopping, children, lock))


def _stop_children(stopping: threading.Event, children: set, lock: threading.Lock) -> None:
    stopping.set()
    with lock:
        for child in children:
            child.terminate()
    deadline = time.monotonic() + 10
    with lock:
        for child in list(children):
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()


def _drive(specs: list[RunSpec], workers: int, dashboard: Dashboard, execute: Callable[[RunSpec], dict],
           stop: Callable[[], None]) -> list[dict[str, Any]]:
    """Run ``execute`` over the specs on a thread pool, refreshing the dashboard; stop on Ctrl-C/SIGTERM."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) if threading.current_thread() is threading.main_thread() else None
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(execute, spec) for spec in specs]
        while not all(f.done() for f in futures):
            dashboard.refresh()
            time.sleep(POLL_SECONDS)
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        stop()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_on_ray_node(spec: dict[str, Any]) -> dict[str, Any]:
    """:func:`run_one` as a Ray task, its result naming the Ray node that ran it."""
    import ray  # the 'ray' extra, only for this backend

    return {**run_one(spec), "ray_node": ray.get_runtime_context().get_node_id()}


def run_ray(specs: list[RunSpec], workers: int, address: str | None, dashboard: Dashboard) -> list[dict[str, Any]]:
    """Each run as a Ray task (one CPU each). Without ``address`` a local Ray instance with
    ``workers`` CPUs is started (and stopped at the end); with one, the cluster's CPUs decide."""
    import ray  # the 'ray' extra, only for this backend

    started_here = not ray.is_initialized()
    if started_here:
        # "local": a new instance, never a cluster that `ray start` left running on this machine
        ray.init(address=address or "local", num_cpus=None if address else workers, include_dashboard=False,
                 log_to_driver=False, logging_level="ERROR", configure_logging=True)
    task = ray.remote(num_cpus=1, max_retries=0)(run_on_ray_node)
    pending = {}
    results: dict[str, dict[str, Any]] = {}
    try:
        for spec in specs:
            done = finished(Path(spec.run_dir))
            if done is not None:
                results[spec.run_dir] = {**done, "skipped": True}
                dashboard.state(spec, "[green]done")
                continue
            pending[task.remote(asdict(spec))] = spec
            dashboard.state(spec, "submitted")
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
            dashboard.refresh()
            for ref in ready:
                spec = pending.pop(ref)
                try:
                    results[spec.run_dir] = ray.get(ref)
                    dashboard.state(spec, "[green]done")
                except Exception as error:  # noqa: BLE001  (any task failure is that run's, not the comparison's)
                    results[spec.run_dir] = failure(spec, "\n".join(str(error).splitlines()[-LOG_TAIL_LINES:]))
                    dashboard.state(spec, "[red]failed")
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if started_here:
            ray.shutdown()
    return [results[spec.run_dir] for spec in specs]
