"""Reading template files: YAML or JSON with CloudFormation's tags, and `AWS::Include`.

cfn-flip parses the short tags (`!Ref`, `!Sub`, `!GetAtt A.B` ...) into their long
`{"Fn::...": ...}` forms; what comes back is turned into plain dicts, lists and strings
(YAML dates and timestamps become their text, as CloudFormation reads them).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cfn_tools import load_yaml

from workbench.errors import TemplateError

Fail = Callable[[str | None, str | None, str], TemplateError]


def read(path: Path, *, what: str = "template") -> Any:
    """Parse one YAML or JSON file; one clear line for a file that is missing or not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(str(path), None, None, f"no such file ({what})") from None
    except IsADirectoryError:
        raise TemplateError(str(path), None, None, f"is a directory, not a {what} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise TemplateError(str(path), None, None, f"cannot read: {reason}") from None
    try:
        document = load_yaml(text)
    except Exception as exc:  # noqa: BLE001 - yaml raises many types; all mean "not YAML"
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise TemplateError(str(path), None, None,
                            f"not valid YAML or JSON{where}: {problem}") from None
    return plain(document)


def plain(value: Any) -> Any:
    """cfn-flip's ODicts and YAML's dates as plain JSON-like data."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def expand_includes(value: Any, base: Path, fail: Fail, seen: tuple[Path, ...] = (),
                    sources: list[Path] | None = None) -> Any:
    """Replace each `Fn::Transform: {Name: AWS::Include, Parameters: {Location: file}}`
    with the file's content, as CloudFormation does before any other transform
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/create-reusable-transform-function-snippets-and-add-to-your-template-with-aws-include-transform.html).
    Only local files can be read offline."""
    if isinstance(value, list):
        return [expand_includes(v, base, fail, seen, sources) for v in value]
    if not isinstance(value, dict):
        return value
    transform = value.get("Fn::Transform")
    if isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
        location = (transform.get("Parameters") or {}).get("Location")
        if not isinstance(location, str) or "://" in location and not location.startswith(
                "file://"):
            raise fail(None, "Fn::Transform", "AWS::Include needs a local file as Location, "
                       f"got {shown(location)}")
        path = (base / location.removeprefix("file://")).resolve()
        if path in seen:
            raise fail(None, "Fn::Transform", f"AWS::Include of {location} includes itself")
        if sources is not None:
            sources.append(path)
        included = read(path, what="AWS::Include")
        rest = {k: v for k, v in value.items() if k != "Fn::Transform"}
        expanded = expand_includes(included, path.parent, fail, (*seen, path), sources)
        if rest and isinstance(expanded, dict):
            return {**expand_includes(rest, base, fail, seen, sources), **expanded}
        return expanded
    return {k: expand_includes(v, base, fail, seen, sources) for k, v in value.items()}


def shown(value: Any) -> str:
    """A template value as the user wrote it (JSON), never a Python repr."""
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value, default=str, separators=(", ", ": "))
