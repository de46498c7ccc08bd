"""The planner on several cores: ``rl-envs mario-search --workers N`` against one process, in the same run.

Both searches run the same stage with the same options; the script prints each one's wall time,
emulator frames (expansions, children rebuilt in the other workers, replays) and expansions per
second, the speed-up (target >= 1.7x with 2 workers on 2 cores), and whether both found the same
demonstration (they must: the workers' expansions are merged in the one-process order) and
whether it is the shipped one.

Run: ``.venv/bin/python scripts/bench_search.py [--stage 1-1] [--actions simple] [--workers 2]
[--max-expansions N]`` (default: search to the flag, as the shipped demonstration was: about
2-3 minutes on one core for 1-1).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rl_envs.mario.search import search  # noqa: E402
from rl_envs.mario.states import DEMOS, load  # noqa: E402
from scripts.generated_blocks import replace_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "results" / "benchmarks" / "search_workers.json"
PAGE = ROOT / "docs" / "benchmarks.md"
SPEEDUP_TARGET = 1.7


def summary_text(result: dict) -> str:
    """The benchmarks page's paragraph, from the results file."""
    one, many = result["runs"]["1"], result["runs"][str(result["workers"])]
    verdict = "met" if result["speedup"] >= SPEEDUP_TARGET else "missed"
    return (f"`scripts/bench_search.py` (`rl-envs mario-search --stage {result['stage']} --actions {result['actions']}`, "
            f"to the flag, on the {result['cpus']}-core machine{', ' + result['note'] if result.get('note') else ''}): "
            f"one process {one['seconds']:.0f} s ({one['expansions']:,} expansions, {one['frames_per_second']:,.0f} "
            f"emulator frames/s), {result['workers']} workers {many['seconds']:.0f} s "
            f"({many['frames_per_second']:,.0f} frames/s, the rebuilt children included): "
            f"**{result['speedup']:.2f}x** (target >= {SPEEDUP_TARGET}x: {verdict}); the same demonstration: "
            f"{'yes' if result['same_demonstration'] else 'no'}; the shipped one: {result['shipped']}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="1-1")
    parser.add_argument("--actions", default="simple", help="the action design searched (the shipped demos': simple)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-expansions", type=int, default=None, help="stop there (default: at the flag)")
    parser.add_argument("--max-minutes", type=float, default=10.0)
    parser.add_argument("--note", default="", help="what else ran on the machine, for the page (default: nothing)")
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error(f"--workers must be >= 2 (it is compared with one process), got {args.workers}")
    demos = {}
    for workers in (1, args.workers):
        start = time.perf_counter()
        demos[workers] = search(args.stage, actions=args.actions, workers=workers, max_minutes=args.max_minutes,
                                max_expansions=args.max_expansions, progress=None)
        seconds = time.perf_counter() - start
        meta = demos[workers].meta
        demos[workers].meta["wall"] = seconds
        print(f"workers {workers}: {seconds:6.1f} s  flag {meta['flag']}  {meta['expansions']:,} expansions "
              f"({meta['expansions'] / seconds:,.0f}/s)  {meta['emulator_frames']:,} emulator frames "
              f"({meta['emulator_frames'] / seconds:,.0f}/s)  demonstration {meta['frames']:,} frames", flush=True)
    one, many = demos[1], demos[args.workers]
    speedup = one.meta["wall"] / many.meta["wall"]
    print(f"speed-up with {args.workers} workers: {speedup:.2f}x (target >= {SPEEDUP_TARGET}x on 2 cores: "
          f"{'met' if speedup >= SPEEDUP_TARGET else 'not met'})")
    print(f"same demonstration: {one.frames == many.frames}")
    shipped = DEMOS / f"{args.stage}.json"
    same_as_shipped = "no shipped demonstration of the stage" if not shipped.exists() else \
        "not compared (the search stopped before the flag)" if not one.meta["flag"] else (
        "the same frames" if load(shipped).frames == one.frames else "different frames")
    print(f"the shipped {shipped.name}: {same_as_shipped}")
    if args.max_expansions is None and one.meta["flag"]:  # the page reports searches to the flag only
        result = {"stage": args.stage, "actions": args.actions, "workers": args.workers, "cpus": os.cpu_count(),
                  "note": args.note, "speedup": round(speedup, 3), "same_demonstration": one.frames == many.frames,
                  "shipped": same_as_shipped,
                  "runs": {str(w): {"seconds": round(d.meta["wall"], 1), "expansions": d.meta["expansions"],
                                    "emulator_frames": d.meta["emulator_frames"],
                                    "frames_per_second": round(d.meta["emulator_frames"] / d.meta["wall"], 1)}
                           for w, d in demos.items()}}
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(result, indent=2) + "\n")
        replace_block(PAGE, "search-workers", summary_text(result))
        print(f"wrote {RESULT} and the paragraph of {PAGE}")
    return 0 if one.frames == many.frames else 1


if __name__ == "__main__":
    sys.exit(main())
