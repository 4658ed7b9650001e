"""The live chat: real python-socketio clients on the ``/chat`` namespace of two real web
processes (``lms run``) that share the database and Redis, the way a deployment runs."""

from __future__ import annotations

import os
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(
    not os.environ.get("LMS_TEST_REDIS_URL"), reason="two web processes deliver to each other through Redis"
)


@pytest.fixture(autouse=True)
def _generous_rate_limit(monkeypatch):
    # The servers read the plugin's settings from the environment (before they start).
    monkeypatch.setenv("CHAT_RATE_LIMIT", "1000")


def new_id() -> str:
    return uuid.uuid4().hex


def send(client, room, body, client_id=None, **extra):
    answer = client.call("send", {"room": room.id, "body": body, "client_id": client_id or new_id(), **extra})
    assert answer["ok"], answer
    return answer["message"]


def test_a_message_reaches_every_member_on_both_processes_and_nobody_else(
    course, factory, live_server, second_live_server, chat_clients
):
    ann, bob, _cleo = course.learners
    other_course = factory.course(title="Another course")
    outsider = factory.user(name="Olga Outsider")
    factory.enrol(outsider, other_course)

    teacher_socket = chat_clients(second_live_server, course.teacher)
    ann_socket = chat_clients(live_server, ann)
    bob_socket = chat_clients(second_live_server, bob)
    outsider_socket = chat_clients(live_server, outsider)
    for member in (teacher_socket, ann_socket, bob_socket):
        assert member.call("join", {"room": course.room.id})["ok"]
    guessed = outsider_socket.call("join", {"room": course.room.id})
    assert guessed["ok"] is False and guessed["code"] == "not_found" and "messages" not in guessed
    refused = outsider_socket.call("send", {"room": course.room.id, "body": "hi", "client_id": new_id()})
    assert refused["ok"] is False and refused["code"] == "not_found"

    client_id = new_id()
    sent = send(ann_socket, course.room, "Hello **everyone**", client_id)
    assert sent["seq"] == 1 and "<strong>everyone</strong>" in sent["html"]
    for member in (teacher_socket, ann_socket, bob_socket):
        [heard] = member.wait_for(1)
        assert heard["id"] == sent["id"] and heard["author"]["name"] == "Ann Lee"
    again = send(ann_socket, course.room, "Hello **everyone**", client_id)  # a resend (lost answer)
    assert again["id"] == sent["id"]
    send(teacher_socket, course.room, "Welcome!")
    assert [m["seq"] for m in bob_socket.wait_for(2)] == [1, 2]  # the resend was not broadcast again
    time.sleep(0.5)
    assert outsider_socket.heard == []
    assert [m["seq"] for m in ann_socket.messages()] == [1, 2]

    typing = bob_socket.call("typing", {"room": course.room.id})
    assert typing["ok"]
    assert teacher_socket.wait_for(1, event="chat:typing")[0]["user"]["name"] == "Bob Stone"
    assert all(name != "chat:typing" for name, _data in bob_socket.heard)  # not told about themselves
    presence = ann_socket.messages("chat:presence")[-1]["online"]
    assert {p["name"] for p in presence} >= {"Ann Lee", "Bob Stone", "Tess Teacher"}


def test_a_learner_removed_from_the_course_loses_the_open_connection_at_once(
    course, live_server, second_live_server, chat_clients
):
    from lms_core.services import enrolment

    ann, bob, _cleo = course.learners
    bob_socket = chat_clients(second_live_server, bob)
    ann_socket = chat_clients(live_server, ann)
    assert bob_socket.call("join", {"room": course.room.id})["ok"]
    assert ann_socket.call("join", {"room": course.room.id})["ok"]

    # withdrawn in this process; the socket lives in a web process: the disconnect goes through Redis
    enrolment.withdraw(enrolment.find(bob.id, course.course.id).id)
    assert bob_socket.ended.wait(timeout=10), "the removed learner's chat socket is still open"
    assert not ann_socket.ended.is_set()
    send(ann_socket, course.room, "Bob has gone")
    assert ann_socket.wait_for(1)

    back = chat_clients(second_live_server, bob_socket.browser)  # still logged in: the page reconnects
    answer = back.call("join", {"room": course.room.id})
    assert answer["ok"] is False and answer["code"] == "not_found"
    assert back.call("send", {"room": course.room.id, "body": "hello?", "client_id": new_id()})["ok"] is False
    send(ann_socket, course.room, "still nothing for Bob")
    time.sleep(0.5)
    assert bob_socket.messages() == [] and back.messages() == []


def test_a_reconnecting_client_receives_what_it_missed_without_gaps_or_duplicates(
    course, live_server, second_live_server, chat_clients
):
    ann, bob, _cleo = course.learners
    bob_socket = chat_clients(second_live_server, bob)
    assert bob_socket.call("join", {"room": course.room.id})["ok"]
    ann_socket = chat_clients(live_server, ann)
    assert ann_socket.call("join", {"room": course.room.id})["messages"] == []
    for n in range(1, 4):
        send(bob_socket, course.room, f"before {n}")
    seen = {m["seq"]: m for m in ann_socket.wait_for(3)}
    ann_socket.close()  # the laptop's lid closes

    for n in range(4, 9):
        send(bob_socket, course.room, f"while away {n}")

    again = chat_clients(second_live_server, ann_socket.browser)  # reconnects, to the other process this time
    answer = again.call("join", {"room": course.room.id, "after": max(seen)})
    assert answer["ok"] and answer["more"] is False
    assert [m["seq"] for m in answer["messages"]] == [4, 5, 6, 7, 8]
    assert [m["body"] for m in answer["messages"]][0] == "while away 4"
    for m in answer["messages"]:
        seen.setdefault(m["seq"], m)
    send(bob_socket, course.room, "live again")
    for m in again.wait_for(1):
        seen.setdefault(m["seq"], m)
    assert sorted(seen) == list(range(1, 10))
    assert len(answer["messages"]) + 3 + len(again.messages()) == 9  # nothing came twice

    older = again.call("history", {"room": course.room.id, "before": 4})
    assert [m["seq"] for m in older["messages"]] == [1, 2, 3] and older["more"] is False


def test_edits_deletes_and_refusals_travel_with_clear_messages(
    course, live_server, second_live_server, chat_clients, app
):
    from lms_chat import rooms

    ann, bob, _cleo = course.learners
    ann_socket = chat_clients(live_server, ann)
    bob_socket = chat_clients(second_live_server, bob)
    for member in (ann_socket, bob_socket):
        member.call("join", {"room": course.room.id})
    sent = send(ann_socket, course.room, "helo")
    assert ann_socket.call("edit", {"room": course.room.id, "seq": sent["seq"], "body": "hello"})["ok"]
    [edited] = bob_socket.wait_for(1, event="chat:edited")
    assert edited["edited"] and edited["body"] == "hello"
    refused = bob_socket.call("delete", {"room": course.room.id, "seq": sent["seq"]})
    assert refused["ok"] is False and refused["code"] == "forbidden"
    assert ann_socket.call("delete", {"room": course.room.id, "seq": sent["seq"]})["ok"]
    assert bob_socket.wait_for(1, event="chat:deleted")[0]["deleted"]

    too_long = ann_socket.call("send", {"room": course.room.id, "body": "x" * 2001, "client_id": new_id()})
    assert too_long["code"] == "too_long" and "2000" in too_long["error"]
    topic = rooms.create_topic(course.teacher, course.course, "Homework")
    rooms.set_mode(course.teacher, course.room, "announcements", False)
    closed = ann_socket.call("send", {"room": course.room.id, "body": "hi", "client_id": new_id()})
    assert closed["code"] == "announcements_only"
    assert ann_socket.call("join", {"room": topic.id})["ok"]  # still read, as the course room
    in_topic = bob_socket.call("send", {"room": topic.id, "body": "hi", "client_id": new_id()})
    assert in_topic["code"] == "announcements_only"  # its channels follow the course room for learners
    assert ann_socket.call("join", {"room": "1; DROP TABLE"})["code"] == "not_found"
    assert ann_socket.call("send", "not an object")["code"] == "invalid"


def test_a_reconnecting_client_receives_the_edits_deletes_and_reactions_it_missed(
    course, live_server, second_live_server, chat_clients
):
    ann, bob, _cleo = course.learners
    bob_socket = chat_clients(second_live_server, bob)
    ann_socket = chat_clients(live_server, ann)
    for member in (ann_socket, bob_socket):
        assert member.call("join", {"room": course.room.id})["ok"]
    kept = send(bob_socket, course.room, "typo hree")
    gone = send(bob_socket, course.room, "delete me")
    liked = send(bob_socket, course.room, "like me")
    ann_socket.wait_for(3)
    seen = max(m["change"] for m in ann_socket.messages())
    ann_socket.close()

    room = course.room.id
    assert bob_socket.call("edit", {"room": room, "seq": kept["seq"], "body": "typo here"})["ok"]
    assert bob_socket.call("delete", {"room": room, "seq": gone["seq"]})["ok"]
    assert bob_socket.call("react", {"room": room, "seq": liked["seq"], "emoji": "🎉"})["ok"]
    assert bob_socket.call("edit", {"room": room, "seq": kept["seq"], "body": "typo here!"})["ok"]  # twice
    fresh = send(bob_socket, course.room, "and a new one")

    again = chat_clients(second_live_server, ann_socket.browser)
    answer = again.call("join", {"room": room, "since": seen})
    assert answer["ok"] and answer["more"] is False
    by_seq = {m["seq"]: m for m in answer["messages"]}
    assert sorted(by_seq) == [kept["seq"], gone["seq"], liked["seq"], fresh["seq"]]  # each once
    assert len(answer["messages"]) == 4
    assert by_seq[kept["seq"]]["body"] == "typo here!" and by_seq[kept["seq"]]["edited"]
    assert by_seq[gone["seq"]]["deleted"] and by_seq[liked["seq"]]["reactions"] == {"🎉": 1}
    assert answer["last_change"] == max(m["change"] for m in answer["messages"])
    assert again.call("join", {"room": room, "since": answer["last_change"]})["messages"] == []


def test_a_room_turned_off_or_a_teacher_removed_drops_their_sockets_at_once(
    course, factory, live_server, second_live_server, chat_clients, client, login
):
    from lms_core import db
    from lms_core.models import CourseStaff

    from lms_chat import rooms

    ann, _bob, _cleo = course.learners
    ann_socket = chat_clients(live_server, ann)
    teacher_socket = chat_clients(second_live_server, course.teacher)
    topic = rooms.create_topic(course.teacher, course.course, "Homework")
    for member in (ann_socket, teacher_socket):
        assert member.call("join", {"room": course.room.id})["ok"]
    assert ann_socket.call("join", {"room": topic.id})["ok"]

    rooms.set_mode(course.teacher, course.room, "off", False)  # in this process: through Redis to both
    closed = ann_socket.wait_for(2, event="chat:closed")  # the course room and its topic channel
    assert sorted(event["room"] for event in closed) == sorted((course.room.id, topic.id))
    assert ann_socket.call("join", {"room": topic.id})["code"] == "not_found"
    refused = ann_socket.call("send", {"room": topic.id, "body": "hi", "client_id": new_id()})
    assert refused["code"] == "not_found"
    teacher_socket.wait_for(1, event="chat:closed")
    send(teacher_socket, course.room, "only staff now")  # staff may still write; nobody has rejoined
    time.sleep(0.5)
    assert ann_socket.messages() == [] and teacher_socket.messages() == []
    assert ann_socket.call("join", {"room": course.room.id})["code"] == "not_found"
    assert teacher_socket.call("join", {"room": course.room.id})["ok"]  # staff join again
    send(teacher_socket, course.room, "back")
    assert teacher_socket.wait_for(1)[0]["body"] == "back"
    time.sleep(0.3)
    assert ann_socket.messages() == []

    helper = factory.user(role="teacher", name="Hal Helper")
    db.session.add(CourseStaff(course_id=course.course.id, user_id=helper.id))
    db.session.commit()
    helper_socket = chat_clients(live_server, helper)
    assert helper_socket.call("join", {"room": course.room.id})["ok"]  # staff read a room that is off
    login(client, course.teacher)  # the course's "Teachers" page, in this process: through Redis to the socket
    assert client.post(f"/teach/courses/{course.course.id}/staff/{helper.id}/remove").status_code in (302, 303)
    assert helper_socket.ended.wait(timeout=10), "the former teacher's chat socket is still open"
    back = chat_clients(live_server, helper_socket.browser)
    assert back.call("join", {"room": course.room.id})["code"] == "not_found"
