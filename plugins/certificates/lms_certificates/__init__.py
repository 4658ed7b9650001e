"""Course certificates for the LMS: PDFs with a unique number and a signed QR code,
a public verification page, per-course designs (entry point ``certificates``)."""
