"""The functions behind the access-control templates: an echo of the event the integration
gets, and Lambda authorizers whose answer the request chooses (the token's or header's
value), so one authorizer function covers every answer API Gateway must handle."""

import json
import os
import time

CALLS = {"n": 0}  # per environment: shows whether API Gateway used a cached answer


def echo(event, context):
    return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "https://own.example"},
            "body": json.dumps(event)}


def _policy(effect, resource, **extra):
    CALLS["n"] += 1
    return {"principalId": "user|a1b2c3d4",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
            "context": {"passed": "from authorizer", "number": 1, "bool": True,
                        "calls": CALLS["n"]}, **extra}


def token(event, context):
    """TOKEN: the token says what to answer."""
    value, arn = event["authorizationToken"], event["methodArn"]
    print(f"authorizing {event['type']} {value}")
    base = arn.split("/", 2)  # arn:...:apiId / stage / METHOD/path
    if value == "allow":
        return _policy("Allow", arn)
    if value == "wildcard":  # every method of every path of this stage
        return _policy("Allow", f"{base[0]}/{base[1]}/*")
    if value == "get-only":
        return _policy("Allow", f"{base[0]}/{base[1]}/GET/*")
    if value == "deny":
        return _policy("Deny", arn)
    if value.startswith("key:"):
        return _policy("Allow", arn, usageIdentifierKey=value[4:])
    if value == "unauthorized":
        raise Exception("Unauthorized")  # AWS's blueprint: 401
    if value == "slow":
        time.sleep(30)
    if value == "exit":
        os._exit(3)
    if value == "malformed":
        return {"principalId": "u", "policyDocument": "allow everything"}
    if value == "object-context":
        return _policy("Allow", arn) | {"context": {"nested": {"no": "objects"}}}
    raise ValueError("the authorizer broke")


def request(event, context):
    """REQUEST (REST, and HTTP API payload 1.0): allow, telling what it was given."""
    arn = event.get("methodArn") or event.get("routeArn")
    answer = _policy("Allow" if (event.get("headers") or {}).get("X-Deny") is None
                     and (event.get("headers") or {}).get("x-deny") is None else "Deny", arn)
    answer["context"].update(type=event["type"], version=event.get("version", "none"),
                             identity=str(event.get("identitySource", "")),
                             trace=os.environ.get("_X_AMZN_TRACE_ID", ""))
    return answer


def simple(event, context):
    """HTTP API payload 2.0 with simple responses."""
    CALLS["n"] += 1
    return {"isAuthorized": event["headers"].get("x-key") == "yes",
            "context": {"passed": "from simple", "calls": CALLS["n"],
                        "routeArn": event["routeArn"], "identity": event["identitySource"]}}


def simple_v2_policy(event, context):
    """HTTP API payload 2.0 answering with an IAM policy."""
    return _policy("Allow" if event["headers"].get("x-key") == "yes" else "Deny",
                   event["routeArn"])


def crash(event, context):
    raise RuntimeError("the function broke")


def plain(event, context):
    return {"hello": "url"}  # a bare object: 200, JSON, as payload 2.0 infers it
