"""Hooks the notifications plugin declares for other plugins (through ``lms_addhooks``).

Implement them with ``optionalhook=True`` so your plugin also loads without this one::

    from lms_core import hookimpl, lazy_gettext as _l

    @hookimpl(optionalhook=True)
    def lms_notification_scenarios():
        return [{"name": "zoom.session_starting", "label": _l("Live lecture starts soon"), ...}]

The contract of a scenario dict is in the plugin's README ("Declaring scenarios").
"""

from lms_core import hookspec


@hookspec
def lms_notification_scenarios():
    """Called when the scenario catalogue is built (once per app, and again when the
    admin opens the scenarios page). Returns a list of scenario dicts: ``name`` (the
    ``kind`` given to ``lms_core.notify``, prefixed with the plugin's name), ``label``,
    ``description``, ``audience`` (``learner``/``teacher``/``admin``/``anyone``),
    ``channels`` (default channels in fallback order; ``inapp`` is always added),
    ``frequency`` (``immediately``/``daily``/``weekly``/``off``), ``urgent`` (ignores
    quiet hours and digests), ``templates`` (Jinja sources: ``subject``, ``text``,
    optional ``html``, ``short`` for SMS/push/Telegram) and ``sample`` (params for
    the admin's preview). Optional keys may be added; none is ever removed."""
