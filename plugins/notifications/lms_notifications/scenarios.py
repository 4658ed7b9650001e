"""The scenario catalogue: what each kind of notification is, who gets it, on which
channels and how often by default, and the texts it is written with.

Plugins declare theirs through the ``lms_notification_scenarios`` hook (see
``hookspecs.py``); this plugin declares the core's own (course start) and the
announcements. The admin's defaults (``ScenarioSetting``) are applied on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lms_core import db, lazy_gettext as _l

CHANNELS = ("email", "sms", "push", "telegram")  # the channels this plugin delivers on ("inapp" is the core's)
FREQUENCIES = ("immediately", "daily", "weekly", "off")
AUDIENCES = ("learner", "teacher", "admin", "anyone")
PARTS = ("subject", "text", "html", "short")

COURSE_TOMORROW = "notifications.course_starts_tomorrow"
COURSE_TODAY = "notifications.course_starts_today"
ANNOUNCEMENT = "notifications.announcement"
PHONE_CODE = "notifications.phone_code"


@dataclass
class Scenario:
    name: str
    label: object
    description: object = ""
    audience: str = "anyone"
    channels: list = field(default_factory=lambda: ["email"])
    frequency: str = "immediately"
    urgent: bool = False
    templates: dict = field(default_factory=dict)
    sample: dict = field(default_factory=dict)
    plugin: str = ""
    locked: bool = False
    declared: bool = True  # False: a kind nobody declared (sent with its title and body)

    @property
    def fallback(self) -> list:
        """The channels in the order they are tried (``inapp`` is always delivered)."""
        return [c for c in self.channels if c in CHANNELS]


# Texts for a kind that no plugin declared: the inbox's own title and body.
GENERIC_TEMPLATES = {
    "subject": "{{ title }}",
    "text": "{{ body }}{% if url %}\n\n{{ url }}{% endif %}",
    "short": "{{ title }}",
}


def own_scenarios() -> list[dict]:
    """The scenarios this plugin sends itself (the core's course start, announcements)."""
    return [
        {
            "name": COURSE_TOMORROW,
            "label": _l("Course starts tomorrow"),
            "description": _l("Sent to enrolled learners a day before the course's start date."),
            "audience": "learner",
            "channels": ["email", "telegram", "push"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("“{{ course }}” starts tomorrow"),
                "text": _l(
                    "Hello {{ user_name }},\n\nthe course “{{ course }}” starts on {{ starts_at }}.\n\n{{ url }}"
                ),
                "short": _l("“{{ course }}” starts tomorrow, {{ starts_at }}"),
            },
            "sample": {"course": "Python 101", "starts_at": "2 Dec 2026, 10:00"},
        },
        {
            "name": COURSE_TODAY,
            "label": _l("Course starts today"),
            "description": _l("Sent to enrolled learners a few hours before the course starts."),
            "audience": "learner",
            "channels": ["push", "telegram", "sms", "email"],
            "frequency": "immediately",
            "urgent": True,
            "templates": {
                "subject": _l("“{{ course }}” starts today at {{ starts_at }}"),
                "text": _l(
                    "Hello {{ user_name }},\n\nthe course “{{ course }}” starts today: {{ starts_at }}.\n\n{{ url }}"
                ),
                "short": _l("“{{ course }}” starts today, {{ starts_at }}"),
            },
            "sample": {"course": "Python 101", "starts_at": "10:00"},
        },
        {
            "name": ANNOUNCEMENT,
            "label": _l("Announcements"),
            "description": _l("Messages from your teachers to a course, or from the administrators."),
            "audience": "anyone",
            "channels": ["email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": "{{ subject }}",
                "text": "{{ body }}\n\n— {{ author }}{% if course %}, {{ course }}{% endif %}",
                "short": "{{ subject }}",
            },
            "sample": {
                "subject": "Room change",
                "body": "Tomorrow's lecture is in room 101.",
                "author": "Ada Lovelace",
                "course": "Python 101",
            },
        },
    ]


def _from_dict(data: dict, plugin: str) -> Scenario:
    return Scenario(
        name=data["name"],
        label=data.get("label") or data["name"],
        description=data.get("description", ""),
        audience=data.get("audience", "anyone") if data.get("audience") in AUDIENCES else "anyone",
        channels=[c for c in data.get("channels", ["email"]) if c in CHANNELS or c == "inapp"],
        frequency=data.get("frequency") if data.get("frequency") in FREQUENCIES else "immediately",
        urgent=bool(data.get("urgent", False)),
        templates=dict(data.get("templates") or {}),
        sample=dict(data.get("sample") or {}),
        plugin=plugin,
    )


def declared() -> dict[str, Scenario]:
    """Every declared scenario by name, as the enabled plugins declare them (no admin
    settings). Asked each time: a plugin switched off takes its scenarios with it, and
    the hook only returns a few dicts."""
    from lms_core import call_hook

    found: dict[str, Scenario] = {}
    for scenarios in call_hook("lms_notification_scenarios"):
        for data in scenarios or ():
            if isinstance(data, dict) and isinstance(data.get("name"), str) and data["name"]:
                # The prefix of the name is the declaring plugin's name (the contract).
                found.setdefault(data["name"], _from_dict(data, data["name"].split(".", 1)[0]))
    return found


def catalogue() -> list[Scenario]:
    """Every scenario with the admin's defaults applied, ordered by plugin and name."""
    from lms_notifications.models import ScenarioSetting

    settings = {row.scenario: row for row in db.session.execute(db.select(ScenarioSetting)).scalars()}
    return sorted((_apply(s, settings.get(s.name)) for s in declared().values()), key=lambda s: (s.plugin, s.name))


def get(kind: str) -> Scenario:
    """The scenario for ``kind`` with the admin's defaults; an undeclared kind gets a
    generic scenario (e-mail, immediately) written with the notification's own texts."""
    from lms_notifications.models import ScenarioSetting

    base = declared().get(kind)
    if base is None:
        base = Scenario(name=kind, label=kind, templates=dict(GENERIC_TEMPLATES), declared=False)
    return _apply(base, db.session.get(ScenarioSetting, kind))


def _apply(scenario: Scenario, setting) -> Scenario:
    if setting is None:
        return scenario
    from dataclasses import replace

    return replace(
        scenario,
        channels=list(setting.channels) or scenario.channels,
        frequency=setting.frequency,
        locked=setting.locked,
    )


def save_defaults(name: str, channels: list[str], frequency: str, locked: bool) -> None:
    from lms_notifications.models import ScenarioSetting

    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    row = db.session.get(ScenarioSetting, name) or ScenarioSetting(scenario=name)
    row.channels = [c for c in channels if c in CHANNELS]
    row.frequency = frequency
    row.locked = bool(locked)
    db.session.add(row)
    db.session.commit()
