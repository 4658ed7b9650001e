"""A course's gradebook: learners × graded items, with categories, weights, drop-lowest,
the course total, pass/fail, an optional letter scale and teachers' overrides.

Items are the course's published quizzes (best attempt) and what plugins add through
``lms_gradebook_items``. Nothing is computed per learner with its own query: one page of
learners costs the same few statements whatever the size of the course (the learners,
the quizzes' best scores, the overrides, the course's settings), plus what plugins read.

The total: in each category the points of its items (a missing grade counts 0) over
their maximum, after dropping the ``drop_lowest`` lowest items by percentage (at least
one item stays); categories are weighted by their weights (items without a category are
"Other", with the course's ``other_weight``), over the categories that have items.

The "failing" and "missing" filters read ``GradebookSummary``: each learner's total,
pass and missing count as last computed here, one query per page. A row is used while
it is not stale and was computed for the course's current *layout* (a fingerprint of
the items, their maximum points, categories, weights and pass mark, read on every
filtered view in the same few statements as an empty page), so a change of the
course's structure, a plugin switched on or off, or an attendance item that passed
into the past needs no call: the rows no longer match and are recomputed. A change of
one learner's points (an attempt, an override, a plugin's grade) marks that learner's
row stale in the same transaction (``gradebook_changed``); a plugin item not
``tracked`` (its plugin makes no such call) puts the current minute in the layout, as
one whose points change with time alone does. Rows missing or stale are recomputed,
``SCAN_CHUNK`` learners at a time, when the gradebook is next filtered; a row a change
left stale during that (the version guard) is computed in the view itself.
"""

from __future__ import annotations

import functools

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator

from flask_babel import gettext as _

from lms_core.contracts import GradebookItem
from lms_core.extensions import db
from lms_core.models import (
    Attempt,
    Course,
    Enrollment,
    GradebookCategory,
    GradebookPlacement,
    GradebookSettings,
    GradebookSummary,
    GradeOverride,
    Question,
    Quiz,
    User,
    utcnow,
)
from lms_core.services import ServiceError

log = logging.getLogger(__name__)

PER_PAGE = 50
SCAN_CHUNK = 500  # learners whose summary is recomputed at once
LIVE_LAYOUT_SECONDS = 60  # how often the summary follows points that change with time alone
SEARCH_MAX_LENGTH = 200
# "failing": a total under the pass mark; "missing": at least one item without a grade.
SHOW_FILTERS = ("all", "failing", "missing")
LEARNER_STATES = ("active", "completed")
MAX_CATEGORIES = 50


@dataclass
class Column:
    key: str
    title: str
    max_points: float
    url: str | None
    category_id: int | None
    source: str  # "quiz" or the plugin's item
    settles_at: datetime | None = None  # the points change with time alone until then
    tracked: bool = True  # every change of its points is marked (gradebook_changed)


@dataclass(slots=True)
class Cell:
    points: float | None
    overridden: bool = False
    original: float | None = None

    @property
    def missing(self) -> bool:
        return self.points is None


@dataclass
class Row:
    user: User
    cells: dict[str, Cell]
    total: float | None  # percent
    passed: bool | None
    letter: str | None
    missing: list[str] = field(default_factory=list)  # keys of items without a grade
    categories: dict[int | None, float | None] = field(default_factory=dict)  # percent per category


@dataclass
class Group:
    id: int | None
    name: str
    weight: float
    drop_lowest: int


@dataclass
class Book:
    course: Course
    settings: GradebookSettings
    columns: list[Column]
    groups: list[Group]
    rows: list[Row]
    total_learners: int
    page: int
    pages: int
    search: str = ""  # the learners' name or e-mail contains it
    show: str = "all"  # one of SHOW_FILTERS


# ----------------------------------------------------------------------------- settings


def invalid(field_name: str, message: str) -> ServiceError:
    return ServiceError("invalid", message, 400, {field_name: message})


def settings_of(course: Course) -> GradebookSettings:
    found = db.session.get(GradebookSettings, course.id)
    return found if found is not None else GradebookSettings(course_id=course.id, pass_percent=50, other_weight=100)


def categories_of(course: Course) -> list[GradebookCategory]:
    return list(
        db.session.execute(
            db.select(GradebookCategory)
            .where(GradebookCategory.course_id == course.id)
            .order_by(GradebookCategory.position, GradebookCategory.id)
        ).scalars()
    )


def parse_letter_scale(text: str) -> list | None:
    """``"A 90, B 80, C 70, F 0"`` (or one per line, ``A: 90``) → ``[["A", 90.0], ...]``
    highest first; empty text → None. Raises ServiceError on the field ``letter_scale``."""
    text = (text or "").strip()
    if not text:
        return None
    scale = []
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        letter, _sep, number = part.replace(":", " ").replace("=", " ").rpartition(" ")
        letter = letter.strip()
        try:
            minimum = float(number.replace("%", ""))
        except ValueError:
            minimum = None
        if not letter or len(letter) > 10 or minimum is None or not 0 <= minimum <= 100:
            raise invalid(
                "letter_scale",
                _('Write each grade as a letter and its lowest percentage, e.g. "A 90, B 80, C 70, F 0".'),
            )
        scale.append([letter, minimum])
    scale.sort(key=lambda pair: -pair[1])
    if len({minimum for _l, minimum in scale}) != len(scale):
        raise invalid("letter_scale", _("Two grades have the same lowest percentage."))
    return scale


def format_letter_scale(scale) -> str:
    return ", ".join(f"{letter} {minimum:g}" for letter, minimum in scale or [])


def save_settings(course: Course, pass_percent, other_weight, letter_scale_text: str) -> GradebookSettings:
    errors: dict[str, str] = {}
    values = {}
    for name, read in (
        ("letter_scale", lambda: parse_letter_scale(letter_scale_text)),
        ("pass_percent", lambda: _number(pass_percent, "pass_percent", 0, 100)),
        ("other_weight", lambda: _number(other_weight, "other_weight", 0, 1000)),
    ):
        try:
            values[name] = read()
        except ServiceError as exc:
            errors.update(exc.fields)
    if errors:  # every field's problem at once, nothing saved
        raise ServiceError("invalid", next(iter(errors.values())), 400, errors)
    scale, pass_value, other = values["letter_scale"], values["pass_percent"], values["other_weight"]
    found = db.session.get(GradebookSettings, course.id)
    if found is None:
        found = GradebookSettings(course_id=course.id)
        db.session.add(found)
    found.pass_percent, found.other_weight, found.letter_scale = pass_value, other, scale
    db.session.commit()
    return found


def _number(value, field_name: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or not low <= number <= high:
        raise invalid(field_name, _("Enter a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}"))
    return number


def save_category(course: Course, name: str, weight, drop_lowest, category: GradebookCategory | None = None):
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 100:
        errors["name"] = _("Give the category a name (up to 100 characters).")
    weight_value = drop = 0.0
    try:
        weight_value = _number(weight, "weight", 0, 1000)
    except ServiceError as exc:
        errors.update(exc.fields)
    try:
        drop = _number(drop_lowest or 0, "drop_lowest", 0, 50)
        if drop != int(drop):
            raise invalid("drop_lowest", _("Enter a whole number from 0 to 50."))
    except ServiceError as exc:
        errors.update(exc.fields)
    if errors:
        raise ServiceError("invalid", next(iter(errors.values())), 400, errors)
    clash = db.session.execute(
        db.select(GradebookCategory.id).where(
            GradebookCategory.course_id == course.id, db.func.lower(GradebookCategory.name) == name.lower()
        )
    ).scalar()
    if clash is not None and (category is None or clash != category.id):
        raise invalid("name", _("The course already has a category with this name."))
    if category is None:
        count = db.session.execute(
            db.select(db.func.count(GradebookCategory.id)).where(GradebookCategory.course_id == course.id)
        ).scalar_one()
        if count >= MAX_CATEGORIES:
            raise invalid("name", _("A course has at most %(num)d categories.", num=MAX_CATEGORIES))
        category = GradebookCategory(course_id=course.id, position=count)
        db.session.add(category)
    category.name, category.weight, category.drop_lowest = name, weight_value, int(drop)
    db.session.commit()
    return category


def delete_category(course: Course, category_id: int) -> None:
    category = db.session.get(GradebookCategory, category_id)
    if category is None or category.course_id != course.id:
        raise ServiceError("not_found", _("There is no such category."), 404)
    db.session.execute(db.delete(GradebookPlacement).where(GradebookPlacement.category_id == category.id))
    db.session.delete(category)
    db.session.commit()


def place_items(course: Course, placements: dict[str, int | None]) -> None:
    """Put items (by key) into categories (by id, or None for "Other"), all at once."""
    valid = {c.id for c in categories_of(course)}
    for key, category_id in placements.items():
        if len(key) > 120:  # no item's key is this long: not one of the course's
            raise invalid("item", _("There is no such item."))
        if category_id is not None and category_id not in valid:
            raise invalid(f"item-{key}", _("There is no such category."))
    existing = {
        p.item_key: p
        for p in db.session.execute(
            db.select(GradebookPlacement).where(GradebookPlacement.course_id == course.id)
        ).scalars()
    }
    for key, category_id in placements.items():
        row = existing.get(key)
        if category_id is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(GradebookPlacement(course_id=course.id, item_key=key[:120], category_id=category_id))
        else:
            row.category_id = category_id
    db.session.commit()


# ----------------------------------------------------------------------------- items


def quiz_key(quiz_id: int) -> str:
    return f"quiz:{quiz_id}"


def _quiz_columns(course: Course) -> list[tuple[int, Column]]:
    from lms_core.i18n import localized
    from lms_core.urls import path_for

    rows = db.session.execute(
        db.select(Quiz, db.func.coalesce(db.func.sum(Question.points), 0))
        .outerjoin(Question, Question.quiz_id == Quiz.id)
        .where(Quiz.course_id == course.id, Quiz.published.is_(True))
        .group_by(Quiz.id)
        .order_by(Quiz.position, Quiz.id)
    ).all()
    return [
        (
            quiz.id,
            Column(
                quiz_key(quiz.id),
                localized(quiz, "title", course),
                float(points),
                path_for("teach.quiz", quiz_id=quiz.id),
                None,
                "quiz",
            ),
        )
        for quiz, points in rows
        if points > 0
    ]


def _plugin_items(course: Course, user_ids: list[int] | None) -> list[GradebookItem]:
    from lms_core.payloads import CourseInfo
    from lms_core.plugins import get_plugin_manager

    items = []
    seen = set()
    for item in get_plugin_manager().call_flat("lms_gradebook_items", course=CourseInfo.of(course), user_ids=user_ids):
        if not isinstance(item, GradebookItem) or not item.max_points or item.max_points <= 0 or item.key in seen:
            log.warning("lms_gradebook_items returned an item the gradebook cannot use: %r", item)
            continue
        seen.add(item.key)
        settles_at = item.settles_at
        if settles_at is not None and (not isinstance(settles_at, datetime) or settles_at.utcoffset() is None):
            log.warning("lms_gradebook_items: %r has a settles_at that is not an aware datetime; ignored", item.key)
            item = dataclasses.replace(item, settles_at=None)
        items.append(item)
    return items


def _best_quiz_percents(quiz_ids: list[int], user_ids: list[int]) -> dict[tuple[int, int], float]:
    if not quiz_ids or not user_ids:
        return {}
    return {
        (user_id, quiz_id): best
        for user_id, quiz_id, best in db.session.execute(
            db.select(Attempt.user_id, Attempt.quiz_id, db.func.max(Attempt.percent))
            .where(
                Attempt.quiz_id.in_(quiz_ids),
                Attempt.user_id.in_(user_ids),
                Attempt.submitted_at.is_not(None),
            )
            .group_by(Attempt.user_id, Attempt.quiz_id)
        ).all()
        if best is not None
    }


def _current_overrides(course_id: int, user_ids: list[int]) -> dict[tuple[int, str], float | None]:
    if not user_ids:
        return {}
    latest = (
        db.select(db.func.max(GradeOverride.id))
        .where(GradeOverride.course_id == course_id, GradeOverride.user_id.in_(user_ids))
        .group_by(GradeOverride.user_id, GradeOverride.item_key)
    )
    return {
        (user_id, key): points
        for user_id, key, points in db.session.execute(
            db.select(GradeOverride.user_id, GradeOverride.item_key, GradeOverride.points).where(
                GradeOverride.id.in_(latest)
            )
        ).all()
    }


# ----------------------------------------------------------------------------- the book


def _learner_matches(search: str):
    """Learners whose name or e-mail contains ``search`` (literally: ``%`` and ``_``
    match themselves; any case where the database folds it: every letter on
    PostgreSQL, Latin ones on SQLite)."""
    from lms_core.sql import contains

    return db.or_(contains(User.name, search), contains(User.email, search))


def clean_search(search: str | None) -> str:
    return " ".join((search or "").split())[:SEARCH_MAX_LENGTH]


def _learners_query(course: Course, search: str = ""):
    query = (
        db.select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id, Enrollment.status.in_(LEARNER_STATES))
    )
    return query.where(_learner_matches(search)) if search else query


def count_learners(course: Course, search: str = "") -> int:
    query = db.select(db.func.count(Enrollment.id)).where(
        Enrollment.course_id == course.id, Enrollment.status.in_(LEARNER_STATES)
    )
    if search:
        query = query.join(User, User.id == Enrollment.user_id).where(_learner_matches(search))
    return db.session.execute(query).scalar_one()


@dataclass
class Frame:
    """What every page of a course's gradebook reads before its learners' grades."""

    settings: GradebookSettings
    categories: list[GradebookCategory]
    placements: dict[str, int]
    quiz_columns: list[tuple[int, Column]]


def frame_of(course: Course) -> Frame:
    placements = dict(
        db.session.execute(
            db.select(GradebookPlacement.item_key, GradebookPlacement.category_id).where(
                GradebookPlacement.course_id == course.id
            )
        ).all()
    )
    return Frame(settings_of(course), categories_of(course), placements, _quiz_columns(course))


def build(
    course: Course,
    users: list[User],
    total_learners: int = 0,
    page: int = 1,
    per_page: int = PER_PAGE,
    frame: Frame | None = None,
) -> Book:
    """The gradebook of ``users`` (one page of the course's learners, or one learner);
    ``frame``: the course's settings, categories and quizzes when already read."""
    frame = frame or frame_of(course)
    settings, categories, placements, quiz_columns = (
        frame.settings,
        frame.categories,
        frame.placements,
        frame.quiz_columns,
    )
    user_ids = [user.id for user in users]
    best = _best_quiz_percents([quiz_id for quiz_id, _c in quiz_columns], user_ids)
    columns = [column for _id, column in quiz_columns]
    scores: dict[str, dict[int, float]] = {}
    for quiz_id, column in quiz_columns:
        scores[column.key] = {
            user_id: best[(user_id, quiz_id)] * column.max_points / 100
            for user_id in user_ids
            if (user_id, quiz_id) in best
        }
    for item in _plugin_items(course, user_ids):
        columns.append(
            Column(
                item.key,
                str(item.title),
                float(item.max_points),
                item.url,
                None,
                "plugin",
                item.settles_at,
                item.tracked is True,
            )
        )
        scores[item.key] = {int(k): float(v) for k, v in (item.scores or {}).items() if v is not None}
    for column in columns:
        column.category_id = placements.get(column.key)
    overrides = _current_overrides(course.id, user_ids)
    groups = [Group(c.id, c.name, c.weight, c.drop_lowest) for c in categories]
    groups.append(Group(None, _("Other"), settings.other_weight, 0))
    make_row = _row_maker(columns, scores, overrides, groups, settings)
    rows = [make_row(user) for user in users]
    pages = max((total_learners + per_page - 1) // per_page, 1)
    return Book(course, settings, columns, groups, rows, total_learners, page, pages)


def _row_maker(columns, scores, overrides, groups, settings):
    """``_row`` for one page: what is the same for every learner (the columns' keys and
    scores, each group's columns, the overrides by learner) is laid out once, so a row of
    100 items costs a few microseconds a cell (50 x 100 of them on a page)."""
    keyed = [(column.key, scores[column.key]) for column in columns]
    members = [
        (group, [(column.key, column.max_points) for column in columns if column.category_id == group.id])
        for group in groups
    ]
    by_user: dict[int, dict[str, float]] = {}
    for (user_id, key), points in overrides.items():
        if points is not None:  # a removed override: the original counts again
            by_user.setdefault(user_id, {})[key] = points
    scale = settings.letter_scale
    pass_percent = settings.pass_percent

    def make(user) -> Row:
        user_id = user.id
        mine = by_user.get(user_id, {})
        cells = {}
        missing = []
        for key, found in keyed:
            original = found.get(user_id)
            if key in mine:
                cells[key] = Cell(mine[key], True, original)
            else:
                cells[key] = Cell(original)
                if original is None:
                    missing.append(key)
        per_group: dict[int | None, float | None] = {}
        weighted, weights = 0.0, 0.0
        for group, keys in members:
            if not keys:
                per_group[group.id] = None
                continue
            marks = [(cells[key].points or 0.0, max_points) for key, max_points in keys]
            if group.drop_lowest:
                marks.sort(key=lambda mark: mark[0] / mark[1])
                marks = marks[min(group.drop_lowest, len(marks) - 1) :]
            percent = 100 * sum(p for p, _m in marks) / sum(m for _p, m in marks)
            per_group[group.id] = percent
            if group.weight > 0:
                weighted += percent * group.weight
                weights += group.weight
        total = round(weighted / weights, 2) if weights else None
        letter = None
        if total is not None and scale:
            letter = next((name for name, minimum in scale if total >= minimum), None)
        passed = None if total is None else total >= pass_percent
        return Row(user, cells, total, passed, letter, missing, per_group)

    return make


def book_page(course: Course, page: int = 1, per_page: int = PER_PAGE, search: str = "", show: str = "all") -> Book:
    """One page of the gradebook, learners by name; with ``search``, only those whose
    name or e-mail contains it. ``show="failing"`` or ``"missing"`` keeps the learners
    under the pass mark or with an item not graded yet, read from the summary rows
    (recomputed first where out of date). Out-of-range pages give the nearest."""
    search = clean_search(search)
    show = show if show in SHOW_FILTERS else "all"
    if show != "all":
        return _filtered_page(course, page, per_page, search, show)
    total = count_learners(course, search)
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    users = list(
        db.session.execute(
            _learners_query(course, search).order_by(User.name, User.id).limit(per_page).offset((page - 1) * per_page)
        ).scalars()
    )
    book = build(course, users, total, page, per_page)
    book.search, book.show = search, show
    return book


def _filtered_page(course: Course, page: int, per_page: int, search: str, show: str) -> Book:
    """The learners the filter keeps, by name, from the summary rows (brought up to
    date first): a bounded number of statements once the rows are fresh."""
    frame = frame_of(course)
    layout = summary_layout(course, frame)
    condition = GradebookSummary.passed.is_(False) if show == "failing" else GradebookSummary.missing_count > 0
    if refresh_summaries(course, frame=frame, layout=layout):
        frame = frame_of(course)  # read again after the summaries' commit
        # Rows still out of date (a grade changed while the refresh computed them: the
        # version guard kept them stale) are computed here, not served with old values.
        # (When the refresh found nothing due, its one query showed there are none.)
        late = _users_by_id([user_id for user_id, _v in db.session.execute(_due_query(course, layout))])
        if late:
            late_kept = [
                row.user.id
                for row in build(course, late, 0, frame=frame).rows
                if (row.passed is False if show == "failing" else bool(row.missing))
            ]
            condition = db.or_(
                db.and_(Enrollment.user_id.not_in([user.id for user in late]), condition),
                Enrollment.user_id.in_(late_kept),
            )
    summaries = db.and_(GradebookSummary.course_id == course.id, GradebookSummary.user_id == Enrollment.user_id)
    kept = _learners_query(course, search).outerjoin(GradebookSummary, summaries).where(condition)
    # Counted from the enrolments and summaries (no user row unless a search needs it).
    counted = (
        db.select(db.func.count())
        .select_from(Enrollment)
        .outerjoin(GradebookSummary, summaries)
        .where(Enrollment.course_id == course.id, Enrollment.status.in_(LEARNER_STATES), condition)
    )
    if search:
        counted = counted.join(User, User.id == Enrollment.user_id).where(_learner_matches(search))
    total = db.session.execute(counted).scalar_one()
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    users = list(
        db.session.execute(kept.order_by(User.name, User.id).limit(per_page).offset((page - 1) * per_page)).scalars()
    )
    book = build(course, users, total, page, per_page, frame)
    book.search, book.show = search, show
    return book


# ----------------------------------------------------------------------------- summaries


def gradebook_changed(course_id: int, user_ids: Iterable[int] | None = None) -> None:
    """Say that the points of learners (``user_ids``, or ``None`` for every learner of
    the course) changed in course ``course_id``: call it in the transaction of the
    change (it writes, never commits). Their summary rows are recomputed when the
    gradebook is next filtered. Changes of the course's structure (items added or
    removed, maximum points, categories, weights, the pass mark) need no call."""
    table = GradebookSummary.__table__
    if user_ids is None:
        db.session.execute(
            table.update().where(table.c.course_id == course_id).values(stale=True, version=table.c.version + 1)
        )
        return
    ids = sorted({int(user_id) for user_id in user_ids})
    if len(ids) == 1:  # the common case (one learner's grade): a statement built once
        statement = _one_learner_changed(db.session.get_bind().dialect.name)
        db.session.execute(statement, {"course_id": course_id, "user_id": ids[0]})
        return
    for start in range(0, len(ids), SCAN_CHUNK):
        from lms_core.sql import upsert

        # A row is written even for a learner who has none yet: a computation running
        # at the same moment then finds it (and its version) and cannot mark it fresh.
        statement = upsert(table).values(
            [
                dict(course_id=course_id, user_id=user_id, layout="", stale=True, version=1, missing_count=0)
                for user_id in ids[start : start + SCAN_CHUNK]
            ]
        )
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["course_id", "user_id"], set_={"stale": True, "version": table.c.version + 1}
            )
        )


@functools.cache
def _one_learner_changed(dialect: str):
    """``gradebook_changed``'s upsert for one learner with bound ids, built once per
    database kind (``dialect``: the cache's key; building it cost more than running it),
    on the table, not the model: an insert of a model takes the ORM's bulk-insert path,
    which cost as much again."""
    from lms_core.sql import upsert

    table = GradebookSummary.__table__
    statement = upsert(table).values(
        course_id=db.bindparam("course_id"),
        user_id=db.bindparam("user_id"),
        layout="",
        stale=True,
        version=1,
        missing_count=0,
    )
    return statement.on_conflict_do_update(
        index_elements=["course_id", "user_id"], set_={"stale": True, "version": table.c.version + 1}
    )


def gradebook_learner_changed(user_id: int) -> None:
    """The points of learner ``user_id`` may have changed in every course (their account
    switched off or on: plugins may leave inactive people out); in the caller's
    transaction."""
    table = GradebookSummary.__table__
    db.session.execute(
        table.update().where(table.c.user_id == int(user_id)).values(stale=True, version=table.c.version + 1)
    )


def layout_of(book: Book, now: datetime | None = None) -> str:
    """The fingerprint of what a learner's total depends on besides their own points.
    An item whose points still change with time alone (``settles_at`` ahead), or whose
    plugin does not mark its changes (``tracked`` false), adds the current minute, so
    summaries follow it at most ``LIVE_LAYOUT_SECONDS`` behind; its ``settles_at``
    itself counts too (a lecture made longer, or ended)."""
    now = now or utcnow()
    live = int(now.timestamp() // LIVE_LAYOUT_SECONDS)
    shape = [
        book.settings.pass_percent,
        [(g.id, g.weight, g.drop_lowest) for g in book.groups[:-1]],
        book.settings.other_weight,
        [
            (
                c.key,
                c.max_points,
                c.category_id,
                c.settles_at,
                live if not c.tracked or (c.settles_at is not None and c.settles_at > now) else None,
            )
            for c in book.columns
        ],
    ]
    return hashlib.sha1(json.dumps(shape, default=str).encode()).hexdigest()


def summary_layout(course: Course, frame: Frame | None = None) -> str:
    """The layout the course's summary rows must have to be used (``layout_of`` of an
    empty page: the frame and what the plugins read for no learner)."""
    return layout_of(build(course, [], 0, frame=frame or frame_of(course)))


def _due_query(course: Course, layout: str):
    """(user id, summary version or None) of the course's learners whose summary row is
    missing, stale or of another layout: from the enrolments and the summaries alone
    (ix_enrollments_course_id_status_user_id covers the enrolments' part), so finding
    nothing to do reads no user row however big the course."""
    return (
        db.select(Enrollment.user_id, GradebookSummary.version)
        .select_from(Enrollment)
        .outerjoin(
            GradebookSummary,
            db.and_(GradebookSummary.course_id == course.id, GradebookSummary.user_id == Enrollment.user_id),
        )
        .where(
            Enrollment.course_id == course.id,
            Enrollment.status.in_(LEARNER_STATES),
            db.or_(
                GradebookSummary.user_id.is_(None),
                GradebookSummary.stale.is_(True),
                GradebookSummary.layout != layout,
            ),
        )
    )


def _users_by_id(user_ids: list[int]) -> list[User]:
    """The users, in id order (by ``SCAN_CHUNK`` ids a statement: a bounded IN list)."""
    ids = sorted(user_ids)
    users: list[User] = []
    for start in range(0, len(ids), SCAN_CHUNK):
        chunk = ids[start : start + SCAN_CHUNK]
        users += db.session.execute(db.select(User).where(User.id.in_(chunk)).order_by(User.id)).scalars()
    return users


def refresh_summaries(
    course: Course, chunk: int = SCAN_CHUNK, frame: Frame | None = None, layout: str | None = None
) -> int:
    """Recompute the summary rows of the course's learners that are missing, stale or
    of another layout; returns how many. Once they are fresh this is one query that
    finds nothing to do, after the layout: the course's ``frame`` (unless given) and
    what the plugins read for an empty page (unless ``layout`` is given)."""
    from lms_core.sql import upsert

    frame = frame or frame_of(course)
    layout = layout or summary_layout(course, frame)
    summary = GradebookSummary.__table__
    done, after = 0, 0
    while True:
        # Keyset on the learner's id: one pass, so a row another request marks stale
        # meanwhile waits for the next view instead of keeping this one going.
        due = db.session.execute(
            _due_query(course, layout).where(Enrollment.user_id > after).order_by(Enrollment.user_id).limit(chunk)
        ).all()
        if not due:
            return done
        after = due[-1][0]
        versions = {user_id: version for user_id, version in due}
        book = build(course, _users_by_id(list(versions)), 0, frame=frame)
        # One upsert in the learners' id order, the order gradebook_changed locks
        # rows in (no deadlock between the two on PostgreSQL). A row is written only
        # where its version is still the one read (0 for a row this inserts): a grade
        # changed since keeps it stale, and a row another request inserted meanwhile
        # (version 1 or more) is left alone.
        statement = upsert(GradebookSummary).values(
            [
                dict(
                    course_id=course.id,
                    user_id=row.user.id,
                    layout=layout,
                    stale=False,
                    version=versions[row.user.id] or 0,
                    total=row.total,
                    passed=row.passed,
                    missing_count=len(row.missing),
                )
                for row in book.rows
            ]
        )
        excluded = statement.excluded
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["course_id", "user_id"],
                set_={
                    "layout": excluded.layout,
                    "stale": False,
                    "total": excluded.total,
                    "passed": excluded.passed,
                    "missing_count": excluded.missing_count,
                },
                where=summary.c.version == excluded.version,
            )
        )
        db.session.commit()
        done += len(book.rows)


def learner_book(course: Course, user: User) -> Book:
    return build(course, [user], 1)


def all_pages(course: Course, per_page: int = 500, search: str = "") -> Iterator[Book]:
    """The whole gradebook (or the learners ``search`` finds), in pages (keyset on name
    and id, for exports and filters)."""
    total = count_learners(course, search)
    after = None
    page = 0
    while True:
        query = _learners_query(course, search).order_by(User.name, User.id)
        if after is not None:
            query = query.where(db.tuple_(User.name, User.id) > after)
        users = list(db.session.execute(query.limit(per_page)).scalars())
        if not users:
            return
        page += 1
        yield build(course, users, total, page, per_page)
        after = (users[-1].name, users[-1].id)


def is_learner(course: Course, user_id: int) -> bool:
    return (
        db.session.execute(
            db.select(Enrollment.id).where(
                Enrollment.course_id == course.id,
                Enrollment.user_id == user_id,
                Enrollment.status.in_(LEARNER_STATES),
            )
        ).scalar()
        is not None
    )


def override(course: Course, learner_id: int, item_key: str, points, reason: str, by: User) -> GradeOverride:
    """Set (``points`` a number) or remove (``points`` empty) a learner's grade of one
    item, with a reason; every change is kept in the history."""
    if not is_learner(course, learner_id):
        raise ServiceError("not_found", _("This person is not a learner of the course."), 404)
    learner = db.session.get(User, learner_id)
    book = learner_book(course, learner)
    column = next((c for c in book.columns if c.key == item_key), None)
    if column is None:
        raise ServiceError("not_found", _("The course has no such graded item."), 404)
    reason = (reason or "").strip()
    errors = {}
    value = None
    if str(points if points is not None else "").strip():
        try:
            value = _number(points, "points", 0, column.max_points)
        except ServiceError as exc:
            errors.update(exc.fields)
    if not reason:
        errors["reason"] = _("Say why the grade is changed: the learner and other teachers see it.")
    elif len(reason) > 1000:
        errors["reason"] = _("Keep the reason under 1000 characters.")
    if errors:
        raise ServiceError("invalid", next(iter(errors.values())), 400, errors)
    row = GradeOverride(
        course_id=course.id,
        user_id=learner_id,
        item_key=item_key,
        points=value,
        reason=reason,
        changed_by_id=by.id,
        changed_at=utcnow(),
    )
    db.session.add(row)
    gradebook_changed(course.id, [learner_id])
    db.session.commit()
    return row


def history(course: Course, learner_id: int, item_key: str | None = None) -> list[tuple[GradeOverride, User | None]]:
    changer = db.aliased(User)
    query = (
        db.select(GradeOverride, changer)
        .outerjoin(changer, changer.id == GradeOverride.changed_by_id)
        .where(GradeOverride.course_id == course.id, GradeOverride.user_id == learner_id)
        .order_by(GradeOverride.id.desc())
    )
    if item_key is not None:
        query = query.where(GradeOverride.item_key == item_key)
    return list(db.session.execute(query).all())
