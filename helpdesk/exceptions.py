"""Errors of the help desk, turned into admin messages by the views."""


class NotActivatable(Exception):
    """The account already has a password (or is deactivated): an activation code would not
    work; the secretary sends a reset instead."""
