"""Retention: scheduled deletion of old rows, in chunks; feedback and audit history kept."""
