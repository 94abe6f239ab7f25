"""Settings, the composition root and logging."""
