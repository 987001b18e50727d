"""Issue 12's benchmark: `workbench build` of the two handlers with an empty build cache
(pip's download cache warm), then again after a code-only change; and each handler's INIT
(importing app.py: spaCy + en_core_web_sm, MXNet + the QA model) from its slimmed build in
`python -I -S` beside the same handler from the virtualenv, in one run."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench import template
from workbench.build import BuiltFunction, build_template
from workbench.build.platforms import Target
from workbench.config import cache_dir

ROOT = Path(__file__).parents[1]
RUNS = 3
INIT = ("import sys, time, json; sys.path[:0] = json.loads(sys.argv[1]); "
        "t = time.perf_counter(); import app; print(time.perf_counter() - t)")


def _project_copy(folder: Path) -> Path:
    """template.yaml and handlers/ copied, so the code can change; the QA model linked."""
    shutil.copy(ROOT / "template.yaml", folder / "template.yaml")
    shutil.copytree(ROOT / "handlers", folder / "handlers", symlinks=True)
    return folder / "template.yaml"


def _timed_build(path: Path, names: list[str]) -> tuple[float, dict[str, BuiltFunction]]:
    started = time.perf_counter()
    result = build_template(template.load(path), names, say=lambda line: None)
    return time.perf_counter() - started, result.functions


def _init(python: str, paths: list[str], cwd: Path, isolated: bool) -> float:
    flags = ["-I", "-S"] if isolated else []
    samples = []
    for _ in range(RUNS):
        done = subprocess.run([python, *flags, "-c", INIT, __import__("json").dumps(paths)],
                              cwd=cwd, capture_output=True, text=True, check=True)
        samples.append(float(done.stdout.strip().splitlines()[-1]))
    return round(statistics.median(samples) * 1000, 1)


def run() -> dict[str, object]:
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:
        work = Path(scratch)
        cache = work / "cache"
        cache.mkdir()
        (cache / "models").symlink_to(cache_dir() / "models")  # the models, not the builds
        path = _project_copy(work)
        os.environ["WORKBENCH_CACHE"] = str(cache)
        try:
            for name in ("NerFunction", "QaFunction"):
                empty, built = _timed_build(path, [name])
                app = Path(template.load(path).functions[name].code_uri) / "app.py"
                app.write_text(app.read_text() + "\n# a code-only change\n")
                again, built = _timed_build(path, [name])
                function = built[name]
                python = str(Target(function.runtime, function.architecture)
                             .require_interpreter("the benchmark"))
                layers = [str(layer / "python") for layer in function.layers]
                source = template.load(ROOT / "template.yaml").functions[name]
                results[name] = {
                    "build_empty_cache_s": round(empty, 1),
                    "build_after_code_change_s": round(again, 2),
                    "unzipped_mb": round(function.total.unzipped / 1e6, 1),
                    "zipped_mb": round(function.total.zipped / 1e6, 1),
                    "init_from_build_ms": _init(python, [str(function.task_root), *layers],
                                                function.task_root, isolated=True),
                    "init_from_venv_ms": _init(sys.executable, [str(source.code_uri),
                                               *(str(p / "python") for p in source.layers)],
                                               source.code_uri, isolated=False),
                }
        finally:
            os.environ.pop("WORKBENCH_CACHE", None)
    return results
