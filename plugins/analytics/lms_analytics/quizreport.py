"""A quiz's statistics report, read from the quiz sums (a few rows per question, never
the attempts): the test statistics, one row per question and the response counts."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms_core import db
from lms_core.models import Question, Quiz

from lms_analytics import statistics
from lms_analytics.models import MODES, ChoiceCount, QuestionSums, QuestionValueCount, QuizScoreCount

HISTOGRAM_BINS = 10


def report(quiz: Quiz, mode: str = "first") -> dict:
    if mode not in MODES:
        mode = "first"
    scores = db.session.execute(
        select(
            QuizScoreCount.score_milli, QuizScoreCount.attempts, QuizScoreCount.passed, QuizScoreCount.max_score_milli
        ).where(QuizScoreCount.quiz_id == quiz.id, QuizScoreCount.mode == mode)
    ).all()
    counts = {s / 1000: a for s, a, _p, _m in scores}
    attempts = sum(counts.values())
    passed = sum(p for _s, _a, p, _m in scores)
    max_score = max((m for *_x, m in scores), default=0) / 1000 or float(sum(q.points for q in quiz.questions))

    questions = (
        db.session.execute(
            select(Question)
            .where(Question.quiz_id == quiz.id)
            .options(selectinload(Question.choices))
            .order_by(Question.position, Question.id)
        )
        .scalars()
        .all()
    )
    sums = {
        row.question_id: row
        for row in db.session.execute(
            select(QuestionSums).where(QuestionSums.quiz_id == quiz.id, QuestionSums.mode == mode)
        ).scalars()
    }
    values = defaultdict(lambda: {"x": {}, "r": {}})
    for qid, axis, value, n in db.session.execute(
        select(
            QuestionValueCount.question_id,
            QuestionValueCount.axis,
            QuestionValueCount.value_milli,
            QuestionValueCount.attempts,
        ).where(QuestionValueCount.quiz_id == quiz.id, QuestionValueCount.mode == mode)
    ):
        values[qid][axis][value / 1000] = n
    responses = defaultdict(dict)
    for qid, response, n in db.session.execute(
        select(ChoiceCount.question_id, ChoiceCount.response, ChoiceCount.attempts).where(
            ChoiceCount.quiz_id == quiz.id, ChoiceCount.mode == mode
        )
    ):
        responses[qid][response] = n

    rows = []
    for position, q in enumerate(questions, start=1):
        s = sums.get(q.id)
        kept = statistics.QuestionSums(float(q.points))
        if s is not None:
            kept.n, kept.sx, kept.sxx, kept.sr, kept.srr, kept.sxr = s.n, s.sx, s.sxx, s.sr, s.srr, s.sxr
            kept.x_counts, kept.r_counts = values[q.id]["x"], values[q.id]["r"]
        stat = statistics.question_statistics(kept)
        stat.update(
            position=position,
            question=q,
            max_mark=float(q.points),
            random_guess=_random_guess(q),
            responses=_responses(q, responses.get(q.id, {}), kept.n),
        )
        rows.append(stat)
    for row, weight in zip(rows, statistics.effective_weights(rows)):
        row["effective_weight"] = weight
        row["flags"] = statistics.flags(row)
    summary = statistics.summary_statistics(counts, [r["variance"] for r in rows if r["variance"] is not None])
    summary.update(
        passed=passed,
        pass_rate=(100 * passed / attempts) if attempts else None,
        max_score=max_score,
        distribution=distribution(counts, max_score),
    )
    return {"quiz": quiz, "mode": mode, "summary": summary, "questions": rows}


def _random_guess(q: Question) -> float | None:
    """The facility a learner guessing at random would reach (%), where it is defined."""
    if q.kind == "single" and q.choices:
        return 100 * sum(1 for c in q.choices if c.correct) / len(q.choices)
    if q.kind == "text":
        return 0.0
    return None


def _responses(q: Question, counts: dict, attempts: int) -> list[dict]:
    rows = []
    if q.kind in ("single", "multiple"):
        for c in q.choices:
            n = counts.get(str(c.id), 0)
            rows.append(
                {
                    "label": c.text,
                    "correct": c.correct,
                    "attempts": n,
                    "share": (100 * n / attempts) if attempts else None,
                }
            )
    else:
        accepted = {" ".join(a.split()).casefold() for a in q.accepted_answers}
        for text, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
            if text == "-":
                continue
            rows.append(
                {
                    "label": text,
                    "correct": text in accepted,
                    "attempts": n,
                    "share": (100 * n / attempts) if attempts else None,
                }
            )
    blank = counts.get("-", 0)
    if blank:
        rows.append({"label": None, "correct": False, "attempts": blank, "share": 100 * blank / attempts})
    return rows


def distribution(counts: dict[float, int], max_score: float, bins: int = HISTOGRAM_BINS) -> list[dict]:
    """Attempts per tenth of the maximum score (the last bin holds the full mark)."""
    out = [{"from": 100 * i / bins, "to": 100 * (i + 1) / bins, "attempts": 0} for i in range(bins)]
    if not max_score:
        return out
    for score, n in counts.items():
        index = min(bins - 1, max(0, int(score / max_score * bins)))
        out[index]["attempts"] += n
    return out
