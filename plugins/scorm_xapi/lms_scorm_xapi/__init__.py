"""SCORM packages (import, player, export) and xAPI statements to an LRS."""
