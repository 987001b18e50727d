"""Lambda authorizers for the gateway's tests, one handler per answer, and a function
that echoes the event it gets (with the authorizer context API Gateway put in it)."""

import json


def policy(event, effect):
    arn = event.get("methodArn") or event.get("routeArn")
    return {"principalId": "user|a1b2c3d4",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}]},
            "context": {"number": 1, "bool": True, "passed": "from authorizer"}}


def allow(event, context):
    print(f"authorizing {event['type']}")
    return policy(event, "Allow")


def deny(event, context):
    return policy(event, "Deny")


def unauthorized(event, context):
    raise Exception("Unauthorized")  # AWS's blueprint: a 401


def crash(event, context):
    raise ValueError("the authorizer broke")


def malformed(event, context):
    return {"principalId": "u", "policyDocument": "allow everything"}


def simple(event, context):
    return {"isAuthorized": event["identitySource"] == ["letmein"],
            "context": {"passed": "from simple authorizer"}}


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
