"""Readers for schedules written by other tools (frab, pretalx) and by us."""
