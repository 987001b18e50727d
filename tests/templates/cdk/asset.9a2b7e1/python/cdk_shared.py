SHARED = "cdk layer"
