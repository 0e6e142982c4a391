from tests.jobs.conftest import job_settings

__all__ = ["job_settings"]
