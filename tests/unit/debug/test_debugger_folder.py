"""The folder an environment imports the debugger from: links to the installed package,
which may be in a virtualenv under /tmp (a CI clone) and may have moved since."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import debug
from workbench.runtime.sandboxes import with_link_targets


def test_a_link_left_by_a_removed_virtualenv_is_pointed_at_ours(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    gone, ours = tmp_path / "old-venv" / "debugpy", tmp_path / "venv" / "debugpy"
    ours.mkdir(parents=True)
    folder = tmp_path / "cache" / "debugpy-1.0"
    folder.mkdir(parents=True)
    (folder / "debugpy").symlink_to(gone, target_is_directory=True)  # dangling

    assert debug._only("debugpy-1.0", [ours]) == folder
    assert (folder / "debugpy").resolve() == ours
    assert sorted(p.name for p in folder.iterdir()) == ["debugpy"]


def test_a_private_tmp_keeps_where_the_debuggers_links_point(tmp_path: Path) -> None:
    installed = tmp_path / "venv" / "debugpy"
    installed.mkdir(parents=True)
    folder = tmp_path / "debugpy-1.0"
    folder.mkdir()
    (folder / "debugpy").symlink_to(installed, target_is_directory=True)

    assert with_link_targets(["/srv/workbench/debug", str(folder)]) == (
        "/srv/workbench/debug", str(folder), str(installed))
