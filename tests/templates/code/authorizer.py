"""A Lambda authorizer for the corpus: allows the token "allow", denies the rest."""


def handler(event, context):
    token = event.get("authorizationToken") or (event.get("headers") or {}).get("authorization")
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow" if token == "allow" else "Deny",
                 "Resource": event.get("methodArn", "*")}
    return {"principalId": "corpus",
            "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
