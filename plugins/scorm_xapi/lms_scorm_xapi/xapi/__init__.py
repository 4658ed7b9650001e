"""The xAPI half: learning records as xAPI statements sent to the admin's LRS.

For the SCORM player: ``record_sco_attempt(...)`` (see ``recording``) records "SCO
attempted/completed/passed/failed" in the caller's transaction.
"""

from __future__ import annotations


def record_sco_attempt(**kwargs) -> str:
    """``lms_scorm_xapi.xapi.recording.record_sco_attempt``, importable from here."""
    from lms_scorm_xapi.xapi.recording import record_sco_attempt as record

    return record(**kwargs)
