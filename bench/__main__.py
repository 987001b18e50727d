"""`make bench`: run every bench/bench_*.py side by side in one run, write JSON results.

Each module's `run()` returns a dict of measurements; ratios against a baseline measured
in the same run are what targets are checked on (the machines are shared and noisy, so
no test asserts a time). Results go to bench/results/<timestamp>.json and latest.json.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    only = set(argv)
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    results: dict[str, object] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
    }
    failed = False
    for name in names:
        if only and name.removeprefix("bench_") not in only:
            continue
        print(f"==> bench {name.removeprefix('bench_')}", flush=True)
        started = time.monotonic()
        try:
            results[name.removeprefix("bench_")] = importlib.import_module(f"bench.{name}").run()
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            results[name.removeprefix("bench_")] = {"error": traceback.format_exc(limit=3)}
            failed = True
        print(f"    done in {time.monotonic() - started:.1f} s", flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.json").write_text(text)
    (out / "latest.json").write_text(text)
    print(text)
    print(f"==> written to {out / (stamp + '.json')}")
    return 1 if failed else 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
