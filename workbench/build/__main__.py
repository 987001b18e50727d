"""`python -m workbench.build`: put the wheels the build makes (en_core_web_sm) into this
interpreter's environment, so handlers run from the dev virtualenv find them too."""

from __future__ import annotations

import sys

from workbench.build import local_wheels
from workbench.build.errors import BuildError

try:
    local_wheels.install_here()
except BuildError as exc:
    print(f"workbench: {exc}", file=sys.stderr)
    sys.exit(2)
