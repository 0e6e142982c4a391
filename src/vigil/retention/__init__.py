"""Retention: scheduled deletion of old rows, in chunks, never touching feedback or audit history."""
