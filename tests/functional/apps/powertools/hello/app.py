"""Powertools' logger and REST resolver, reporting where Powertools and boto3 came from."""
import aws_lambda_powertools
import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger(service="hello")
app = APIGatewayRestResolver()


@app.get("/hello")
def hello():
    logger.info("hello called")
    return {"powertools": aws_lambda_powertools.__file__, "boto3": boto3.__file__}


@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
