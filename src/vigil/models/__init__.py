"""All ORM models, one module per aggregate. Importing this package registers every table."""

from vigil.models.alert import Alert, AlertRule, AlertRulesGeneration
from vigil.models.api_key import ApiKeyRecord
from vigil.models.audit import AuditChainAnchor, AuditLog, AuditVerifyCheckpoint
from vigil.models.base import Base
from vigil.models.baseline import (
    ActivityBaseline,
    BaselineAnomaly,
    BaselineConfig,
    ClassBaseline,
)
from vigil.models.calibration import CameraCalibration, UserCalibration
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
from vigil.models.notification import AlertDelivery, NotificationChannel

__all__ = [
    "ActionResult",
    "ActivityBaseline",
    "Alert",
    "AlertDelivery",
    "AlertRule",
    "AlertRulesGeneration",
    "ApiKeyRecord",
    "AuditChainAnchor",
    "AuditLog",
    "AuditVerifyCheckpoint",
    "Base",
    "BaselineAnomaly",
    "BaselineConfig",
    "Camera",
    "CameraCalibration",
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
    "NotificationChannel",
    "PoseResult",
    "ReidEmbedding",
    "ThreatDetection",
    "UserCalibration",
]
