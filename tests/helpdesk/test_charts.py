"""The help desk's front page: the week's recovery requests and messages as accessible SVG
charts, each with a table of the same numbers."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.charts import bar_chart
from helpdesk.selectors.stats import Tally, week_stats
from outbox.models import Channel, Message, Status
from recovery.models import Flow, Outcome, RecoveryRequest
from tenants.scoping import scopes_disabled, tenant_scope

pytestmark = pytest.mark.django_db


def _requests(tenant, flow, outcome, n, *, days_ago=0):
    for _i in range(n):
        RecoveryRequest.objects.create(
            tenant=tenant, flow=flow, method="identifier", login="x", outcome=outcome,
            created_at=timezone.now() - timedelta(days=days_ago, minutes=1),
        )  # fmt: skip


def _messages(tenant, status, n, *, days_ago=0):
    for _i in range(n):
        Message.objects.create(
            tenant=tenant, channel=Channel.EMAIL, template="t", to="a@example.be", status=status,
            created_at=timezone.now() - timedelta(days=days_ago, minutes=1),
        )  # fmt: skip


@pytest.fixture
def week(tenant_a, tenant_b):
    _requests(tenant_a, Flow.IDENTIFIER, Outcome.MAIL_SENT, 3)
    _requests(tenant_a, Flow.IDENTIFIER, Outcome.NOT_MIGRATED, 2)
    _requests(tenant_a, Flow.TWO_STEP, Outcome.COMPLETED, 1)
    _requests(tenant_a, Flow.IDENTIFIER, Outcome.MAIL_SENT, 7, days_ago=8)  # last week
    _requests(tenant_b, Flow.IDENTIFIER, Outcome.MAIL_SENT, 11)  # another tenant
    _messages(tenant_a, Status.SENT, 4)
    _messages(tenant_a, Status.FAILED, 2)
    _messages(tenant_a, Status.SENT, 9, days_ago=9)
    _messages(tenant_b, Status.FAILED, 13)


def test_week_stats_count_this_tenants_last_seven_days(week, tenant_a):
    with tenant_scope(tenant_a):
        stats = week_stats()
    assert [(t.group, t.label, t.value) for t in stats.requests] == [
        ("identifiant ou e-mail", "message envoyé", 3),
        ("identifiant ou e-mail", "compte non migré", 2),
        ("vérification en deux étapes", "mot de passe réinitialisé", 1),
    ]
    assert stats.requests_total == 6
    assert {t.label: t.value for t in stats.messages} == {
        "en attente": 0, "en cours d'envoi": 0, "envoyé": 4, "échec définitif": 2,
    }  # fmt: skip


def test_platform_host_counts_every_tenant(week):
    with scopes_disabled():  # as the middleware opens it on the platform host
        assert week_stats().requests_total == 17


def _table_rows(page: str, table_id: str) -> list[list[str]]:
    table = page.split(f'id="{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1].split("</tbody>")[0]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_front_page_draws_accessible_charts_with_the_same_numbers_in_tables(secretary_client, week):
    page = secretary_client.get("/admin/helpdesk/").content.decode()
    # two SVG charts, each an image named by its title and described by its desc
    assert page.count('role="img"') == 2
    for chart in ("chart-requests", "chart-messages"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page
        assert f'<desc id="{chart}-desc">' in page
    assert "<script" not in page.split('id="content-main"')[1]  # no script needed
    # the tables carry the same numbers as the bars
    assert _table_rows(page, "requests-table") == [
        ["identifiant ou e-mail", "message envoyé", "3"],
        ["identifiant ou e-mail", "compte non migré", "2"],
        ["vérification en deux étapes", "mot de passe réinitialisé", "1"],
    ]
    assert _table_rows(page, "messages-table") == [
        ["en attente", "0"], ["en cours d&#x27;envoi", "0"], ["envoyé", "4"],
        ["échec définitif", "2"],
    ]  # fmt: skip
    assert "6 demandes" in page and "6 messages" in page
    svg = page.split('<svg xmlns="http://www.w3.org/2000/svg" class="helpdesk-chart"')[1]
    assert "compte non migré : 2" in svg.split("</desc>")[0]  # the description spells it out
    assert ">compte non migré</text>" in svg and ">2</text>" in svg  # each bar labelled in text


def test_chart_escapes_labels_and_handles_no_data():
    svg = bar_chart(chart_id="c", title="<b>", bars=[Tally("<script>", 1)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    empty = bar_chart(chart_id="e", title="Vide", bars=[])
    assert "Aucune donnée" in empty and "<rect" not in empty


def test_bars_are_proportional():
    svg = bar_chart(chart_id="c", title="t", bars=[Tally("a", 10), Tally("b", 5), Tally("c", 0)])
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths == [280, 140]


def test_admin_index_links_to_the_help_desk(secretary_client):
    page = secretary_client.get("/admin/").content.decode()
    assert 'href="/admin/helpdesk/"' in page


def test_outsider_front_page_shows_only_her_tenant(outsider_admin_client, week):
    page = outsider_admin_client.get("/admin/helpdesk/").content.decode()
    assert _table_rows(page, "requests-table") == [
        ["identifiant ou e-mail", "message envoyé", "11"]
    ]
