"""The plugin's part of ``lms demo --size large``: the points ledger, then the boards
rebuilt from it (the summary table, and Redis when it is set)."""

from __future__ import annotations

from lms_gamification.models import PointAward
from lms_gamification.rebuild import rebuild

# What a quiz pass, a lesson or a course earns with the default rules, roughly in the
# proportions a real ledger has.
RULES = (
    ("lesson_completed", 5),
    ("lesson_completed", 5),
    ("quiz_pass", 10),
    ("quiz_score_bonus", 5),
    ("quiz_first_attempt_bonus", 5),
    ("course_completed", 50),
)


def load_demo_awards(platform) -> list[str]:
    generator, enrollments = platform.random, platform.enrollments

    def rows():
        for n in range(platform.volumes.point_awards):
            _enrollment_id, user_id, course_id = enrollments[generator.randrange(len(enrollments))]
            rule, points = RULES[generator.randrange(len(RULES))]
            when = platform.moment()
            yield {
                "user_id": user_id,
                "course_id": course_id,
                "rule": rule,
                "cause": f"demo:{n}",
                "points": points,
                "details": {},
                "created_at": when,
                "updated_at": when,
            }

    awards = platform.insert(PointAward, rows())
    report = rebuild()
    return [f"{awards:,} point awards, {report.rows:,} leaderboard rows on {report.boards:,} boards"]
