"""The core's own behaviour, wired through the same hooks third-party plugins use."""

from lms_core.defaults import completion, dashboard, events, gradebook, navigation, permissions, sessions

CORE_PLUGINS = [
    ("lms_core.permissions", permissions),
    ("lms_core.completion", completion),
    ("lms_core.navigation", navigation),
    ("lms_core.events", events),
    ("lms_core.sessions", sessions),
    ("lms_core.gradebook", gradebook),
    ("lms_core.dashboard", dashboard),
]
