"""The LocalStack tier: the real LocalStack on the host, our executor, deployed templates.

One LocalStack for the session (the plugin's `localstack` fixture); the project's
template (NER and QA reading their models from S3) and `stack.yaml` (small functions for
crashes, throttles and logs) are deployed once each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.localstack.deploy import Deployment, client

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent
REGION = "us-east-1"


@pytest.fixture(scope="session")
def handlers(localstack_deploy: Callable[[Path], Deployment]) -> Deployment:
    return localstack_deploy(ROOT / "template.yaml")


@pytest.fixture(scope="session")
def stack(localstack_deploy: Callable[[Path], Deployment]) -> Deployment:
    return localstack_deploy(HERE / "stack.yaml")


@pytest.fixture(scope="session")
def aws(localstack: str) -> Callable[[str], Any]:
    """`aws("lambda")`: a boto3 client for LocalStack, retries off."""
    return lambda service: client(service, localstack, REGION)
