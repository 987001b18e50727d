"""Imports a package its requirements lack (installed in the dev virtualenv, not on Lambda)."""

import requests  # noqa: F401


def handler(event, context):
    return {"statusCode": 200, "body": "requests was importable"}
