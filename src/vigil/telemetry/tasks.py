"""Background tasks of this area, declared with ``vigil.jobs.registry.task``."""
