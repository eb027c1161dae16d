"""Errors of the help desk, turned into admin messages by the views."""


class ActivationUnavailable(Exception):
    """Activation codes and letters (recovery.activation) are not installed in this build."""


class NotActivatable(Exception):
    """The account already has a password (or is deactivated): an activation code would not
    work; the secretary sends a reset instead."""
