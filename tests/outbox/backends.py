"""Mail backends that fail, for the retry tests."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FailingEmailBackend(EmailBackend):
    """The SMTP server hangs up on every try."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyEmailBackend(EmailBackend):
    """Fails the first `failures` tries, then delivers to mail.outbox."""

    failures = 1
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class RefusingEmailBackend(EmailBackend):
    """The server refuses the recipient for good (550)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"No such user")})
