"""SEPNE student pages. Until the link from the school mailbox is opened, every request gets the
same response; after it, right and wrong answers get the same response too."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from portal.http import client_ip, no_store
from recovery import student_services
from recovery.models import LinkToken
from recovery.student_forms import StudentIdentityForm, StudentMailboxForm
from recovery.tokens import link_token_check
from recovery.views import _require_feature

FEATURE = "student_mailbox_reset"
SESSION_LINK_KEY = "student_link_secret"


@no_store
def start(request: HttpRequest) -> HttpResponse:
    """What a student needs, "Nom d'utilisateur oublié ?", and the school mailbox address."""
    _require_feature(request, FEATURE)
    form = StudentMailboxForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            student_services.student_link_request_start(
                tenant=request.tenant, address=form.cleaned_data["address"], ip=client_ip(request)
            )
            return redirect("student:sent")
        return render(request, "recovery/student_start.html", {"form": form}, status=400)
    return render(request, "recovery/student_start.html", {"form": form})


def sent(request: HttpRequest) -> HttpResponse:
    _require_feature(request, FEATURE)
    return render(request, "recovery/student_sent.html")


@no_store
def link_open(request: HttpRequest, secret: str) -> HttpResponse:
    """The link from the school mailbox: the secret moves into the session, off the URL."""
    _require_feature(request, FEATURE)
    request.session[SESSION_LINK_KEY] = secret
    response = redirect("student:reset")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _live_token(request: HttpRequest) -> LinkToken | None:
    token = link_token_check(
        secret=request.session.get(SESSION_LINK_KEY, ""),
        tenant_id=request.tenant.id,
        purpose=student_services.LINK_PURPOSE,
    )
    if token is None or not student_services.student_link_is_current(token):
        return None
    return token


def _link_invalid(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_LINK_KEY, None)
    response = render(request, "recovery/student_link_invalid.html", status=410)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@no_store
@sensitive_post_parameters("student_number", "username")
def reset(request: HttpRequest) -> HttpResponse:
    """ "Réinitialisation du mot de passe de l'élève pour le portail"."""
    _require_feature(request, FEATURE)
    token = _live_token(request)
    if token is None:
        return _link_invalid(request)
    form = StudentIdentityForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            outcome = student_services.student_reset_answer(
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
    response = render(request, "recovery/student_reset.html", {"form": form}, status=status)
    return response


def requested(request: HttpRequest) -> HttpResponse:
    _require_feature(request, FEATURE)
    return render(request, "recovery/student_requested.html")
