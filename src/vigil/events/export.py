"""Events export (placeholder while being written)."""
