"""The help desk's front page numbers: the week's recovery requests and messages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from outbox.models import Message, Status
from recovery.models import Flow, Outcome, RecoveryRequest


@dataclass(frozen=True)
class Tally:
    label: str
    value: int
    group: str = ""


@dataclass
class WeekStats:
    since: datetime
    requests: list[Tally]  # by flow then outcome (non-zero only)
    requests_by_flow: list[Tally]
    messages: list[Tally]  # by delivery state, every state

    @property
    def requests_total(self) -> int:
        return sum(c.value for c in self.requests_by_flow)

    @property
    def messages_total(self) -> int:
        return sum(c.value for c in self.messages)


def week_stats(*, now: datetime | None = None) -> WeekStats:
    """Recovery requests of the last 7 days by flow and outcome, messages by delivery state, of
    the active tenant scope (the platform host's unscoped view counts every tenant)."""
    since = (now or timezone.now()) - timedelta(days=7)
    requests = RecoveryRequest.objects.filter(created_at__gte=since)
    messages = Message.objects.filter(created_at__gte=since)

    pairs = {
        (row["flow"], row["outcome"]): row["n"]
        for row in requests.values("flow", "outcome").annotate(n=Count("id")).order_by()
    }
    flows = dict(Flow.choices)
    outcomes = dict(Outcome.choices)
    by_flow, detail = [], []
    for flow, flow_label in Flow.choices:
        total = sum(n for (f, _o), n in pairs.items() if f == flow)
        by_flow.append(Tally(str(flow_label), total))
        for outcome, outcome_label in Outcome.choices:
            n = pairs.get((flow, outcome), 0)
            if n:
                detail.append(Tally(str(outcome_label), n, group=str(flow_label)))
    # Values stored outside today's choices still count (under their raw code).
    for (flow, outcome), n in sorted(pairs.items()):
        if flow not in flows or outcome not in outcomes:
            detail.append(Tally(outcome, n, group=flow))

    states = dict(messages.values_list("status").annotate(n=Count("id")).order_by())
    message_counts = [Tally(str(label), states.get(code, 0)) for code, label in Status.choices]
    return WeekStats(
        since=since, requests=detail, requests_by_flow=by_flow, messages=message_counts
    )
