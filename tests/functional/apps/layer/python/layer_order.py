WHO = "the first layer"
