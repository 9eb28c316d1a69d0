"""Benchmarks: the warehouse against the tools analysts use today (see docs/benchmarks.md)."""
