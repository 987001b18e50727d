"""Route matching as API Gateway does it.

The most specific route wins: literal segments before `{param}` before a greedy
`{proxy+}`, an exact method before `ANY`, and an HTTP API's `$default` route last.
Paths are case-sensitive. Parameters come back decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from workbench.gateway.errors import BadPath, GatewayError, MissingRoute
from workbench.template import Api, Route, Template


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    api: Api
    path_parameters: dict[str, str] | None


@dataclass(frozen=True)
class _Compiled:
    route: Route
    segments: tuple[str, ...]
    rank: tuple[int, ...]  # sorts most specific first


def _compile(route: Route) -> _Compiled:
    if route.path == "$default":
        return _Compiled(route, (), (3,))
    segments = tuple(s for s in route.path.split("/") if s)
    kinds = tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in segments)
    greedy = int(bool(kinds) and kinds[-1] == 2)
    # Fewer greedy routes first, then literal-before-parameter segment by segment, then
    # longer paths, then exact methods before ANY.
    return _Compiled(route, segments,
                     (greedy, *kinds, -len(segments), int(route.method == "ANY")))


class Router:
    def __init__(self, template: Template) -> None:
        self.template = template
        # Methods API Gateway answers itself (no function): a REST API's mocks, and its
        # mock OPTIONS, which only a preflight reaches (`resource`).
        mocks = [Route(api.logical_id, api.kind, method, path, "", "1.0")
                 for api in template.apis.values() for method, path in api.mocks]
        preflights = [Route(api.logical_id, api.kind, "OPTIONS", path, "", "1.0")
                      for api in template.apis.values() for path in api.preflights]
        self._routes = sorted((_compile(r) for r in (*template.routes, *mocks)),
                              key=lambda c: c.rank)
        self._resources = sorted((_compile(r) for r in (*preflights, *mocks, *template.routes)
                                  if r.path != "$default"), key=lambda c: c.rank)

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        """Match the path as received (percent-encoded): each segment is decoded once, so
        an encoded slash stays inside its parameter. A `..` segment raises BadPath."""
        parts = [unquote(p) for p in raw_path.split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise BadPath()
        for compiled in self._routes:
            if compiled.route.method not in (method.upper(), "ANY"):
                continue
            default = compiled.route.path == "$default"
            parameters = {} if default else _bind(compiled.segments, parts)
            if parameters is not None:
                return RouteMatch(compiled.route, self.template.apis[compiled.route.api_id],
                                  parameters or None)
        return None

    def resource(self, raw_path: str) -> RouteMatch | None:
        """The most specific resource at this path whatever the method, as a REST API
        selects it before the method: a route's, or a REST mock OPTIONS method's (its
        route then has no function). None if no resource is there."""
        parts = [unquote(p) for p in raw_path.split("/") if p]
        for compiled in self._resources:
            parameters = _bind(compiled.segments, parts)
            if parameters is not None:
                route = compiled.route
                return RouteMatch(route, self.template.apis[route.api_id], parameters or None)
        return None

    def not_found(self) -> GatewayError:
        return MissingRoute()


def _bind(segments: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.endswith("+}"):
            rest = parts[index:]
            if not rest:
                return None  # {proxy+} needs at least one segment
            parameters[segment[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(parts):
            return None
        if segment.startswith("{"):
            parameters[segment[1:-1]] = parts[index]
        elif segment != parts[index]:
            return None
    return parameters if len(parts) == len(segments) else None
