"""Metrics and health: defined once, served by every process."""
