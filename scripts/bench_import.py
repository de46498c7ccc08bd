"""How much ``import rl_envs`` adds to ``import gymnasium`` (target: under 0.3 s).

Each figure is the median of fresh interpreters (``-X importtime`` cumulative microseconds), so
it measures start-up as a user meets it. Run: ``.venv/bin/python scripts/bench_import.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

TARGET_S = 0.3


def cumulative_import_s(module: str) -> float:
    stderr = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                            capture_output=True, text=True, check=True).stderr
    for line in reversed(stderr.splitlines()):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1]) / 1e6
    raise RuntimeError(f"no importtime line for {module}")


def main(runs: int = 7) -> int:
    gymnasium = statistics.median(cumulative_import_s("gymnasium") for _ in range(runs))
    total = statistics.median(cumulative_import_s("rl_envs") for _ in range(runs))
    extra = total - gymnasium
    print(f"import gymnasium: {gymnasium:.3f} s   import rl_envs (with gymnasium): {total:.3f} s")
    print(f"rl_envs beyond gymnasium: {extra:.3f} s (target < {TARGET_S} s): {'OK' if extra < TARGET_S else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
