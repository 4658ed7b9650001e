"""Unicode fonts for certificates, prepared once per process.

fpdf2 parses a whole TrueType font for every new document and subsets it again when
the document is written: with DejaVu Sans (about 6,000 glyphs) that is some 80 ms per
certificate. Here each face is subset once per process with fontTools to the
alphabets that names and course titles are written in (Latin, Greek, Cyrillic and
punctuation), without hinting or layout tables, and parsed by fpdf2 once; every
document then gets a copy of the parsed face that shares its read-only tables, and
fpdf2 embeds only the glyphs the page uses. A character outside the prepared set
(an Armenian or Vietnamese name, say) grows the set once for the rest of the process.

The faces are the core's DejaVu Sans and DejaVu Sans Bold (``lms_core.pdf.UNICODE_FONTS``,
shared with every plugin that writes PDFs); ``CERTIFICATES_FONTS = {"regular": path, "bold": path}`` points a
deployment at other TrueType files, for example a CJK font.
"""

from __future__ import annotations

import logging
import threading
from io import BytesIO
from pathlib import Path

from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from lms_core.pdf import UNICODE_FONTS

FAMILY = "certificate"
DEFAULT_FACES = dict(UNICODE_FONTS)
STYLES = {"regular": "", "bold": "B"}
# What most names and titles are written in; every glyph here costs a little in
# each document, so other scripts join only when a text needs them.
BASE_RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A
    (0x0400, 0x045F),  # Cyrillic
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, the narrow spaces dates use
    (0x20AC, 0x20AC),
    (0x20BD, 0x20BD),
    (0x2116, 0x2116),
    (0x2122, 0x2122),  # € ₽ № ™
)

# fontTools logs every subset at INFO, which the app's logging shows: one certificate
# would print a few hundred lines and spend more time logging than drawing.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

_lock = threading.Lock()
_prepared: dict[tuple, "FontSet"] = {}
_coverage: dict[Path, frozenset[int]] = {}


def base_codepoints() -> set[int]:
    return {cp for start, end in BASE_RANGES for cp in range(start, end + 1)}


def _coverage_of(path: Path) -> frozenset[int]:
    if path not in _coverage:
        with TTFont(path, lazy=True) as font:
            _coverage[path] = frozenset(font.getBestCmap())
    return _coverage[path]


def _subset_bytes(path: Path, codepoints: set[int]) -> bytes:
    options = ft_subset.Options()
    options.hinting = False  # screen hinting is useless in a PDF and makes glyphs bigger
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "MATH", "FFTM"]  # fpdf2 does no shaping here
    options.notdef_outline = True
    options.glyph_names = True  # fpdf2 reads names from 'post' faster than it rebuilds them
    font = TTFont(path)
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


class FontSet:
    """The regular and bold faces subset to the ``requested`` code points, parsed once."""

    def __init__(self, faces: dict[str, Path], requested: frozenset[int]):
        self.requested = requested
        self.data: dict[str, bytes] = {}
        self.parsed: dict[str, TTFFont] = {}
        scratch = FPDF()
        for name, path in faces.items():
            style = STYLES[name]
            self.data[style] = _subset_bytes(path, set(requested & _coverage_of(path)))
            self.parsed[style] = TTFFont(scratch, BytesIO(self.data[style]), f"{FAMILY}{style}", style)

    def install(self, pdf: FPDF) -> None:
        """Make the faces available to ``pdf`` as the family ``certificate``."""
        for style, parsed in self.parsed.items():
            face = TTFFont.__new__(TTFFont)
            for attribute in TTFFont.__slots__:
                if hasattr(parsed, attribute):
                    setattr(face, attribute, getattr(parsed, attribute))
            # Per document: fpdf2 subsets (and closes) the face's tables when it writes
            # the PDF, so each document reads its own copy of the prepared bytes; the
            # glyph boxes are already right, so they are not recomputed.
            face.i = len(pdf.fonts) + 1
            face.ttfont = TTFont(BytesIO(self.data[style]), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
            face.subset = SubsetMap(face)
            face.missing_glyphs = []
            face.biggest_size_pt = 0
            pdf.fonts[face.fontkey] = face


def font_set(text: str = "", faces: dict | None = None) -> FontSet:
    """The process's prepared faces, grown when ``text`` needs characters they lack.

    The set grows by aligned runs of 128 code points (about one script at a time), so
    a new alphabet costs one more subsetting, not one per new letter; characters the
    faces do not have at all (CJK in DejaVu) never cause one."""
    faces = {name: Path(path) for name, path in (faces or DEFAULT_FACES).items()}
    key = tuple(sorted((name, str(path)) for name, path in faces.items()))
    needed = {ord(ch) for ch in text if ch.isprintable()}
    current = _prepared.get(key)
    if current is not None and needed <= current.requested:
        return current
    with _lock:
        current = _prepared.get(key)
        coverage = frozenset().union(*(_coverage_of(path) for path in faces.values()))
        useful = needed & coverage
        if current is not None and useful <= current.requested:
            return current
        grown = {cp for start in {cp & ~0x7F for cp in useful} for cp in range(start, start + 0x80)} & coverage
        requested = frozenset((current.requested if current else base_codepoints()) | grown)
        prepared = FontSet(faces, requested)
        _prepared[key] = prepared
        return prepared
