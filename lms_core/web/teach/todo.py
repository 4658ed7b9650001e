"""A teacher's "To do" across all the courses they teach: what plugins report through
``lms_teacher_todo`` (hand-ins to grade, learners past a deadline, ...), by course."""

from __future__ import annotations

from flask import abort, g, render_template

from lms_core import cache
from lms_core.extensions import db
from lms_core.models import Course
from lms_core.payloads import UserInfo
from lms_core.plugins import get_plugin_manager
from lms_core.web.teach.blueprint import bp

WORK_WAITING_COUNT_SECONDS = 60  # how long the menu's "To do (N)" count is cached per teacher


def todo_items(user: UserInfo) -> list:
    """What plugins report for ``user`` (a snapshot), counts above 0 only."""
    from lms_core.contracts import TodoItem

    items = get_plugin_manager().call_flat("lms_teacher_todo", user=user)
    return [item for item in items if isinstance(item, TodoItem) and item.count > 0]


def todo_count(user: UserInfo) -> int:
    """The number beside "To do" in the menu, cached a minute per teacher."""
    return cache.get_or_compute(
        "teacher_todo",
        str(user.id),
        lambda: sum(item.count for item in todo_items(user)),
        ttl=WORK_WAITING_COUNT_SECONDS,
    )


@bp.route("/todo")
def todo():
    if g.user.role not in ("teacher", "admin"):
        abort(403)
    items = todo_items(UserInfo.of(g.user))
    course_ids = {item.course_id for item in items if item.course_id is not None}
    titles = (
        dict(db.session.execute(db.select(Course.id, Course.title).where(Course.id.in_(course_ids))).all())
        if course_ids
        else {}
    )
    groups: dict = {}
    for item in items:
        groups.setdefault(item.course_id, []).append(item)
    ordered = sorted(groups.items(), key=lambda pair: (pair[0] is None, titles.get(pair[0], "")))
    return render_template("teach/todo.html", groups=ordered, titles=titles, total=sum(i.count for i in items))
