"""The ``metrobloc`` command: a thin layer over the node, the SDK and the API."""
