"""The function without a CodeUri: SAM CLI takes the template's own folder for it."""


def handler(event, context):
    return {"statusCode": 200, "body": f"here: {context.function_name}"}
