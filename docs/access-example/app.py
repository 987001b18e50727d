"""The functions of the README's access-control example."""

import json


def authorize(event, context):
    """A TOKEN authorizer: one secret token, the caller's name in the context. The policy
    covers every method of the stage (arn:...:apiId/stage/*): API Gateway caches it for
    the token and checks it again for each method the token is used on."""
    effect = "Allow" if event["authorizationToken"] == "Bearer letmein" else "Deny"
    api_and_stage = "/".join(event["methodArn"].split("/")[:2])
    return {"principalId": "dana",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect,
                 "Resource": f"{api_and_stage}/*"}]},
            "context": {"user": "dana", "tier": 2}}


def orders(event, context):
    context_ = event["requestContext"]
    who = (context_.get("authorizer") or {})
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"path": event.get("path") or event.get("rawPath"),
                                "user": who.get("user") or who.get("jwt", {}).get(
                                    "claims", {}).get("sub"),
                                "apiKey": (context_.get("identity") or {}).get("apiKey")})}


def webhook(event, context):
    return {"received": json.loads(event.get("body") or "null")}
