"""Code shared by the handlers, deployed as a Lambda layer (extracted to /opt/python on AWS)."""
