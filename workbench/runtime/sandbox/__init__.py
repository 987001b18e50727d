"""Code that runs inside an environment (on the function's interpreter, stdlib only)."""
