"""Where the sandbox puts a function's package: Lambda's paths, or none it cannot give."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from workbench import template
from workbench.runtime import lambda_paths
from workbench.runtime.placement import place
from workbench.runtime.sandboxes import private_tmp_allowed

SANDBOX = Path(__file__).parents[2] / "functional" / "apps" / "sandbox.yaml"


@pytest.fixture(scope="module")
def spec() -> template.FunctionSpec:
    return template.load(SANDBOX).functions["Probe"]


@pytest.mark.skipif(not private_tmp_allowed(), reason="no mount namespace here (root on Linux)")
def test_the_package_and_its_layers_are_mounted_where_lambda_has_them(
        spec: template.FunctionSpec) -> None:
    placement = place(spec)
    seen = lambda_paths.inside(placement)
    assert seen is not None
    assert seen.mounts == (("/var/task", (str(spec.code_uri),)),
                           ("/opt", tuple(str(layer) for layer in spec.layers)))
    assert seen.placement.spec.code_uri == Path("/var/task")
    assert seen.placement.launch.path[:3] == (
        "/var/task", "/opt/python/lib/python3.11/site-packages", "/opt/python")
    assert seen.placement.launch.path[3:] == placement.launch.runtime_path


def test_dev_venv_mode_and_unmountable_folders_keep_their_own_paths(
        spec: template.FunctionSpec) -> None:
    assert lambda_paths.inside(place(spec, "dev-venv")) is None
    odd = dataclasses.replace(spec, layers=(Path("/tmp/a:b"), Path("/tmp/c")))
    assert lambda_paths.inside(place(odd)) is None  # overlayfs separates folders with ':'
