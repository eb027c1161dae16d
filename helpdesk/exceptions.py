"""Errors of the help desk, turned into admin messages by the views."""


class NotActivatable(Exception):
    """The account already has a password (or is deactivated): an activation code would not
    work; the secretary sends a reset instead."""


class PersonOutranksViewer(Exception):
    """The person has as many rights as the viewer, or more: staff manage only people with
    fewer rights than their own (a reset link or an activation would hand her account over)."""


class DeskCodeNotOffered(Exception):
    """The tenant does not use the two-step recovery, or the account is deactivated: a desk
    code would have nowhere to be typed."""
