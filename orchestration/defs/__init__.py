"""Dagster definitions of the warehouse, one module per concern."""
