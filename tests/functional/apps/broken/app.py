import module_that_does_not_exist  # noqa: F401  (INIT fails: Runtime.ImportModuleError)


def handler(event, context):
    return {}
