"""Hooks the gamification plugin declares for other plugins (through ``lms_addhooks``).

Implement them like the core's hooks::

    from lms_core import hookimpl
    from lms_gamification.criteria import BadgeCriterion, CriterionParam

    @hookimpl
    def lms_gamification_badge_criteria():
        return [BadgeCriterion("course_points", lazy_gettext("Points in the course"), points_reached,
                               params=(CriterionParam("points", lazy_gettext("Points"), default=100),))]
"""

from lms_core import hookspec


@hookspec
def lms_gamification_badge_criteria():
    """Called when a person's badges are checked (after each event the plugin handles)
    and when the badge editor lists the kinds of criteria. Returns a list of
    ``lms_gamification.criteria.BadgeCriterion``; each ``kind`` must be unique across
    plugins. A criterion whose plugin is disabled is skipped, never failing the others."""
