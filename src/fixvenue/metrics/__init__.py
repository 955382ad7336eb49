"""Prometheus metrics of the running venue; knows domain and core only."""
