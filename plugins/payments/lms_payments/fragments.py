"""What the plugin adds to the course page: the price and the way to pay."""

from __future__ import annotations

from lms_core import db, render_fragment
from lms_core.models import Enrollment, utcnow
from lms_payments import orders
from lms_payments.models import Price


def course_page(user, course) -> list:
    if user is not None and user.role not in ("teacher", "admin"):
        from lms_core import is_enrolled
        from lms_core.models import Course, User

        # A learner of the course has nothing to buy: no query (the page's own enrolment).
        viewer, row = db.session.get(User, user.id), db.session.get(Course, course.id)
        if viewer is not None and row is not None and is_enrolled(viewer, row):
            return []
    prices = (
        db.session.execute(db.select(Price).where(Price.course_id == course.id).order_by(Price.currency))
        .scalars()
        .all()
    )
    if user is not None and user.role in ("teacher", "admin"):
        from lms_core.models import Course, User
        from lms_core import can

        if can(db.session.get(User, user.id), "course.edit", db.session.get(Course, course.id)):
            return [render_fragment("payments/_staff_fragment.html", course=course, prices=prices)]
    if not prices:
        return []
    status = None
    order = None
    if user is not None:
        status = db.session.execute(
            db.select(Enrollment.status).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
        ).scalar_one_or_none()
        if status in ("active", "completed"):
            return []
        order = orders.open_order(user.id, course.id)
    return [
        render_fragment(
            "payments/_course_fragment.html",
            course=course,
            prices=prices,
            now=utcnow(),
            pending=status == "pending",
            order=order,
        )
    ]
