"""Hooks the assignments plugin declares for other plugins (through ``lms_addhooks``).

Implement them like the core's hooks::

    from lms_core import hookimpl

    @hookimpl
    def on_assignment_graded(user, assignment, submission, grade):
        award_points(user.id, grade.points)

Event hooks are called after the change is committed, one implementation at a time,
with read-only snapshots from ``lms_assignments.payloads``; an exception is logged
against the plugin that raised it and never reaches the student or the teacher.
"""

from lms_core import hookspec


@hookspec
def lms_assignments_before_submit(user, assignment, submission):
    """Called before a student's attempt is handed in (snapshots: ``UserInfo``,
    ``AssignmentInfo``, ``SubmissionInfo`` of the draft about to become the attempt).
    Returns ``lms_core.Refusal`` to refuse the hand-in (its reason is shown to the
    student, its code is the API error code), or ``None``. Nothing is saved when refused."""


@hookspec
def on_submission_created(user, assignment, submission, event):
    """A student handed in an attempt (not a draft save): ``user`` is the student,
    ``submission.number`` tells the first attempt from a replacement, and
    ``submission.late_days`` is above 0 when it came in after the deadline."""


@hookspec
def on_assignment_graded(user, assignment, submission, grade, event):
    """A grade was released to ``user``, the student (one by one or all at once). It
    fires again if a released grade is changed, with the new ``grade``: key any effect
    on ``submission.id`` to stay idempotent. ``grade.passed`` tells whether it reached
    the assignment's pass mark."""
