"""`.aws-sam/build/template.yaml`: the template with each built resource pointing at its
build folder, as `sam build` writes it, so `sam deploy`, `sam local` and the workbench take
it unchanged. Resources not built keep their paths, made relative to the build folder.

This rewrites two properties of the YAML document and passes everything else through
(cfn-flip keeps CloudFormation's tags); the typed specs are read by `workbench.template`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cfn_tools import dump_yaml, load_yaml

PATH_PROPERTIES = {"AWS::Serverless::Function": "CodeUri",
                   "AWS::Serverless::LayerVersion": "ContentUri"}


def write(source: Path, build_dir: Path, built: set[str]) -> Path:
    document: Any = load_yaml(source.read_text(encoding="utf-8"))
    resources = document.get("Resources") or {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):  # (sandbox, #13) Fn::ForEach::<Name>: [...]
            continue
        prop = PATH_PROPERTIES.get(str(resource.get("Type")))
        if prop is None:
            continue
        properties = resource.setdefault("Properties", {}) or {}
        resource["Properties"] = properties
        if logical_id in built:
            properties[prop] = logical_id
        elif isinstance(properties.get(prop), str):
            properties[prop] = _relative(properties[prop], source, build_dir)
    function_globals = (document.get("Globals") or {}).get("Function") or {}
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = _relative(function_globals["CodeUri"], source, build_dir)
    out = build_dir / "template.yaml"
    partial = out.with_name("template.yaml.partial")
    partial.write_text(dump_yaml(document), encoding="utf-8")
    partial.replace(out)
    return out


def _relative(raw: str, source: Path, build_dir: Path) -> str:
    if "://" in raw:  # s3://bucket/key stays as it is
        return raw
    return os.path.relpath((source.parent / raw).resolve(), build_dir.resolve())
