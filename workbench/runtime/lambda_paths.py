"""Lambda's paths inside the sandbox: the task root at /var/task, the layers at /opt.

On Lambda a function's package is /var/task and its layers are extracted into /opt in
the order they are listed, a later layer's file replacing an earlier one's (Lambda dg,
packaging-layers.html, "Layer paths for each Lambda runtime"). Code that opens
`/opt/bin/ffmpeg` or `/var/task/data.json`, `LAMBDA_TASK_ROOT`, tracebacks and the
debugger's remote root all name those paths. Where the sandbox has a mount namespace of
its own (Linux, root) the built folders are mounted there, read-only, and the host's /opt
is not seen; elsewhere (and in dev-venv mode) the environment sees them where they are.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from pathlib import Path
from typing import NamedTuple

from workbench.runtime.placement import Placement, python_paths
from workbench.runtime.process import ZYGOTE, Mounts
from workbench.runtime.sandboxes import private_tmp_allowed

TASK_ROOT = Path("/var/task")
OPT = Path("/opt")


class Inside(NamedTuple):
    placement: Placement  # with Lambda's paths: what the environment's variables name
    mounts: Mounts  # what the sandbox mounts to make them true


def inside(placement: Placement) -> Inside | None:
    """`placement` as its environment sees it on Lambda, or None where it cannot."""
    spec = placement.spec
    sources = [str(spec.code_uri), *(str(layer) for layer in spec.layers)]
    needed = [placement.launch.python.path, str(ZYGOTE), *placement.launch.runtime_path]
    if (placement.mode != "build" or not _mountable(len(spec.layers) > 1)
            or any(_covered(path) for path in needed)
            # overlayfs separates its folders with ':' and its options with ','
            or any(":" in source or "," in source for source in sources[1:])):
        return None
    layers = (OPT,) if spec.layers else ()
    launch = dataclasses.replace(placement.launch, path=(
        *python_paths(TASK_ROOT, layers, spec.runtime), *placement.launch.runtime_path))
    seen = dataclasses.replace(placement, launch=launch,
                               spec=dataclasses.replace(spec, code_uri=TASK_ROOT, layers=layers))
    return Inside(seen, ((str(TASK_ROOT), (str(spec.code_uri),)),
                         (str(OPT), tuple(str(layer) for layer in spec.layers))))


def _covered(path: str) -> bool:
    """Would mounting over /var/task or /opt hide `path` (the interpreter, say)?"""
    absolute = os.path.realpath(path)
    return any(absolute == str(root) or absolute.startswith(f"{root}/")
               for root in (TASK_ROOT, OPT))


@functools.cache
def _mountable(several_layers: bool) -> bool:
    """A mount namespace of its own, the two mount points (made once, as root: /var/task
    does not exist on most hosts), and overlayfs to merge several layers."""
    if sys.platform != "linux" or not private_tmp_allowed():
        return False
    try:
        for root in (TASK_ROOT, OPT):
            root.mkdir(parents=True, exist_ok=True)
        overlay = "\toverlay\n" in Path("/proc/filesystems").read_text()
    except OSError:
        return False
    return overlay or not several_layers
