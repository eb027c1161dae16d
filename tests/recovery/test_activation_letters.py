"""Activation letters (ISSUE 6): one PDF page per person, printed from the admin; large batches
run as a Celery job with a progress page and a download scoped to the tenant."""

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import ActivationCode, LetterBatch, User
from recovery.activation import letters
from recovery.activation.services import activation_code_issue, activation_code_verify
from tests.conftest import HOST_A, HOST_B, verified_admin_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pages_of(text: str) -> list[str]:
    """pdftotext ends every page with a form feed."""
    return text.split("\f")[:-1]


def unactivated_people(tenant, school, count: int, prefix: str = "parent") -> list[User]:
    people = []
    for n in range(count):
        user = UserFactory(
            tenant=tenant, identifier=f"{prefix}.{n:03d}", first_name="Prénom",
            last_name=f"Nom{n:03d}", is_parent=True, schools=[school],
        )  # fmt: skip
        user.set_unusable_password()
        user.save()
        people.append(user)
    return people


def select(client: Client, action: str, people: list[User]):
    return client.post(
        "/admin/accounts/user/", {"action": action, "_selected_action": [p.pk for p in people]}
    )


def test_thirty_letters_make_thirty_pages_with_each_identifier_and_each_code_once(
    tenant_a, school_a, secretary
):
    people = unactivated_people(tenant_a, school_a, 30)
    # when a secretary prints their letters
    pdf = letters.activation_letters_pdf(users=people, by=secretary)
    # then one page per person, in order, each with her identifier and her own code
    text = pdf_text(pdf)
    pages = pages_of(text)
    assert len(pages) == 30
    codes = CODE_RE.findall(text)
    assert len(codes) == 30 and max(Counter(codes).values()) == 1
    for person, page in zip(people, pages, strict=True):
        assert person.identifier in page
        (code,) = CODE_RE.findall(page)
        assert activation_code_verify(
            tenant=tenant_a, identifier=person.identifier, code=code, ip=None
        )
    assert "Réseau Alpha" in text and "Activation de votre compte" in text
    assert ActivationCode.objects.filter(channel="letter", created_by=secretary).count() == 30


def test_letter_qr_code_holds_the_tenants_address_and_never_the_code(
    tenant_a, school_a, secretary, monkeypatch
):
    payloads = []
    real = letters.qr_png_data_uri
    monkeypatch.setattr(letters, "qr_png_data_uri", lambda p: payloads.append(p) or real(p))
    (person,) = unactivated_people(tenant_a, school_a, 1)
    text = pdf_text(letters.activation_letters_pdf(users=[person], by=secretary))
    (code,) = CODE_RE.findall(text)
    assert payloads == ["http://alpha.localhost:8000/activation/?identifiant=parent.000"]
    assert code not in payloads[0] and code.replace("-", "") not in payloads[0]


def test_letters_in_the_tenants_language(tenant_a, school_a, secretary):
    tenant_a.default_language = "en"
    tenant_a.save()
    people = unactivated_people(tenant_a, school_a, 1)
    text = pdf_text(letters.activation_letters_pdf(users=people, by=secretary))
    assert "Account activation" in text and "Activation de votre compte" not in text


def test_a_new_letter_replaces_the_old_code(tenant_a, school_a, secretary):
    (person,) = unactivated_people(tenant_a, school_a, 1)
    old = activation_code_issue(user=person)
    text = pdf_text(letters.activation_letters_pdf(users=[person], by=secretary))
    (new,) = CODE_RE.findall(text)
    assert not activation_code_verify(tenant=tenant_a, identifier="parent.000", code=old, ip=None)
    assert activation_code_verify(tenant=tenant_a, identifier="parent.000", code=new, ip=None)


def test_a_failed_rendering_keeps_the_old_letter_valid(tenant_a, school_a, secretary, monkeypatch):
    (person,) = unactivated_people(tenant_a, school_a, 1)
    old = activation_code_issue(user=person)

    def broken(**kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(letters, "letters_render", broken)
    with pytest.raises(RuntimeError):
        letters.activation_letters_pdf(users=[person], by=secretary)
    assert activation_code_verify(tenant=tenant_a, identifier="parent.000", code=old, ip=None)


def test_rendering_reports_progress_chunk_by_chunk(tenant_a, monkeypatch):
    monkeypatch.setattr(letters, "CHUNK", 4)
    seen = []
    batch = [
        letters.Letter(
            name=f"Nom {n}",
            identifier=f"id{n}",
            code="ABCD-EFGH-JKMN",
            qr_src=letters.qr_png_data_uri("http://x/"),
            expires_at=timezone.now(),
        )  # fmt: skip
        for n in range(10)
    ]
    pdf = letters.letters_render(
        tenant=tenant_a, letters=batch, activation_url="http://x/", progress=seen.append
    )
    assert seen == [4, 8, 10]
    assert len(pages_of(pdf_text(pdf))) == 10


# --- Admin ------------------------------------------------------------------------------------


def test_secretary_prints_letters_of_people_she_can_see(
    secretary_client, tenant_a, school_a, school_a2, parent
):
    mine = unactivated_people(tenant_a, school_a, 2)
    elsewhere = unactivated_people(tenant_a, school_a2, 1, prefix="ailleurs")
    # when she selects her two people, an active parent and someone of another school
    response = select(secretary_client, "print_activation_letters", [*mine, parent, *elsewhere])
    # then she gets a PDF with the letters of her two people only
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert len(pages_of(text)) == 2
    assert "parent.000" in text and "parent.001" in text
    assert "ailleurs" not in text and parent.identifier not in text
    assert not ActivationCode.objects.filter(user__in=[parent, *elsewhere]).exists()


def test_large_batch_runs_as_a_job_with_progress_and_download(
    secretary_client, tenant_a, school_a, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(letters, "DIRECT_PDF_MAX", 2)
    people = unactivated_people(tenant_a, school_a, 3)
    # when more letters than the direct limit are printed
    with django_capture_on_commit_callbacks(execute=True):
        response = select(secretary_client, "print_activation_letters", people)
    # then a batch is started and its progress page shown
    batch = LetterBatch.objects.get()
    progress_url = f"/admin/accounts/letterbatch/{batch.pk}/progression/"
    assert response.status_code == 302 and response["Location"] == progress_url
    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.tenant) == ("done", 3, 3, tenant_a)
    # the page has the bar, the percentage and the download link; its script is self-hosted
    html = secretary_client.get(progress_url).content.decode()
    assert '<progress id="letter-batch-progress" max="100" value="100">' in html
    assert "100 % (3 / 3)" in html and "Télécharger le PDF" in html
    assert 'src="/static/js/job-progress.js"' in html and "<script>" not in html
    state = secretary_client.get(f"/admin/accounts/letterbatch/{batch.pk}/etat.json").json()
    assert state["percent"] == 100 and state["finished"] and state["download_url"]
    download = secretary_client.get(state["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(download.streaming_content))
    assert len(pages_of(text)) == 3 and len(set(CODE_RE.findall(text))) == 3


def test_pending_batch_page_works_without_javascript(secretary_client, secretary, tenant_a):
    batch = LetterBatch.objects.create(tenant=tenant_a, created_by=secretary, total=40, done=10)
    html = secretary_client.get(f"/admin/accounts/letterbatch/{batch.pk}/progression/")
    html = html.content.decode()
    assert 'value="25"' in html and "25 % (10 / 40)" in html
    assert "Rafraîchir" in html and "Télécharger" not in html
    assert 'http-equiv="refresh"' not in html
    assert (
        secretary_client.get(f"/admin/accounts/letterbatch/{batch.pk}/telecharger/").status_code
        == 404
    )


def test_batches_are_scoped_to_the_tenant_and_their_author(
    secretary, secretary_client, outsider_admin_client, tenant_a, school_a2, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    monkeypatch.setattr(letters, "DIRECT_PDF_MAX", 0)
    people = unactivated_people(tenant_a, secretary.schools.get(), 1)
    with django_capture_on_commit_callbacks(execute=True):
        select(secretary_client, "print_activation_letters", people)
    batch = LetterBatch.objects.get()
    urls = [
        f"/admin/accounts/letterbatch/{batch.pk}/progression/",
        f"/admin/accounts/letterbatch/{batch.pk}/etat.json",
        f"/admin/accounts/letterbatch/{batch.pk}/telecharger/",
        f"/admin/accounts/letterbatch/{batch.pk}/change/",
    ]
    assert [secretary_client.get(u).status_code for u in urls] == [200, 200, 200, 200]
    # an outsider secretary (another tenant) gets 404 everywhere
    assert [outsider_admin_client.get(u).status_code for u in urls] == [404] * 4
    # and so does a secretary of another school of the same tenant
    colleague = UserFactory(
        tenant=tenant_a, identifier="secretariat2", is_secretary=True, schools=[school_a2]
    )
    other = verified_admin_client(colleague, HOST_A)
    assert [other.get(u).status_code for u in urls] == [404] * 4
    assert "secretariat" not in other.get("/admin/accounts/letterbatch/").content.decode()
    # and a visitor at the other tenant's host is not even logged in there
    assert Client(HTTP_HOST=HOST_B).get(urls[2]).status_code in (302, 404)


def test_secretary_sends_the_activation_by_mail(
    secretary_client, tenant_a, school_a, django_capture_on_commit_callbacks
):
    with_mail = unactivated_people(tenant_a, school_a, 2)
    without = unactivated_people(tenant_a, school_a, 1, prefix="sansmail")
    without[0].email = ""
    without[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary_client.post(
            "/admin/accounts/user/",
            {
                "action": "send_activation_mail",
                "_selected_action": [p.pk for p in with_mail + without],
            },
            follow=True,
        )
    html = response.content.decode()
    assert "2 activations envoyées" in html and "1 personne sans adresse e-mail" in html
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in with_mail)


def test_demo_has_a_never_activated_parent_whose_letter_the_secretary_prints(settings):
    from django.core.management import call_command

    settings.DEMO_MODE = True
    call_command("seed_demo")
    newcomer = User.objects.get(tenant__slug="creos", identifier="nouveau.parent")
    assert not newcomer.has_usable_password() and newcomer.is_parent
    assert not ActivationCode.objects.filter(user=newcomer).exists()
    secretary = User.objects.get(tenant__slug="creos", identifier="secretariat.creos")
    client = verified_admin_client(secretary, "creos.localhost")
    response = select(client, "print_activation_letters", [newcomer])
    assert response["Content-Type"] == "application/pdf"
    (code,) = CODE_RE.findall(pdf_text(response.content))
    assert activation_code_verify(
        tenant=newcomer.tenant, identifier="nouveau.parent", code=code, ip=None
    )


def test_batch_files_are_deleted_once_their_codes_have_expired(
    secretary_client, secretary, tenant_a, settings, tmp_path
):
    from datetime import timedelta

    from django.core.files.base import ContentFile

    from recovery.tasks import purge_letter_batches

    settings.MEDIA_ROOT = tmp_path
    tenant_a.activation_days = 30
    tenant_a.save(update_fields=["activation_days"])
    now = timezone.now()

    def batch_made(days_ago: int) -> LetterBatch:
        batch = LetterBatch.objects.create(
            tenant=tenant_a,
            created_by=secretary,
            total=1,
            done=1,
            status=LetterBatch.Status.DONE,
            created_at=now - timedelta(days=days_ago),
        )
        batch.file.save("letters.pdf", ContentFile(b"%PDF-1.4 codes"))
        return batch

    expired, live = batch_made(31), batch_made(29)
    expired_path = expired.file.path

    # when the daily job runs
    assert purge_letter_batches.apply().get() == 1

    # then the expired print run's file is gone, the recent one stays, both rows remain
    expired.refresh_from_db()
    live.refresh_from_db()
    assert not expired.file and live.file
    assert not Path(expired_path).exists() and Path(live.file.path).exists()
    # and the secretary is told why there is nothing to download
    html = secretary_client.get(f"/admin/accounts/letterbatch/{expired.pk}/progression/")
    assert (
        "Le fichier a été supprimé : les codes qu'il contenait ont expiré." in html.content.decode()
    )
    download = secretary_client.get(f"/admin/accounts/letterbatch/{expired.pk}/telecharger/")
    assert download.status_code == 404


def test_a_broker_outage_fails_the_batch_with_a_clear_message(
    secretary_client, tenant_a, school_a, monkeypatch, django_capture_on_commit_callbacks,
    unreachable_broker,
):  # fmt: skip
    monkeypatch.setattr(letters, "DIRECT_PDF_MAX", 0)
    people = unactivated_people(tenant_a, school_a, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = select(secretary_client, "print_activation_letters", people)
    batch = LetterBatch.objects.get()
    assert batch.status == "failed" and batch.finished_at is not None
    page = secretary_client.get(response["Location"])
    html = page.content.decode().replace("&#x27;", "'")
    assert page.status_code == 200
    assert "Le service des tâches de fond ne répond pas" in html
    assert "La préparation des lettres a échoué" in html
    assert not ActivationCode.objects.exists()  # no code was issued for a letter never printed
