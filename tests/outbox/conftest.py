"""Helpers of the outbox tests: run on-commit work as a commit would, make a message due."""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from outbox.models import Message


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit():` runs what the code queued on commit when the block ends, as a real
    commit would (the test's own transaction never commits)."""
    return partial(django_capture_on_commit_callbacks, execute=True)


def make_due(message: Message, *, ago: timedelta = timedelta(minutes=10)) -> None:
    """The retry delay has passed and its task was lost: only the sweep can send it now."""
    past = timezone.now() - ago
    Message.objects.filter(pk=message.pk).update(next_attempt_at=past, enqueued_at=past)


@pytest.fixture
def notice_context() -> dict:
    return {
        "title": "Réunion des parents",
        "text": "La réunion aura lieu jeudi.",
        "action_url": "http://alpha.localhost:8000/reunion/",
        "action_label": "Voir la réunion",
    }
