"""Authoring: courses, lessons, quizzes and their translations, one module per area.

The names are re-exported here, so ``from lms_core.services import courses`` and
``courses.create_lesson(...)`` keep working.
"""

from lms_core.services.courses.catalogue import (
    CATALOGUE_CACHE,
    CATALOGUE_PAGE_SIZE,
    SEARCH_MAX_LENGTH,
    CataloguePage,
    catalogue_cards,
    course_changed,
    published_courses,
    search_catalogue,
)
from lms_core.services.courses.images import (
    IMAGE_BOX,
    IMAGE_MAX_BYTES,
    course_image,
    normalise_course_image,
    remove_course_image,
    set_course_image,
)
from lms_core.services.courses.checks import TITLE_MAX_LENGTH
from lms_core.services.courses.course import (
    CYRILLIC_TO_LATIN,
    SLUG_MAX_LENGTH,
    SLUG_RE,
    add_course,
    courses_by_id,
    create_course,
    set_course_published,
    slugify,
    unique_slug,
    update_course,
)
from lms_core.services.courses.lessons import (
    LESSON_BODY_MAX_LENGTH,
    add_lesson,
    create_lesson,
    delete_lesson,
    revise_lesson,
    update_lesson,
)
from lms_core.services.courses.outline import (
    OutlineEntry,
    move_in_outline,
    next_position,
    outline,
    published_outline,
    recheck_completion_later,
)
from lms_core.services.courses.questions import add_question, delete_question, update_question
from lms_core.services.courses.quizzes import attempt_count, create_quiz, delete_quiz, update_quiz
from lms_core.services.courses.loading import load_questions
from lms_core.services.courses.staff import add_staff, remove_staff
from lms_core.services.courses.translations import (
    TRANSLATABLE,
    load_translatable_content,
    save_translations,
    set_translation,
    translatable_objects,
    translation_key,
    translation_report,
)

__all__ = [
    "CATALOGUE_CACHE",
    "CATALOGUE_PAGE_SIZE",
    "catalogue_cards",
    "CataloguePage",
    "IMAGE_BOX",
    "IMAGE_MAX_BYTES",
    "SEARCH_MAX_LENGTH",
    "course_image",
    "normalise_course_image",
    "remove_course_image",
    "search_catalogue",
    "set_course_image",
    "CYRILLIC_TO_LATIN",
    "LESSON_BODY_MAX_LENGTH",
    "SLUG_MAX_LENGTH",
    "SLUG_RE",
    "TITLE_MAX_LENGTH",
    "TRANSLATABLE",
    "add_course",
    "courses_by_id",
    "add_lesson",
    "add_question",
    "add_staff",
    "attempt_count",
    "course_changed",
    "create_course",
    "create_lesson",
    "create_quiz",
    "delete_lesson",
    "delete_question",
    "delete_quiz",
    "move_in_outline",
    "next_position",
    "revise_lesson",
    "outline",
    "OutlineEntry",
    "published_outline",
    "published_courses",
    "recheck_completion_later",
    "remove_staff",
    "save_translations",
    "set_course_published",
    "set_translation",
    "slugify",
    "load_questions",
    "load_translatable_content",
    "translatable_objects",
    "translation_key",
    "translation_report",
    "unique_slug",
    "update_course",
    "update_lesson",
    "update_question",
    "update_quiz",
]
