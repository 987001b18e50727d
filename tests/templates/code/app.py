"""The corpus's one handler: it answers with who answered, so a test can tell that a
route reached the function the template routes it to."""

import json
import os


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "function": context.function_name,
            "stage": (event.get("requestContext") or {}).get("stage"),
            "tenant": getattr(context, "tenant_id", None),  # TenancyConfig PER_TENANT
            "env": {k: v for k, v in os.environ.items() if k.startswith("CORPUS_")},
        }),
    }
