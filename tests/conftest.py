"""Suite-wide guards: no process the tests started may outlive the suite."""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest


@pytest.fixture(scope="session", autouse=True)
def no_leaked_processes() -> Iterator[None]:
    yield
    leaked = [p for p in psutil.Process().children(recursive=True) if p.is_running()
              and p.status() != psutil.STATUS_ZOMBIE]
    gone, alive = psutil.wait_procs(leaked, timeout=5)
    if alive:
        names = ", ".join(f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive)
        for process in alive:
            process.kill()
        pytest.fail(f"processes left running after the suite: {names}", pytrace=False)
