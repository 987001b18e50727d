"""Lambda Workbench: run Lambda handlers behind API Gateway locally, without Docker."""

__version__ = "0.1.0"
