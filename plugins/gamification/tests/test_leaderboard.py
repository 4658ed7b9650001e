"""Leaderboards: ranks with ties, the viewer's own rank and neighbours, weekly boards,
privacy, the teacher's settings, and Redis giving the same ranking as SQL."""

import itertools
import random
from datetime import timedelta

import pytest

from lms_core.testing import lms_command
from lms_core import db
from lms_core.models import utcnow

from lms_gamification import ledger, mirror, privacy
from lms_gamification.boards import board_key
from lms_gamification.leaderboard import RedisStandings, SqlStandings, view
from lms_gamification.models import PointAward, Score
from lms_gamification.rebuild import rebuild, repair

_causes = itertools.count(1)


def give(user, points, course=None):
    """``points`` for ``user`` (in ``course``), as an award from the ledger."""
    change = ledger.record(user.id, course.id if course else None, "quiz_pass", f"test:{next(_causes)}", points)
    ledger.publish([change])
    return change


def ranking(board):
    return [(e["rank"], e["name"], e["points"]) for e in board["top"]]


def test_ties_share_a_rank_and_the_next_rank_is_skipped(factory):
    viewer = factory.user(name="Viewer")
    for name, points in [("Ann", 50), ("Bob", 30), ("Cid", 30), ("Dan", 10)]:
        give(factory.user(name=name), points)

    board = view(viewer, None)

    assert ranking(board) == [(1, "Ann", 50), (2, "Cid", 30), (2, "Bob", 30), (4, "Dan", 10)]
    assert board["me"] is None and board["participants"] == 4


def test_a_student_outside_the_top_ten_sees_their_own_rank_and_the_ranks_around_it(factory):
    people = [factory.user(name=f"P{n:02d}") for n in range(15)]
    for n, person in enumerate(people):
        give(person, 100 - n * 5)  # P00 has 100, P14 has 30

    board = view(people[12], None)

    assert [e["name"] for e in board["top"]] == [f"P{n:02d}" for n in range(10)]
    assert [(e["rank"], e["name"], e["me"]) for e in board["around"]] == [
        (11, "P10", False),
        (12, "P11", False),
        (13, "P12", True),
        (14, "P13", False),
        (15, "P14", False),
    ]
    assert board["me"]["rank"] == 13 and board["me"]["points"] == 40


def test_the_weekly_board_counts_only_this_weeks_points(factory):
    old_timer, newcomer = factory.user(name="Old timer"), factory.user(name="Newcomer")
    give(old_timer, 500)
    give(newcomer, 20)
    award = db.session.execute(db.select(PointAward).where(PointAward.user_id == old_timer.id)).scalar_one()
    award.created_at = award.updated_at = utcnow() - timedelta(days=14)
    db.session.commit()
    rebuild()  # the boards follow the ledger

    assert ranking(view(newcomer, None, "week")) == [(1, "Newcomer", 20)]
    assert ranking(view(newcomer, None, "all")) == [(1, "Old timer", 500), (2, "Newcomer", 20)]


def test_a_hidden_student_is_left_off_the_board_but_sees_their_place_and_keeps_earning(factory, client, login):
    course = factory.course()
    shy, other = factory.user(name="Shy"), factory.user(name="Other")
    for student in (shy, other):
        factory.enrol(student, course)
    give(other, 10, course)
    login(client, shy)
    assert client.post("/gamification/me/privacy", data={"hidden": "1"}).status_code == 303

    give(shy, 40, course)

    for viewer in (other, factory.user(role="admin")):
        assert [e["name"] for e in view(viewer, course, staff=True)["top"]] == ["Other"]
    own = view(shy, course)
    assert own["hidden"] is True and own["me"]["rank"] == 1 and own["me"]["points"] == 40
    assert [e["name"] for e in own["around"]] == ["Shy"]
    page = client.get(f"/gamification/courses/{course.id}/leaderboard").get_data(as_text=True)
    assert 'id="hidden-note"' in page and 'id="my-rank"' in page
    assert ledger.total_points(shy.id, board_key(course.id)) == 40

    client.post("/gamification/me/privacy", data={"hidden": "0"})
    assert [e["name"] for e in view(other, course)["top"]] == ["Shy", "Other"]


def test_a_teacher_can_show_students_only_their_neighbours_or_turn_the_board_off(factory, client, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    students = [factory.user(name=f"S{n}") for n in range(8)]
    for n, student in enumerate(students):
        factory.enrol(student, course)
        give(student, 10 * (n + 1), course)
    login(client, teacher)
    assert (
        client.post(
            f"/gamification/courses/{course.id}/settings", data={"part": "board", "leaderboard": "neighbours"}
        ).status_code
        == 303
    )

    board = view(students[0], course)
    assert board["top"] == [] and [e["name"] for e in board["around"]] == ["S2", "S1", "S0"]
    assert len(view(teacher, course, staff=True)["top"]) == 8  # teachers always see the whole board

    client.post(f"/gamification/courses/{course.id}/settings", data={"part": "board", "leaderboard": "off"})
    client.post("/logout")
    login(client, students[0])
    response = client.get(f"/gamification/courses/{course.id}/leaderboard")
    assert response.status_code == 403
    assert "The leaderboard of this course is turned off." in response.get_data(as_text=True)
    api = client.get(f"/api/v1/gamification/leaderboards/courses/{course.id}")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "leaderboard_off"


def test_only_people_of_the_course_see_its_board(factory, client, login):
    course = factory.course()
    outsider = factory.user()
    login(client, outsider)
    assert client.get(f"/gamification/courses/{course.id}/leaderboard").status_code == 403


def test_an_unknown_period_is_refused(factory, client, login):
    login(client, factory.user())
    response = client.get("/api/v1/gamification/leaderboards/platform?period=year")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_period"


def test_the_sql_standing_of_every_viewer_matches_a_ranking_counted_by_hand(factory):
    """Ties on both sides of the viewer and at the window's edges, hidden viewers: the
    SQL standing (counts over the index) against the order written out in Python."""
    from lms_gamification.leaderboard import RADIUS, Entry

    generator = random.Random(8)
    people = [factory.user() for _ in range(36)]
    for person in people:
        give(person, generator.choice([0, 5, 10, 10, 10, 20, 20, 35]))
    for hidden in (people[3], people[11], people[30]):
        privacy.set_hidden(hidden.id, True)
    board = board_key(None)
    scores = {
        s.user_id: (s.points, bool(s.hidden))
        for s in db.session.execute(db.select(Score).where(Score.board == board)).scalars()
    }
    shown = sorted(((points, user_id) for user_id, (points, hidden) in scores.items() if not hidden), reverse=True)

    def entry(index):
        points, user_id = shown[index]
        return Entry(index, 1 + sum(1 for p, _u in shown if p > points), user_id, points)

    for person in people:
        standing = SqlStandings().standing(board, person.id)
        if person.id not in scores:  # no points yet: not on the board
            assert standing.me is None and standing.window == []
            continue
        points, hidden = scores[person.id]
        if hidden:
            place = sum(1 for p, _u in shown if p > points)
            assert standing.me == Entry(place, place + 1, person.id, points)
            around = range(max(place - RADIUS, 0), min(place + RADIUS, len(shown)))
        else:
            place = shown.index((points, person.id))
            assert standing.me == entry(place)
            around = [i for i in range(max(place - RADIUS, 0), min(place + RADIUS + 1, len(shown))) if i != place]
        assert standing.me_hidden == hidden and standing.total == len(shown)
        assert standing.window == [entry(i) for i in around], person.id
        assert standing.top == [entry(i) for i in range(min(10, len(shown)))]


def test_redis_and_sql_give_the_same_ranking(app, factory):
    if mirror.connection() is None:
        pytest.skip("needs Redis (LMS_TEST_REDIS_URL)")
    course = factory.course()
    generator = random.Random(4)
    people = [factory.user() for _ in range(40)]
    for person in people:
        for _ in range(generator.randint(1, 3)):
            give(person, generator.choice([0, 5, 10, 10, 15, 20, 35]), course if generator.random() < 0.7 else None)
    privacy.set_hidden(people[7].id, True)
    privacy.set_hidden(people[20].id, True)

    for board in (board_key(None), board_key(course.id), board_key(course.id, "week")):
        for viewer in [None, *people]:
            user_id = viewer.id if viewer else None
            sql, redis = SqlStandings().standing(board, user_id), RedisStandings().standing(board, user_id)
            assert (sql.top, sql.total, sql.me, sql.me_hidden, sql.window) == (
                redis.top,
                redis.total,
                redis.me,
                redis.me_hidden,
                redis.window,
            ), (board, user_id)


def test_rebuild_restores_every_board_from_the_ledger(app, factory):
    course = factory.course()
    ann, bob = factory.user(name="Ann"), factory.user(name="Bob")
    give(ann, 30, course)
    give(bob, 20, course)
    give(bob, 25)
    before = {b: SqlStandings().standing(b, None).top for b in (board_key(None), board_key(course.id))}
    db.session.execute(db.delete(Score).where(Score.user_id == ann.id))
    db.session.execute(db.update(Score).where(Score.user_id == bob.id).values(points=999))
    db.session.commit()
    if mirror.connection() is not None:
        mirror.connection().flushdb()

    result = app.test_cli_runner().invoke(lms_command, ["gamification", "rebuild"])

    assert result.exit_code == 0, result.output
    assert "rebuilt 4 leaderboards" in result.output
    for board, top in before.items():
        assert SqlStandings().standing(board, None).top == top
        if mirror.connection() is not None:
            assert RedisStandings().standing(board, None).top == top
    assert [e.points for e in before[board_key(None)]] == [45, 30]


def test_the_periodic_repair_resends_what_redis_missed(app, factory):
    if mirror.connection() is None:
        pytest.skip("needs Redis (LMS_TEST_REDIS_URL)")
    ann = factory.user(name="Ann")
    ledger.record(ann.id, None, "quiz_pass", "lost-on-the-way", 30)  # committed, then the process died
    assert RedisStandings().standing(board_key(None), None).top == []

    assert repair() >= 1
    assert [(e.user_id, e.points) for e in RedisStandings().standing(board_key(None), None).top] == [(ann.id, 30)]
    assert repair() >= 1  # sending again changes nothing
    assert RedisStandings().standing(board_key(None), None).total == 1


def test_the_course_leaderboard_api_reads_the_course_with_the_viewers_enrolment_in_one_statement(
    app, client, factory, login
):
    from lms_core.testing import count_sql

    teacher = factory.user("teacher")
    course = factory.course(teacher)
    student = factory.user()
    factory.enrol(student, course)
    give(student, 10, course)
    login(client, student)
    path = f"/api/v1/gamification/leaderboards/courses/{course.id}"
    assert client.get(path).status_code == 200
    with count_sql(db.engine) as sql:
        response = client.get(path)
    assert response.status_code == 200 and response.get_json()["me"]["points"] == 10
    reads = [s for s in sql.statements if "FROM courses" in s or "FROM enrollments" in s]
    assert len(reads) == 1 and "enrollments" in reads[0], reads
    # Someone else's course: the same one statement, and a refusal.
    other = factory.course(teacher)
    response = client.get(f"/api/v1/gamification/leaderboards/courses/{other.id}")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/gamification/leaderboards/courses/999999").get_json()["error"]["code"] == "not_found"


class Traffic:
    """What a request sends, in order: each SQL statement, and each Redis command sent
    and reply read (the socket-level calls of redis-py's connections, nothing mocked)."""

    def __init__(self, monkeypatch, engine):
        from redis.connection import Connection
        from sqlalchemy import event

        self.events: list[tuple[str, str]] = []
        send, read = Connection.send_packed_command, Connection.read_response

        def sent(connection, command, check_health=True):
            first = command[0] if isinstance(command, (list, tuple)) else command
            self.events.append(("redis send", bytes(first)[:40].decode(errors="replace")))
            return send(connection, command, check_health)

        def replied(connection, *args, **kwargs):
            answer = read(connection, *args, **kwargs)
            self.events.append(("redis reply", ""))
            return answer

        monkeypatch.setattr(Connection, "send_packed_command", sent)
        monkeypatch.setattr(Connection, "read_response", replied)
        event.listen(engine, "before_cursor_execute", self._statement)
        self._engine = engine

    def _statement(self, _conn, _cursor, statement, *_args):
        self.events.append(("sql", statement))

    def clear(self):
        self.events.clear()

    def stop(self):
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._statement)

    def kinds(self):
        return [kind for kind, _text in self.events]


@pytest.fixture
def traffic(app, monkeypatch):
    if mirror.connection() is None:
        pytest.skip("needs Redis (LMS_TEST_REDIS_URL)")
    seen = Traffic(monkeypatch, db.engine)
    yield seen
    seen.stop()


def test_a_students_platform_board_costs_the_session_and_one_redis_round_trip(client, factory, login, traffic):
    people = [factory.user(name=f"P{n:02d}") for n in range(14)]
    for n, person in enumerate(people):
        give(person, 100 - n * 5)
    login(client, people[12])
    path = "/api/v1/gamification/leaderboards/platform"
    assert client.get(path).status_code == 200  # names and badges now cached

    traffic.clear()
    board = client.get(path).get_json()

    assert traffic.kinds() == ["sql", "redis send", "redis reply"], traffic.events  # the session; the standings
    assert "user_sessions" in traffic.events[0][1]
    assert [e["name"] for e in board["around"]] == ["P10", "P11", "P12", "P13"]
    assert board["me"] == {
        "rank": 13,
        "user_id": people[12].id,
        "points": 40,
        "me": True,
        "name": "P12",
        "badges": 0,
        "level": "Newcomer",
    }


def test_a_course_board_reads_the_course_while_redis_works_on_the_standings(client, factory, login, traffic):
    course = factory.course()
    students = [factory.user(name=f"S{n}") for n in range(4)]
    for n, student in enumerate(students):
        factory.enrol(student, course)
        give(student, 10 * (n + 1), course)
    login(client, students[0])
    path = f"/api/v1/gamification/leaderboards/courses/{course.id}"
    assert client.get(path).status_code == 200

    traffic.clear()
    board = client.get(path).get_json()

    # The session; the standings sent; the course with the enrolment; then the reply read.
    assert traffic.kinds() == ["sql", "redis send", "sql", "redis reply"], traffic.events
    assert "EVALSHA" in traffic.events[1][1] and "FROM courses" in traffic.events[2][1]
    assert [e["name"] for e in board["top"]] == ["S3", "S2", "S1", "S0"] and board["me"]["rank"] == 4


def test_a_refused_course_board_leaves_redis_clean_for_the_next_request(app, client, factory, login, traffic):
    teacher = factory.user("teacher")
    mine, theirs = factory.course(teacher), factory.course(teacher)
    student = factory.user(name="Me")
    factory.enrol(student, mine)
    give(student, 10, mine)
    login(client, student)

    traffic.clear()
    refused = client.get(f"/api/v1/gamification/leaderboards/courses/{theirs.id}")
    missing = client.get("/api/v1/gamification/leaderboards/courses/999999")
    wrong_period = client.get(f"/api/v1/gamification/leaderboards/courses/{mine.id}?period=year")

    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert missing.status_code == 404 and wrong_period.status_code == 400
    assert traffic.kinds().count("redis send") == traffic.kinds().count("redis reply")  # sent early: read, dropped
    redis = mirror.connection()
    assert all(not c.can_read() for c in redis.connection_pool._available_connections)
    board = client.get(f"/api/v1/gamification/leaderboards/courses/{mine.id}").get_json()
    assert board["me"]["name"] == "Me" and board["me"]["points"] == 10


def _my_course_board(client, factory, login) -> str:
    """A learner ("Me", 10 points) signed in, their course board asked once (the
    scripts loaded, the pool warm); returns the board's address."""
    if mirror.connection() is None:
        pytest.skip("needs Redis (LMS_TEST_REDIS_URL)")
    course = factory.course()
    student = factory.user(name="Me")
    factory.enrol(student, course)
    give(student, 10, course)
    login(client, student)
    path = f"/api/v1/gamification/leaderboards/courses/{course.id}"
    assert client.get(path).status_code == 200
    return path


def test_a_course_board_still_answers_when_redis_forgot_its_scripts(client, factory, login):
    path = _my_course_board(client, factory, login)

    mirror.connection().script_flush()  # as after a restart of Redis

    board = client.get(path).get_json()
    assert board["me"]["name"] == "Me" and board["me"]["points"] == 10


def test_built_in_level_names_follow_each_viewers_language(client, factory, login):
    course = factory.course()
    russian, english = factory.user(name="Ru", locale="ru"), factory.user(name="En", locale="en")
    for student in (russian, english):
        factory.enrol(student, course)
    give(russian, 60, course)  # Explorer, on the course and the platform
    give(english, 10, course)
    path = f"/api/v1/gamification/leaderboards/courses/{course.id}"

    seen = {}
    for student in (russian, english, russian):
        login(client, student)
        seen.setdefault(student.name, []).append([e["level"] for e in client.get(path).get_json()["top"]])
        client.post("/logout")

    assert seen == {"Ru": [["Исследователь", "Новичок"]] * 2, "En": [["Explorer", "Newcomer"]]}


def test_a_course_board_still_answers_when_the_early_call_loses_its_connection(client, factory, login, monkeypatch):
    from redis.connection import Connection
    from redis.exceptions import ConnectionError

    path = _my_course_board(client, factory, login)
    read, failures = Connection.read_response, ["the connection drops while the SQL runs"]

    def dropped_once(connection, *args, **kwargs):
        if failures:
            failures.pop()
            connection.disconnect()
            raise ConnectionError("Connection closed by server.")
        return read(connection, *args, **kwargs)

    monkeypatch.setattr(Connection, "read_response", dropped_once)
    board = client.get(path).get_json()

    assert not failures and board["me"]["name"] == "Me" and board["me"]["points"] == 10
