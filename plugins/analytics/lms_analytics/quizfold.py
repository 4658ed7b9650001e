"""The quiz sums, kept one attempt at a time: each submitted attempt is added once (its
id is the key of ``analytics_quiz_folded``) to the score counts, the per-question sums
and value counts and the response counts, for "all attempts" and, when it is a first
attempt, for "first attempts"."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from lms_core import db, score_question, upsert
from lms_core.models import Attempt, Question

from lms_analytics.models import ChoiceCount, QuestionSums, QuestionValueCount, QuizFolded, QuizScoreCount

BATCH = 2000


def milli(points: float) -> int:
    return int(round(points * 1000))


def responses(question: Question, answer) -> list[str]:
    """What a response is counted as: choice ids, or the text answer in lower case."""
    if answer is None or answer == "" or answer == []:
        return ["-"]
    if question.kind == "single":
        return [str(answer)]
    if question.kind == "multiple":
        return [str(a) for a in answer] or ["-"]
    return [" ".join(str(answer).split()).casefold()[:100]]


class Accumulator:
    """Sums of many attempts in memory, written with one upsert per table (``flush``)."""

    def __init__(self):
        self.scores = defaultdict(lambda: [0, 0, 0])
        self.sums = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0, 0.0])
        self.values = defaultdict(int)
        self.choices = defaultdict(int)

    def add(self, attempt, questions: list[Question]) -> None:
        answers = attempt.answers or {}
        marks = [(q, score_question(q, answers.get(str(q.id)))) for q in questions]
        total = sum(m for _q, m in marks)
        max_total = sum(q.points for q in questions)
        modes = ("all", "first") if attempt.number == 1 else ("all",)
        for mode in modes:
            score = self.scores[(attempt.quiz_id, mode, milli(total))]
            score[0] += 1
            score[1] += 1 if attempt.passed else 0
            score[2] = milli(max_total)
            for q, x in marks:
                r = total - x
                s = self.sums[(attempt.quiz_id, mode, q.id)]
                s[0] += 1
                s[1] += x
                s[2] += x * x
                s[3] += r
                s[4] += r * r
                s[5] += x * r
                self.values[(attempt.quiz_id, mode, q.id, "x", milli(x))] += 1
                self.values[(attempt.quiz_id, mode, q.id, "r", milli(r))] += 1
                for response in responses(q, answers.get(str(q.id))):
                    self.choices[(attempt.quiz_id, mode, q.id, response)] += 1

    def flush(self) -> None:
        if self.scores:
            stmt = upsert(QuizScoreCount)
            db.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["quiz_id", "mode", "score_milli"],
                    set_={
                        "attempts": QuizScoreCount.attempts + stmt.excluded.attempts,
                        "passed": QuizScoreCount.passed + stmt.excluded.passed,
                        "max_score_milli": stmt.excluded.max_score_milli,
                    },
                ),
                [
                    {
                        "quiz_id": k[0],
                        "mode": k[1],
                        "score_milli": k[2],
                        "attempts": v[0],
                        "passed": v[1],
                        "max_score_milli": v[2],
                    }
                    for k, v in self.scores.items()
                ],
            )
        if self.sums:
            stmt = upsert(QuestionSums)
            db.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["quiz_id", "mode", "question_id"],
                    set_={
                        name: getattr(QuestionSums, name) + getattr(stmt.excluded, name)
                        for name in ("n", "sx", "sxx", "sr", "srr", "sxr")
                    },
                ),
                [
                    {
                        "quiz_id": k[0],
                        "mode": k[1],
                        "question_id": k[2],
                        "n": v[0],
                        "sx": v[1],
                        "sxx": v[2],
                        "sr": v[3],
                        "srr": v[4],
                        "sxr": v[5],
                    }
                    for k, v in self.sums.items()
                ],
            )
        if self.values:
            stmt = upsert(QuestionValueCount)
            db.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["quiz_id", "mode", "question_id", "axis", "value_milli"],
                    set_={"attempts": QuestionValueCount.attempts + stmt.excluded.attempts},
                ),
                [
                    {
                        "quiz_id": k[0],
                        "mode": k[1],
                        "question_id": k[2],
                        "axis": k[3],
                        "value_milli": k[4],
                        "attempts": v,
                    }
                    for k, v in self.values.items()
                ],
            )
        if self.choices:
            stmt = upsert(ChoiceCount)
            db.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["quiz_id", "mode", "question_id", "response"],
                    set_={"attempts": ChoiceCount.attempts + stmt.excluded.attempts},
                ),
                [
                    {"quiz_id": k[0], "mode": k[1], "question_id": k[2], "response": k[3], "attempts": v}
                    for k, v in self.choices.items()
                ],
            )
        self.__init__()


def _questions(quiz_ids) -> dict[int, list[Question]]:
    rows = (
        db.session.execute(
            select(Question)
            .where(Question.quiz_id.in_(list(quiz_ids)))
            .options(selectinload(Question.choices))
            .order_by(Question.position, Question.id)
        )
        .scalars()
        .all()
    )
    by_quiz = defaultdict(list)
    for q in rows:
        by_quiz[q.quiz_id].append(q)
    return by_quiz


def fold_attempt(attempt_id: int) -> bool:
    """Add one submitted attempt to its quiz's sums; ``False`` when it already was (or is
    not submitted). Commits."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.submitted_at is None:
        return False
    claimed = db.session.execute(
        upsert(QuizFolded)
        .values(attempt_id=attempt.id, quiz_id=attempt.quiz_id)
        .on_conflict_do_nothing(index_elements=["attempt_id"])
        .returning(QuizFolded.attempt_id)
    ).scalar_one_or_none()
    if claimed is None:
        db.session.rollback()
        return False
    accumulator = Accumulator()
    accumulator.add(attempt, _questions([attempt.quiz_id])[attempt.quiz_id])
    accumulator.flush()
    db.session.commit()
    return True


def fold_pending(limit: int = 50_000) -> int:
    """Fold the submitted attempts no event brought (a missed delivery, an old attempt)."""
    folded = select(QuizFolded.attempt_id).where(QuizFolded.attempt_id == Attempt.id).exists()
    ids = (
        db.session.execute(
            select(Attempt.id).where(Attempt.submitted_at.is_not(None), ~folded).order_by(Attempt.id).limit(limit)
        )
        .scalars()
        .all()
    )
    return _fold_many(ids)


def _fold_many(ids: list[int]) -> int:
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        attempts = db.session.execute(select(Attempt).where(Attempt.id.in_(chunk))).scalars().all()
        questions = _questions({a.quiz_id for a in attempts})
        accumulator = Accumulator()
        fresh = []
        for attempt in attempts:
            fresh.append({"attempt_id": attempt.id, "quiz_id": attempt.quiz_id})
            accumulator.add(attempt, questions.get(attempt.quiz_id, []))
        db.session.execute(db.insert(QuizFolded), fresh)
        accumulator.flush()
        db.session.commit()
        db.session.expunge_all()
        done += len(attempts)
    return done


def rebuild_quizzes(quiz_id: int | None = None) -> int:
    """Every quiz's sums again from the attempts (after a question changed, or ``rebuild``)."""
    for model in (QuizFolded, QuizScoreCount, QuestionSums, QuestionValueCount, ChoiceCount):
        stmt = delete(model)
        if quiz_id is not None:
            stmt = stmt.where(model.quiz_id == quiz_id)
        db.session.execute(stmt)
    db.session.commit()
    query = select(Attempt.id).where(Attempt.submitted_at.is_not(None)).order_by(Attempt.id)
    if quiz_id is not None:
        query = query.where(Attempt.quiz_id == quiz_id)
    return _fold_many(db.session.execute(query).scalars().all())
