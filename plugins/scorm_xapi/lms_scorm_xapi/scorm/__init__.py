"""SCORM 1.2 and 2004 packages: import, the player's runtime, reports and export."""
