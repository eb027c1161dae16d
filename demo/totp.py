"""The demo staff's second factor: a stable TOTP key per demo account, so the README, the dev
inbox and `manage.py demo_totp` can show its codes."""

import base64
import hashlib


def demo_totp_key(identifier: str) -> str:
    return hashlib.sha256(f"cartable-demo-totp:{identifier}".encode()).hexdigest()[:40]


def demo_totp_base32(identifier: str) -> str:
    """The key as a phone authenticator app takes it."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(identifier))).decode()
