"""Model artifacts: a local directory or an s3://bucket/key archive fetched at INIT.

Downloading a model from S3 at INIT is the Lambda pattern for models larger than the
deployment package allows. boto3 honours AWS_ENDPOINT_URL, so LocalStack can serve it.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path


def resolve(spec: str, *, scratch: Path | None = None) -> Path:
    """A local path to the model named by `spec` (a path, or s3://bucket/key archive)."""
    if not spec.startswith("s3://"):
        path = Path(spec).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"model not found: {spec}")
        return path
    bucket, _, key = spec[len("s3://"):].partition("/")
    if not bucket or not key:
        raise ValueError(f"not an s3://bucket/key address: {spec}")
    # /tmp is the only writable place on Lambda (512 MB by default).
    root = scratch or Path(os.environ.get("TMPDIR", tempfile.gettempdir()))
    target = root / "models" / bucket / key.replace("/", "_")
    if (target / ".complete").exists():
        return _single_root(target)
    import boto3  # imported here: only S3-backed models pay for it at INIT

    archive = target.with_name(target.name + ".download")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    boto3.client("s3").download_file(bucket, key, str(archive))
    size_mb = archive.stat().st_size / 1e6
    shutil.rmtree(target, ignore_errors=True)
    _extract(archive, target)
    archive.unlink()
    (target / ".complete").touch()
    # One INIT log line, so CloudWatch shows where the model came from and what it cost.
    print(f"model: {spec} ({size_mb:.1f} MB) downloaded and unpacked in "
          f"{time.perf_counter() - started:.2f} s", flush=True)
    return _single_root(target)


def _extract(archive: Path, target: Path) -> None:
    target.mkdir(parents=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                _check_member(name)
            zf.extractall(target)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            tf.extractall(target, filter="data")
    else:
        raise ValueError(f"{archive.name}: not a .zip or .tar(.gz) model archive")


def _check_member(name: str) -> None:
    if name.startswith("/") or ".." in Path(name).parts:
        raise ValueError(f"unsafe path in model archive: {name}")


def _single_root(target: Path) -> Path:
    """An archive of one top folder means that folder is the model."""
    entries = [p for p in target.iterdir() if p.name != ".complete"]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target
