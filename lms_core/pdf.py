"""PDF documents with a Unicode font, for every plugin that writes PDFs (certificates,
receipts, invoices, reports).

fpdf2's built-in fonts know Latin-1 only: a Cyrillic name or the rouble sign needs a
TrueType font. The core ships DejaVu Sans (regular and bold, license in
``lms_core/fonts/LICENSE``), so no plugin has to vendor a font of its own.
"""

from __future__ import annotations

from pathlib import Path

FONTS_FOLDER = Path(__file__).parent / "fonts"
UNICODE_FONTS = {"regular": FONTS_FOLDER / "DejaVuSans.ttf", "bold": FONTS_FOLDER / "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"


def new_document(**options):
    """An ``fpdf.FPDF`` (A4, millimetres unless ``options`` say otherwise) with the
    Unicode family ``"DejaVu"`` (styles ``""`` and ``"B"``) added and selected.

    Parsing the font costs some 80 ms per document: fine for a receipt written in a
    job, too slow for thousands of documents (the certificates plugin prepares its
    faces once per process instead)."""
    from fpdf import FPDF

    pdf = FPDF(**options)
    pdf.add_font(FAMILY, "", str(UNICODE_FONTS["regular"]))
    pdf.add_font(FAMILY, "B", str(UNICODE_FONTS["bold"]))
    pdf.set_font(FAMILY, size=11)
    return pdf
