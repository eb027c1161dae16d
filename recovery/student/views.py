"""SEPNE student pages. Until the link from the school mailbox is opened, every request gets the
same response; after it, right and wrong answers get the same response too."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from portal.http import client_ip, no_store
from recovery.http import link_secret_keep, no_referrer
from recovery.models import LinkToken
from recovery.student import services
from recovery.student.forms import StudentIdentityForm, StudentMailboxForm
from recovery.tokens import link_token_check
from tenants.features import Feature, feature_required
from tenants.http import TenantHostRequest

FEATURE: Feature = "student_mailbox_reset"
SESSION_LINK_KEY = "student_link_secret"


@feature_required(FEATURE)
@no_store
def start(request: TenantHostRequest) -> HttpResponse:
    """What a student needs, "Nom d'utilisateur oublié ?", and the school mailbox address."""
    form = StudentMailboxForm(
        request.POST if request.method == "POST" else None, voice=request.tenant.voice
    )
    if request.method == "POST":
        if form.is_valid():
            services.student_link_request_start(
                tenant=request.tenant, address=form.cleaned_data["address"], ip=client_ip(request)
            )
            return redirect("student:sent")
        return render(request, "recovery/student/start.html", {"form": form}, status=400)
    return render(request, "recovery/student/start.html", {"form": form})


@feature_required(FEATURE)
def sent(request: TenantHostRequest) -> HttpResponse:
    return render(request, "recovery/student/sent.html")


@feature_required(FEATURE)
@no_store
def link_open(request: TenantHostRequest, secret: str) -> HttpResponse:
    """The link from the school mailbox: the secret moves into the session, off the URL."""
    return link_secret_keep(request, key=SESSION_LINK_KEY, value=secret, to="student:reset")


def _live_token(request: TenantHostRequest) -> LinkToken | None:
    token = link_token_check(
        secret=request.session.get(SESSION_LINK_KEY, ""),
        purpose=services.LINK_PURPOSE,
    )
    if token is None or not services.student_link_is_current(token):
        return None
    return token


def _link_invalid(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_LINK_KEY, None)
    return no_referrer(render(request, "recovery/student/link_invalid.html", status=410))


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("student_number", "username")
def reset(request: TenantHostRequest) -> HttpResponse:
    """ "Réinitialisation du mot de passe de l'élève pour le portail"."""
    token = _live_token(request)
    if token is None:
        return _link_invalid(request)
    form = StudentIdentityForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            outcome = services.student_reset_answer(
                token=token,
                student_number=form.cleaned_data["student_number"],
                username=form.cleaned_data["username"],
                ip=client_ip(request),
            )
            if outcome is None:
                return _link_invalid(request)
            # Same redirect, same page, whether the answers were right or not.
            request.session.pop(SESSION_LINK_KEY, None)
            return redirect("student:requested")
        status = 400
    response = render(request, "recovery/student/reset.html", {"form": form}, status=status)
    return response


@feature_required(FEATURE)
def requested(request: TenantHostRequest) -> HttpResponse:
    return render(request, "recovery/student/requested.html")
