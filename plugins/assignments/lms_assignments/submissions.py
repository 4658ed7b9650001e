"""Students' side: drafts, handing in attempts, and what state an assignment is in
for a student. Everything a hand-in writes (rows and files) is written whole or not at
all: a refused or failed hand-in leaves no row and no file behind."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms_core import check_hook, ServiceError, db, events
from lms_core.models import User, utcnow
from lms_core.payloads import UserInfo

from lms_assignments import deadlines, githost, storage, workspace
from lms_assignments.models import Assignment, SubmissionGrade, Submission, SubmissionFile, SubmissionLink
from lms_assignments.payloads import AssignmentInfo, SubmissionInfo

MAX_LINKS = 10
MAX_TEXT_LENGTH = 100_000


def history(assignment_id: int, user_id: int) -> list[Submission]:
    """Every attempt handed in (drafts excluded), oldest first."""
    return list(
        db.session.execute(
            db.select(Submission)
            .where(
                Submission.assignment_id == assignment_id, Submission.user_id == user_id, Submission.status != "draft"
            )
            .order_by(Submission.number)
        ).scalars()
    )


def draft_of(assignment_id: int, user_id: int) -> Submission | None:
    return db.session.execute(
        db.select(Submission)
        .where(Submission.assignment_id == assignment_id, Submission.user_id == user_id, Submission.status == "draft")
        .order_by(Submission.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest(assignment_id: int, user_id: int) -> Submission | None:
    attempts = history(assignment_id, user_id)
    return attempts[-1] if attempts else None


def attempts_left(assignment: Assignment, user_id: int) -> int | None:
    """``None`` when unlimited. Each attempt returned for resubmission gives one back."""
    if assignment.max_attempts is None:
        return None
    attempts = history(assignment.id, user_id)
    returned = sum(1 for s in attempts if s.status == "returned")
    return max(assignment.max_attempts + returned - len(attempts), 0)


STATES = ("not_started", "draft", "submitted", "late", "returned", "graded", "missing")


def student_state(assignment: Assignment, user_id: int, now: datetime | None = None) -> str:
    now = now or utcnow()
    last = latest(assignment.id, user_id)
    if last is not None:
        if last.grade is not None and last.grade.released_at is not None:
            return "graded"
        if last.status == "returned":
            return "returned"
        return "late" if last.is_late else "submitted"
    if draft_of(assignment.id, user_id) is not None:
        return "draft"
    if not deadlines.student_deadline(assignment, user_id).accepts(now):
        return "missing"
    return "not_started"


def deadlines_and_states(assignments: list[Assignment], user_id: int, now: datetime | None = None) -> list[tuple]:
    """``(deadline, state)`` of each assignment for one student, as ``student_deadline``
    and ``student_state`` give them, in two queries however many assignments (the
    dashboard)."""
    from sqlalchemy.orm import selectinload

    from lms_assignments.models import DeadlineExtension

    now = now or utcnow()
    ids = [a.id for a in assignments]
    if not ids:
        return []
    extensions = {
        e.assignment_id: e
        for e in db.session.execute(
            db.select(DeadlineExtension).where(
                DeadlineExtension.assignment_id.in_(ids), DeadlineExtension.user_id == user_id
            )
        ).scalars()
    }
    last, drafts = {}, set()
    for submission in db.session.execute(
        db.select(Submission)
        .where(Submission.assignment_id.in_(ids), Submission.user_id == user_id)
        .options(selectinload(Submission.grade))
        .order_by(Submission.number)
    ).scalars():
        if submission.status == "draft":
            drafts.add(submission.assignment_id)
        else:
            last[submission.assignment_id] = submission
    result = []
    for assignment in assignments:
        deadline = deadlines.student_deadline(assignment, user_id, extensions.get(assignment.id))
        handed_in = last.get(assignment.id)
        if handed_in is not None:
            if handed_in.grade is not None and handed_in.grade.released_at is not None:
                state = "graded"
            elif handed_in.status == "returned":
                state = "returned"
            else:
                state = "late" if handed_in.is_late else "submitted"
        elif assignment.id in drafts:
            state = "draft"
        else:
            state = "not_started" if deadline.accepts(now) else "missing"
        result.append((deadline, state))
    return result


def can_hand_in(assignment: Assignment, user_id: int, now: datetime | None = None) -> str | None:
    """``None`` when the student may work on an attempt now, else the error code."""
    now = now or utcnow()
    if not deadlines.is_open(assignment, now):
        return "not_open"
    if not deadlines.student_deadline(assignment, user_id).accepts(now):
        return "deadline_passed"
    if attempts_left(assignment, user_id) == 0:
        return "no_attempts_left"
    return None


def _refuse(code: str, assignment: Assignment) -> ServiceError:
    from flask_babel import format_datetime

    messages = {
        "not_open": lambda: _("This assignment opens on %(when)s.", when=format_datetime(assignment.opens_at)),
        "deadline_passed": lambda: _("The deadline has passed: hand-ins are closed."),
        "no_attempts_left": lambda: _("You have used all your attempts at this assignment."),
    }
    return ServiceError(code, messages[code](), 409)


class _Problems:
    """What is wrong with a hand-in, field by field, collected before refusing it."""

    def __init__(self):
        self.found: list[tuple[str, ServiceError]] = []

    @contextmanager
    def at(self, field: str):
        try:
            yield
        except ServiceError as exc:
            self.found.append((field, exc))

    def raise_if_any(self) -> None:
        """One ``ServiceError``: the first problem's code and status (a single problem
        reads as before), every problem's message once, under its field."""
        if not self.found:
            return
        fields: dict[str, list[str]] = {}
        for field, exc in self.found:
            message = exc.message
            if message not in fields.setdefault(field, []):
                fields[field].append(message)
        first = self.found[0][1]
        message = first.message if len(self.found) == 1 else _("Please correct the marked fields.")
        raise ServiceError(first.code, message, first.status, {f: "\n".join(m) for f, m in fields.items()})


def save(
    student: User,
    assignment: Assignment,
    *,
    text: str | None = None,
    links: list[str] | None = None,
    uploads=(),
    remove_file_ids=(),
    submit: bool = False,
    now: datetime | None = None,
) -> Submission:
    """Save the student's draft (text, links, new files, files to drop) and, with
    ``submit``, hand it in as an attempt. ``links`` and ``text`` replace the draft's
    when given. Fires ``on_submission_created`` after the hand-in is committed."""
    now = now or utcnow()
    refusal = can_hand_in(assignment, student.id, now)
    if refusal:
        raise _refuse(refusal, assignment)
    uploads = [u for u in uploads if u is not None and (u.filename or "") != ""]
    draft = draft_of(assignment.id, student.id)
    kept_files = [f for f in (draft.files if draft else []) if f.id not in set(map(int, remove_file_ids))]
    # Every field is checked before anything is refused, so the student sees all that
    # is wrong at once, each at its field (``fields``: field -> its problems, one a line).
    problems = _Problems()
    checked_links = None
    if links is not None:
        with problems.at("links"):
            checked_links = _check_links(assignment, links)
    if text is not None:
        text = text.replace("\r\n", "\n")
        with problems.at("text"):
            if text.strip() and not assignment.accepts_text:
                raise ServiceError("text_not_accepted", _("This assignment does not accept text."), 400)
            if len(text) > MAX_TEXT_LENGTH:
                raise ServiceError(
                    "text_too_long",
                    _("The text is too long (%(max)d characters at most).", max=MAX_TEXT_LENGTH),
                    400,
                )
    checked_files = []
    with problems.at("files"):
        if uploads and not assignment.accepts_files:
            raise ServiceError("files_not_accepted", _("This assignment does not accept files."), 400)
        if len(kept_files) + len(uploads) > assignment.max_files:
            raise ServiceError(
                "too_many_files", _("You can hand in at most %(num)d files.", num=assignment.max_files), 400
            )
        for upload in uploads:
            with problems.at("files"):
                checked_files.append(storage.check_upload(upload, assignment))
    problems.raise_if_any()

    written: list[str] = []
    dropped: list[str] = []
    try:
        if draft is None:
            number = (
                db.session.execute(
                    db.select(db.func.max(Submission.number)).where(
                        Submission.assignment_id == assignment.id, Submission.user_id == student.id
                    )
                ).scalar_one()
                or 0
            ) + 1
            draft = Submission(assignment_id=assignment.id, user_id=student.id, number=number, status="draft")
            db.session.add(draft)
        if text is not None:
            draft.text = text
        if checked_links is not None:
            draft.links = [SubmissionLink(**fields) for fields in checked_links]
        for file_row in list(draft.files):
            if file_row not in kept_files:
                dropped.append(file_row.stored_name)
                draft.files.remove(file_row)
        for checked in checked_files:
            stored_name = storage.write(checked)
            written.append(stored_name)
            draft.files.append(
                SubmissionFile(
                    original_name=checked.original_name,
                    stored_name=stored_name,
                    content_type=checked.file_type.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                )
            )
        db.session.flush()
        if submit:
            _hand_in(student, assignment, draft, now)
        events.commit()
    except IntegrityError:  # the same draft number created by a second tab at once
        db.session.rollback()
        storage.delete(written)
        raise ServiceError("conflict", _("Your work was changed in another window. Reload the page."), 409) from None
    except BaseException:
        db.session.rollback()
        storage.delete(written)
        raise
    storage.delete(dropped)
    if submit:
        workspace.waiting_changed()
        _check_links_later(draft)
    return draft


def _check_links(assignment: Assignment, links: list[str]) -> list[dict]:
    links = [link.strip() for link in links if link and link.strip()]
    if links and not assignment.accepts_links:
        raise ServiceError("links_not_accepted", _("This assignment does not accept links."), 400)
    if len(links) > MAX_LINKS:
        raise ServiceError("too_many_links", _("You can hand in at most %(num)d links.", num=MAX_LINKS), 400)
    rows = []
    wrong = []
    for raw in links:
        try:
            url = githost.check_url(raw)
        except ServiceError as exc:  # every wrong link is named, not only the first
            wrong.append(exc.message)
            continue
        parsed = githost.parse(url)
        if parsed is None:
            rows.append({"url": url, "state": "plain"})
        else:
            rows.append(
                {
                    "url": url,
                    "host": parsed.host,
                    "repository": parsed.repository,
                    "branch": parsed.branch,
                    "path": parsed.path,
                    "commit_sha": parsed.commit,
                    "state": "pending",
                }
            )
    if wrong:
        message = "\n".join(wrong)
        raise ServiceError("invalid_url", message, 400, {"links": message})
    return rows


def _hand_in(student: User, assignment: Assignment, draft: Submission, now: datetime) -> None:
    if not (draft.files or draft.links or draft.text.strip()):
        raise ServiceError("empty_submission", _("Add a file, a link or some text before handing in."), 400)
    deadline = deadlines.student_deadline(assignment, student.id)
    late_days = deadline.late_days(now)
    refusal = check_hook(
        "lms_assignments_before_submit",
        user=UserInfo.of(student),
        assignment=AssignmentInfo.of(assignment),
        submission=SubmissionInfo.of(draft),
    )
    if refusal is not None:
        raise ServiceError(refusal.code, refusal.reason, 403)
    # Conditional update: a double click hands in once.
    changed = db.session.execute(
        db.update(Submission)
        .where(Submission.id == draft.id, Submission.status == "draft")
        .values(status="submitted", submitted_at=now, late_days=late_days)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise ServiceError("already_submitted", _("This attempt has already been handed in."), 409)
    db.session.refresh(draft)
    events.emit(
        "on_submission_created",
        user=UserInfo.of(student),
        assignment=AssignmentInfo.of(assignment),
        submission=SubmissionInfo.of(draft),
    )


def _check_links_later(submission: Submission) -> None:
    from lms_core import enqueue

    from lms_assignments import jobs

    for link in submission.links:
        if link.state == "pending":
            enqueue(jobs.record_commit, link.id)


QUEUE_PAGE_SIZE = 50


def _queue_query(assignment: Assignment, state: str, what):
    # "Latest attempt" as "no later hand-in": walked in hand-in order with the
    # (assignment, submitted_at) index, a page stops after its rows instead of grouping
    # every hand-in of the assignment first.
    later = db.aliased(Submission)
    newer_exists = (
        db.select(later.id)
        .where(
            later.assignment_id == Submission.assignment_id,
            later.user_id == Submission.user_id,
            later.number > Submission.number,
            later.status != "draft",
        )
        .exists()
    )
    query = (
        db.select(*what)
        .select_from(Submission)
        .where(Submission.assignment_id == assignment.id, Submission.status != "draft", ~newer_exists)
        .outerjoin(SubmissionGrade, SubmissionGrade.submission_id == Submission.id)
    )
    if state == "to_grade":
        query = query.where(Submission.status == "submitted", SubmissionGrade.id.is_(None))
    elif state == "graded":
        query = query.where(SubmissionGrade.id.is_not(None), SubmissionGrade.released_at.is_(None))
    elif state == "released":
        query = query.where(SubmissionGrade.released_at.is_not(None))
    elif state == "returned":
        query = query.where(Submission.status == "returned")
    elif state == "late":
        query = query.where(Submission.late_days > 0)
    return query


def queue(
    assignment: Assignment, state: str = "all", newest_first: bool = False, limit: int | None = None, offset: int = 0
) -> list[Submission]:
    """The grading queue: each student's latest attempt, filtered by state
    (``to_grade``, ``graded``, ``released``, ``returned``, ``late`` or ``all``); a slice
    of it with ``limit`` and ``offset``. Grades and students come in the same query."""
    from sqlalchemy.orm import contains_eager, joinedload

    order = Submission.submitted_at.desc() if newest_first else Submission.submitted_at.asc()
    query = (
        _queue_query(assignment, state, (Submission,))
        .options(contains_eager(Submission.grade), joinedload(Submission.user))
        .order_by(order, Submission.id)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.execute(query).scalars())


def queue_page(
    assignment: Assignment, state: str = "all", newest_first: bool = False, page: int = 1, size: int = QUEUE_PAGE_SIZE
) -> tuple[list[Submission], bool]:
    """One page of the queue (pages count from 1) and whether another follows; no
    count of the whole queue, so a page costs the same in a queue of ten or of ten
    thousand."""
    rows = queue(assignment, state, newest_first, limit=size + 1, offset=(max(page, 1) - 1) * size)
    return rows[:size], len(rows) > size


def queue_counts(assignment: Assignment) -> dict[str, int]:
    """How many latest attempts are in each state, in one query (the assignment page)."""
    graded = SubmissionGrade.id.is_not(None)
    released = SubmissionGrade.released_at.is_not(None)
    row = db.session.execute(
        _queue_query(
            assignment,
            "all",
            (
                db.func.count(db.case(((Submission.status == "submitted") & SubmissionGrade.id.is_(None), 1))),
                db.func.count(db.case((graded & SubmissionGrade.released_at.is_(None), 1))),
                db.func.count(db.case((released, 1))),
                db.func.count(db.case((Submission.status == "returned", 1))),
            ),
        )
    ).one()
    return dict(zip(("to_grade", "graded", "released", "returned"), row))


QUEUE_STATES = ("all", "to_grade", "graded", "released", "returned", "late")
