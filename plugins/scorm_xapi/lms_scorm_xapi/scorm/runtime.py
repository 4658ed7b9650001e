"""The runtime's side on the server: launching an attempt, taking commits, and what an
attempt means for the course (completion of the SCO's lesson, the graded score).

The player in the learner's page frames a *runtime page* served from the content
origin; it authenticates with a signed token in its URL, never with the site's cookies
(the content origin has none), so a commit needs no CSRF token: the token is not sent
by the browser on its own, and it names one attempt of one learner. That is also what
lets ``navigator.sendBeacon`` (which cannot set headers) deliver the last commit when
the tab closes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms_core import ServiceError, db, gradebook_changed, upsert
from lms_core.models import Course, Enrollment, Lesson, LessonCompletion, User, utcnow
from lms_core.services import progress

from lms_scorm_xapi.scorm.models import ScormAttempt, ScormPackage, ScormPackageVersion, ScormSco
from lms_scorm_xapi.scorm.settings import settings

SALT = "lms-scorm-runtime"
MAX_ELEMENTS = 20000
MAX_VALUE_CHARS = 4 * 1024 * 1024
ELEMENT = re.compile(r"(cmi|adl)(\.[A-Za-z0-9_]+)+")  # a data model element's name
CLOSED_12 = ("completed", "passed", "failed")
LEARNING = ("active", "completed")  # enrolments whose attempts are recorded
# Elements the LMS sets on every launch; a SCO's own copy is never replayed.
PER_LAUNCH = (
    "cmi.core.session_time",
    "cmi.session_time",
    "cmi.core.exit",
    "cmi.exit",
    "cmi.core.entry",
    "cmi.entry",
    "cmi.core.student_id",
    "cmi.core.student_name",
    "cmi.learner_id",
    "cmi.learner_name",
    "cmi.core.lesson_mode",
    "cmi.mode",
    "cmi.core.credit",
    "cmi.credit",
    "cmi.launch_data",
    "cmi.student_data.mastery_score",
    "cmi.scaled_passing_score",
    "cmi.core._children",
)


def _serializer() -> URLSafeTimedSerializer:
    """The app's token serializer, made once per secret (every commit reads a token)."""
    secret = current_app.config["SECRET_KEY"]
    made = current_app.extensions.get("scorm_xapi_serializer")
    if made is None or made[0] != secret:
        made = current_app.extensions["scorm_xapi_serializer"] = (secret, URLSafeTimedSerializer(secret, salt=SALT))
    return made[1]


@dataclass
class Launch:
    attempt: ScormAttempt | None  # the attempt, once it exists
    sco: ScormSco
    version: ScormPackageVersion
    user_id: int
    nonce: str
    # The attempt number this launch records into: an existing attempt's, or the one
    # it starts on its first Initialize or commit. None: a preview (nothing stored).
    number: int | None = None
    enrolled: bool = False  # the learner's enrolment is active (read with the token)

    @property
    def recorded(self) -> bool:
        return self.number is not None


def token_for(
    attempt: ScormAttempt | None, sco: ScormSco, version: ScormPackageVersion, user: User, number: int | None = None
) -> str:
    """The runtime's credential for one launch: an existing attempt (``attempt``), the
    attempt ``number`` the launch will start (created on first use, so opening the
    player stores nothing), or neither (a preview)."""
    if attempt is not None:
        number = attempt.number
    return _serializer().dumps(
        {
            "a": attempt.id if attempt else None,
            "k": number,
            "s": sco.id,
            "v": version.id,
            "u": user.id,
            "n": secrets.token_hex(8),
        }
    )


def _payload(token: str) -> dict:
    try:
        return _serializer().loads(token, max_age=int(settings.get("SCORM_TOKEN_SECONDS")))
    except SignatureExpired:
        raise ServiceError("token_expired", _("This activity was opened too long ago: open it again."), 401) from None
    except BadSignature:
        raise ServiceError("token_invalid", _("This link to the activity is not valid."), 401) from None


def read_token(token: str) -> Launch:
    """The launch a token names, with the SCO, package, version and attempt as ORM
    objects (the runtime page, its state and Initialize; a commit reads less, see
    ``read_commit``)."""
    payload = _payload(token)
    number = payload.get("k")
    recorded = bool(payload["a"]) or number is not None
    # One statement: the attempt (by id, or by its number for a launch that starts it)
    # and the learner's live enrolment come with the SCO, its package and version.
    if payload["a"]:
        attempt_on = db.and_(ScormAttempt.id == payload["a"], ScormAttempt.sco_id == ScormSco.id)
    elif number is not None:
        attempt_on = db.and_(
            ScormAttempt.sco_id == ScormSco.id, ScormAttempt.user_id == payload["u"], ScormAttempt.number == number
        )
    else:
        attempt_on = db.false()
    enrolled_on = db.and_(
        Enrollment.user_id == payload["u"],
        Enrollment.course_id == ScormPackage.course_id,
        Enrollment.status.in_(LEARNING),
    )
    query = (
        db.select(ScormSco, ScormPackageVersion, ScormPackage, ScormAttempt, Enrollment.id)
        .join(ScormPackage, ScormPackage.id == ScormSco.package_id)
        .join(ScormPackageVersion, ScormPackageVersion.package_id == ScormPackage.id)
        .outerjoin(ScormAttempt, attempt_on)
        .outerjoin(Enrollment, enrolled_on if recorded else db.false())
        .where(ScormSco.id == payload["s"], ScormPackageVersion.id == payload["v"])
    )
    row = db.session.execute(query).first()
    if row is None or (payload["a"] and row[3] is None):
        raise ServiceError("not_found", _("This activity no longer exists."), 404)
    sco, version, package, attempt, enrolment_id = row
    # The package came with the row: make it the SCO's (the identity map holds it only
    # weakly, so ``sco.package`` would otherwise be one more SELECT per commit).
    set_committed_value(sco, "package", package)
    if attempt is not None and attempt.user_id != payload["u"]:
        raise ServiceError("token_invalid", _("This link to the activity is not valid."), 401)
    return Launch(
        attempt,
        sco,
        version,
        payload["u"],
        payload["n"],
        number=(attempt.number if attempt is not None else number) if recorded else None,
        enrolled=enrolment_id is not None,
    )


def is_2004(version: ScormPackageVersion) -> bool:
    return version.scorm_version.startswith("2004")


def _closed(attempt: ScormAttempt, version_2004: bool) -> bool:
    """A finished attempt that is over (not suspended, and reported done)."""
    if not attempt.finished or attempt.suspended:
        return False
    if version_2004:
        return attempt.completion_status == "completed" or attempt.success_status in ("passed", "failed")
    return attempt.completion_status in CLOSED_12


def attempts_of(user_id: int, sco_id: int) -> list[ScormAttempt]:
    return list(
        db.session.execute(
            db.select(ScormAttempt)
            .where(ScormAttempt.user_id == user_id, ScormAttempt.sco_id == sco_id)
            .order_by(ScormAttempt.number)
        ).scalars()
    )


def learning(user: User, lesson: Lesson) -> bool:
    """Whether the user's attempts are recorded (an enrolled learner), not a preview."""
    return (
        db.session.execute(
            db.select(Enrollment.id).where(
                Enrollment.user_id == user.id,
                Enrollment.course_id == lesson.course_id,
                Enrollment.status.in_(LEARNING),
            )
        ).first()
        is not None
    )


@dataclass
class Opened:
    """What the player shows: the attempt continued (``None`` when the launch starts
    one, or for a preview), the number it records into, and the runtime token."""

    attempt: ScormAttempt | None
    number: int | None
    token: str


def open_player(user: User, sco: ScormSco) -> Opened:
    """The launch a GET of the player gives: the learner's last attempt while it is not
    over, else the next one, started only when the SCO first calls Initialize or
    commits (a GET stores nothing). Staff who are not enrolled preview."""
    package = sco.package
    version = package.current_version
    lesson = db.session.get(Lesson, sco.lesson_id)
    if not learning(user, lesson):
        return Opened(None, None, token_for(None, sco, version, user))
    attempts = attempts_of(user.id, sco.id)
    last = attempts[-1] if attempts else None
    if last is not None and not _closed(last, is_2004(version)):
        return Opened(last, last.number, token_for(last, sco, version, user))
    number = (last.number + 1) if last else 1
    _check_allowed(package.attempts_allowed, number)
    return Opened(None, number, token_for(None, sco, version, user, number=number))


def highest_number(user_id: int, sco_id: int) -> int:
    """The learner's highest attempt number at the SCO (0 before the first)."""
    return (
        db.session.execute(
            db.select(db.func.max(ScormAttempt.number)).where(
                ScormAttempt.user_id == user_id, ScormAttempt.sco_id == sco_id
            )
        ).scalar()
        or 0
    )


def start_new_attempt(user: User, sco: ScormSco, after: int | None = None) -> ScormAttempt:
    """The learner asked for a new attempt (a POST): the one after attempt ``after``
    (the one their page showed), or after their last. ``after`` comes from the form, so
    it is only trusted below the learner's highest attempt: missing or above it, the new
    attempt follows the highest; below it, the attempt already started after it is
    returned. The same request twice (a double click, a reload, two tabs at once)
    starts one attempt, not two nor an error."""
    lesson = db.session.get(Lesson, sco.lesson_id)
    if not learning(user, lesson):
        raise ServiceError("not_enrolled", _("You are not enrolled in this course: nothing is recorded."), 403)
    highest = highest_number(user.id, sco.id)
    if after is not None and after < highest:
        existing = db.session.execute(
            db.select(ScormAttempt)
            .where(ScormAttempt.user_id == user.id, ScormAttempt.sco_id == sco.id, ScormAttempt.number > after)
            .order_by(ScormAttempt.number)
            .limit(1)
        ).scalar_one()
        return existing
    package = sco.package
    attempt = _ensure_attempt(user.id, sco.id, package.current_version.id, highest + 1, package.attempts_allowed)
    db.session.commit()
    return attempt


def _check_allowed(allowed: int, number: int) -> None:
    """Refused when attempt ``number`` is beyond the package's ``allowed`` (0: no limit)."""
    if allowed and number > allowed:
        raise ServiceError(
            "no_attempts_left",
            _("You have used all %(count)d attempts of this activity.", count=allowed),
            409,
        )


def _ensure_attempt(user_id: int, sco_id: int, version_id: int, number: int, allowed: int) -> ScormAttempt:
    """``_start_attempt``, as the ``ScormAttempt`` the pages and Initialize work on."""
    row = _start_attempt(user_id, sco_id, version_id, number, allowed)
    return db.session.get(ScormAttempt, row.id)


def _start_attempt(user_id: int, sco_id: int, version_id: int, number: int, allowed: int) -> SimpleNamespace:
    """Attempt ``number`` of the learner at the SCO, created unless another request
    created it first, in the session's transaction, in Core: one INSERT that does
    nothing when the unique (sco, learner, number) is taken and returns the new row's
    columns, else the winner's row read. No savepoint and no ORM object; the columns
    as ``read_commit`` gives them (a commit's hot path works on those)."""
    _check_allowed(allowed, number)
    connection = db.session.connection()
    key = {"sco_id": sco_id, "user_id": user_id, "number": number}
    row = connection.execute(_attempt_insert(connection.dialect.name), {**key, "version_id": version_id}).first()
    if row is None:
        row = connection.execute(
            db.select(*(_ATTEMPT.c[name] for name in _ATTEMPT_COLUMNS)).where(
                *(_ATTEMPT.c[name] == value for name, value in key.items())
            )
        ).one()
    return SimpleNamespace(**row._mapping)


def _attempt_insert(dialect: str):
    statement = _COMMIT_READS.get(f"insert-{dialect}")
    if statement is None:
        statement = _COMMIT_READS[f"insert-{dialect}"] = (
            upsert(_ATTEMPT)
            .values(data={})
            .on_conflict_do_nothing(index_elements=["sco_id", "user_id", "number"])
            .returning(*(_ATTEMPT.c[name] for name in _ATTEMPT_COLUMNS))
        )
    return statement


def _attempt_for(launch: Launch) -> ScormAttempt:
    """The launch's attempt, started now if this is its first Initialize or commit.
    Refused for a learner no longer enrolled (withdrawn, on hold) and for an attempt
    that is over, whatever the token's lifetime left."""
    if not launch.enrolled:
        raise ServiceError(
            "not_enrolled", _("You are no longer enrolled in this course: nothing more is recorded."), 403
        )
    attempt = launch.attempt
    if attempt is None:
        sco = launch.sco
        attempt = _ensure_attempt(
            launch.user_id, sco.id, launch.version.id, launch.number, sco.package.attempts_allowed
        )
        launch.attempt = attempt
    return attempt


def _over(attempt, version_2004: bool, nonce: str) -> bool:
    """No more commits: the attempt is over, or this launch (``nonce``) already
    terminated it. ``attempt``: a ``ScormAttempt`` or the row ``read_commit`` reads."""
    return _closed(attempt, version_2004) or (attempt.finished and attempt.launch == nonce)


def _refuse_over() -> ServiceError:
    return ServiceError("attempt_finished", _("This attempt is over: open the activity again to go on."), 409)


def initialize(launch: Launch) -> ScormAttempt | None:
    """The SCO called Initialize / LMSInitialize: the attempt exists from now on (and a
    package graded as "viewed" is done). ``None`` for a preview."""
    if not launch.recorded:
        return None
    attempt = _attempt_for(launch)
    if _over(attempt, is_2004(launch.version), launch.nonce):
        raise _refuse_over()
    db.session.commit()
    if launch.sco.package.completion_rule == "viewed":
        user = db.session.get(User, launch.user_id)
        _complete(user, db.session.get(Lesson, launch.sco.lesson_id))
    return attempt


def attempts_left(user_id: int, sco: ScormSco) -> int | None:
    allowed = sco.package.attempts_allowed
    if not allowed:
        return None
    return max(0, allowed - highest_number(user_id, sco.id))  # numbers, as _check_allowed


def initial_state(launch: Launch) -> dict:
    """What the runtime loads before the SCO starts: the attempt's stored elements
    and the ones the LMS sets on each launch."""
    user = db.session.get(User, launch.user_id)
    sco = launch.sco
    attempt = launch.attempt
    stored = dict(attempt.data) if attempt is not None else {}
    data = {key: value for key, value in stored.items() if key not in PER_LAUNCH and not key.endswith("._count")}
    resumed = attempt is not None and attempt.suspended
    mode = "normal" if launch.recorded else "browse"
    if is_2004(launch.version):
        data.update(
            {
                "cmi.learner_id": str(user.id),
                "cmi.learner_name": _name_for_scorm(user.name),
                "cmi.mode": mode,
                "cmi.credit": "credit" if launch.recorded else "no-credit",
                "cmi.entry": "resume" if resumed else ("ab-initio" if not stored else ""),
                "cmi.launch_data": sco.launch_data,
            }
        )
        if sco.mastery_score is not None:
            data["cmi.scaled_passing_score"] = str(sco.mastery_score)
    else:
        data.update(
            {
                "cmi.core.student_id": str(user.id),
                "cmi.core.student_name": _name_for_scorm(user.name),
                "cmi.core.lesson_mode": mode,
                "cmi.core.credit": "credit" if launch.recorded else "no-credit",
                "cmi.core.entry": "resume" if resumed else ("ab-initio" if not stored else ""),
                "cmi.launch_data": sco.launch_data,
            }
        )
        if sco.mastery_score is not None:
            data["cmi.student_data.mastery_score"] = _plain_number(sco.mastery_score)
    return data


def _name_for_scorm(name: str) -> str:
    """SCORM's "Last, First" form."""
    parts = (name or "").split()
    if len(parts) < 2:
        return name or ""
    return f"{parts[-1]}, {' '.join(parts[:-1])}"


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_commit(body) -> dict[str, str]:
    """The flattened data model a commit carries: ``{"cmi.x.y": value}``."""
    if not isinstance(body, dict):
        raise ServiceError("invalid_commit", _("A commit is a JSON object of data model elements."), 400)
    body = _flatten(body)  # nested (scorm-again's "json" format) or already flat; empty lists drop out
    if len(body) > MAX_ELEMENTS:
        raise ServiceError("invalid_commit", _("A commit has too many elements."), 400)
    data = {}
    for key, value in body.items():
        if not isinstance(key, str) or not ELEMENT.fullmatch(key):
            raise ServiceError("invalid_commit", _("“%(key)s” is not a data model element.", key=str(key)[:80]), 400)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (int, float)):
            value = _plain_number(value)
        if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
            raise ServiceError("invalid_commit", _("The value of “%(key)s” is not accepted.", key=key[:80]), 400)
        data[key] = value
    return data


def _flatten(value, prefix: str = "") -> dict:
    out = {}
    if isinstance(value, dict):
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out.update(_flatten(inner, f"{prefix}.{index}"))
    else:
        out[prefix] = value
    return out


def seconds_of(value: str | None) -> float:
    """SCORM 1.2 ``HHHH:MM:SS.SS`` or 2004 ``PT1H2M3.4S`` as seconds."""
    if not value:
        return 0.0
    match = re.fullmatch(r"(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)", value.strip())
    if match:
        hours, minutes, secs = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(secs)
    match = re.fullmatch(
        r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
        r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?",
        value.strip(),
    )
    if match:
        y, mo, d, h, mi, s = (float(x) if x else 0.0 for x in match.groups())
        return y * 31557600 + mo * 2629800 + d * 86400 + h * 3600 + mi * 60 + s
    return 0.0


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def score_percent(data: dict, version_2004: bool) -> float | None:
    if version_2004:
        scaled = _float(data.get("cmi.score.scaled"))
        if scaled is not None:
            return max(0.0, min(100.0, scaled * 100))
        prefix = "cmi.score"
    else:
        prefix = "cmi.core.score"
    raw = _float(data.get(f"{prefix}.raw"))
    if raw is None:
        return None
    low = _float(data.get(f"{prefix}.min"))
    high = _float(data.get(f"{prefix}.max"))
    if high is not None and high > (low or 0):
        return max(0.0, min(100.0, 100 * (raw - (low or 0)) / (high - (low or 0))))
    return max(0.0, min(100.0, raw))


# ------------------------------------------------------------------ commits
#
# A commit is the plugin's hottest path (bench/scorm.py: every learner commits about
# once a second), so it reads and writes in Core, each statement built once per process
# (its compiled form and cache key are reused): one SELECT of the columns it needs and
# one UPDATE, no ORM objects loaded, flushed or expired. A commit that only saves
# progress (most of them) runs both on one connection in autocommit: its one write is
# a single UPDATE, atomic on its own, so it needs no BEGIN and COMMIT round trips nor
# the ORM session. A commit that starts the attempt or records an xAPI statement writes
# in the session's transaction instead (after giving the autocommit connection back),
# so the attempt, its data, the statement and the gradebook's mark commit together.
# Either write lands only on the row as read (its commit count): two tabs committing at
# once merge, the later one redone on the other's row.

_SCO, _PACKAGE, _VERSION, _ATTEMPT, _ENROLMENT, _COURSE = (
    model.__table__ for model in (ScormSco, ScormPackage, ScormPackageVersion, ScormAttempt, Enrollment, Course)
)
# The attempt's columns a commit reads (under these names, the attributes of a
# ``ScormAttempt``, so the rules below take either).
_ATTEMPT_COLUMNS = (
    "id",
    "user_id",
    "number",
    "data",
    "completion_status",
    "success_status",
    "score_percent",
    "session_seconds",
    "total_seconds",
    "suspended",
    "finished",
    "commits",
    "launch",
    "launch_seq",
)
_COMMIT_READS: dict[str, object] = {}


def _commit_read(kind: str):
    """The SELECT of a commit's launch: ``kind`` "id" (the token names the attempt),
    "number" (the launch starts attempt ``k`` on first use) or "preview"."""
    statement = _COMMIT_READS.get(kind)
    if statement is None:
        if kind == "id":
            attempt_on = db.and_(_ATTEMPT.c.id == db.bindparam("a"), _ATTEMPT.c.sco_id == _SCO.c.id)
        elif kind == "number":
            attempt_on = db.and_(
                _ATTEMPT.c.sco_id == _SCO.c.id,
                _ATTEMPT.c.user_id == db.bindparam("u"),
                _ATTEMPT.c.number == db.bindparam("k"),
            )
        else:
            attempt_on = db.false()
        enrolled_on = (
            db.and_(
                _ENROLMENT.c.user_id == db.bindparam("u"),
                _ENROLMENT.c.course_id == _PACKAGE.c.course_id,
                _ENROLMENT.c.status.in_(LEARNING),
            )
            if kind != "preview"
            else db.false()
        )
        statement = (
            db.select(
                _SCO.c.title.label("sco_title"),
                _SCO.c.lesson_id,
                _PACKAGE.c.course_id,
                _COURSE.c.title.label("course_title"),
                _PACKAGE.c.completion_rule,
                _PACKAGE.c.attempts_allowed,
                _VERSION.c.scorm_version,
                _ENROLMENT.c.id.label("enrolment_id"),
                *(_ATTEMPT.c[name].label(f"attempt_{name}") for name in _ATTEMPT_COLUMNS),
            )
            .select_from(
                _SCO.join(_PACKAGE, _PACKAGE.c.id == _SCO.c.package_id)
                .join(_COURSE, _COURSE.c.id == _PACKAGE.c.course_id)
                .join(_VERSION, _VERSION.c.package_id == _PACKAGE.c.id)
                .outerjoin(_ATTEMPT, attempt_on)
                .outerjoin(_ENROLMENT, enrolled_on)
            )
            .where(_SCO.c.id == db.bindparam("s"), _VERSION.c.id == db.bindparam("v"))
        )
        _COMMIT_READS[kind] = statement
    return statement


def _commit_write():
    """The UPDATE of a commit, guarded by the row's version (its commit count as read:
    0 rows when another commit landed since, see ``commit``). A column the commit leaves
    alone (``None`` given) keeps what is stored, a finished attempt stays finished, and
    an older commit of a launch never lands over a newer one of the same launch."""
    statement = _COMMIT_READS.get("write")
    if statement is None:
        c = _ATTEMPT.c

        def given(name: str):
            return db.bindparam(f"p_{name}", type_=c[name].type)

        statement = (
            db.update(_ATTEMPT)
            .where(
                c.id == db.bindparam("p_id"),
                # The row as read: no other commit landed since (else read again, redo).
                db.func.coalesce(c.commits, 0) == db.bindparam("p_commits"),
                # Not over a later commit of the same launch that landed since the read
                # (a commit and the Terminate right after it, sent without waiting).
                db.or_(
                    given("launch_seq").is_(None),
                    c.launch != given("launch"),
                    c.launch_seq < given("launch_seq"),
                ),
            )
            .values(
                version_id=given("version_id"),
                data=given("data"),
                completion_status=given("completion_status"),
                success_status=given("success_status"),
                score_percent=given("score_percent"),
                session_seconds=db.func.coalesce(given("session_seconds"), c.session_seconds),
                total_seconds=given("total_seconds"),
                suspended=db.func.coalesce(given("suspended"), c.suspended),
                finished=db.or_(c.finished, given("finished")),
                commits=db.func.coalesce(c.commits, 0) + 1,
                launch=db.func.coalesce(given("launch"), c.launch),
                launch_seq=db.func.coalesce(given("launch_seq"), c.launch_seq),
                updated_at=given("updated_at"),
            )
        )
        _COMMIT_READS["write"] = statement
    return statement


def commit_connection():
    """A connection of the app's pool in autocommit mode, for ``read_commit`` and
    ``commit`` (use it as a context manager: it goes back to the pool at the end)."""
    return _autocommit().connect()


def _autocommit():
    """The app's engine in autocommit mode (the same pool and connections)."""
    engine = db.engine
    made = current_app.extensions.get("scorm_xapi_autocommit")
    if made is None or made[0] is not engine:
        made = current_app.extensions["scorm_xapi_autocommit"] = (
            engine,
            engine.execution_options(isolation_level="AUTOCOMMIT"),
        )
    return made[1]


@dataclass
class CommitLaunch:
    """What a commit knows of its launch (``read_commit``): plain values, no ORM objects."""

    user_id: int
    nonce: str
    sco_id: int
    sco_title: str
    lesson_id: int
    course_id: int
    course_title: str
    completion_rule: str
    attempts_allowed: int
    version_id: int
    version_2004: bool
    number: int | None  # None: a preview (nothing stored)
    enrolled: bool
    attempt: SimpleNamespace | None  # the attempt's columns (``_ATTEMPT_COLUMNS``), once it exists

    @property
    def recorded(self) -> bool:
        return self.number is not None


def read_commit(token: str, connection) -> CommitLaunch:
    """``read_token`` for a commit, in one prepared SELECT of plain columns on
    ``connection`` (``commit_connection()``)."""
    payload = _payload(token)
    number = payload.get("k")
    kind = "id" if payload["a"] else ("number" if number is not None else "preview")
    params = {"s": payload["s"], "v": payload["v"]}
    if kind != "preview":
        params["u"] = payload["u"]
    if kind == "id":
        params["a"] = payload["a"]
    elif kind == "number":
        params["k"] = number
    row = connection.execute(_commit_read(kind), params).first()
    if row is None or (kind == "id" and row.attempt_id is None):
        raise ServiceError("not_found", _("This activity no longer exists."), 404)
    attempt = None
    if row.attempt_id is not None:
        attempt = SimpleNamespace(**{name: getattr(row, f"attempt_{name}") for name in _ATTEMPT_COLUMNS})
        if attempt.user_id != payload["u"]:
            raise ServiceError("token_invalid", _("This link to the activity is not valid."), 401)
    return CommitLaunch(
        user_id=payload["u"],
        nonce=payload["n"],
        sco_id=payload["s"],
        sco_title=row.sco_title,
        lesson_id=row.lesson_id,
        course_id=row.course_id,
        course_title=row.course_title,
        completion_rule=row.completion_rule,
        attempts_allowed=row.attempts_allowed,
        version_id=payload["v"],
        version_2004=row.scorm_version.startswith("2004"),
        number=(attempt.number if attempt is not None else number) if kind != "preview" else None,
        enrolled=row.enrolment_id is not None,
        attempt=attempt,
    )


COMMIT_TRIES = 5  # a commit redone on a fresh read this many times at most (another tab writing)
MAX_SEQ = 2**31 - 1  # launch_seq is an integer column


def check_seq(value: str | None) -> int | None:
    """A commit's sequence number (the runtime's ``?seq=``): ``None`` when not given."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", value) or int(value) > MAX_SEQ:
        raise ServiceError(
            "invalid_commit", _("A commit's sequence number is a whole number from 0 to %(max)d.", max=MAX_SEQ), 400
        )
    return int(value)


def commit(launch: CommitLaunch, body, connection, *, terminate: bool = False, seq: int | None = None) -> bool:
    """Store a commit: every element, and the status, score and times copied out.
    Returns whether it was recorded (not for a preview, where nothing is stored); the
    first commit of a launch that starts an attempt creates it. ``connection``: the
    autocommit one ``read_commit`` read on; a commit that writes in the session's
    transaction gives it back to the pool first (one connection per request at a time).

    Each write is guarded by the row's version (its commit count, read with the
    attempt): when another tab's commit landed since the read, nothing is written, the
    attempt is read again and the commit redone on it, so its elements are merged into
    the other tab's (element by element, this commit's newer) and the status and score
    come from the merged data, and a status change is never written without the
    gradebook's mark. A commit that an attempt over by then refuses is refused."""
    data = check_commit(body)
    if not launch.recorded:
        return False
    if not launch.enrolled:
        raise ServiceError(
            "not_enrolled", _("You are no longer enrolled in this course: nothing more is recorded."), 403
        )
    in_session = False
    if launch.attempt is None:  # the launch's first commit starts its attempt
        connection.close()
        in_session = True
        launch.attempt = _start_attempt(
            launch.user_id, launch.sco_id, launch.version_id, launch.number, launch.attempts_allowed
        )
    for _try in range(COMMIT_TRIES):
        attempt = launch.attempt
        plan = _commit_plan(launch, attempt, data, terminate, seq)
        if plan is None:
            return True  # an older commit of this launch arriving late (a beacon): already have newer
        write, before, verbs, changed = plan
        if not in_session and not (verbs or changed):
            # Progress only: one autocommitted UPDATE.
            if connection.execute(_commit_write(), write).rowcount:
                return True
            launch.attempt = _read_attempt(connection, attempt.id)
            continue
        if not in_session:
            connection.close()
            in_session = True
        # In the session's transaction: the attempt, its xAPI statements and the
        # gradebook's mark that this learner's points changed commit together.
        if not db.session.connection().execute(_commit_write(), write).rowcount:
            db.session.rollback()
            launch.attempt = _read_attempt(db.session.connection(), attempt.id)
            continue
        _learning_records(attempt, launch, verbs)
        if changed:  # the status or score: an attempt counts for the grade only once scored
            gradebook_changed(launch.course_id, [attempt.user_id])
        db.session.commit()
        # Most commits only save progress: no completion to check.
        if changed and (
            launch.completion_rule == "score" or _meets(attempt, launch.completion_rule, launch.version_2004)
        ):
            _apply_rule(attempt, db.session.get(ScormSco, launch.sco_id))
        return True
    raise ServiceError("commit_conflict", _("The activity is saving from another window: try again."), 409)


def _commit_plan(launch: CommitLaunch, attempt, data: dict, terminate: bool, seq: int | None):
    """What a commit writes on the attempt as read (``attempt``, updated to the values
    after it): ``(write, before, verbs, changed)``, or ``None`` for an older commit of
    the launch than the attempt has. Refused when the attempt is over."""
    if attempt.user_id != launch.user_id:
        raise ServiceError("token_invalid", _("This link to the activity is not valid."), 401)
    if seq is not None and attempt.launch == launch.nonce and seq <= (attempt.launch_seq or 0):
        return None
    version_2004 = launch.version_2004
    if _over(attempt, version_2004, launch.nonce):
        raise _refuse_over()
    before = (attempt.completion_status, attempt.success_status, attempt.score_percent, attempt.finished)
    merged = dict(attempt.data or {})
    merged.update(data)
    if version_2004:
        completion_status = merged.get("cmi.completion_status") or "unknown"
        success_status = merged.get("cmi.success_status") or "unknown"
        exit_value = data.get("cmi.exit", "")
        session = data.get("cmi.session_time")
    else:
        completion_status = merged.get("cmi.core.lesson_status") or "not attempted"
        success_status = completion_status if completion_status in ("passed", "failed") else "unknown"
        exit_value = data.get("cmi.core.exit", "")
        session = data.get("cmi.core.session_time")
    session_seconds = seconds_of(session) if session else None
    total_seconds = attempt.total_seconds or 0
    total = merged.get("cmi.total_time" if version_2004 else "cmi.core.total_time")
    if total:
        total_seconds = max(total_seconds, seconds_of(total))
    elif session:
        total_seconds = max(total_seconds, session_seconds or 0)
    suspended = None  # unchanged
    if terminate or exit_value:
        suspended = exit_value == "suspend"
    first_commit = not attempt.commits
    read_commits = attempt.commits or 0
    # The values after this commit, for the rules and the records below.
    attempt.data = merged
    attempt.completion_status = completion_status
    attempt.success_status = success_status
    attempt.score_percent = score_percent(merged, version_2004)
    attempt.total_seconds = total_seconds
    attempt.finished = attempt.finished or terminate
    write = {
        "p_id": attempt.id,
        "p_commits": read_commits,
        "p_version_id": launch.version_id,
        "p_data": merged,
        "p_completion_status": completion_status,
        "p_success_status": success_status,
        "p_score_percent": attempt.score_percent,
        "p_session_seconds": session_seconds,
        "p_total_seconds": total_seconds,
        "p_suspended": suspended,
        "p_finished": bool(terminate),
        "p_launch": launch.nonce if seq is not None else None,
        "p_launch_seq": seq,
        "p_updated_at": utcnow(),
    }
    changed = before != (attempt.completion_status, attempt.success_status, attempt.score_percent, attempt.finished)
    return write, before, _verbs(attempt, before, first_commit), changed


def _read_attempt(connection, attempt_id: int) -> SimpleNamespace:
    """The attempt's columns (``_ATTEMPT_COLUMNS``) read again, after another commit landed."""
    statement = _COMMIT_READS.get("attempt")
    if statement is None:
        statement = _COMMIT_READS["attempt"] = db.select(*(_ATTEMPT.c[name] for name in _ATTEMPT_COLUMNS)).where(
            _ATTEMPT.c.id == db.bindparam("a")
        )
    row = connection.execute(statement, {"a": attempt_id}).first()
    if row is None:
        raise ServiceError("not_found", _("This activity no longer exists."), 404)
    return SimpleNamespace(**row._asdict())


def _verbs(attempt, before: tuple, first_commit: bool) -> list[str]:
    """The xAPI verbs a commit records: "attempted" on the attempt's first commit, then
    "completed", "passed" or "failed" when the SCO first reports it (each once per
    attempt: recording a verb again for the key changes nothing)."""
    was_completed = before[0] in ("completed", "passed")
    verbs = []
    if first_commit:
        verbs.append("attempted")
    if attempt.completion_status in ("completed", "passed") and not was_completed:
        verbs.append("completed")
    if attempt.success_status in ("passed", "failed") and attempt.success_status != before[1]:
        verbs.append(attempt.success_status)
    return verbs


def _learning_records(attempt, launch: CommitLaunch, verbs: list[str]) -> None:
    """The xAPI statements of ``verbs``, added to the transaction that stores the attempt."""
    from lms_scorm_xapi.xapi import record_sco_attempt

    for verb in verbs:
        record_sco_attempt(
            user_id=attempt.user_id,
            sco_id=launch.sco_id,
            sco_title=launch.sco_title,
            course_id=launch.course_id,
            course_title=launch.course_title,
            attempt_key=f"sco-attempt:{attempt.id}",
            verb=verb,
            score=attempt.score_percent if verb in ("passed", "failed", "completed") else None,
            max_score=100 if attempt.score_percent is not None else None,
            success={"passed": True, "failed": False}.get(verb),
            completion=True if verb == "completed" else None,
            duration_seconds=attempt.total_seconds or None,
        )


# ------------------------------------------------------------------ completion and grades


def attempt_meets(attempt: ScormAttempt, package: ScormPackage, version_2004: bool) -> bool:
    return _meets(attempt, package.completion_rule, version_2004)


def _meets(attempt, rule: str, version_2004: bool) -> bool:
    if rule == "viewed":
        return True
    if rule == "passed":
        return attempt.success_status == "passed"
    if rule == "completed":
        if version_2004:
            return attempt.completion_status == "completed" or attempt.success_status == "passed"
        return attempt.completion_status in ("completed", "passed")
    return False  # "score" is judged on the graded score of all attempts


def graded_score(attempts: list[ScormAttempt], grading: str) -> float | None:
    scored = [a.score_percent for a in sorted(attempts, key=lambda a: a.number) if a.score_percent is not None]
    if not scored:
        return None
    if grading == "last":
        return scored[-1]
    if grading == "first":
        return scored[0]
    if grading == "average":
        return sum(scored) / len(scored)
    return max(scored)


def sco_done(user_id: int, sco: ScormSco, attempts: list[ScormAttempt] | None = None) -> bool:
    package = sco.package
    attempts = attempts if attempts is not None else attempts_of(user_id, sco.id)
    version_2004 = is_2004(package.current_version)
    if package.completion_rule == "score":
        score = graded_score(attempts, package.grading)
        return score is not None and score >= (package.pass_score or 0)
    return any(attempt_meets(a, package, version_2004) for a in attempts)


def _apply_rule(attempt: ScormAttempt, sco: ScormSco) -> None:
    if sco_done(attempt.user_id, sco):
        user = db.session.get(User, attempt.user_id)
        lesson = db.session.get(Lesson, sco.lesson_id)
        _complete(user, lesson)


def _complete(user: User, lesson: Lesson) -> None:
    """The SCO's lesson done: ``on_lesson_completed`` (once), then course completion."""
    already = db.session.execute(
        db.select(LessonCompletion.id).where(
            LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id
        )
    ).first()
    if not already:
        progress.complete_lesson(user, lesson)


def gradebook_items(course_id: int, user_ids: list[int] | None = None) -> list[dict]:
    """For the gradebook: one item per SCO of the course's packages, with each
    learner's graded score (percent, by the package's grading rule).

    ``[{"key": "scorm:sco:<id>", "title": ..., "date": datetime | None,
    "max_points": 100, "scores": {user_id: percent}}]``; ``user_ids``: only these learners.
    """
    scos = list(
        db.session.execute(
            db.select(ScormSco)
            .join(ScormPackage, ScormPackage.id == ScormSco.package_id)
            .where(ScormPackage.course_id == course_id, ScormSco.active.is_(True))
            .order_by(ScormPackage.id, ScormSco.position)
        ).scalars()
    )
    if not scos:
        return []
    by_sco: dict[int, dict[int, list[ScormAttempt]]] = {}
    query = db.select(ScormAttempt).where(ScormAttempt.sco_id.in_([s.id for s in scos]))
    if user_ids is not None:
        query = query.where(ScormAttempt.user_id.in_(list(user_ids)))
    rows = db.session.execute(query).scalars()
    for attempt in rows:
        by_sco.setdefault(attempt.sco_id, {}).setdefault(attempt.user_id, []).append(attempt)
    items = []
    for sco in scos:
        scores = {}
        dates = []
        for user_id, attempts in by_sco.get(sco.id, {}).items():
            score = graded_score(attempts, sco.package.grading)
            if score is not None:
                scores[user_id] = round(score, 2)
            dates += [a.updated_at for a in attempts]
        last = max(dates) if dates else None
        items.append(
            {
                "key": f"scorm:sco:{sco.id}",
                "title": sco.title,
                "date": last,
                "max_points": 100,
                "scores": scores,
                "package_id": sco.package_id,
            }
        )
    return items


def recheck_package(package: ScormPackage) -> int:
    """After the rules changed: the learners who now meet them get the SCO's lesson done.
    Returns how many lessons were completed."""
    done = 0
    for sco in package.scos:
        if not sco.active:
            continue
        user_ids = (
            db.session.execute(db.select(ScormAttempt.user_id).where(ScormAttempt.sco_id == sco.id).distinct())
            .scalars()
            .all()
        )
        for user_id in user_ids:
            if sco_done(user_id, sco):
                lesson = db.session.get(Lesson, sco.lesson_id)
                before = _has_completion(user_id, lesson.id)
                _complete(db.session.get(User, user_id), lesson)
                done += 0 if before else 1
    return done


def _has_completion(user_id: int, lesson_id: int) -> bool:
    return (
        db.session.execute(
            db.select(LessonCompletion.id).where(
                LessonCompletion.user_id == user_id, LessonCompletion.lesson_id == lesson_id
            )
        ).first()
        is not None
    )
