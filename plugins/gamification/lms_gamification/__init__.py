"""Points, badges, levels and leaderboards for the LMS (the ``gamification`` plugin).

Other plugins add kinds of badge criteria through the ``lms_gamification_badge_criteria``
hook (``lms_gamification.hookspecs``), returning ``lms_gamification.criteria.BadgeCriterion``.
"""

__version__ = "0.1.0"
