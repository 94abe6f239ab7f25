"""The application layer: one use case per command, primitives in and out."""
