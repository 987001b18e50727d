"""Request ids: the random UUID (version 4) strings Lambda and API Gateway hand out, and
X-Ray's trace and segment ids.

Made from `random.getrandbits`, not `uuid.uuid4()`: an id is a name, not a secret, and
this is on every request's path twice (API Gateway's requestId, Lambda's request id),
where uuid4's `os.urandom` system call and UUID object cost three times as much.
"""

from __future__ import annotations

import base64
import random
import time

# The version nibble (4) and the RFC 4122 variant bits (10xx) of a UUID, as 128-bit masks.
_KEEP = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_SET = (0x4 << 76) | (0x2 << 62)


def request_id() -> str:
    """A random UUID4 string, `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`."""
    h = "%032x" % (random.getrandbits(128) & _KEEP | _SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def extended_request_id() -> str:
    """API Gateway's extendedRequestId, and an HTTP API's request id: 11 random bytes in
    URL-safe base64, 16 characters ending in `=` ("LV7fzho-PHcEJPw=" in aws-lambda-go's
    captured apigw-v2-request-no-authorizer.json)."""
    return base64.urlsafe_b64encode(random.getrandbits(88).to_bytes(11, "big")).decode()


def trace_id() -> str:
    """An X-Ray trace id: `1-`, the epoch second in 8 hex digits, `-`, 96 random bits
    (X-Ray dg, xray-api-sendingdata.html, "Generating trace IDs")."""
    return f"1-{int(time.time()):08x}-{random.getrandbits(96):024x}"


def segment_id() -> str:
    """An X-Ray segment id: 64 random bits in 16 hex digits."""
    return f"{random.getrandbits(64):016x}"
