"""All ORM models, one module per aggregate. Importing this package registers every table."""

from vigil.models.alert import Alert, AlertRule
from vigil.models.audit import AuditLog
from vigil.models.base import Base
from vigil.models.baseline import ActivityBaseline, ClassBaseline
from vigil.models.camera import Camera
from vigil.models.camera_zone import CameraZone
from vigil.models.detection import Detection
from vigil.models.enrichment import (
    ActionResult,
    DemographicsResult,
    PoseResult,
    ReidEmbedding,
    ThreatDetection,
)
from vigil.models.event import Event, EventDetection
from vigil.models.event_audit import EventAudit
from vigil.models.event_feedback import EventFeedback
from vigil.models.gpu_stats import GpuStats
from vigil.models.job import Job, JobAttempt, JobLog, JobTransition
from vigil.models.log import Log

__all__ = [
    "ActionResult",
    "ActivityBaseline",
    "Alert",
    "AlertRule",
    "AuditLog",
    "Base",
    "Camera",
    "CameraZone",
    "ClassBaseline",
    "DemographicsResult",
    "Detection",
    "Event",
    "EventAudit",
    "EventDetection",
    "EventFeedback",
    "GpuStats",
    "Job",
    "JobAttempt",
    "JobLog",
    "JobTransition",
    "Log",
    "PoseResult",
    "ReidEmbedding",
    "ThreatDetection",
]
