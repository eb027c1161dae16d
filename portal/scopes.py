"""The state below the tenancy guard (tenants.scoping), low enough for the Celery app to use."""

from collections.abc import Iterator
from contextlib import contextmanager

from django_scopes.state import state


@contextmanager
def no_scope() -> Iterator[None]:
    """No tenant at all: any query of tenant-owned rows fails (a task's starting point)."""
    token = state.set({})
    try:
        yield
    finally:
        state.reset(token)
