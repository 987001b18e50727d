"""A CDK asset (`lambda.Code.fromAsset`): `cdk synth` copies it beside the template."""

import cdk_shared  # from the asset layer


def handler(event, context):
    return {"statusCode": 200, "body": f"{cdk_shared.SHARED}: {context.function_name}"}
