"""Adapters: the Litestar application and the ``pcf`` command line."""
