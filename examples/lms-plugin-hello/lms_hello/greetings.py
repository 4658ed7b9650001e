"""Greeting learners: what ``on_quiz_passed`` does and what the page shows."""

from flask import has_request_context, url_for
from sqlalchemy.exc import IntegrityError

from lms_core import db, gettext as _, notify
from lms_hello.models import Greeting


def greet(user, quiz, attempt) -> bool:
    """Congratulate ``user`` (snapshots from the event) on passing ``quiz`` for the
    first time. A retake or a replayed event greets nobody twice."""
    already = db.session.execute(
        db.select(Greeting.id).where(Greeting.user_id == user.id, Greeting.quiz_id == quiz.id)
    ).first()
    if already:
        return False
    db.session.add(Greeting(user_id=user.id, quiz_id=quiz.id, attempt_id=attempt.id, quiz_title=quiz.title))
    try:
        db.session.flush()
    except IntegrityError:  # the same event, handled at the same moment elsewhere
        db.session.rollback()
        return False
    # notify() commits, so the greeting and the inbox entry are stored together.
    # Title and body are callables: they are written in the learner's language.
    notify(
        user.id,
        "hello.greeting",
        lambda: _("Well done, %(name)s!", name=user.name),
        lambda: _("You passed “%(quiz)s”.", quiz=quiz.title),
        url=url_for("hello.greetings") if has_request_context() else None,
    )
    return True


def greetings_of(user_id: int) -> list[Greeting]:
    return list(
        db.session.execute(
            db.select(Greeting)
            .where(Greeting.user_id == user_id)
            .order_by(Greeting.created_at.desc(), Greeting.id.desc())
        ).scalars()
    )
