"""Benchmarks of Vatra Backbone against raw baselines measured in the same run."""
