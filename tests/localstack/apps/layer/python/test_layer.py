"""A module only the layer provides: importing it proves the layer is on the path."""

LAYER_VALUE = "from the layer"
