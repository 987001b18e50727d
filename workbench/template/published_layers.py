"""Layers AWS publishes, stood in for offline: Powertools for AWS Lambda (Python).

A function may name a layer by an ARN that cannot be downloaded here (GetLayerVersion
needs AWS). Powertools' public layer is a pip install from PyPI: its build runs
`pip install -t python "aws-lambda-powertools[all]==V"` and then deletes boto3, botocore
and their dependencies, which the runtime has (aws-powertools/powertools-lambda-python,
`layer_v3/docker/Dockerfile`). The workbench builds the same from PyPI:

- named by ARN (`...:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:18`),
  the newest release of that major version: a layer's version number does not say which
  release it holds. V3 layers are built for the Python their name gives, as on AWS;
  V1 has no extras, as its layer had none.
- named by Powertools' public SSM parameter (`{{resolve:ssm:/aws/service/powertools/
  python/x86_64/python3.12/3.1.0}}`, or an `AWS::SSM::Parameter::Value<String>` parameter
  with that default; the path is Powertools' documented one), that release, or the
  newest for `latest`.

Any other published layer is not emulated (the loader says so): give its content as a
local `LayerVersion`.
"""

from __future__ import annotations

import re

from workbench.config import cache_dir
from workbench.errors import WorkbenchError
from workbench.template.intrinsics import Unknown
from workbench.template.specs import SUPPORTED_RUNTIMES, LayerSpec, Published

PACKAGE = "aws-lambda-powertools"
# What the layer's build deletes because the runtime provides it (top-level names, globs).
RUNTIME_PROVIDED = ("boto*", "s3transfer*", "*dateutil*", "urllib3*", "six*", "jmespath*")
_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:"
                  r"(?P<name>AWSLambdaPowertoolsPython(?:V2(?P<arm>-Arm64)?"
                  r"|V3-python3(?P<minor>\d+)-(?P<arch>x86_64|arm64))?):\d+")
_SSM = re.compile(r"/aws/service/powertools/python/(?P<arch>x86_64|arm64)/"
                  r"python3\.(?P<minor>\d+)/(?P<version>latest|3\.\d+\.\d+)")


def stand_in(value: object, runtime: str, architecture: str) -> LayerSpec | None:
    """The layer built from PyPI for the published layer `value` names (an ARN, or an
    Unknown read from an SSM parameter), for a function on `runtime`; None if `value`
    is not a Powertools layer."""
    if isinstance(value, Unknown):
        ssm = _SSM.fullmatch(value.ssm or "")
        if ssm is None or f"python3.{ssm['minor']}" not in SUPPORTED_RUNTIMES:
            return None
        version = ssm["version"]
        pin = "<4,>=3" if version == "latest" else f"=={version}"
        # A layer name has no dots (Lambda's LayerName pattern): 3.1.0 is 3_1_0.
        name = f"AWSLambdaPowertoolsPythonV3-python3{ssm['minor']}-{ssm['arch']}"
        return _spec(f"{name}-{version.replace('.', '_')}",
                     f"{PACKAGE}[all]{pin}", f"python3.{ssm['minor']}", ssm["arch"],
                     f"the SSM parameter {value.ssm}")
    arn = _ARN.fullmatch(value) if isinstance(value, str) else None
    if arn is None:
        return None
    name = arn["name"]
    if arn["minor"] is not None:  # V3: for the Python its name gives (not run here: None)
        python = f"python3.{arn['minor']}"
        return _spec(name, f"{PACKAGE}[all]<4,>=3", python, arn["arch"], str(value)) \
            if python in SUPPORTED_RUNTIMES else None
    tag = runtime.replace(".", "")
    if name.startswith("AWSLambdaPowertoolsPythonV2"):
        return _spec(f"{name}-{tag}", f"{PACKAGE}[all]<3,>=2", runtime,
                     "arm64" if arn["arm"] else "x86_64", str(value))
    return _spec(f"{name}-{tag}", f"{PACKAGE}<2", runtime, architecture, str(value))


def pinned(published: Published) -> tuple[str, str] | None:
    """(package, release) when a stand-in's requirement pins one (an SSM parameter's)."""
    found = re.fullmatch(r"([\w-]+)(?:\[[\w,]+\])?==([\w.]+)", published.requirement)
    return (found[1], found[2]) if found else None


def _spec(logical_id: str, requirement: str, runtime: str, architecture: str,
          published: str) -> LayerSpec:
    """The stand-in's folder is a requirements file in the cache, built like any layer
    with `BuildMethod: python3.x` (rewritten only when it changes)."""
    folder = cache_dir() / "published-layers" / logical_id
    requirements = folder / "requirements.txt"
    text = requirement + "\n"
    try:
        if not requirements.is_file() or requirements.read_text() != text:
            folder.mkdir(parents=True, exist_ok=True)
            requirements.write_text(text)
    except OSError as error:
        raise WorkbenchError(f"cannot write the stand-in for the layer {published} in "
                             f"{folder}: {error.strerror or error}") from None
    return LayerSpec(logical_id=logical_id, content_uri=folder, build_method=runtime,
                     compatible_runtimes=(runtime,), compatible_architectures=(architecture,),
                     published=Published(published, requirement))
