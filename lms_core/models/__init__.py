"""The core's tables. Plugins own their own tables (``<plugin>_*``) and never add
columns to these."""

from lms_core.models.base import utcnow
from lms_core.models.people import ApiToken, User, ROLES
from lms_core.models.accounts import AccountToken, RecoveryCode, UserSession
from lms_core.models.courses import Course, CourseImage, CourseStaff, Lesson, Translation
from lms_core.models.quizzes import Attempt, Choice, Question, Quiz
from lms_core.models.progress import ActivityFact, Enrollment, LessonCompletion
from lms_core.models.notifications import Notification
from lms_core.models.gradebook import (
    GradebookCategory,
    GradebookPlacement,
    GradebookSettings,
    GradebookSummary,
    GradeOverride,
)
from lms_core.models.platform import Event, EventDelivery, JobFailure, PeriodicRun, PluginError, PluginState

__all__ = [
    "utcnow",
    "ApiToken",
    "User",
    "ROLES",
    "AccountToken",
    "RecoveryCode",
    "UserSession",
    "Course",
    "CourseImage",
    "CourseStaff",
    "Lesson",
    "Translation",
    "Attempt",
    "Choice",
    "Question",
    "Quiz",
    "ActivityFact",
    "Enrollment",
    "LessonCompletion",
    "Notification",
    "GradebookCategory",
    "GradebookPlacement",
    "GradebookSettings",
    "GradebookSummary",
    "GradeOverride",
    "Event",
    "EventDelivery",
    "JobFailure",
    "PeriodicRun",
    "PluginError",
    "PluginState",
]
from lms_core import content_version as _content_version  # noqa: E402,F401  (its listeners, with the models)
