"""The chat's pages, usable without JavaScript: the list of rooms with unread counts, a
room's history (page by page, searchable) with a post form, a message's edit form, the
teacher's settings and the moderation log. ``static/chat/chat.js`` turns a room page
into a live chat over the ``/chat`` Socket.IO namespace."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from lms_core import ServiceError, current_user, db, gettext as _, login_required, refused_status, send_upload
from lms_core.models import Course, User
from lms_core.uploads import human_size

from lms_chat import messages, moderation, rooms
from lms_chat.models import ANNOUNCEMENTS, COURSE, DIRECT, MODES, OFF, OPEN, READ_ONLY, SHARED, TOPIC, ChatAttachment
from lms_chat.settings import settings

bp = Blueprint(
    "chat", __name__, url_prefix="/chat", template_folder="templates", static_folder="static", static_url_path="/static"
)


def _room(room_id: int):
    room = rooms.find(room_id)
    if not rooms.may_read(current_user._get_current_object(), room):
        abort(404)  # the same answer whether the room exists or not
    return room


def _user():
    return current_user._get_current_object()


@bp.app_template_global()
def chat_mode_label(mode: str) -> str:
    return {
        OPEN: _("Open: every member writes"),
        ANNOUNCEMENTS: _("Announcements: only staff write"),
        READ_ONLY: _("Read-only: nobody writes"),
        OFF: _("Off: closed to learners"),
    }[mode]


@bp.app_template_global()
def chat_file_size(size: int) -> str:
    return human_size(size)


@bp.route("/")
@login_required
def index():
    user = _user()
    found = messages.readable_rooms(user)
    # The rooms' courses and the people of direct rooms in a query each for the list (not
    # one per room), worded here while they are loaded: the page needs only their titles.
    course_ids = {r.course_id for r, _n in found if r.course_id is not None}
    people_ids = {i for r, _n in found if r.kind == DIRECT for i in (r.user_a_id, r.user_b_id) if i is not None}
    course_rows = (
        db.session.execute(db.select(Course).where(Course.id.in_(course_ids))).scalars().all() if course_ids else []
    )
    people = db.session.execute(db.select(User).where(User.id.in_(people_ids))).scalars().all() if people_ids else []
    titles = {room.id: rooms.title(room, user) for room, _n in found}
    course_titles = {course.id: course.title for course in course_rows}
    del people  # kept loaded until the titles were worded
    shared = sorted(
        ((r, n) for r, n in found if r.kind in SHARED),
        key=lambda item: (item[0].course_id, item[0].kind == TOPIC, item[0].archived_at is not None, item[0].id),
    )
    return render_template(
        "chat/index.html",
        course_rooms=shared,
        direct_rooms=[(r, n) for r, n in found if r.kind == DIRECT],
        titles=titles,
        course_titles=course_titles,
    )


@bp.route("/course/<int:course_id>")
@login_required
def course(course_id):
    course = db.session.get(Course, course_id)
    if course is None or rooms.role(_user(), course) is None:
        abort(404)
    room = rooms.course_room(course)
    if not rooms.may_read(_user(), room):
        abort(404)
    return redirect(url_for("chat.room", room_id=room.id))


@bp.route("/<int:room_id>")
@login_required
def room(room_id):
    return _render_room(_room(room_id))


def _render_room(room, error: str | None = None, body: str = "", reply_to: str = "", status: int = 200):
    user = _user()
    known_change = room.last_change  # before the messages are read: the page replays what comes later
    words = request.args.get("q", "").strip()
    before = request.args.get("before", type=int)
    if not words and not before:
        messages.mark_read(user, room)  # first: its commit would expire the page's rows (one query each)
    found = messages.search(room, words) if words else messages.page(room, before=before)
    staff = rooms.role(user, room.course) == rooms.STAFF
    refusal = rooms.post_refusal(user, room)
    learners_may_write = room.kind == COURSE and room.learner_direct
    people = []
    if room.kind == COURSE:
        mine = rooms.role(user, room.course)
        people = [
            member
            for member, member_is_staff in rooms.members_with_roles(room.course)
            if member.id != user.id and (mine == rooms.STAFF or learners_may_write or member_is_staff)
        ]
    return (
        render_template(
            "chat/room.html",
            room=room,
            room_title=rooms.title(room, user),
            found=found,
            words=words,
            before=before,
            older=found[0].seq if found and found[0].seq > 1 and not words else None,
            pinned=messages.pinned(room),
            known_change=known_change,
            channels=rooms.topics(room.course) if room.kind in SHARED else [],
            file_types=messages.file_types(),
            max_file_size=human_size(int(settings.get("CHAT_MAX_FILE_SIZE"))),
            staff=staff,
            refusal=refusal,
            mode=rooms.mode_for(user, room) if room.kind in SHARED else room.mode,
            error=error,
            body=body,
            reply_to=reply_to,
            client_id=uuid.uuid4().hex,
            max_length=settings.get("CHAT_MAX_LENGTH"),
            edit_minutes=settings.get("CHAT_EDIT_MINUTES"),
            people=people,
            modes=MODES,
            reactions=messages.REACTIONS,
            mute_minutes=moderation.MUTE_MINUTES,
            serialize=messages.serialize,
        ),
        status,
    )


@bp.route("/<int:room_id>", methods=["POST"])
@login_required
def post(room_id):
    room = _room(room_id)
    body, reply_to = request.form.get("body", ""), request.form.get("reply_to", "")
    try:
        message, _created = messages.post(
            _user(),
            room,
            body,
            request.form.get("client_id", ""),
            reply_to=reply_to or None,
            upload=request.files.get("file"),
        )
    except ServiceError as error:
        db.session.rollback()
        status = error.status if error.status in (403, 413, 429) else refused_status(error)
        return _render_room(room, error=error.message, body=body, reply_to=reply_to, status=status)
    return redirect(url_for("chat.room", room_id=room.id, _anchor=f"m{message.seq}"), 303)


@bp.route("/<int:room_id>/messages/<int:seq>/file")
@login_required
def file(room_id, seq):
    """A message's file, for the room's members only: always a download (``nosniff``);
    ``?inline=1`` shows an image whose type was verified by its content."""
    room = _room(room_id)
    try:
        message = messages.message_in(_user(), room, seq)
    except ServiceError:
        abort(404)
    attachment = db.session.execute(
        db.select(ChatAttachment).where(ChatAttachment.message_id == message.id)
    ).scalar_one_or_none()
    if attachment is None or message.deleted_at is not None:
        abort(404)
    path = messages.store().path_of(attachment.stored_name)
    if not path.is_file():
        abort(404)
    inline = attachment.image and request.args.get("inline") == "1"
    return send_upload(path, attachment.original_name, attachment.content_type, inline_image=inline)


@bp.route("/course/<int:course_id>/topics", methods=["POST"])
@login_required
def new_topic(course_id):
    course = db.session.get(Course, course_id)
    if course is None or rooms.role(_user(), course) is None:
        abort(404)
    room = rooms.course_room(course)
    try:
        topic = rooms.create_topic(_user(), course, request.form.get("title", ""))
    except ServiceError as error:
        db.session.rollback()
        return _render_room(room, error=error.message, status=error.status if error.status in (400, 403) else 400)
    return redirect(url_for("chat.room", room_id=topic.id), 303)


@bp.route("/<int:room_id>/topic", methods=["POST"])
@login_required
def change_topic(room_id):
    archived = {"1": True, "0": False}.get(request.form.get("archived", ""))
    title = request.form.get("title")
    return _act(room_id, lambda room: rooms.change_topic(_user(), room, title=title, archived=archived))


@bp.route("/<int:room_id>/history")
@login_required
def history(room_id):
    """Older messages as JSON, for scrolling back (``before``: a message number)."""
    room = _room(room_id)
    found = messages.page(room, before=request.args.get("before", type=int))
    return jsonify(messages=[messages.serialize(m) for m in found], more=bool(found) and found[0].seq > 1)


def _act(room_id, action):
    room = _room(room_id)
    try:
        action(room)
    except ServiceError as error:
        db.session.rollback()
        return _render_room(
            room, error=error.message, status=error.status if error.status in (400, 403, 404, 409) else 400
        )
    return redirect(url_for("chat.room", room_id=room.id), 303)


@bp.route("/<int:room_id>/messages/<int:seq>/edit", methods=["GET", "POST"])
@login_required
def edit(room_id, seq):
    room = _room(room_id)
    try:
        message = messages.message_in(_user(), room, seq)
    except ServiceError:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            messages.edit(_user(), room, seq, request.form.get("body", ""))
            return redirect(url_for("chat.room", room_id=room.id, _anchor=f"m{seq}"), 303)
        except ServiceError as error_:
            db.session.rollback()
            error = error_.message
            status = error_.status if error_.status in (400, 403) else 400
            return render_template(
                "chat/edit.html", room=room, message=message, error=error, body=request.form.get("body", "")
            ), status
    return render_template("chat/edit.html", room=room, message=message, error=None, body=message.body)


@bp.route("/<int:room_id>/messages/<int:seq>/delete", methods=["POST"])
@login_required
def delete(room_id, seq):
    return _act(room_id, lambda room: messages.delete(_user(), room, seq))


@bp.route("/<int:room_id>/messages/<int:seq>/react", methods=["POST"])
@login_required
def react(room_id, seq):
    return _act(room_id, lambda room: messages.react(_user(), room, seq, request.form.get("emoji", "")))


@bp.route("/<int:room_id>/messages/<int:seq>/pin", methods=["POST"])
@login_required
def pin(room_id, seq):
    return _act(room_id, lambda room: moderation.pin(_user(), room, seq, request.form.get("pinned", "1") == "1"))


@bp.route("/<int:room_id>/messages/<int:seq>/report", methods=["POST"])
@login_required
def report(room_id, seq):
    from flask import flash

    def reported(room):
        moderation.report(_user(), room, seq, request.form.get("reason", ""))
        flash(_("Thank you: the course's staff will look at the message."), "info")

    return _act(room_id, reported)


@bp.route("/<int:room_id>/mute", methods=["POST"])
@login_required
def mute(room_id):
    target = db.session.get(User, request.form.get("user_id", type=int) or 0)
    return _act(room_id, lambda room: moderation.mute(_user(), room, target, request.form.get("minutes")))


@bp.route("/<int:room_id>/unmute", methods=["POST"])
@login_required
def unmute(room_id):
    return _act(room_id, lambda room: moderation.unmute(_user(), room, request.form.get("user_id", type=int)))


@bp.route("/<int:room_id>/settings", methods=["POST"])
@login_required
def room_settings(room_id):
    return _act(
        room_id,
        lambda room: rooms.set_mode(
            _user(), room, request.form.get("mode", ""), request.form.get("learner_direct") == "1"
        ),
    )


@bp.route("/<int:room_id>/direct", methods=["POST"])
@login_required
def direct(room_id):
    room = _room(room_id)
    other = db.session.get(User, request.form.get("user_id", type=int) or 0)
    try:
        if other is None:
            raise ServiceError("not_found", _("There is no such member of this course."), 404)
        conversation = rooms.direct_room(_user(), other, room.course)
    except ServiceError as error:
        db.session.rollback()
        return _render_room(room, error=error.message, status=error.status if error.status in (400, 403, 404) else 400)
    return redirect(url_for("chat.room", room_id=conversation.id), 303)


@bp.route("/<int:room_id>/moderation")
@login_required
def moderation_log(room_id):
    room = _room(room_id)
    try:
        entries = moderation.journal(_user(), room)
        reports = moderation.open_reports(_user(), room)
    except ServiceError:
        abort(404)
    return render_template("chat/moderation.html", room=room, entries=entries, reports=reports)
