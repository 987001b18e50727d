"""The Invoke API's TenantId rules, as Lambda states them (ValidationException)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ValidationError
from workbench.runtime.pool import check_tenant
from workbench.template import FunctionSpec

ISOLATED = FunctionSpec("Fn", "app.handler", "python3.12", Path("."), tenant_isolation=True)
SHARED = FunctionSpec("Fn", "app.handler", "python3.12", Path("."))


@pytest.mark.parametrize("spec, tenant, message", [
    (ISOLATED, None, "The invoked function is enabled with tenancy configuration. Add a valid "
                     "tenant ID in your request and try again."),
    (SHARED, "blue", "The invoked function is not enabled with tenancy configuration. Remove "
                     "the tenant ID from your request and try again."),
    (ISOLATED, "", "Value '' at 'tenantId' failed to satisfy constraint: Member must have "
                   "length greater than or equal to 1"),
    (ISOLATED, "t" * 257, "failed to satisfy constraint: Member must have length less than "
                          "or equal to 256"),
    (ISOLATED, "b!ue", "Member must satisfy regular expression pattern: "
                       r"[a-zA-Z0-9\._:\/=+\-@ ]+"),
])
def test_refusals(spec: FunctionSpec, tenant: str | None, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_tenant(spec, tenant)
    assert message in caught.value.message


@pytest.mark.parametrize("tenant", ["blue", "org:team/a=b+c-d@e f.g_h", "t" * 256])
def test_accepted(tenant: str) -> None:
    check_tenant(ISOLATED, tenant)
    check_tenant(SHARED, None)
