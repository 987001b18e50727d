"""The dashboard page in a real headless chromium: after a cold call, a throttle and
warm calls it shows the environment, each invocation with its cold flag, the throttle,
a log a click away, a latency chart and a simulation report of the working folder.
`pytest --update-fixtures` also saves the screenshot the README shows
(docs/dashboard.png)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import Chromium, find_chromium
from tests.cli import workbench
from workbench.pytest_plugin import ServerProcess, start_server, wait_for

pytestmark = pytest.mark.functional
APP = Path(__file__).parent / "dashboard_app"
PROFILES = Path(__file__).parents[2] / "fixtures" / "profiles"
SCREENSHOT = Path(__file__).parents[2] / "docs" / "dashboard.png"
WARM_CALLS = 5


@pytest.fixture
def browser() -> Iterator[Chromium]:
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium on PATH (`make test` installs Debian's when run as root)")
    running = Chromium(binary)
    yield running
    running.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    running = start_server(APP / "template.yaml", tmp_path / "serve.log", "--no-reload",
                           cwd=tmp_path)
    yield running
    running.stop()


def rows(browser: Chromium, selector: str) -> list[dict[str, Any]]:
    """Each matching table row: its data attributes and its cells' text."""
    script = f"""[...document.querySelectorAll({json.dumps(selector)})].map((row) =>
        ({{data: {{...row.dataset}}, cells: [...row.cells].map((c) => c.textContent)}}))"""
    found: list[dict[str, Any]] = browser.evaluate(script)
    return found


def test_page_shows_cold_warm_and_throttled(server: ServerProcess, browser: Chromium,
                                            tmp_path: Path, workbench_shared_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    # A real simulation report in the server's working folder, for the page to link to.
    simulated = workbench("simulate", "--arrivals", "bursty:1:20:30:90:600", "--profile",
                          str(PROFILES / "QaFunction.json"), "--seed", "1", "--report",
                          str(tmp_path / "reports" / "qa-bursty"), timeout=120)
    assert simulated.returncode == 0, simulated.stderr
    browser.open(f"{server.url}/_workbench/")
    wait_for(lambda: browser.evaluate("document.getElementById('connection').dataset.state")
             == "live", 30, "the page's event stream")
    assert [r["cells"][0] for r in rows(browser, "#functions tbody tr")] == ["Slow"]

    release = workbench_shared_path / "release"  # the function's /tmp is its own
    with httpx.Client(base_url=server.url, timeout=30) as http, ThreadPoolExecutor(1) as pool:
        cold = pool.submit(http.post, "/work", json={"wait_for": str(release)})
        try:
            wait_for(lambda: rows(browser, "#environments tr[data-state=busy]"), 20,
                     "the page to show the busy environment")
            assert http.post("/work", json={}).status_code == 500  # throttled: reserved 1
        finally:
            release.touch()
        assert cold.result().status_code == 200
        for n in range(WARM_CALLS):
            assert http.post("/work", json={"n": n}).status_code == 200

    shown = wait_for(lambda: (found := rows(browser, "tr.invocation"))
                     and len(found) == WARM_CALLS + 2 and found, 30, "every invocation shown")
    *warms, throttled, cold_row = shown  # newest arrival first
    for warm in warms:
        assert (warm["data"]["cold"], warm["data"]["throttled"], warm["data"]["status"]) == \
            ("false", "false", "200")
    assert (cold_row["data"]["cold"], cold_row["data"]["status"]) == ("true", "200")
    assert cold_row["cells"][5] == "cold" and warm["cells"][5] == ""
    assert (throttled["data"]["throttled"], throttled["data"]["status"]) == ("true", "500")
    assert throttled["cells"][6] == "throttled"
    assert all(r["cells"][2] == "POST /work" for r in shown)
    assert "1 cold, 1 throttled" in browser.evaluate("document.getElementById('totals')"
                                                     ".textContent")

    environment = wait_for(lambda: rows(browser, "#environments tr[data-state=idle]"), 30,
                           "the environment, idle again")
    assert len(environment) == 1 and environment[0]["data"]["function"] == "Slow"
    cells = environment[0]["cells"]
    assert cells[3] == "cold start" and cells[4].endswith("ms")
    assert cells[5] == str(WARM_CALLS + 1)

    browser.evaluate("document.querySelector('tr.invocation[data-cold=true]').click()")
    log = wait_for(lambda: (text := browser.evaluate(
        "document.querySelector('tr.log pre')?.textContent || ''")) and "REPORT" in text
        and text, 30, "the cold invocation's log")
    assert "START RequestId:" in log and "Init Duration:" in log and "worked on" in log

    count = """(() => { const f = document.querySelector('#charts figure[data-function=Slow]');
        return f && {cold: f.querySelectorAll('circle.cold').length,
        warm: Number(f.querySelector('path.warm')?.dataset.points || 0),
        throttle: f.querySelectorAll('line.throttle').length}; })()"""
    expected = {"cold": 1, "warm": WARM_CALLS, "throttle": 1}
    wait_for(lambda: browser.evaluate(count) == expected, 30, f"a latency chart of {expected}")

    report = wait_for(lambda: browser.evaluate(
        "document.querySelector('#reports a')?.getAttribute('href')"), 30, "the report link")
    assert report == "reports/reports/qa-bursty/report.html"
    assert "simulation" in browser.evaluate("document.getElementById('reports').textContent")

    browser.screenshot(tmp_path / "dashboard.png")
    if request.config.getoption("--update-fixtures"):
        browser.screenshot(SCREENSHOT)
