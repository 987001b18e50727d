"""The deployment file `workbench localstack deploy` saves and replay reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.localstack.deploy import Deployment


def test_a_saved_deployment_loads_back(tmp_path: Path) -> None:
    done = Deployment("http://127.0.0.1:4566", "us-east-1", functions={"Ner": "ner-fn"},
                      urls={"POST /ner": "http://127.0.0.1:4566/_aws/execute-api/a/dev/ner"})
    done.save(tmp_path / "deployment.json")
    assert Deployment.load(tmp_path / "deployment.json") == done


@pytest.mark.parametrize("text", [
    "not json", "[1, 2]", '{"endpoint": "x"}', '{"endpoint": "x", "region": "y", "extra": 1}',
    '{"endpoint": "x", "region": "y", "functions": ["Ner"]}',
    '{"endpoint": "x", "region": "y", "functions": {"Ner": 3}}',
])
def test_anything_else_is_one_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deployment.json"
    path.write_text(text)
    with pytest.raises(WorkbenchError, match="not a deployment saved by"):
        Deployment.load(path)


def test_invalid_utf8_and_a_folder_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_bytes(b'{"endpoint": "\xff"}')
    with pytest.raises(WorkbenchError, match="not a deployment saved by"):
        Deployment.load(tmp_path / "bad.json")
    with pytest.raises(WorkbenchError, match="Is a directory"):
        Deployment.load(tmp_path)
