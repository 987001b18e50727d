import os


def greeting() -> str:
    return os.environ.get("GREETING", "hello")
