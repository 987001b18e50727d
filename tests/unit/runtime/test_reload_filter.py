"""What the code watcher takes for a change of sources (runtime/reload.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from watchfiles import Change
from workbench.runtime.reload import _SourcesOnly
watched = _SourcesOnly()
print(watched(Change.modified, sys.argv[1]), watched(Change.modified, sys.argv[2]),
      watched(Change.modified, sys.argv[3]), file=sys.stderr)
"""


def test_the_servers_own_log_in_a_codeuri_is_not_a_change(tmp_path: Path) -> None:
    # `workbench serve > serve.log` run in a CodeUri of "." rebuilt on every line logged.
    log, code = tmp_path / "serve.log", tmp_path / "app.py"
    code.write_text("")
    build = tmp_path / ".aws-sam" / "build" / "app.py"
    with log.open("w") as out:
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(log), str(code), str(build)],
                              stdout=out, stderr=subprocess.PIPE, text=True, check=True)
    assert done.stderr.split() == ["False", "True", "False"]
