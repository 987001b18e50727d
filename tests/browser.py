"""Debian's chromium, headless, driven over the DevTools protocol (one websocket).

No browser is ever downloaded: the binary is the system's (`make test` installs the
Debian package when it runs as root), or the tests that need it skip. The protocol is
used directly (websockets is already a dependency of uvicorn[standard]) rather than
through Selenium, which would also need chromedriver.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from workbench.pytest_plugin import wait_for

# What chromium needs to run headless as root in a container, and to stay off the network.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--mute-audio", "--hide-scrollbars")


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    def __init__(self, binary: str, *, width: int = 1400, height: int = 1000) -> None:
        self._profile = Path(tempfile.mkdtemp(prefix="workbench-chromium-"))
        self._process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self._ids = itertools.count(1)
        try:
            self._socket = self._attach()
        except BaseException:
            self.close()
            raise

    def _attach(self) -> ClientConnection:
        # chromium writes the port it chose into the profile once DevTools listens
        active = self._profile / "DevToolsActivePort"

        def port() -> str | None:
            if self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self._process.returncode}")
            lines = active.read_text().split() if active.exists() else []
            return lines[0] if lines else None

        base = f"http://127.0.0.1:{wait_for(port, 60, 'chromium DevTools')}"
        pages = wait_for(lambda: [t for t in httpx.get(f"{base}/json/list").json()
                                  if t.get("type") == "page"], 30, "a chromium page")
        return connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=30)

    @property
    def pid(self) -> int:
        return self._process.pid

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events in between are not needed here)."""
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        wait_for(lambda: self.evaluate("document.readyState") == "complete", 30, f"{url} loaded")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                          awaitPromise=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def screenshot(self, path: Path) -> None:
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        """Stop chromium and every helper process it started (its own process group)."""
        if getattr(self, "_socket", None) is not None:
            self._socket.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, sig)
            try:
                self._process.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        shutil.rmtree(self._profile, ignore_errors=True)
