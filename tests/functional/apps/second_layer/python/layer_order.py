WHO = "the second layer"
