"""Access control before the integration: authorizers, API keys, IAM signatures."""
