"""The chat plugin's settings with their defaults: the app's config, else an
environment variable of the same name, else the default."""

from __future__ import annotations

from lms_core import PluginSettings

settings = PluginSettings(
    {
        "CHAT_MAX_LENGTH": 2000,  # characters of one message
        "CHAT_RATE_LIMIT": 10,  # messages one person may send to one room ...
        "CHAT_RATE_WINDOW": 10,  # ... in this many seconds
        "CHAT_EDIT_MINUTES": 15,  # authors edit and delete their messages this long
        "CHAT_PAGE_SIZE": 50,  # messages per page of history
        "CHAT_REPLAY_LIMIT": 500,  # messages a reconnecting client receives at most (then it pages)
        "CHAT_MAX_FILE_SIZE": 10 * 1024 * 1024,  # bytes of a message's file
        # types a message's file may have (checked by content: lms_core.uploads.FILE_TYPES)
        "CHAT_FILE_TYPES": "png jpg jpeg gif webp pdf txt md csv zip docx xlsx pptx odt ods",
        "CHAT_UPLOAD_FOLDER": "",  # where the files are stored (default: chat-files in the instance folder)
    }
)
