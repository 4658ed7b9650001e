"""Deadlines at the exact second, across time zones and DST changes, and the points a
rubric and the late penalty give."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lms_core import ServiceError

from lms_assignments import authoring, deadlines, grading

SECOND = timedelta(seconds=1)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- time zones


def test_a_deadline_entered_in_berlin_is_stored_in_utc_on_both_sides_of_the_clock_change():
    # Winter (CET, +1) and summer (CEST, +2) around the change on 30 March 2025.
    assert deadlines.local_to_utc(datetime(2025, 3, 29, 23, 59), "Europe/Berlin") == utc(2025, 3, 29, 22, 59)
    assert deadlines.local_to_utc(datetime(2025, 3, 30, 23, 59), "Europe/Berlin") == utc(2025, 3, 30, 21, 59)
    assert deadlines.local_to_utc(datetime(2025, 1, 10, 18, 0), "Asia/Tokyo") == utc(2025, 1, 10, 9, 0)


def test_a_time_skipped_by_the_spring_clock_change_is_refused_not_moved():
    with pytest.raises(deadlines.NonexistentLocalTime):
        deadlines.local_to_utc(datetime(2025, 3, 30, 2, 30), "Europe/Berlin")
    with pytest.raises(deadlines.NonexistentLocalTime):
        deadlines.local_to_utc(datetime(2025, 3, 9, 2, 15), "America/New_York")


def test_a_time_that_happens_twice_in_autumn_means_the_first_one():
    # 26 October 2025, 02:30 in Berlin happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    assert deadlines.local_to_utc(datetime(2025, 10, 26, 2, 30), "Europe/Berlin") == utc(2025, 10, 26, 0, 30)


def test_a_stored_deadline_reads_back_as_the_same_wall_clock_time():
    stored = deadlines.local_to_utc(datetime(2025, 11, 2, 1, 15), "America/New_York")
    assert deadlines.utc_to_local(stored, "America/New_York") == datetime(2025, 11, 2, 1, 15)
    assert deadlines.utc_to_local(stored, "Asia/Kolkata") == datetime(2025, 11, 2, 10, 45)


# --------------------------------------------------------------------------- late days


def test_late_days_count_started_24_hour_periods_from_the_second_after_the_deadline():
    due = utc(2025, 6, 1, 12, 0, 0)
    assert deadlines.late_days(due - SECOND, due) == 0
    assert deadlines.late_days(due, due) == 0
    assert deadlines.late_days(due + SECOND, due) == 1
    assert deadlines.late_days(due + timedelta(days=1), due) == 1
    assert deadlines.late_days(due + timedelta(days=1) + SECOND, due) == 2


def test_a_late_day_is_24_hours_even_when_the_clocks_change_overnight():
    # Deadline 23:59 Berlin time the evening before clocks go forward; the next evening
    # at 23:59 local time only 23 hours have passed: still one day late, not two.
    due = deadlines.local_to_utc(datetime(2025, 3, 29, 23, 59), "Europe/Berlin")
    next_evening = deadlines.local_to_utc(datetime(2025, 3, 30, 23, 59), "Europe/Berlin")
    assert next_evening - due == timedelta(hours=23)
    assert deadlines.late_days(next_evening, due) == 1
    # ...and at 00:59 local time the day after that, exactly 24 hours: still one day.
    assert deadlines.late_days(deadlines.local_to_utc(datetime(2025, 3, 31, 0, 59), "Europe/Berlin"), due) == 1
    assert deadlines.late_days(deadlines.local_to_utc(datetime(2025, 3, 31, 1, 0), "Europe/Berlin"), due) == 2


# --------------------------------------------------------------------------- rubric and penalty


def test_rubric_points_are_added_exactly_and_every_criterion_must_be_marked(app, assignments, factory):
    course, teacher, _student = assignments.course_with_student()
    assignment = assignments.create(
        course,
        teacher,
        grading_mode="rubric",
        rubric=[
            {"title": "A", "levels": [{"title": "x", "points": "0.1"}, {"title": "y", "points": 0}]},
            {"title": "B", "levels": [{"title": "x", "points": "0.1"}]},
            {"title": "C", "levels": [{"title": "x", "points": "0.1"}]},
        ],
    )
    assert assignment.max_points == 0.3  # the best level of each criterion, added up
    total, chosen = grading.rubric_score(assignment.criteria, assignments.levels(assignment, "x", "x", "x"))
    assert total == Decimal("0.30")  # not 0.30000000000000004
    assert [c["criterion"] for c in chosen] == ["A", "B", "C"]

    partial = assignments.levels(assignment, "y", "x", "x")
    partial.pop(str(assignment.criteria[2].id))
    with pytest.raises(ServiceError) as refused:
        grading.rubric_score(assignment.criteria, partial)
    assert refused.value.code == "rubric_incomplete"
    assert list(refused.value.fields) == [f"criterion-{assignment.criteria[2].id}"]

    other = assignments.create(course, teacher, grading_mode="rubric", rubric="Other | z = 5")
    foreign_level = {str(assignment.criteria[0].id): other.criteria[0].levels[0].id}
    with pytest.raises(ServiceError):
        grading.rubric_score(assignment.criteria, foreign_level)


def test_the_late_penalty_is_a_share_per_started_day_rounded_half_up_and_never_more_than_everything():
    assert grading.late_penalty(Decimal("7.00"), 0, 12.5) == Decimal("0.00")
    assert grading.late_penalty(Decimal("7.00"), 1, 12.5) == Decimal("0.88")  # 0.875 rounds up
    assert grading.late_penalty(Decimal("7.00"), 2, 12.5) == Decimal("1.75")
    assert grading.late_penalty(Decimal("7.00"), 9, 12.5) == Decimal("7.00")  # capped at 100 %
    assert grading.late_penalty(Decimal("7.00"), 3, 0) == Decimal("0.00")


def test_the_rubric_text_of_the_teacher_form_reads_criteria_levels_and_points():
    errors = {}
    rubric = authoring.parse_rubric(
        "Code quality | Excellent = 5 | Good = 2.5\n\nTests | All pass = 3 | None = 0", errors
    )
    assert errors == {}
    assert [(c["title"], [(lv["title"], lv["points"]) for lv in c["levels"]]) for c in rubric] == [
        ("Code quality", [("Excellent", Decimal("5.00")), ("Good", Decimal("2.50"))]),
        ("Tests", [("All pass", Decimal("3.00")), ("None", Decimal("0.00"))]),
    ]
    authoring.parse_rubric("Code quality | Excellent", errors)
    assert "rubric" in errors


# --------------------------------------------------------------------------- hand-ins at the boundary


def _late_assignment(assignments, course, teacher, due):
    return assignments.create(
        course,
        teacher,
        due_at=due,
        late_policy="penalty",
        late_penalty_percent=10,
        late_cutoff_at=due + timedelta(days=3),
        max_points=20,
    )


def test_a_hand_in_one_second_before_the_deadline_is_on_time_and_one_second_after_is_a_day_late(
    app, assignments, factory
):
    course, teacher, student = assignments.course_with_student()
    other = factory.user()
    factory.enrol(other, course)
    due = utc(2030, 1, 15, 23, 59, 59)
    assignment = _late_assignment(assignments, course, teacher, due)

    on_time = assignments.hand_in(student, assignment, now=due - SECOND)
    late = assignments.hand_in(other, assignment, now=due + SECOND)
    assert (on_time.late_days, on_time.submitted_at) == (0, due - SECOND)
    assert late.late_days == 1

    grade = grading.grade_submission(teacher, late, score="15")
    assert (grade.raw_points, grade.penalty_points, grade.points) == (15.0, 1.5, 13.5)
    assert grading.grade_submission(teacher, on_time, score="15").points == 15.0


def test_the_cut_off_is_the_last_second_a_late_hand_in_is_accepted(app, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    other = factory.user()
    factory.enrol(other, course)
    due = utc(2030, 1, 15, 12, 0, 0)
    assignment = _late_assignment(assignments, course, teacher, due)
    cutoff = assignment.late_cutoff_at

    assert assignments.hand_in(student, assignment, now=cutoff).late_days == 3
    with pytest.raises(ServiceError) as refused:
        assignments.hand_in(other, assignment, now=cutoff + SECOND)
    assert refused.value.code == "deadline_passed" and refused.value.status == 409


def test_with_a_refuse_policy_nothing_is_accepted_a_second_after_the_deadline(app, assignments):
    course, teacher, student = assignments.course_with_student()
    due = utc(2030, 5, 1, 8, 0, 0)
    assignment = assignments.create(course, teacher, due_at=due)
    with pytest.raises(ServiceError) as refused:
        assignments.hand_in(student, assignment, now=due + SECOND)
    assert refused.value.code == "deadline_passed"
    assert assignments.hand_in(student, assignment, now=due).late_days == 0


def test_an_extension_moves_one_students_deadline_and_late_window_by_the_same_amount(app, assignments, factory):
    course, teacher, student = assignments.course_with_student()
    classmate = factory.user()
    factory.enrol(classmate, course)
    due = utc(2030, 3, 1, 12, 0, 0)
    assignment = _late_assignment(assignments, course, teacher, due)
    authoring.set_extension(teacher, assignment, student, due + timedelta(days=2))

    mine = deadlines.student_deadline(assignment, student.id)
    theirs = deadlines.student_deadline(assignment, classmate.id)
    assert (mine.due_at, mine.cutoff_at, mine.extended) == (due + timedelta(days=2), due + timedelta(days=5), True)
    assert (theirs.due_at, theirs.extended) == (due, False)

    handed_in = assignments.hand_in(student, assignment, now=due + timedelta(days=2))
    assert handed_in.late_days == 0  # on time thanks to the extension
    assert assignments.hand_in(classmate, assignment, now=due + timedelta(days=2)).late_days == 2

    with pytest.raises(ServiceError) as refused:
        authoring.set_extension(teacher, assignment, classmate, due - SECOND)
    assert refused.value.code == "invalid_extension"


def test_nothing_can_be_handed_in_before_the_assignment_opens(app, assignments):
    course, teacher, student = assignments.course_with_student()
    opens = utc(2030, 2, 1, 9, 0, 0)
    assignment = assignments.create(course, teacher, opens_at=opens, due_at=opens + timedelta(days=7))
    with pytest.raises(ServiceError) as refused:
        assignments.hand_in(student, assignment, now=opens - SECOND)
    assert refused.value.code == "not_open"
    assert assignments.hand_in(student, assignment, now=opens).number == 1
