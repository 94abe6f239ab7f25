"""The ``vatra`` command line."""
