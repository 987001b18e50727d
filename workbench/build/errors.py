"""The build's one error: a WorkbenchError, so the CLI prints it as one line, exit 2."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class BuildError(WorkbenchError):
    """A build that cannot finish: names the file or requirement, the reason, the way out."""
