"""Hooks the analytics plugin declares for other plugins (through ``lms_addhooks``).
Implement them with ``@hookimpl(optionalhook=True)`` so your plugin loads without this
one::

    from lms_core import hookimpl
    from lms_analytics.panels import Panel

    @hookimpl(optionalhook=True)
    def lms_analytics_panels(course):
        return [Panel("points", lazy_gettext("Points per day"), "bar",
                      columns=[lazy_gettext("Day"), lazy_gettext("Points")], rows=[["2026-01-05", 40]])]
"""

from lms_core import hookspec


@hookspec
def lms_analytics_panels(course):
    """Called when the course overview of ``course`` (a snapshot) is shown to its staff.
    Returns a list of ``lms_analytics.panels.Panel``: each is drawn as a chart with the
    same data as a table, CSV export and PNG download. Never name a learner who asked to
    be hidden."""


@hookspec
def lms_analytics_hidden_learners(user_ids):
    """Called with a list of user ids before analytics names learners (dashboards,
    reporting views). Returns the ids of those who asked not to be named (a privacy
    setting of your plugin); they are shown as a pseudonym."""


@hookspec
def lms_analytics_assignment_stats(course):
    """Called for the assignment statistics of ``course`` (a snapshot). Returns a list of
    ``lms_analytics.panels.AssignmentStats`` (one per assignment). The assignments plugin
    implements it; without it the page says that no plugin provides assignments."""
