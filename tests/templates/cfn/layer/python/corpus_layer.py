GREETING = "from the corpus layer"
