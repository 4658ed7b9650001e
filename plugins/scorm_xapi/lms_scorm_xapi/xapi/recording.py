"""Learning records become statements: one row per cause, written idempotently, then
handed to the sender (``jobs.send_learner``).

The event hooks call these with the event's snapshots. A redelivered event finds the
row it made (the statement id is derived from the event id and the verb) and only
kicks the sender again. Statements are kept even while no LRS is configured (marked
``skipped``), so ``lms scorm-xapi replay --since`` can give the history to an LRS
configured later.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from lms_core import db, enqueue, upsert
from lms_core.models import Course, utcnow

from lms_scorm_xapi.xapi import settings
from lms_scorm_xapi.xapi.models import PENDING, Learner, Statement
from lms_scorm_xapi.xapi.statements import Thing, activity_iri, build, statement_id

log = logging.getLogger("lms.scorm_xapi.xapi")

SKIPPED = "skipped"  # recorded while no LRS was configured: sent only by a replay
_KICK_KEY = "scorm_xapi_xapi_kick"
_LRS_KEY = "scorm_xapi_xapi_lrs"


def _lrs() -> dict:
    """The LRS in force, read once per transaction (a SCO's first commit records its
    statement in the commit's transaction; a second statement or the check whether to
    start the sender reads no settings row again). Forgotten at commit and rollback, so
    an admin's change counts from the next transaction on."""
    info = db.session.info
    lrs = info.get(_LRS_KEY)
    if lrs is None:
        lrs = info[_LRS_KEY] = settings.lrs()
    return lrs


def _course(course_id: int, title: str | None = None) -> Thing:
    if title is None:
        course = db.session.get(Course, course_id)
        title = course.title if course is not None else ""
    return Thing("course", activity_iri("course", course_id), title)


def add(
    *,
    cause: str,
    order_key: str,
    user_id: int,
    verb: str,
    thing: Thing,
    at: datetime,
    parent: Thing | None = None,
    **result,
) -> str:
    """Add the statement to the current transaction (nothing when it exists); returns its id."""
    lrs = _lrs()
    body = build(cause=cause, verb=verb, thing=thing, timestamp=at, parent=parent, version=lrs["version"], **result)
    row = {
        "id": statement_id(cause, verb),
        "order_key": order_key,
        "event_id": cause if cause == order_key else None,
        "user_id": user_id,
        "verb": verb,
        "object_kind": thing.kind,
        "object_name": (thing.name or "")[:300],
        "body": body,
        "status": PENDING if lrs["endpoint"] else SKIPPED,
        "attempts": 0,
        "retried": 0,
        "duplicate": False,
        "next_try_at": utcnow(),
        "created_at": at,
    }
    statement, learner = _inserts()
    db.session.execute(statement, row)
    db.session.execute(learner, {"user_id": user_id})
    return row["id"]


_INSERTS: dict[str, tuple] = {}


def _inserts() -> tuple:
    """The two idempotent INSERTs of ``add``, built once per database kind (their values
    given as parameters: building ``.values(...)`` anew cost more than running them)."""
    dialect = db.session.get_bind().dialect.name
    made = _INSERTS.get(dialect)
    if made is None:
        made = _INSERTS[dialect] = (
            # on the tables, not the models: the ORM's bulk path is the costlier one
            upsert(Statement.__table__).on_conflict_do_nothing(index_elements=["id"]),
            upsert(Learner.__table__).on_conflict_do_nothing(index_elements=["user_id"]),
        )
    return made


def record_event(event, user_id: int, verb: str, thing: Thing, parent: Thing | None = None, **result) -> None:
    """An event hook's statement: written and committed, then the learner's sender is
    started. A failure to start it (Redis down) raises, so the event log tries again."""
    add(
        cause=event.id,
        order_key=event.id,
        user_id=user_id,
        verb=verb,
        thing=thing,
        at=event.created_at,
        parent=parent,
        **result,
    )
    enabled = bool(_lrs()["endpoint"])
    db.session.commit()
    if enabled:
        from lms_scorm_xapi.xapi import jobs

        enqueue(jobs.send_learner, user_id)


# ------------------------------------------------------------------ the core's events


def enrolled(user, course, enrollment, event) -> None:
    record_event(event, user.id, "registered", _course(course.id, course.title))


def lesson_completed(user, lesson, event) -> None:
    thing = Thing("lesson", activity_iri("lesson", lesson.id), lesson.title)
    record_event(event, user.id, "completed", thing, _course(lesson.course_id), completion=True)


def _score(attempt):
    return (attempt.score, attempt.max_score) if attempt.score is not None else None


def quiz_submitted(user, quiz, attempt, event) -> None:
    thing = Thing("quiz", activity_iri("quiz", quiz.id), quiz.title)
    record_event(
        event,
        user.id,
        "attempted",
        thing,
        _course(quiz.course_id),
        score=_score(attempt),
        success=attempt.passed,
        completion=True,
    )


def quiz_passed(user, quiz, attempt, event) -> None:
    thing = Thing("quiz", activity_iri("quiz", quiz.id), quiz.title)
    record_event(
        event, user.id, "passed", thing, _course(quiz.course_id), score=_score(attempt), success=True, completion=True
    )


def course_completed(user, course, enrollment, event) -> None:
    record_event(event, user.id, "completed", _course(course.id, course.title), completion=True)


# ------------------------------------------------------------------ other plugins' events


def assignment_submitted(user, assignment, submission, event) -> None:
    thing = Thing("assignment", activity_iri("assignment", assignment.id), assignment.title)
    record_event(event, user.id, "submitted", thing, _course(assignment.course_id))


def assignment_graded(user, assignment, submission, grade, event) -> None:
    thing = Thing("assignment", activity_iri("assignment", assignment.id), assignment.title)
    record_event(
        event,
        user.id,
        "scored",
        thing,
        _course(assignment.course_id),
        score=(grade.points, grade.max_points),
        success=bool(grade.passed),
    )


def _field(value, name):
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def live_session_attended(user, session, occurrence, minutes, event) -> None:
    """The live-lectures plugin's ``on_live_session_attended`` (snapshots or dicts with
    ``id``, ``title``, ``course_id``; the occurrence's ``id``)."""
    occurrence_id = _field(occurrence, "id") if occurrence is not None else None
    thing = Thing(
        "meeting", activity_iri("meeting", occurrence_id or _field(session, "id")), _field(session, "title") or ""
    )
    course_id = _field(session, "course_id")
    record_event(
        event,
        user.id,
        "attended",
        thing,
        _course(course_id) if course_id else None,
        duration_seconds=float(minutes) * 60 if minutes is not None else None,
        completion=True,
    )


# ------------------------------------------------------------------ the SCORM half's entry point


def record_sco_attempt(
    *,
    user_id: int,
    sco_id: int | str,
    sco_title: str,
    course_id: int | None,
    attempt_key: str,
    course_title: str | None = None,
    verb: str = "attempted",
    score: float | None = None,
    max_score: float | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    duration_seconds: float | None = None,
    at: datetime | None = None,
) -> str:
    """Record "SCO attempted/completed/passed/failed" for the SCORM player.

    Call it inside the transaction that stores the SCO's runtime data (it only adds the
    statement to the session); the statement is committed with that data and sent after
    the commit (or by the sweep within ``SCORM_XAPI_SEND_INTERVAL`` seconds). Key it on
    what makes the record unique (``attempt_key``, e.g. ``"sco-attempt:42"``): recording
    the same verb for the same key again changes nothing. ``course_title``: the course's
    title when the caller has it (else it is read). Returns the statement id."""
    from lms_core.events import new_event_id

    if verb not in ("attempted", "completed", "passed", "failed"):
        raise ValueError(f"a SCO statement's verb is attempted, completed, passed or failed, not {verb!r}")
    thing = Thing("sco", activity_iri("sco", sco_id), sco_title)
    statement = add(
        cause=attempt_key,
        order_key=new_event_id(),
        user_id=user_id,
        verb=verb,
        thing=thing,
        at=at or utcnow(),
        parent=_course(course_id, course_title) if course_id else None,
        score=(score, max_score) if score is not None else None,
        success=success,
        completion=completion,
        duration_seconds=duration_seconds,
    )
    if _lrs()["endpoint"]:  # asked now: no SQL may run on this session after its commit
        db.session.info.setdefault(_KICK_KEY, set()).add(user_id)
    return statement


@sa_event.listens_for(Session, "after_commit")
def _kick_after_commit(session):
    session.info.pop(_LRS_KEY, None)
    users = session.info.pop(_KICK_KEY, None)
    if not users:
        return
    from lms_scorm_xapi.xapi import jobs

    try:
        for user_id in sorted(users):  # each job runs in an app context (and a session) of its own
            enqueue(jobs.send_learner, user_id)
    except Exception:  # noqa: BLE001 - the sweep sends them within SCORM_XAPI_SEND_INTERVAL
        log.warning("could not start sending the SCO statements of users %s now; the sweep will", users, exc_info=True)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_kick(session, previous_transaction):
    session.info.pop(_KICK_KEY, None)
    session.info.pop(_LRS_KEY, None)
