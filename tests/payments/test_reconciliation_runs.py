"""Reconciliation of the ledger from the admin (issue 10): a network administrator starts it with
a button on the wallets list, a Celery task runs it, its page shows the result, which stays
visible; every tenant is also checked nightly, discrepancies logged at ERROR."""

import logging
from html import unescape

import pytest
from django.core.management import call_command

from payments.models import ReconciliationRun, Wallet
from payments.money import format_cents
from tests.conftest import HOST_A, HOST_B, verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WALLETS = "/admin/payments/wallet/"
START = "/admin/payments/reconciliationrun/lancer/"


@pytest.fixture
def network_admin(tenant_a, school_a):
    return UserFactory(
        tenant=tenant_a, identifier="admin.reseau", is_tenant_admin=True, schools=[school_a]
    )


@pytest.fixture
def admin_client(network_admin):
    return verified_admin_client(network_admin, HOST_A)


def test_the_network_administrator_reconciles_from_the_wallets_list(
    admin_client, network_admin, funded_wallet, on_commit
):
    # given the wallets list: a button, and no check yet
    html = unescape(admin_client.get(WALLETS).content.decode())
    assert f'action="{START}"' in html and "Vérifier le journal" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Le journal n'a pas encore été vérifié." in html
    # when she presses it
    with on_commit():
        response = admin_client.post(START)
    # then a run is recorded (the task ran eagerly) and she is on its page, which says all is well
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/payments/reconciliationrun/{run.pk}/progression/"
    assert (run.status, run.created_by, run.mismatches, run.unbalanced) == (
        "done", network_admin, [], []
    )  # fmt: skip
    page = unescape(admin_client.get(response["Location"]).content.decode())
    assert "Tous les portefeuilles concordent avec le journal." in page
    assert '<progress id="reconciliation-progress" max="100" value="100">' in page
    # and the wallets list keeps the last result in view
    html = unescape(admin_client.get(WALLETS).content.decode())
    assert "Dernière vérification du journal" in html and "tout concorde." in html


def test_a_discrepancy_is_listed_as_the_command_prints_it_and_logged(
    admin_client, funded_wallet, parent, on_commit, caplog, capsys
):
    # given a balance tampered with behind the ledger's back
    Wallet.objects.filter(pk=funded_wallet.pk).update(balance_cents=999)
    # when the administrator checks the ledger
    with on_commit(), caplog.at_level(logging.ERROR, logger="payments"):
        response = admin_client.post(START)
    # then the run lists the wallet exactly as `manage.py payments_reconcile` does
    run = ReconciliationRun.objects.get()
    assert run.status == "done" and not run.is_clean
    expected = (
        f"ÉCART portefeuille #{funded_wallet.pk} ({parent}) : solde {format_cents(999)}, "
        f"écritures {format_cents(2000)}, dernier solde courant {format_cents(2000)}"
    )
    assert run.report_lines() == [expected]
    with pytest.raises(Exception, match="1 portefeuille"):
        call_command("payments_reconcile")
    assert expected in capsys.readouterr().out
    page = unescape(admin_client.get(response["Location"]).content.decode())
    assert expected in page and "Écarts trouvés : 1 portefeuille(s)" in page
    assert "des écarts ont été trouvés." in unescape(admin_client.get(WALLETS).content.decode())
    # and operations are told in the logs
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "1 wallet(s) off their ledger" in errors[0].getMessage()


def test_a_secretary_cannot_start_one_nor_see_the_runs(
    secretary_client, admin_client, funded_wallet, on_commit
):
    with on_commit():
        admin_client.post(START)
    run = ReconciliationRun.objects.get()
    # the secretary has no button, and her POST is refused without starting anything
    html = secretary_client.get(WALLETS).content.decode()
    assert "Vérifier le journal" not in html and START not in html
    assert secretary_client.post(START).status_code == 403
    assert ReconciliationRun.objects.count() == 1
    # the runs are not hers to read
    assert secretary_client.get("/admin/payments/reconciliationrun/").status_code == 403
    progress = f"/admin/payments/reconciliationrun/{run.pk}/progression/"
    assert secretary_client.get(progress).status_code == 404


def test_another_tenants_administrator_gets_404(
    admin_client, funded_wallet, tenant_b, school_b, on_commit
):
    with on_commit():
        admin_client.post(START)
    run = ReconciliationRun.objects.get()
    stranger = UserFactory(tenant=tenant_b, is_tenant_admin=True, schools=[school_b])
    client = verified_admin_client(stranger, HOST_B)
    urls = [
        f"/admin/payments/reconciliationrun/{run.pk}/progression/",
        f"/admin/payments/reconciliationrun/{run.pk}/etat.json",
        f"/admin/payments/reconciliationrun/{run.pk}/change/",
    ]
    assert [client.get(u).status_code for u in urls] == [404] * 3
    assert [admin_client.get(u).status_code for u in urls] == [200] * 3


def test_start_is_a_post_and_a_run_under_way_is_not_doubled(admin_client, network_admin, tenant_a):
    assert admin_client.get(START).status_code == 405
    under_way = ReconciliationRun.objects.create(tenant=tenant_a, created_by=network_admin)
    # without the on-commit callbacks the task never runs: the run stays pending
    response = admin_client.post(START)
    assert response["Location"].endswith(f"/{under_way.pk}/progression/")
    assert ReconciliationRun.objects.count() == 1
    page = unescape(admin_client.get(response["Location"]).content.decode())
    # an indeterminate bar (no value) while it waits, and a link to look again
    assert '<progress id="reconciliation-progress" max="100"></progress>' in page
    assert "Vérification en cours…" in page and "Rafraîchir" in page


def test_a_broker_outage_fails_the_run_with_a_clear_message(
    admin_client, funded_wallet, on_commit, unreachable_broker
):
    with on_commit():
        response = admin_client.post(START)
    run = ReconciliationRun.objects.get()
    assert run.status == "failed"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert "Le service des tâches de fond ne répond pas" in unescape(page.content.decode())


def test_every_tenant_is_reconciled_nightly(
    funded_wallet, tenant_a, tenant_b, outsider, caplog, settings
):
    from payments.services.wallets import wallet_get_or_create
    from payments.tasks import reconcile_every_tenant

    assert "reconcile_every_tenant" in str(settings.CELERY_BEAT_SCHEDULE)
    # given tenant B's ledger out of step, tenant A's clean
    other = wallet_get_or_create(tenant=tenant_b, owner=outsider)
    Wallet.objects.filter(pk=other.pk).update(balance_cents=5)
    # when the nightly job runs
    with caplog.at_level(logging.ERROR, logger="payments"):
        dirty = reconcile_every_tenant.apply().get()
    # then each tenant has its run, without author; one is dirty, and it is logged at ERROR
    assert dirty == 1
    runs = {run.tenant: run for run in ReconciliationRun.objects.all()}
    assert runs[tenant_a].is_clean and runs[tenant_a].created_by is None
    assert [m["wallet_id"] for m in runs[tenant_b].mismatches] == [other.pk]
    assert any("tenant beta" in r.getMessage() for r in caplog.records if r.levelno >= 40)
