"""pip, run for Lambda's platform rather than this machine's.

`pip install --target` with `--platform` for every manylinux tag the runtime's glibc
loads, `--implementation cp --python-version X.Y --abi cpXY --only-binary :all:`, as
`sam build` does without a container. The user's pip configuration (index URLs, find-links,
constraints, certificates) applies, as it does for `sam build`. A requirement with no wheel
for the platform is built from its sdist by the runtime's own interpreter
(`workbench.build.sdist`) when it has one, then the install runs again with that wheel.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

from workbench.build.errors import BuildError
from workbench.build.platforms import Target

Say = Callable[[str], None]
# pip's own words for "nothing matched" and for a network failure.
NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
VERSIONS = re.compile(r"Could not find a version that satisfies the requirement \S+ "
                      r"\(from versions: ([^)]*)\)")
NETWORK = re.compile(r"(NewConnectionError|Failed to establish a new connection|"
                     r"Network is unreachable|Temporary failure in name resolution|"
                     r"ConnectTimeoutError|ProxyError|Could not fetch URL (\S+))")
PROGRESS = ("Collecting ", "Downloading ", "Building wheel", "Installing collected")


def platform_flags(target: Target) -> list[str]:
    flags = ["--implementation", "cp", "--python-version", target.python_version,
             "--abi", target.abi, "--only-binary", ":all:"]
    for platform in target.platforms:
        flags += ["--platform", platform]
    return flags


def install(requirements: Path, target: Target, dest: Path, *, find_links: list[Path],
            compile_pyc: bool, say: Say, uploaded_prior_to: str | None = None) -> None:
    """Install `requirements` into `dest` for `target`, building sdist-only requirements
    into wheels (kept in find_links[0]) as needed; with `uploaded_prior_to` (ISO 8601),
    only what the index had then."""
    from workbench.build import sdist

    tried: set[str] = set()
    while True:
        command = [sys.executable, "-m", "pip", "install", "--target", str(dest),
                   "--upgrade", "--no-input", "--progress-bar", "off",
                   *platform_flags(target), *_find_links(find_links), "-r", str(requirements)]
        if not compile_pyc:
            command.append("--no-compile")
        if uploaded_prior_to is not None:  # the caller checked `knows` it
            command += ["--uploaded-prior-to", uploaded_prior_to]
        output, code = _run(command, say)
        if code == 0:
            return
        missing = NO_MATCH.search(output)
        if missing is None or missing.group(1) in tried or NETWORK.search(output):
            raise failure(output, requirements, target)
        requirement = missing.group(1)
        tried.add(requirement)
        if not sdist.build_wheel(requirement, target, find_links[0], say):
            versions = _versions(output)
            # No version at all (of a wheel that fits, or of an sdist): most often a typo.
            hint = "check its name: pip found no version of it that fits" \
                if versions == "none" else "pin a version that has one"
            raise BuildError(f"{requirements}: {requirement} has no wheel for "
                             f"{target.describe()} and no sdist to build one from "
                             f"(tags tried: {_tags(target)}; versions seen: {versions}): {hint}")


def download(requirement: str, target: Target, dest: Path, say: Say) -> Path:
    """One wheel (no dependencies) for `target` into `dest`; its path."""
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.glob("*.whl"))
    output, code = _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-input",
                         "--progress-bar", "off", "--dest", str(dest),
                         *platform_flags(target), requirement], say)
    if code != 0:
        raise failure(output, None, target, what=requirement)
    name = re.sub(r"[-_.]+", "_", re.split(r"[<>=!~ ;\[]", requirement)[0]).lower()
    found = sorted((set(dest.glob("*.whl")) - before) or
                   {w for w in dest.glob("*.whl") if w.name.lower().startswith(name + "-")})
    if not found:
        raise BuildError(f"pip downloaded no wheel for {requirement} ({target.describe()})")
    return found[-1]


def _find_links(folders: list[Path]) -> list[str]:
    flags = []
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        flags += ["--find-links", str(folder)]
    return flags


@functools.cache
def knows(option: str) -> bool:
    """Whether this pip has `option` for `pip install`."""
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--help"],
                          capture_output=True, text=True)
    return option in done.stdout


def upload_time(name: str, version: str) -> str | None:
    """When PyPI received `name` `version` (ISO 8601): the earliest `upload-time` of its
    files in the simple API's JSON form (PEP 691, PEP 700; what pip's
    --uploaded-prior-to reads); None when that cannot be read (offline, another index)."""
    request = urllib.request.Request(f"https://pypi.org/simple/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (fixed https)
            files = json.load(answer).get("files") or []
    except (OSError, ValueError, AttributeError):
        return None
    stem = re.compile(rf"{re.sub(r'[-_.]+', '[-_.]', name)}-{re.escape(version)}(-|\.tar|\.zip)",
                      re.IGNORECASE)
    times = sorted(f["upload-time"] for f in files if isinstance(f, dict)
                   and stem.match(str(f.get("filename", "")))
                   and isinstance(f.get("upload-time"), str))
    return times[0] if times else None


def _run(command: list[str], say: Say) -> tuple[str, int]:
    """Run pip, relaying its progress lines; its whole output for the error messages."""
    lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace") as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith(PROGRESS):
                say("    " + line.strip())
    return "".join(lines), process.returncode


def failure(output: str, requirements: Path | None, target: Target,
             what: str | None = None) -> BuildError:
    where = f"{requirements}: " if requirements else ""
    network = NETWORK.search(output)
    if network:
        url = network.group(2) or _index_url(output)
        return BuildError(f"{where}the package index is unreachable ({url or network.group(1)}):"
                          " check the network, or the index-url of your pip configuration")
    missing = NO_MATCH.search(output)
    if missing:
        return BuildError(f"{where}{missing.group(1)} has no wheel for {target.describe()} "
                          f"(tags tried: {_tags(target)}; versions seen: {_versions(output)})")
    errors = [line.strip() for line in output.splitlines() if line.startswith("ERROR:")]
    reason = errors[0].removeprefix("ERROR:").strip() if errors else \
        (output.strip().splitlines() or ["pip failed"])[-1]
    return BuildError(f"{where}pip could not install {what or 'the requirements'} for "
                      f"{target.describe()}: {reason}")


def _index_url(output: str) -> str | None:
    found = re.search(r"(https?://[^\s'\"]+)", output)
    return found.group(1) if found else None


def _versions(output: str, shown: int = 8) -> str:
    """The versions pip saw, the newest `shown` of them (pip lists them oldest first: a
    project with hundreds of releases would bury the message)."""
    found = VERSIONS.search(output)
    seen = [v.strip() for v in found.group(1).split(",") if v.strip()] if found else []
    if len(seen) <= shown:
        return ", ".join(seen) or "none"
    return f"{', '.join(seen[-shown:])} (and {len(seen) - shown} earlier)"


def _tags(target: Target) -> str:
    return (f"{target.abi}-{target.abi}, {target.abi}-abi3, py3-none on manylinux_2_"
            f"{target.glibc[1]}..2_5_{target.machine} with their manylinux2014/2010/1 aliases")
