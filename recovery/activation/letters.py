"""Activation letters: new codes for a group of people of one tenant and one A4 page per
person (code + QR code of the activation address), rendered in the request for a few people
(`activation_letters_pdf`) or by a Celery job for a large print run (`activation_batch_start`,
`LetterBatch`). The HTML is turned into a PDF by WeasyPrint with the system's fonts and no
network access; the PDFs of batches whose codes have expired are deleted."""

import base64
import io
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import qrcode
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from qrcode.constants import ERROR_CORRECT_M

from accounts.models import ActivationCode, LetterBatch, User
from outbox.services import message_language
from portal.jobs import job_claim, job_done, job_enqueue_on_commit, job_failed, job_progress
from portal.pdf import pdf_from_html, pdf_join, pdf_mark_languages
from recovery.activation.services import (
    IssuedCodes,
    activation_codes_prepare,
    activation_codes_store,
    activation_url,
)
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A letter batch at most this large is rendered in the request; larger ones by a Celery job.
DIRECT_PDF_MAX = 50
# Pages rendered between two progress reports of a batch job.
CHUNK = 50


@dataclass(frozen=True)
class Letter:
    name: str
    identifier: str
    code: str  # as shown: "ABCD-EFGH-JKMN"
    qr_src: str  # data: URI of the QR code of the activation address
    expires_at: datetime
    # The person's language (her preferred one, else the tenant's); empty: the tenant's.
    language: str = ""


def qr_png_data_uri(payload: str) -> str:
    """The QR code as a PNG of one pixel per module (the page scales it up without blurring):
    small, quick to make (one fixed mask instead of trying all eight) and quick to draw."""
    from PIL import Image

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=2)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    image = Image.new("L", (size, size))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    buffer = io.BytesIO()
    image.convert("1").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _url_fetcher():
    """data: URIs only: a letter never loads anything from the network or the file system."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def letters_render(
    *,
    tenant: Tenant,
    letters: Sequence[Letter],
    activation_url: str,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One tagged PDF/UA document (portal.pdf), one page per letter, each in its person's
    language (the document's language is theirs if they share one, else the tenant's).
    Each chunk of CHUNK letters is laid out and written to a PDF of its own, then the chunks
    are joined with their structure trees (`pdf_join`): only one chunk's layout is in memory at
    a time, so a 500-letter batch needs no more than a 50-letter one. `progress(n)` is called
    with the number of pages ready after each chunk (batch jobs show it in the admin)."""
    if not letters:
        raise ValueError("no letter to print")
    fetcher = _url_fetcher()
    languages = {letter.language or tenant.default_language for letter in letters}
    language = languages.pop() if len(languages) == 1 else tenant.default_language
    chunks: list[bytes] = []
    with translation.override(language):
        for start in range(0, len(letters), CHUNK):
            chunk = letters[start : start + CHUNK]
            html = render_to_string(
                "recovery/activation/letters/letter.html",
                {
                    "tenant": tenant,
                    "letters": chunk,
                    "activation_url": activation_url,
                    "printed_at": timezone.localtime(),
                    "language": language,
                },
            )
            chunks.append(pdf_from_html(html, url_fetcher=fetcher))
            if progress is not None:
                progress(start + len(chunk))
    return pdf_mark_languages(pdf_join(chunks), [letter.language or language for letter in letters])


# --- Print runs: new codes, then their letters -----------------------------------------------


def _people_for_letters(users: Iterable[User]) -> tuple[Tenant, list[User]]:
    people = list(users)
    if not people:
        raise ValueError("no letter to print")
    tenant_ids = {u.tenant_id for u in people}
    if len(tenant_ids) != 1 or None in tenant_ids:
        raise ValueError("letters are printed for the people of one tenant")
    return people[0].member_tenant, people


def _letters(*, tenant: Tenant, issued: IssuedCodes, people: list[User]) -> list[Letter]:
    letters = []
    for person in people:
        code, expires_at = issued.codes[person.pk]
        letters.append(
            Letter(
                name=person.get_full_name(),
                identifier=person.identifier,
                code=code,
                qr_src=qr_png_data_uri(activation_url(tenant=tenant, identifier=person.identifier)),
                expires_at=expires_at,
                language=message_language(tenant=tenant, user=person),
            )
        )
    return letters


def _letters_pdf(*, tenant: Tenant, people: list[User], by: User | None, progress=None) -> bytes:
    """Codes are made first, stored only once the PDF exists: a failed rendering leaves the
    earlier letters valid."""
    issued = activation_codes_prepare(
        tenant=tenant, users=people, by=by, channel=ActivationCode.Channel.LETTER
    )
    pdf = letters_render(
        tenant=tenant,
        letters=_letters(tenant=tenant, issued=issued, people=people),
        activation_url=activation_url(tenant=tenant),
        progress=progress,
    )
    activation_codes_store(issued)
    return pdf


def activation_letters_pdf(*, users: Iterable[User], by: User | None) -> bytes:
    """New codes for these people (of one tenant) and one PDF with a letter per person, in the
    order given. Their earlier codes, printed or mailed, stop working. The codes only work
    while an account has no usable password (see `user_is_activatable`)."""
    tenant, people = _people_for_letters(users)
    return _letters_pdf(tenant=tenant, people=people, by=by)


def activation_batch_start(*, users: Iterable[User], by: User) -> LetterBatch:
    """A LetterBatch rendered by a Celery job after commit (progress: `done` of `total`)."""
    from recovery.tasks import render_letter_batch

    tenant, people = _people_for_letters(users)
    batch = LetterBatch.objects.create(
        tenant=tenant, created_by=by, people=[p.pk for p in people], total=len(people)
    )
    job_enqueue_on_commit(render_letter_batch, LetterBatch, batch.pk)
    return batch


def activation_batch_run(*, batch_id: int) -> LetterBatch:
    """Worker: issue the codes and render the PDF chunk by chunk, reporting progress."""
    claimed = job_claim(LetterBatch, batch_id)
    batch = LetterBatch.objects.select_related("tenant", "created_by").get(pk=batch_id)
    if not claimed:
        return batch
    try:
        by_id = {u.pk: u for u in User.objects.filter(pk__in=batch.people).select_related("tenant")}
        people = [by_id[pk] for pk in batch.people if pk in by_id]
        if len(people) != batch.total:
            job_progress(LetterBatch, batch.pk, done=0, total=len(people))
        pdf = _letters_pdf(
            tenant=batch.tenant,
            people=people,
            by=batch.created_by,
            progress=lambda done: job_progress(LetterBatch, batch.pk, done=done),
        )
        # An unguessable name: letters hold live codes.
        batch.file.save(f"{secrets.token_urlsafe(24)}.pdf", ContentFile(pdf), save=False)
    except Exception as exc:
        job_failed(LetterBatch, batch.pk, exc)
    else:
        job_done(LetterBatch, batch.pk, file=batch.file.name, done=len(people), total=len(people))
    batch.refresh_from_db()
    return batch


def letter_batches_purge(*, now: datetime | None = None) -> int:
    """Delete the PDF of every batch whose codes have all expired (`tenant.activation_days`
    after the print run): past that it is only a file of names to leak. The batch row stays,
    as the record of who printed what and when. Returns how many files went."""
    now = now or timezone.now()
    purged = 0
    for batch in LetterBatch.objects.exclude(file="").select_related("tenant"):
        if batch.created_at + timedelta(days=batch.tenant.activation_days) > now:
            continue
        batch.file.delete(save=False)
        LetterBatch.objects.filter(pk=batch.pk).update(file="")
        purged += 1
    return purged
