"""Files in messages, topic channels, the change replay and the staff's report
notifications, through the chat's services and its plain (no JavaScript) pages."""

from __future__ import annotations

import io
import uuid

import pytest
from flask_babel import force_locale

from lms_core import ServiceError, db
from lms_core.models import Notification

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def new_id() -> str:
    return uuid.uuid4().hex


def post(user, room, body, **kwargs):
    from lms_chat import messages

    return messages.post(user, room, body, kwargs.pop("client_id", None) or new_id(), **kwargs)[0]


def stored_files(app) -> list:
    from lms_chat.messages import store

    with app.test_request_context():
        root = store().root
    return [p for p in root.glob("*/*")] if root.is_dir() else []


def form(body, name=None, data=b""):
    fields = {"body": body, "client_id": new_id(), "reply_to": ""}
    if name is not None:
        fields["file"] = (io.BytesIO(data), name)
    return fields


def test_a_member_posts_an_image_without_javascript_and_only_members_download_it(app, client, login, factory, course):
    ann, bob = course.learners[:2]
    login(client, ann)
    page = client.get(f"/chat/{course.room.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    answer = client.post(f"/chat/{course.room.id}", data=form("my drawing", "cat.png", PNG))
    assert answer.status_code == 303
    [written] = stored_files(app)
    assert "cat" not in written.name  # a generated name, outside the web root
    login(client, bob)
    page = client.get(f"/chat/{course.room.id}").get_data(as_text=True)
    url = f"/chat/{course.room.id}/messages/1/file"
    assert f'src="{url}?inline=1"' in page and "cat.png" in page
    download = client.get(url)
    assert download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    inline = client.get(url + "?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline") and inline.mimetype == "image/png"

    client.post(f"/chat/{course.room.id}", data=form("", "notes.txt", b"plain words"))  # a file alone is a message
    text_url = f"/chat/{course.room.id}/messages/2/file"
    assert f'src="{text_url}' not in client.get(f"/chat/{course.room.id}").get_data(as_text=True)
    assert client.get(text_url + "?inline=1").headers["Content-Disposition"].startswith("attachment")

    stranger = factory.user()
    login(client, stranger)
    assert client.get(url).status_code == 404


def test_a_bad_file_is_refused_in_the_users_language_and_nothing_is_stored(app, client, login, course):
    from lms_chat.models import ChatAttachment, ChatMessage

    ann = course.learners[0]
    ann.locale = "ru"
    db.session.commit()
    login(client, ann)
    fake = client.post(f"/chat/{course.room.id}", data=form("look", "photo.png", b"MZ\x90\x00 an executable"))
    assert fake.status_code == 400 and "не настоящий файл .png" in fake.get_data(as_text=True)
    exe = client.post(f"/chat/{course.room.id}", data=form("look", "setup.exe", b"MZ\x90\x00"))
    assert exe.status_code == 400 and "принимаются только" in exe.get_data(as_text=True)
    app.config["CHAT_MAX_FILE_SIZE"] = 1000
    big = client.post(f"/chat/{course.room.id}", data=form("look", "big.png", PNG + b"\x00" * 1000))
    assert big.status_code == 413 and "больше допустимых" in big.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(ChatMessage.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(ChatAttachment.id))).scalar_one() == 0
    assert stored_files(app) == []


def test_a_failed_database_write_leaves_no_file_behind(app, course, monkeypatch):
    from werkzeug.datastructures import FileStorage

    from lms_chat import mentions
    from lms_chat.models import ChatMessage

    def broken(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(mentions, "mentioned", broken)  # fails after the file was written
    upload = FileStorage(stream=io.BytesIO(PNG), filename="cat.png")
    with app.test_request_context(), pytest.raises(RuntimeError):
        post(course.learners[0], course.room, "with a file", upload=upload)
    assert stored_files(app) == []
    assert db.session.execute(db.select(db.func.count(ChatMessage.id))).scalar_one() == 0


def test_a_failure_after_a_mention_leaves_neither_message_nor_file_nor_notification(app, course, monkeypatch):
    """notify() commits: were the mention sent inside the message's transaction, a
    failure after it would leave a committed message whose file is deleted."""
    from werkzeug.datastructures import FileStorage

    from lms_chat import messages
    from lms_chat.models import ChatAttachment, ChatMessage

    def broken(message, html=None):
        raise RuntimeError("the serializer failed")

    monkeypatch.setattr(messages, "serialize", broken)  # runs after the mentions were found
    upload = FileStorage(stream=io.BytesIO(PNG), filename="cat.png")
    with app.test_request_context(), pytest.raises(RuntimeError):
        post(course.learners[0], course.room, "@Bob Stone look", upload=upload)
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(ChatMessage.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(ChatAttachment.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar_one() == 0
    assert stored_files(app) == []
    monkeypatch.undo()
    with app.test_request_context():
        sent = post(course.learners[0], course.room, "@Bob Stone look", upload=FileStorage(io.BytesIO(PNG), "cat.png"))
    [note] = db.session.execute(db.select(Notification)).scalars().all()
    assert note.user_id == course.learners[1].id and note.url.endswith(f"#m{sent.seq}")
    assert len(stored_files(app)) == 1


def test_a_failed_report_commit_leaves_neither_report_nor_staff_notification(app, course, monkeypatch):
    from lms_chat import moderation
    from lms_chat.models import ChatReport

    ann, bob = course.learners[:2]
    with app.test_request_context():
        rude = post(ann, course.room, "rude words")

    def broken():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(moderation, "commit", broken)
    with app.test_request_context(), pytest.raises(RuntimeError):
        moderation.report(bob, course.room, rude.seq, "insulting")
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(ChatReport.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar_one() == 0


def test_the_periodic_sweep_deletes_files_a_crash_left_without_a_message(app, client, login, course):
    import os
    import time

    from werkzeug.datastructures import FileStorage

    from lms_core.uploads import check_upload

    from lms_chat import jobs, messages

    login(client, course.learners[0])
    client.post(f"/chat/{course.room.id}", data=form("kept", "cat.png", PNG))
    with app.test_request_context():
        checked = check_upload(FileStorage(stream=io.BytesIO(PNG), filename="lost.png"), ["png"], 1000)
        lost = messages.store().path_of(messages.store().write(checked))  # written, never committed
    old = time.time() - 7200
    for path in stored_files(app):
        os.utime(path, (old, old))
    assert jobs.remove_orphan_files() == 1
    assert not lost.exists() and len(stored_files(app)) == 1


def test_a_deleted_messages_file_is_gone(app, client, login, course):
    from lms_chat import messages

    ann = course.learners[0]
    login(client, ann)
    client.post(f"/chat/{course.room.id}", data=form("oops", "cat.png", PNG))
    assert len(stored_files(app)) == 1
    messages.delete(ann, course.room, 1)
    assert stored_files(app) == []
    assert client.get(f"/chat/{course.room.id}/messages/1/file").status_code == 404


def test_every_change_is_numbered_and_replayed_once_in_its_state_now(course):
    from lms_chat import messages, moderation

    ann, bob = course.learners[:2]
    first = post(ann, course.room, "first")
    second = post(ann, course.room, "second")
    db.session.refresh(course.room)
    seen = course.room.last_change
    assert seen == 2
    messages.edit(ann, course.room, first.seq, "first, edited")
    messages.react(bob, course.room, second.seq, "👍")
    messages.delete(ann, course.room, second.seq)
    moderation.pin(course.teacher, course.room, first.seq)
    post(bob, course.room, "third")
    found, more = messages.changes(course.room, seen)
    assert more is False
    assert [(m.seq, m.change_seq) for m in found] == [(2, 5), (1, 6), (3, 7)]  # one copy each, latest state
    by_seq = {m.seq: messages.serialize(m) for m in found}
    assert by_seq[1]["body"] == "first, edited" and by_seq[1]["edited"] and by_seq[1]["pinned"]
    assert by_seq[2]["deleted"] and by_seq[2]["body"] == ""
    assert messages.changes(course.room, 7) == ([], False)


def test_the_teacher_opens_renames_and_archives_topic_channels(app, client, login, factory, course):
    from lms_chat import rooms
    from lms_chat.models import ChatModerationEntry

    ann = course.learners[0]
    login(client, ann)
    refused = client.post(f"/chat/course/{course.course.id}/topics", data={"title": "Homework"})
    assert refused.status_code == 403
    login(client, course.teacher)
    empty = client.post(f"/chat/course/{course.course.id}/topics", data={"title": "  "})
    assert empty.status_code == 400 and "Give the channel a name" in empty.get_data(as_text=True)
    made = client.post(f"/chat/course/{course.course.id}/topics", data={"title": "Homework help"})
    assert made.status_code == 303
    topic = db.session.execute(db.select(rooms.ChatRoom).where(rooms.ChatRoom.kind == "topic")).scalar_one()
    assert made.headers["Location"].endswith(f"/chat/{topic.id}")

    post(course.learners[1], topic, "who did exercise 2?")
    login(client, ann)
    listing = client.get("/chat/").get_data(as_text=True)
    assert "#Homework help" in listing and listing.index("Python basics") < listing.index("#Homework help")
    assert 'class="badge chat-unread"' in listing.split("#Homework help")[1].split("</li>")[0]
    assert "#Homework help" in client.get(f"/chat/{course.room.id}").get_data(as_text=True)
    assert "who did exercise 2?" in client.get(f"/chat/{topic.id}").get_data(as_text=True)
    stranger = factory.user()
    login(client, stranger)
    assert client.get(f"/chat/{topic.id}").status_code == 404

    login(client, course.teacher)
    assert client.post(f"/chat/{topic.id}/topic", data={"title": "Exercises"}).status_code == 303
    assert client.post(f"/chat/{topic.id}/topic", data={"archived": "1"}).status_code == 303
    db.session.refresh(topic)
    assert topic.title == "Exercises" and topic.archived_at is not None
    with pytest.raises(ServiceError) as closed:
        post(ann, topic, "anyone?")
    assert closed.value.code == "archived"
    rooms.change_topic(course.teacher, topic, archived=False)
    rooms.set_mode(course.teacher, topic, "off", True)
    rooms.forget_roles()
    login(client, ann)
    assert client.get(f"/chat/{topic.id}").status_code == 404  # off: closed to learners, as the course room
    assert course.room.learner_direct is False  # a channel's settings do not change the course room's
    actions = db.session.execute(
        db.select(ChatModerationEntry.action).where(ChatModerationEntry.room_id == topic.id)
    ).scalars()
    assert list(actions) == ["topic", "topic", "archive", "unarchive", "mode"]


def test_the_staff_are_notified_of_a_report_in_their_own_language(app, client, login, course):
    from lms_chat import moderation

    ann, bob = course.learners[:2]
    rude = post(ann, course.room, "rude words")
    moderation.report(bob, course.room, rude.seq, "insulting")
    [note] = db.session.execute(db.select(Notification).where(Notification.kind == "chat.report")).scalars().all()
    assert note.user_id == course.teacher.id and note.url == f"/chat/{course.room.id}/moderation"
    assert "Bob Stone" in note.title and "insulting" in note.body
    course.teacher.locale = "ru"
    db.session.commit()
    login(client, course.teacher)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "пожаловался на сообщение" in inbox  # rendered now, in the reader's language
    with force_locale("ru"):
        assert "Причина: insulting" in moderation.report_body(note.params)


def test_the_room_page_asks_every_members_role_in_one_query(app, client, login, factory, course):
    from lms_core.testing import count_sql

    login(client, course.teacher)

    def cost(learners: int) -> int:
        for _n in range(learners):
            factory.enrol(factory.user(), course.course)
        with count_sql(db.engine) as sql:
            assert client.get(f"/chat/{course.room.id}").status_code == 200
        return sql.count

    cost(0)  # the first visit marks the room read (an insert)
    assert cost(1) == cost(10)


def test_turning_the_course_chat_off_closes_its_topic_channels_to_learners(app, client, login, course):
    from lms_chat import messages, rooms

    ann = course.learners[0]
    topic = rooms.create_topic(course.teacher, course.course, "Homework help")
    post(course.learners[1], topic, "who did exercise 2?")
    login(client, course.teacher)
    off = client.post(f"/chat/{course.room.id}/settings", data={"mode": "off"})
    assert off.status_code in (302, 303)
    db.session.expire_all()
    rooms.forget_roles()
    assert not rooms.may_read(ann, topic) and rooms.may_read(course.teacher, topic)
    assert rooms.post_refusal(ann, topic).code == "not_found"
    with pytest.raises(ServiceError) as refused:
        post(ann, topic, "still here?")
    assert refused.value.code == "not_found"
    assert [room.id for room, _count in messages.readable_rooms(ann)] == []  # the menu counts nothing
    assert topic.id in [room.id for room, _count in messages.readable_rooms(course.teacher)]
    assert "who did exercise 2?" in client.get(f"/chat/{topic.id}").get_data(as_text=True)  # staff still read

    login(client, ann)
    assert client.get(f"/chat/{topic.id}").status_code == 404
    assert client.post(f"/chat/{topic.id}", data=form("still here?")).status_code == 404
    assert "#Homework help" not in client.get("/chat/").get_data(as_text=True)

    login(client, course.teacher)
    client.post(f"/chat/{course.room.id}/settings", data={"mode": "open"})
    login(client, ann)
    assert "who did exercise 2?" in client.get(f"/chat/{topic.id}").get_data(as_text=True)


@pytest.mark.parametrize(("mode", "code"), [("read_only", "read_only"), ("announcements", "announcements_only")])
def test_topic_channels_follow_a_read_only_or_announcements_course_room_for_learners(
    app, client, login, course, mode, code
):
    from lms_chat import rooms

    ann = course.learners[0]
    topic = rooms.create_topic(course.teacher, course.course, "Homework help")
    strict = rooms.create_topic(course.teacher, course.course, "Staff notes")
    rooms.set_mode(course.teacher, strict, "read_only", False)
    post(ann, topic, "before")  # an open channel in an open course room
    login(client, course.teacher)
    changed = client.post(f"/chat/{course.room.id}/settings", data={"mode": mode})
    assert changed.status_code in (302, 303)
    db.session.expire_all()
    rooms.forget_roles()

    with pytest.raises(ServiceError) as refused:
        post(ann, topic, "still open?")
    assert refused.value.code == code
    assert rooms.post_refusal(ann, strict).code == "read_only"  # a channel's own stricter mode still holds
    assert rooms.may_read(ann, topic)  # learners still read it
    post(course.teacher, topic, "staff keep the channel's own mode")
    assert rooms.mode_for(course.teacher, topic) == "open" and rooms.mode_for(ann, topic) == mode

    login(client, ann)
    page = client.get(f"/chat/{topic.id}").get_data(as_text=True)
    assert 'id="chat-mode"' in page and 'id="chat-closed"' in page and "staff keep the channel" in page
    assert 'name="body"' not in page  # no post form
    assert client.post(f"/chat/{topic.id}", data=form("plain form")).status_code == 403
    with force_locale("ru"):
        assert str(rooms.post_refusal(ann, topic).message) != str(refused.value.message)  # in the reader's language

    login(client, course.teacher)
    client.post(f"/chat/{course.room.id}/settings", data={"mode": "open"})
    db.session.expire_all()
    rooms.forget_roles()
    assert post(ann, topic, "open again").body == "open again"
