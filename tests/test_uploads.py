"""Uploaded files, checked by content and stored whole (``lms_core.uploads``), the rules
the assignments plugin's hand-ins and the chat's attachments share."""

from __future__ import annotations

import io
import os
import time

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from lms_core import ServiceError
from lms_core.uploads import FileStore, check_upload, parse_extensions

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def refusal(name, data, allowed=("png", "pdf", "txt"), limit=1000) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        check_upload(upload(name, data), allowed, limit)
    return caught.value


def test_a_real_image_passes_and_is_marked_safe_to_show(app):
    with app.test_request_context():
        checked = check_upload(upload("cat.png", PNG), ["png"], 1000)
    assert (checked.original_name, checked.size, checked.file_type.content_type) == ("cat.png", len(PNG), "image/png")
    assert checked.image
    with app.test_request_context():
        text = check_upload(upload("notes.txt", "привет".encode()), ["txt"], 1000)
    assert not text.image


def test_each_bad_upload_is_refused_with_its_code_in_the_readers_language(app):
    with app.test_request_context():
        assert refusal("run.exe", b"MZ").code == "file_type_not_allowed"
        assert refusal("fake.pdf", b"MZ\x90\x00 not a pdf").code == "file_content_mismatch"
        assert refusal("empty.txt", b"").code == "empty_file"
        assert refusal("../../etc/passwd.txt", b"x").code == "invalid_file_name"
        big = refusal("big.txt", b"a" * 1001)
        assert (big.code, big.status) == ("file_too_large", 413)
        with force_locale("ru"):
            assert "не настоящий файл .pdf" in str(refusal("fake.pdf", b"MZ").message)
            assert "больше допустимых" in str(refusal("big.txt", b"a" * 1001).message)


def test_the_store_writes_whole_files_under_generated_names_and_sweeps_orphans(app, tmp_path):
    store = FileStore(tmp_path / "files")
    with app.test_request_context():
        kept = store.write(check_upload(upload("a.png", PNG), ["png"], 1000))
        lost = store.write(check_upload(upload("b.png", PNG), ["png"], 1000))
        assert store.path_of(kept).read_bytes() == PNG
        assert "a.png" not in kept and not list((tmp_path / "files").glob("*/*.part"))
        with pytest.raises(ServiceError):
            store.path_of("../../outside")
        old = time.time() - 7200
        for name in (kept, lost):
            os.utime(store.path_of(name), (old, old))
        assert store.remove_orphans({kept}) == 1
        assert store.path_of(kept).exists() and not store.path_of(lost).exists()
        store.delete([kept])
        assert not store.path_of(kept).exists()


def test_a_teachers_list_of_types_keeps_only_checked_types():
    assert parse_extensions("PDF, .zip exe") == (["pdf", "zip"], ["exe"])
