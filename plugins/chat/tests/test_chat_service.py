"""The chat's rules, through its services and its plain (no JavaScript) pages."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from lms_core import ServiceError, db
from lms_core.models import Notification, utcnow


def new_id() -> str:
    return uuid.uuid4().hex


def post(user, room, body, **kwargs):
    from lms_chat import messages

    return messages.post(user, room, body, kwargs.pop("client_id", None) or new_id(), **kwargs)[0]


def test_a_message_is_stored_once_however_often_it_is_resent(course):
    from lms_chat.models import ChatMessage

    ann = course.learners[0]
    client_id = new_id()
    from lms_chat import messages

    first, created = messages.post(ann, course.room, "Hello **all**", client_id)
    again, created_again = messages.post(ann, course.room, "Hello **all**", client_id)
    assert (created, created_again) == (True, False)
    assert again.id == first.id and first.seq == 1
    assert db.session.execute(db.select(db.func.count(ChatMessage.id))).scalar_one() == 1
    assert post(ann, course.room, "second").seq == 2  # numbered per room, in order


def test_markdown_is_sanitised_as_lesson_content_is(course):
    from lms_chat.messages import serialize

    html = serialize(
        post(course.learners[0], course.room, "**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    )["html"]
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_someone_outside_the_course_gets_nothing_even_with_the_room_id(app, client, factory, login, course):
    post(course.learners[0], course.room, "members only")
    stranger = factory.user()
    login(client, stranger)
    assert client.get(f"/chat/{course.room.id}").status_code == 404
    assert client.get(f"/chat/{course.room.id + 1000}").status_code == 404  # same answer for no room at all
    assert client.get(f"/chat/{course.room.id}/history").status_code == 404
    assert client.post(f"/chat/{course.room.id}", data={"body": "hi", "client_id": new_id()}).status_code == 404
    assert client.get(f"/chat/course/{course.course.id}").status_code == 404
    with pytest.raises(ServiceError) as refused:
        post(stranger, course.room, "let me in")
    assert refused.value.code == "not_found"


@pytest.mark.lms_config(CHAT_RATE_LIMIT=1000)
def test_without_javascript_a_learner_reads_history_page_by_page_and_posts(app, client, login, course):
    ann, bob = course.learners[:2]
    for n in range(1, 56):
        post(bob if n % 2 else ann, course.room, f"message number {n}")
    login(client, ann)
    page = client.get(f"/chat/course/{course.course.id}", follow_redirects=True).get_data(as_text=True)
    assert "message number 55" in page and "message number 6<" in page and "message number 5<" not in page
    assert f"/chat/{course.room.id}?before=6" in page  # the older page: the 50 newest are shown
    older = client.get(f"/chat/{course.room.id}?before=6").get_data(as_text=True)
    assert "message number 5<" in older and "message number 1<" in older and "message number 6<" not in older

    client_id = new_id()
    form = {"body": "Is lesson *3* online?", "client_id": client_id, "reply_to": "55"}
    answer = client.post(f"/chat/{course.room.id}", data=form)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#m56")
    assert client.post(f"/chat/{course.room.id}", data=form).status_code == 303  # the form sent twice: stored once
    page = client.get(f"/chat/{course.room.id}").get_data(as_text=True)
    assert page.count("Is lesson <em>3</em> online?") == 1
    assert 'id="m56"' in page and 'id="m57"' not in page


def test_the_teacher_turns_the_room_off_read_only_or_announcements_only(app, client, login, course):
    from lms_chat import rooms
    from lms_chat.models import ANNOUNCEMENTS, OFF, READ_ONLY, ChatModerationEntry

    ann = course.learners[0]
    login(client, course.teacher)
    assert client.post(f"/chat/{course.room.id}/settings", data={"mode": ANNOUNCEMENTS}).status_code == 303
    login(client, ann)
    page = client.post(f"/chat/{course.room.id}", data={"body": "hi", "client_id": new_id()})
    assert page.status_code == 403 and "Only the course" in page.get_data(as_text=True)
    assert post(course.teacher, course.room, "Exam on Friday").seq == 1  # staff still announce

    rooms.set_mode(course.teacher, course.room, READ_ONLY, False)
    for who in (ann, course.teacher):
        with pytest.raises(ServiceError) as refused:
            post(who, course.room, "anything")
        assert refused.value.code == "read_only"
    assert "Exam on Friday" in client.get(f"/chat/{course.room.id}").get_data(as_text=True)

    rooms.set_mode(course.teacher, course.room, OFF, False)
    assert client.get(f"/chat/{course.room.id}").status_code == 404
    login(client, course.teacher)
    assert client.get(f"/chat/{course.room.id}").status_code == 200  # staff can still open it to turn it on
    with pytest.raises(ServiceError):
        rooms.set_mode(ann, course.room, "open", False)
    actions = db.session.execute(db.select(ChatModerationEntry.detail)).scalars().all()
    assert [a.split()[0] for a in actions] == ["announcements", "read_only", "off"]


def test_long_messages_and_floods_get_a_clear_message_in_the_users_language(app, client, login, factory, course):
    from lms_chat.models import ChatMessage

    ann = course.learners[0]
    ann.locale = "ru"
    db.session.commit()
    login(client, ann)
    long = client.post(f"/chat/{course.room.id}", data={"body": "x" * 2001, "client_id": new_id()})
    assert long.status_code == 400
    assert "2000" in long.get_data(as_text=True) and "символ" in long.get_data(as_text=True)
    app.config.update(CHAT_RATE_LIMIT=3, CHAT_RATE_WINDOW=3600)  # one window, however slow the machine
    for _n in range(3):
        assert client.post(f"/chat/{course.room.id}", data={"body": "spam", "client_id": new_id()}).status_code == 303
    flood = client.post(f"/chat/{course.room.id}", data={"body": "spam", "client_id": new_id()})
    assert flood.status_code == 429 and "слишком часто" in flood.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(ChatMessage.id))).scalar_one() == 3
    post(course.learners[1], course.room, "another person is not limited by Ann's messages")


def test_authors_edit_and_delete_for_a_while_and_staff_delete_anything_logged(course):
    from lms_chat import messages
    from lms_chat.models import ChatModerationEntry

    ann, bob = course.learners[:2]
    mine = post(ann, course.room, "helo")
    messages.edit(ann, course.room, mine.seq, "hello")
    data = messages.serialize(mine)
    assert data["edited"] and data["body"] == "hello"
    with pytest.raises(ServiceError):
        messages.edit(bob, course.room, mine.seq, "hijacked")
    with pytest.raises(ServiceError):
        messages.delete(bob, course.room, mine.seq)
    mine.created_at = utcnow() - timedelta(minutes=16)
    db.session.commit()
    with pytest.raises(ServiceError) as late:
        messages.edit(ann, course.room, mine.seq, "too late")
    assert late.value.code == "too_late"
    assert db.session.execute(db.select(db.func.count(ChatModerationEntry.id))).scalar_one() == 0
    messages.delete(course.teacher, course.room, mine.seq)  # staff: any time
    assert messages.serialize(mine)["deleted"] and messages.serialize(mine)["body"] == ""
    [entry] = db.session.execute(db.select(ChatModerationEntry)).scalars().all()
    assert (entry.action, entry.actor_id, entry.target_user_id, entry.detail) == (
        "delete",
        course.teacher.id,
        ann.id,
        "hello",
    )
    own = post(bob, course.room, "oops")
    messages.delete(bob, course.room, own.seq)  # an author's own delete is not moderation
    assert db.session.execute(db.select(db.func.count(ChatModerationEntry.id))).scalar_one() == 1


def test_replies_are_one_level_deep_and_reactions_toggle(course):
    from lms_chat import messages

    ann, bob, cleo = course.learners
    question = post(ann, course.room, "Which editor?")
    answer = post(bob, course.room, "VS Code", reply_to=question.seq)
    answer_to_answer = post(cleo, course.room, "+1", reply_to=answer.seq)
    assert answer.reply_to_id == question.id and answer_to_answer.reply_to_id == question.id
    assert messages.serialize(answer)["reply_to"]["author"] == "Ann Lee"
    messages.react(bob, course.room, question.seq, "👍")
    messages.react(cleo, course.room, question.seq, "👍")
    messages.react(cleo, course.room, question.seq, "👍")  # again: taken back
    del question.reaction_counts
    assert messages.serialize(question)["reactions"] == {"👍": 1}
    with pytest.raises(ServiceError):
        messages.react(bob, course.room, question.seq, "<b>")


def test_staff_mute_a_learner_for_a_while_and_pin_members_report_all_logged(app, client, login, course):
    from lms_chat import messages, moderation
    from lms_chat.models import ChatModerationEntry

    ann, bob = course.learners[:2]
    rude = post(ann, course.room, "rude words")
    assert moderation.report(bob, course.room, rude.seq, "insulting") is True
    assert moderation.report(bob, course.room, rude.seq, "again") is False  # one report per member
    moderation.mute(course.teacher, course.room, ann, 60)
    with pytest.raises(ServiceError) as muted:
        post(ann, course.room, "more")
    assert muted.value.code == "muted"
    with pytest.raises(ServiceError):
        moderation.mute(bob, course.room, ann, 60)  # learners do not moderate
    moderation.pin(course.teacher, course.room, post(course.teacher, course.room, "Read the rules").seq)
    assert [m.body for m in messages.pinned(course.room)] == ["Read the rules"]
    moderation.unmute(course.teacher, course.room, ann.id)
    post(ann, course.room, "sorry")

    login(client, course.teacher)
    page = client.get(f"/chat/{course.room.id}/moderation").get_data(as_text=True)
    assert "insulting" in page and "rude words" in page
    actions = db.session.execute(db.select(ChatModerationEntry.action).order_by(ChatModerationEntry.id)).scalars().all()
    assert actions == ["report", "mute", "pin", "unmute"]
    login(client, bob)
    assert client.get(f"/chat/{course.room.id}/moderation").status_code == 404


def test_a_mention_notifies_the_member_named(course):
    ann, bob, cleo = course.learners
    post(ann, course.room, "@Bob Stone could you share the notes? @Nobody Here")
    [note] = db.session.execute(db.select(Notification).where(Notification.kind == "chat.mention")).scalars().all()
    assert note.user_id == bob.id and "Ann Lee" in note.title and "/chat/" in note.url


def test_a_mention_written_in_english_is_read_in_russian(course, client):
    from lms_core.testing import inbox_read_in

    from lms_core import set_translation

    ann, bob, _cleo = course.learners
    bob.locale = "en"
    set_translation(course.course, course.course, "title", "ru", "Основы Python")
    db.session.commit()
    post(ann, course.room, "@Bob Stone see lesson 3")
    title, body = inbox_read_in(client, bob, "ru")["chat.mention"]
    assert title.startswith("Ann Lee упомянул") and "«Основы Python»" in title and body == "@Bob Stone see lesson 3"
    stored = db.session.execute(db.select(Notification).where(Notification.kind == "chat.mention")).scalar_one()
    assert f"“{course.course.title}”" in stored.title  # written in Bob's English, the course's own title


def test_direct_messages_between_learner_and_staff_and_between_learners_when_allowed(course, factory):
    from lms_chat import rooms

    ann, bob = course.learners[:2]
    talk = rooms.direct_room(ann, course.teacher, course.course)
    assert rooms.direct_room(course.teacher, ann, course.course).id == talk.id  # one conversation per pair
    post(ann, talk, "A question about the exam")
    assert rooms.may_read(course.teacher, talk) and not rooms.may_read(bob, talk)
    with pytest.raises(ServiceError) as off:
        rooms.direct_room(ann, bob, course.course)
    assert off.value.code == "direct_off"
    rooms.set_mode(course.teacher, course.room, "open", True)
    post(ann, rooms.direct_room(ann, bob, course.course), "hi Bob")
    with pytest.raises(ServiceError):
        rooms.direct_room(ann, factory.user(), course.course)  # not in the course


def test_unread_counts_per_room_in_the_menu_and_the_list(app, client, login, course):
    from lms_chat import rooms

    ann, bob = course.learners[:2]
    talk = rooms.direct_room(course.teacher, bob, course.course)
    for n in range(3):
        post(ann, course.room, f"note {n}")
    post(course.teacher, talk, "see me after class")
    login(client, bob)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Chats (4)" in dashboard
    listing = client.get("/chat/").get_data(as_text=True)
    assert listing.count('chat-unread') == 2 and ">3</span>" in listing and ">1</span>" in listing
    client.get(f"/chat/{course.room.id}")  # reading the room marks it read
    assert "Chats (1)" in client.get("/dashboard").get_data(as_text=True)
    login(client, ann)
    assert "Chats (" not in client.get("/dashboard").get_data(as_text=True)  # her own messages are read


def test_the_room_list_names_every_room_and_costs_the_same_for_one_room_and_for_five(app, client, login, factory):
    """Each room's course and each conversation's other person are read in one query for
    the whole list, not one per room."""
    import re

    from lms_chat import rooms
    from lms_core import db
    from lms_core.models import User
    from lms_core.testing import count_sql

    learner = factory.user(name="Lena Learner")
    learner_id = learner.id
    login(client, learner)

    def join(title: str, teacher_name: str):
        teacher = factory.user(role="teacher", name=teacher_name)
        course = factory.course(teacher=teacher, title=title)
        me = db.session.get(User, learner_id)
        factory.enrol(me, course)
        rooms.course_room(course)
        rooms.direct_room(me, teacher, course)
        db.session.commit()

    def listed() -> tuple[int, list[str]]:
        client.get("/chat/")
        db.session.remove()  # a fresh session, as each request has in production
        with count_sql(db.engine) as sql:
            html = client.get("/chat/").get_data(as_text=True)
        return sql.count, re.findall(r'<a href="/chat/\d+">([^<]+)</a>', html)

    join("Astronomy", "Tom Stars")
    one, names = listed()
    assert sorted(names) == ["Astronomy", "Tom Stars"]
    for n, title in enumerate(("Botany", "Chemistry")):
        join(title, f"Teacher {n}")
    three, names = listed()
    assert sorted(names) == ["Astronomy", "Botany", "Chemistry", "Teacher 0", "Teacher 1", "Tom Stars"]
    assert three == one


def test_search_finds_messages_in_the_rooms_history(app, client, login, course):
    ann = course.learners[0]
    post(ann, course.room, "The deadline is on Friday")
    post(ann, course.room, "100% sure")
    post(ann, course.room, "nothing here")
    login(client, ann)
    page = client.get(f"/chat/{course.room.id}?q=deadline").get_data(as_text=True)
    assert "The deadline is on Friday" in page and "nothing here" not in page
    assert "100% sure" in client.get(f"/chat/{course.room.id}?q=100%25").get_data(as_text=True)
    assert "100% sure" not in client.get(f"/chat/{course.room.id}?q=0_").get_data(as_text=True)  # _ is not a wildcard


@pytest.mark.parametrize("how", ["withdraw", "hold"])
def test_a_learner_who_leaves_the_course_loses_its_rooms_at_once(app, client, login, course, how):
    from lms_core.services import enrolment

    ann = course.learners[0]
    login(client, ann)
    assert client.get(f"/chat/{course.room.id}").status_code == 200
    row = enrolment.find(ann.id, course.course.id)
    enrolment.withdraw(row.id) if how == "withdraw" else enrolment.hold(row.id, "refunded")
    assert client.get(f"/chat/{course.room.id}").status_code == 404
    with pytest.raises(ServiceError):
        post(ann, course.room, "still here?")


def test_the_course_page_links_to_its_chat_for_members_only(app, client, login, factory, course):
    login(client, course.learners[0])
    assert f"/chat/course/{course.course.id}" in client.get(f"/courses/{course.course.slug}").get_data(as_text=True)
    login(client, factory.user())
    assert f"/chat/course/{course.course.id}" not in client.get(f"/courses/{course.course.slug}").get_data(as_text=True)


def test_the_course_pages_chat_link_counts_the_unread_and_goes_when_the_room_is_off(app, client, login, course):
    """The learner's unread messages of the course room by the link; a room turned off
    takes the link away from learners (they may not read it) but not from the staff."""
    import re

    from lms_chat import rooms

    ann, page = course.learners[0], f"/courses/{course.course.slug}"
    post(course.teacher, course.room, "Welcome!")
    post(course.learners[1], course.room, "Hello")

    def link_and_unread(user):
        login(client, user)
        html = client.get(page).get_data(as_text=True)
        section = re.search(r'<section class="card" id="chat-course">.*?</section>', html, re.S)
        if section is None:
            return None
        badge = re.search(r'<span class="badge"[^>]*>(\d+)</span>', section.group(0))
        return int(badge.group(1)) if badge else 0

    assert link_and_unread(ann) == 2
    rooms.set_mode(course.teacher, course.room, "off", False)
    assert link_and_unread(ann) is None
    assert link_and_unread(course.teacher) == 1  # their own message is read


def test_messages_posted_at_once_from_many_threads_are_each_stored_once_numbered_without_gaps(app, course):
    """Socket.IO runs every event in its own thread: posts of one room at the same moment
    must neither fail on the database's lock nor share or skip a number."""
    import threading

    from lms_chat import messages, rooms
    from lms_chat.models import ChatMessage, ChatRead

    members = [course.teacher, *course.learners]
    ids = {member.id: [new_id() for _ in range(6)] for member in members}
    errors: list = []
    start = threading.Barrier(len(members))

    def send_all(user_id):
        from lms_core.models import User

        with app.app_context(), app.test_request_context():
            start.wait(timeout=10)
            try:
                for client_id in ids[user_id]:
                    user, room = db.session.get(User, user_id), rooms.find(course.room.id)
                    messages.post(user, room, f"from {user_id}", client_id)
                    db.session.remove()
            except Exception as error:  # the assertion below names it
                errors.append(repr(error))

    threads = [threading.Thread(target=send_all, args=(member.id,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    stored = db.session.execute(db.select(ChatMessage.seq, ChatMessage.change_seq, ChatMessage.client_id)).all()
    assert sorted(seq for seq, _change, _id in stored) == list(range(1, 6 * len(members) + 1))
    assert sorted(change for _seq, change, _id in stored) == list(range(1, 6 * len(members) + 1))
    assert sorted(client_id for _seq, _change, client_id in stored) == sorted(sum(ids.values(), []))
    reads = db.session.execute(db.select(ChatRead.last_read_seq)).scalars().all()
    assert len(reads) == len(members) and max(reads) == 6 * len(members)
