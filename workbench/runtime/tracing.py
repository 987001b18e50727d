"""The X-Ray trace header of an invocation, as Lambda hands it to the runtime.

Every invocation carries one in `Lambda-Runtime-Trace-Id`, and the runtime interface client
sets `_X_AMZN_TRACE_ID` from it (Lambda dg, runtimes-api.html and configuration-envvars.html):
`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`. A caller's
`X-Amzn-Trace-Id` (API Gateway's, or one sent to the Invoke API) gives the trace its Root
and, when it has one, its sampling decision, which Lambda keeps; without a Root Lambda
starts a trace. A function with active tracing samples what no caller decided (X-Ray's
default rule takes the first request each second, which is nearly every request of a
developer's), one in PassThrough mode leaves it unsampled (Lambda dg, services-xray.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench import ids

_ROOT = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")


@dataclass(frozen=True)
class Trace:
    root: str  # the trace id
    segment: str  # the function's segment: the Parent of what the handler records
    sampled: bool

    @property
    def header(self) -> str:
        return f"Root={self.root};Parent={self.segment};Sampled={int(self.sampled)}"

    @property
    def report(self) -> str:
        """The REPORT line's fields for an actively traced function (Lambda dg,
        python-logging.html): `XRAY TraceId: ...\tSegmentId: ...\tSampled: true`."""
        return (f"XRAY TraceId: {self.root}\tSegmentId: {self.segment}\t"
                f"Sampled: {str(self.sampled).lower()}")


def for_invocation(incoming: str | None, active: bool) -> Trace:
    """The trace of one invocation, continuing `incoming` (an X-Amzn-Trace-Id) if it has a
    well-formed Root."""
    fields = dict(part.strip().partition("=")[::2] for part in (incoming or "").split(";"))
    root = fields.get("Root", "")
    decided = fields.get("Sampled")  # "?" asks the receiver to decide
    if not _ROOT.fullmatch(root):
        root, decided = ids.trace_id(), None
    sampled = decided == "1" if decided in ("0", "1") else active
    return Trace(root, ids.segment_id(), sampled)
