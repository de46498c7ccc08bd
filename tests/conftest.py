import importlib.util
import os
from pathlib import Path

import pytest

# No display in CI: pygame draws into SDL's dummy driver.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# Two test workers on two cores: torch's spare threads would spin on the core the other worker
# (and the trainers the tests start) needs.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# CI replays the same examples every run (a failure there must be reproducible); local runs explore.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def load_script():
    """A script of ``scripts/`` as a module, by name (they are programs, not a package)."""
    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
