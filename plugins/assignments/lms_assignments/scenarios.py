"""The plugin's notification scenarios, for the notifications plugin's catalogue (the
``lms_notification_scenarios`` hook, implemented with ``optionalhook=True``): what each
message is, its default channels and its templates (Jinja, over the ``params`` given to
``notify``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def scenarios() -> list[dict]:
    return [
        {
            "name": "assignments.reminder",
            "label": _l("Deadline soon"),
            "description": _l("Sent to students who have not handed in, the set number of hours before the deadline."),
            "audience": "learner",
            "channels": ["push", "telegram", "email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("Reminder: “{{ assignment }}” is due on {{ due_at }}"),
                "text": _l(
                    "You have not handed in “{{ assignment }}” yet. The deadline is in {{ hours }}: {{ due_at }}.\n\n{{ url }}"
                ),
                "short": _l("“{{ assignment }}” is due in {{ hours }}"),
            },
            "sample": {"assignment": "Essay", "due_at": "Dec 2, 2026, 6:00 PM", "hours": "24 hours"},
        },
        {
            "name": "assignments.grade_released",
            "label": _l("New grade"),
            "description": _l("Sent to a student when a teacher releases (or changes) their grade."),
            "audience": "learner",
            "channels": ["email", "push", "telegram"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("Your grade for “{{ assignment }}”: {{ points }} of {{ max_points }}"),
                "text": _l(
                    "Your grade for “{{ assignment }}” is out: {{ points }} of {{ max_points }} points.\n\n{{ url }}"
                ),
                "short": _l("Grade for “{{ assignment }}”: {{ points }}/{{ max_points }}"),
            },
            "sample": {"assignment": "Essay", "points": "8", "max_points": "10"},
        },
        {
            "name": "assignments.returned",
            "label": _l("Attempt returned"),
            "description": _l("Sent to a student whose attempt was returned for resubmission."),
            "audience": "learner",
            "channels": ["email", "push"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("“{{ assignment }}” was returned to you for resubmission"),
                "text": _l("{{ comment }}\n\n{{ url }}"),
                "short": _l("“{{ assignment }}” was returned to you"),
            },
            "sample": {"assignment": "Essay", "comment": "Please add the references."},
        },
        {
            "name": "assignments.submission_received",
            "label": _l("Hand-in received"),
            "description": _l("Sent to the course's teachers when a student hands in an attempt."),
            "audience": "teacher",
            "channels": ["email"],
            "frequency": "daily",
            "urgent": False,
            "templates": {
                "subject": _l("{{ student }} handed in “{{ assignment }}”"),
                "text": _l("{{ student }} handed in attempt {{ number }} of “{{ assignment }}”.\n\n{{ url }}"),
                "short": _l("{{ student }} handed in “{{ assignment }}”"),
            },
            "sample": {"student": "Ann Smith", "assignment": "Essay", "number": 1},
        },
        {
            "name": "assignments.hand_in_digest",
            "label": _l("Daily summary of hand-ins"),
            "description": _l("Sent once a day to teachers who chose a summary instead of a notice for each hand-in."),
            "audience": "teacher",
            "channels": ["email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("{{ count }} new hand-in(s) today"),
                "text": _l("{{ count }} new hand-in(s) in your courses today.\n\n{{ url }}"),
                "short": _l("{{ count }} new hand-in(s) today"),
            },
            "sample": {"count": 3, "assignments": [{"title": "Essay", "count": 3}]},
        },
        {
            "name": "assignments.missing",
            "label": _l("Missing hand-ins"),
            "description": _l(
                "Sent to the course's teachers once a deadline has passed, listing who has not handed in."
            ),
            "audience": "teacher",
            "channels": ["email"],
            "frequency": "immediately",
            "urgent": False,
            "templates": {
                "subject": _l("“{{ assignment }}”: {{ count }} student(s) have not handed in"),
                "text": _l("{{ students }}\n\n{{ url }}"),
                "short": _l("“{{ assignment }}”: {{ count }} missing"),
            },
            "sample": {"assignment": "Essay", "count": 2, "students": "Ann Smith\nBob Jones"},
        },
    ]
