"""The LMS plugin contract: every hook a plugin may implement.

Plugins import the implementation marker from the core::

    from lms_core import hookimpl

    @hookimpl
    def on_quiz_passed(user, quiz, attempt, event):
        ...

Hooks come in four groups, in the order an application meets them:

* **setup hooks** (``lms_*``) are called once while ``create_app`` builds the
  application: they contribute blueprints, CLI commands, migrations, translations,
  periodic tasks, notification channels;
* **page hooks** add navigation links and HTML fragments to core pages;
* **filter hooks** (``lms_before_*``) are called before an action happens and may
  refuse it (or hold it) by returning an ``lms_core.Refusal``;
* **event hooks** (``on_*``) are called after the change that caused them has been
  committed. Their arguments are read-only snapshots (``lms_core.payloads``): a
  plugin reads them and loads rows by id when it needs more. Each implementation is
  called on its own: an exception is logged against the plugin and never reaches
  the user or the other plugins. Slow work belongs in a job (``lms_core.enqueue``).

  Events are durable (docs/hooks.md, "Delivery guarantee"): each is written to the
  event log in the transaction of its change and delivered **at least once** to every
  plugin that was enabled when it happened, in commit order per user (a plugin never
  gets a user's later event while an earlier one is undelivered to it). A handler that
  raises (or enqueues a job while Redis is down) is called again later with back-off,
  with equal snapshots (they travel through JSON) and the same ``event``
  (``lms_core.payloads.EventInfo``: ``id``, ``name``, ``created_at``): use
  ``event.id`` as the idempotency key of what the handler does. A plugin disabled when
  an event happens does not receive it (unless replayed with ``lms events replay``);
  deliveries waiting for a plugin that is disabled or uninstalled wait until it is
  enabled again, or until they are pruned with the log.

Implementations may accept fewer arguments than a spec names; arguments are only
ever added to a spec, never renamed or removed without a deprecation period.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:  # the contract's types; hookspecs itself imports nothing of the core
    import click
    from flask import Blueprint, Flask

    from lms_core.contracts import (
        GradebookItem,
        NavLink,
        NotificationChannel,
        PeriodicTask,
        Refusal,
        Requirement,
        TodoItem,
        UpcomingItem,
        WorkspaceTab,
    )
    from lms_core.payloads import (
        AttemptInfo,
        CourseInfo,
        EnrollmentInfo,
        EventInfo,
        LessonInfo,
        NotificationInfo,
        QuizInfo,
        UserInfo,
    )

PROJECT_NAME = "lms"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------------------
# Setup hooks: called once while the application is built.
# --------------------------------------------------------------------------------------


@hookspec(historic=True)
def lms_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Called when a plugin is registered, so it can declare hooks of its own.

    ``pluginmanager`` is the ``pluggy.PluginManager``; call
    ``pluginmanager.add_hookspecs(module)`` with a module of ``@hookspec``
    functions (use ``lms_core.hookspec``). Returns nothing.
    """


@hookspec
def lms_blueprints(app: Flask) -> list[Blueprint]:
    """Called once while the app is built. Returns a list of ``flask.Blueprint``
    objects to register; their URLs answer 404 while the plugin is disabled."""


@hookspec
def lms_cli_commands() -> list[click.Command]:
    """Called once while the CLI is built. Returns a list of ``click`` commands or
    groups that become ``lms <name> ...`` subcommands."""


@hookspec
def lms_migrations_folder() -> str | os.PathLike[str] | None:
    """Returns the path of the plugin's Alembic ``versions`` folder (a string or
    ``pathlib.Path``). ``lms db upgrade`` runs it with the version table
    ``<plugin>_alembic_version``. Tables the plugin creates are named ``<plugin>_*``."""


@hookspec
def lms_translations_folder() -> str | os.PathLike[str] | None:
    """Returns the path of the plugin's ``translations`` folder (gettext catalogues
    ``<lang>/LC_MESSAGES/messages.mo``), merged into the interface translations."""


@hookspec
def lms_periodic_tasks() -> list[PeriodicTask]:
    """Returns a list of ``lms_core.PeriodicTask`` (name, function, interval in
    seconds). ``lms scheduler`` enqueues them on rq; ``lms tick`` runs the due ones
    in-process for deployments without Redis. Tasks must be idempotent."""


@hookspec
def lms_notification_channels() -> list[NotificationChannel]:
    """Returns a list of ``lms_core.NotificationChannel`` objects (e-mail, SMS, push,
    ...). Every notification is stored in the in-app inbox; each channel's
    ``deliver(notification, user)`` then runs in a job."""


@hookspec
def lms_notification_texts() -> dict[str, Callable[[dict], Any]] | None:
    """Returns ``{kind: render}`` for the notification kinds the plugin writes:
    ``render(params)`` gives the title, or ``(title, body)``, in the current language.
    Called when a notification is shown (the inbox, the API), so each reader sees it in
    the language they read now; the text stored when it was written is the fallback (a
    row without params, a ``render`` that returns ``None`` or raises). ``notify`` without
    a title renders the new notification with the same function, in the recipient's
    language."""


@hookspec
def lms_openapi() -> dict[str, Any] | None:
    """Returns the plugin's part of the OpenAPI 3.1 document served at
    ``/api/v1/openapi.json``: a dict with ``paths`` (relative to ``/api/v1``) and
    optionally ``components`` (``schemas``, ``parameters``, ...) and ``tags``. Prefix
    component names with the plugin's name. Every route a plugin serves under
    ``/api/v1`` must be described here (the core's tests check the core's own)."""


@hookspec
def lms_content_security_policy(app: Flask) -> dict[str, list[str]] | None:
    """Called once while the app is built. Returns a dict of Content-Security-Policy
    directive to a list of sources the plugin needs besides the site itself, e.g.
    ``{"frame-src": ["https://meet.example.org"]}`` for a framed video provider or
    ``{"frame-src": ["https://content.example.org"]}`` for packages served from their
    own origin. Sources are added to the core's strict policy (scripts only from the
    site, no inline script); origins added to ``frame-src`` also get camera,
    microphone and full screen in ``Permissions-Policy``."""


@hookspec
def lms_completion_requirements(user: UserInfo, course: CourseInfo) -> list[Requirement]:
    """Called when the core decides whether ``user`` has completed ``course``
    (snapshots). Returns a list of ``lms_core.Requirement`` (label, met, url); the
    course is complete only when the core's own requirements and all of these are met.
    """


@hookspec
def lms_demo_data(platform: Any) -> list[str]:
    """Called by ``lms demo --size large`` after the core wrote its part of the large
    demo platform. ``platform`` is an ``lms_core.demo_large.DemoPlatform``: the ids
    of the learners, courses, enrolments (and completed ones), lessons and quizzes,
    the wanted ``volumes``, a seeded ``random`` and ``insert(model, rows)`` for bulk
    batches. Add the plugin's own rows to its own tables (never one ORM object at a
    time); the core commits after each plugin. Returns a list of lines to print."""


# --------------------------------------------------------------------------------------
# Page hooks: called while a page is rendered.
# --------------------------------------------------------------------------------------


@hookspec
def lms_navigation_links(user: UserInfo | None) -> list[NavLink]:
    """Called for every page. ``user`` is the current user's snapshot or ``None``.
    Returns a list of ``lms_core.NavLink`` (label, url, area) for the main menu."""


@hookspec
def lms_course_page_fragments(user: UserInfo | None, course: CourseInfo) -> list[str] | str | None:
    """Called when the course page is rendered. Returns a list of HTML fragments
    (``markupsafe.Markup`` or plain text, which is escaped) shown under the outline;
    a single fragment may be returned as it is."""


@hookspec
def lms_dashboard_fragments(user: UserInfo) -> list[str] | str | None:
    """Called when a user's dashboard is rendered. Returns a list of HTML fragments
    (or a single one)."""


@hookspec
def lms_dashboard_upcoming(user: UserInfo, course_ids: list[int], taught_course_ids: list[int]) -> list[UpcomingItem]:
    """Called when a user's dashboard is rendered. Returns a list of
    ``lms_core.UpcomingItem``: the plugin's deadlines and live sessions still to come
    in ``course_ids`` (the courses ``user`` is enrolled in, active or completed) and,
    as their teacher sees them, in ``taught_course_ids`` (the courses ``user`` teaches:
    their learners' deadlines, hand-ins to grade, the sessions they run; empty for a
    learner), at most ``UPCOMING_LIMIT`` (10), read in a constant number of queries.
    The dashboard merges every plugin's items (and the core's quiz deadlines) in time
    order."""


@hookspec
def lms_course_workspace_tabs(user: UserInfo, course: CourseInfo) -> list[WorkspaceTab]:
    """Called when a page of a course's teacher workspace is rendered, for a user who
    may edit the course. Returns a list of ``lms_core.WorkspaceTab`` (key, label, url,
    optional count) for the plugin's teacher pages of this course (grading,
    certificates, live sessions, prices...); return only tabs ``user`` may open."""


@hookspec
def lms_gradebook_items(course: CourseInfo, user_ids: list[int] | None) -> list[GradebookItem]:
    """Called when a course's gradebook is built (a page of it, a learner's own grades,
    an export). Returns a list of ``lms_core.GradebookItem``: the plugin's graded items
    of ``course`` with the points of the learners in ``user_ids`` (the learners being
    shown; ``None`` means every learner of the course). Read them in a constant number
    of queries, not one per learner. An item's points are taken as live (the
    gradebook's filters recompute them every minute) unless it is returned with
    ``tracked=True``, which promises ``lms_core.gradebook_changed`` in every transaction
    that changes them. ``settles_at`` must be an aware ``datetime`` (else ignored)."""


@hookspec
def lms_teacher_todo(user: UserInfo) -> list[TodoItem]:
    """Called for a teacher's (or admin's) "To do" list and the count in the menu.
    Returns a list of ``lms_core.TodoItem`` (label, url, count, course_id): work waiting
    in the courses ``user`` teaches (hand-ins to grade, learners past a deadline,
    questions to answer); leave out items whose count is 0. Keep it cheap: it is
    counted on the teacher's pages (the core caches the total for a minute)."""


@hookspec(firstresult=True)
def lms_permission_allowed(user: Any, action: str, target: Any) -> bool | None:
    """Decides whether ``user`` (a ``User`` row or ``None``) may do ``action`` (a string
    such as ``"course.edit"``) on ``target`` (a row or ``None``). Returns ``True``,
    ``False`` or ``None`` (no opinion). The first non-``None`` answer wins; the core's
    default rules are registered ``trylast``."""


# --------------------------------------------------------------------------------------
# Filter hooks: called before an action; may refuse it.
# --------------------------------------------------------------------------------------


@hookspec
def lms_before_register(email: str, name: str) -> Refusal | None:
    """Called before an account is created. Returns ``lms_core.Refusal`` to refuse it
    (its reason is shown on the form), or ``None``."""


@hookspec
def lms_before_enroll(user: UserInfo, course: CourseInfo) -> Refusal | None:
    """Called before ``user`` is enrolled in ``course``. Returns ``None`` to allow,
    ``Refusal(reason)`` to refuse, or ``Refusal(reason, hold=True)`` to create the
    enrolment as *pending* (for example until a payment arrives; ``url=`` sends the
    learner on, to a checkout say); the plugin later calls
    ``lms_core.services.enrolment.activate(enrollment_id)``."""


@hookspec
def lms_before_quiz_attempt(user: UserInfo, quiz: QuizInfo) -> Refusal | None:
    """Called before ``user`` starts an attempt at ``quiz``. Returns ``Refusal`` or ``None``."""


@hookspec
def lms_before_quiz_submit(
    user: UserInfo, quiz: QuizInfo, attempt: AttemptInfo, answers: dict[str, Any]
) -> Refusal | None:
    """Called before an attempt is scored. ``answers`` maps question ids to the
    submitted answer. Returns ``Refusal`` to reject the submission, or ``None``."""


# --------------------------------------------------------------------------------------
# Event hooks: called after the change is committed, at least once, in commit order per
# user. Arguments are snapshots; ``event`` (an ``EventInfo``) is the same on every
# delivery of one event: ``event.id`` is the handler's idempotency key.
# --------------------------------------------------------------------------------------


@hookspec
def on_user_registered(user: UserInfo, event: EventInfo) -> None:
    """A new account was created (by sign-up, by an admin or by ``lms create-admin``)."""


@hookspec
def on_enrolled(user: UserInfo, course: CourseInfo, enrollment: EnrollmentInfo, event: EventInfo) -> None:
    """``user`` was enrolled in ``course`` and the enrolment is active."""


@hookspec
def on_unenrolled(user: UserInfo, course: CourseInfo, reason: str, event: EventInfo) -> None:
    """``user`` lost their access to ``course``: the enrolment was withdrawn
    (``reason == "withdrawn"``, its progress removed) or put on hold (``"held"``)."""


@hookspec
def on_staff_removed(user: UserInfo, course: CourseInfo, event: EventInfo) -> None:
    """``user`` was removed from ``course``'s staff (they no longer teach it)."""


@hookspec
def on_lesson_completed(user: UserInfo, lesson: LessonInfo, event: EventInfo) -> None:
    """``user`` marked ``lesson`` done for the first time."""


@hookspec
def on_quiz_submitted(user: UserInfo, quiz: QuizInfo, attempt: AttemptInfo, event: EventInfo) -> None:
    """An attempt was submitted and scored, passed or not."""


@hookspec
def on_quiz_passed(user: UserInfo, quiz: QuizInfo, attempt: AttemptInfo, event: EventInfo) -> None:
    """A submitted attempt reached the quiz's pass mark (fires after ``on_quiz_submitted``,
    for every passing attempt; ``attempt.number`` tells the first from a retake)."""


@hookspec
def on_course_completed(user: UserInfo, course: CourseInfo, enrollment: EnrollmentInfo, event: EventInfo) -> None:
    """``user`` met every completion requirement of ``course`` for the first time."""


@hookspec
def on_notification_created(notification: NotificationInfo, user: UserInfo, event: EventInfo) -> None:
    """A notification was stored in ``user``'s inbox (channels are delivered separately)."""


@hookspec
def on_sessions_ended(user: UserInfo, session_ids: list[int], event: EventInfo) -> None:
    """Log-in sessions of ``user`` ended (log-out, a password change or reset, the account
    page, an admin deactivating the account): whatever a plugin keeps open for them (a
    live connection, a cached grant) must close. The core's own handler disconnects their
    Socket.IO connections; while Redis is down it fails and the event log retries it."""


# --------------------------------------------------------------------------------------
# Rendering hooks.
# --------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def render_certificate(certificate: Any) -> bytes | None:
    """Renders ``certificate`` (an object with the learner, course, number, dates and
    verification URL; defined by the certificates plugin) and returns the PDF as
    ``bytes``. The first implementation that returns bytes wins; the certificates
    plugin's own design is registered ``trylast`` so an institution's plugin can
    replace it."""
