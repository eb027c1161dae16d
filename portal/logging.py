"""Structured logs that never carry a password, a code or a token."""

import json
import logging
import re

_SECRET_PATTERNS = [
    # key=value or "key": "value" pairs whose key names a secret.
    re.compile(
        r"(?i)(password\d?|passwd|token|code|otp|secret|numen|key)"
        r"(\"?\s*[:=]\s*\"?)([^\s\"&,;]+)"
    ),
    # Path segments that carry link tokens (recovery and activation links).
    re.compile(r"(/(?:lien|link|token|activate|activation|reset)/)([^/\s?]+)"),
]


def redact(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub(r"\1\2[redacted]", text)
    return _SECRET_PATTERNS[1].sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)
