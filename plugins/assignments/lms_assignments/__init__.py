"""Practical assignments for the LMS, as a plugin (entry point ``assignments``)."""
