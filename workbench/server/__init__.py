"""The dev server: API Gateway routes, the Lambda Invoke API and the workbench's own endpoints."""
