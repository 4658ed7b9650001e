"""Fixtures for the gamification plugin's tests (the core's come from ``lms_core.testing``).

Every test runs with this plugin alone (``LMS_PLUGINS=gamification``), so the tests pass
whether or not other plugins are installed; the assignments plugin's events are fired
through a small stand-in plugin that declares them (``assignment_events``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import ModuleType, SimpleNamespace

import pytest

from lms_core import hookimpl, hookspec


@pytest.fixture
def lms_base_config() -> dict:
    return {"LMS_PLUGINS": "gamification"}


@pytest.fixture
def plugins(app):
    return app.extensions["lms_plugins"]


@pytest.fixture
def settle(app, run_jobs):
    """Run the jobs the last action queued (with Redis; without it they already ran), in
    an app context of their own as a worker would, so the test's session stays usable."""

    def run():
        with app.app_context():
            run_jobs()

    return run


@pytest.fixture
def pass_quiz(factory, settle):
    """Submit an attempt with ``right`` of the quiz's questions answered correctly."""

    def submit(student, quiz, right=None):
        answers = factory.answers(quiz)
        wrong = factory.answers(quiz, correct=False)
        keys = list(answers)
        right = len(keys) if right is None else right
        chosen = {k: (answers[k] if i < right else wrong[k]) for i, k in enumerate(keys)}
        attempt = factory.attempt(student, quiz, answers=chosen)
        settle()
        return attempt

    return submit


def four_questions():
    return [
        {"kind": "single", "text": f"Question {n}", "choices": [("right", True), ("wrong", False)]} for n in range(4)
    ]


@pytest.fixture
def questions():
    return four_questions


# ---------------------------------------------------------------- the assignments plugin's events


@hookspec
def on_submission_created(user, assignment, submission):
    """A student handed in an attempt."""


@hookspec
def on_assignment_graded(user, assignment, submission, grade):
    """A grade was released (again when changed)."""


# The two events as the assignments plugin declares them, in a module of their own.
AssignmentEventSpecs = ModuleType("assignment_event_specs")
AssignmentEventSpecs.on_submission_created = on_submission_created
AssignmentEventSpecs.on_assignment_graded = on_assignment_graded


class AssignmentsStandIn:
    """Declares the assignments plugin's events, as that plugin does (``lms_addhooks``)."""

    @hookimpl
    def lms_addhooks(self, pluginmanager):
        pluginmanager.add_hookspecs(AssignmentEventSpecs)


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    course_id: int
    title: str
    due_at: datetime
    max_points: float


@dataclass(frozen=True)
class SubmissionInfo:
    id: int
    assignment_id: int
    user_id: int
    number: int
    submitted_at: datetime


@dataclass(frozen=True)
class GradeInfo:
    id: int
    submission_id: int
    points: float
    max_points: float


@pytest.fixture
def assignment_events(app, plugins, settle):
    """Fire ``on_submission_created`` / ``on_assignment_graded`` like the assignments plugin."""
    plugins.register(AssignmentsStandIn(), name="assignments_stand_in")

    def submitted(user, assignment, submission_id, submitted_at, number=1):
        submission = SubmissionInfo(submission_id, assignment.id, user.id, number, submitted_at)
        plugins.call_each("on_submission_created", user=_info(user), assignment=assignment, submission=submission)
        settle()
        return submission

    def graded(user, assignment, submission, points, grade_id=1):
        grade = GradeInfo(grade_id, submission.id, points, assignment.max_points)
        plugins.call_each(
            "on_assignment_graded", user=_info(user), assignment=assignment, submission=submission, grade=grade
        )
        settle()

    return SimpleNamespace(submitted=submitted, graded=graded, Assignment=AssignmentInfo)


def _info(user):
    from lms_core.payloads import UserInfo

    return UserInfo.of(user)
