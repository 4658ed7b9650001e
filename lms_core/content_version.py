"""A course's content version: ``courses.content_version`` goes up by one in the same
transaction as every write of the course row, its lessons, quizzes or translations,
whichever way the write is made: ORM objects (a flush) or an INSERT, UPDATE or DELETE
statement run through a session. What a process keeps of a course between requests (the
course page's outline, ``lms_core.services.courses.outline``) is kept under that number,
so a change is seen by the next request of every process without any message between
them, and a rolled-back change rolls its number back with it.

A write through a bare connection (raw SQL outside the session) is not seen: call
``bump(session, course_ids)`` after it.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

# The session wrote content in its current transaction: what it reads may not be
# committed, so nothing it reads of that content is kept for other requests.
WROTE_CONTENT = "lms_wrote_course_content"
_EXPIRE = "lms_content_version_expire"


def _tables():
    from lms_core.models import Course, Lesson, Quiz, Translation

    return Course, (Lesson, Quiz, Translation)


def bump(session: Session, course_ids) -> None:
    """Raise the content version of these courses by one, in the session's transaction."""
    ids = sorted({i for i in course_ids if i is not None})
    if not ids:
        return
    from lms_core.models import Course

    table = Course.__table__
    session.connection().execute(
        table.update()
        .where(table.c.id.in_(ids))
        # updated_at kept as it is: the column's onupdate would stamp the course otherwise
        .values(content_version=table.c.content_version + 1, updated_at=table.c.updated_at)
    )
    session.info[WROTE_CONTENT] = True
    session.info.setdefault(_EXPIRE, set()).update(ids)


def wrote_content(session: Session) -> bool:
    return bool(session.info.get(WROTE_CONTENT))


@event.listens_for(Session, "after_flush")
def _flushed(session, _context):
    course_model, content_models = _tables()
    ids: set[int] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, content_models):
            ids.add(obj.course_id)
            if obj in session.dirty:  # a lesson moved to another course changes both
                old = _history_of(obj, "course_id")
                ids.update(old)
        elif isinstance(obj, course_model) and obj in session.dirty and session.is_modified(obj):
            ids.add(obj.id)
    if ids:
        bump(session, ids)


def _history_of(obj, name: str) -> list:
    from sqlalchemy import inspect

    return list(inspect(obj).attrs[name].history.deleted or ())


@event.listens_for(Session, "after_flush_postexec")
def _expire_bumped(session, _context):
    ids = session.info.pop(_EXPIRE, None)
    if ids:
        _expire_versions(session, ids)


def _expire_versions(session, ids) -> None:
    course_model, _content = _tables()
    for obj in list(session.identity_map.values()):
        if isinstance(obj, course_model) and obj.id in ids:
            session.expire(obj, ["content_version"])


@event.listens_for(Session, "do_orm_execute")
def _statement(state):
    """INSERT, UPDATE and DELETE statements of content tables run through the session
    (bulk writes that no flush sees): bump the courses they touch."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    course_model, content_models = _tables()
    statement = state.statement
    table = getattr(statement, "table", None)
    tables = {m.__table__: m for m in (course_model, *content_models)}
    if table not in tables:
        return
    # ``update(Model)`` carries the table annotated by the ORM: equal to it, not the same object
    model = tables[table]
    table = model.__table__
    session = state.session
    if state.is_insert:
        if model is course_model:
            return  # a new course: its first version is new too
        rows = state.parameters
        rows = rows if isinstance(rows, list) else [rows or {}]
        ids = {row.get("course_id") for row in rows}
        ids.update(_values_of(statement, "course_id"))
        result = state.invoke_statement()
        bump(session, ids)
        return result
    key = table.c.id if model is course_model else table.c.course_id
    found = select(key).distinct()
    if statement.whereclause is not None:
        found = found.where(statement.whereclause)
    ids = set(session.connection().execute(found, state.parameters or {}).scalars())
    ids.update(_values_of(statement, "course_id"))  # moved to another course
    result = state.invoke_statement()
    bump(session, ids)
    _expire_versions(session, ids)
    return result


def _values_of(statement, name: str) -> set:
    values = getattr(statement, "_values", None) or {}
    found = set()
    for column, value in values.items():
        if getattr(column, "key", column) == name:
            found.add(getattr(value, "value", None))
    return found


@event.listens_for(Session, "after_commit")
def _committed(session):
    session.info.pop(WROTE_CONTENT, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, _previous):
    if not session.in_transaction():
        session.info.pop(WROTE_CONTENT, None)
