"""Loading a course's content for pages that show all of it: each collection read in
one query for all its parents, not one per parent."""

from __future__ import annotations

from lms_core.extensions import db
from lms_core.models import Choice, Question


def load_questions(quizzes) -> None:
    """These quizzes' questions and their choices, two queries for all of them, where not
    loaded yet (a quiz's page, its preview, the API, the translation pages)."""
    quizzes = list(quizzes)
    load_children(quizzes, "questions", Question, Question.quiz_id, Question.position)
    load_children(
        [q for quiz in quizzes for q in quiz.questions], "choices", Choice, Choice.question_id, Choice.position
    )


def load_children(parents, name: str, model, parent_key, position) -> None:
    """``parent.<name>`` of every parent whose collection is not loaded yet, one query for
    all, set as the relationship's loaded value (pending changes are written first, as a
    query's autoflush would, not lost)."""
    from sqlalchemy import inspect
    from sqlalchemy.orm.attributes import set_committed_value

    wanted = [parent for parent in parents if name in inspect(parent).unloaded]
    if not wanted:
        return
    if any(inspect(parent).pending for parent in wanted):
        db.session.flush()  # their ids, which the query's own autoflush would come too late for
    found: dict[int, list] = {parent.id: [] for parent in wanted}
    for child in db.session.execute(
        db.select(model).where(parent_key.in_(list(found))).order_by(parent_key, position)
    ).scalars():
        found[getattr(child, parent_key.key)].append(child)
    for parent in wanted:
        set_committed_value(parent, name, found[parent.id])
