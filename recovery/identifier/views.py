"""CREOS "Mot de passe oublié" pages. Views parse, call one service and render; every branch a
visitor can reach before proving control of an account renders the same response."""

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from accounts.directory.exceptions import DirectoryError
from accounts.password_policy import checklist_context
from portal.http import client_ip, no_store
from recovery.http import link_secret_keep
from recovery.identifier.forms import CreosResetForm, IdentifierResetStartForm
from recovery.models import Flow
from recovery.services import password_reset_complete, recovery_request_start
from recovery.tokens import link_token_check, link_token_consume
from tenants.features import Feature, feature_required
from tenants.http import TenantHostRequest, TenantRequest

FEATURE: Feature = "identifier_reset"
SESSION_LINK_KEY = "recovery_link_secret"


@feature_required(FEATURE)
@no_store
def identifier_start(request: TenantHostRequest) -> HttpResponse:
    form = IdentifierResetStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            recovery_request_start(
                tenant=request.tenant,
                flow=Flow.IDENTIFIER,
                method=form.cleaned_data["method"],
                login=form.cleaned_data["login"],
                ip=client_ip(request),
            )
            return redirect("recovery:identifier_sent", permanent=False)
        return render(request, "recovery/identifier/start.html", {"form": form}, status=400)
    return render(request, "recovery/identifier/start.html", {"form": form})


@feature_required(FEATURE)
def identifier_sent(request: TenantHostRequest) -> HttpResponse:
    return render(request, "recovery/identifier/sent.html")


@feature_required(FEATURE)
@no_store
def link_open(request: TenantHostRequest, secret: str) -> HttpResponse:
    """The link from the mail: the secret moves into the session and leaves the address bar."""
    return link_secret_keep(
        request, key=SESSION_LINK_KEY, value=secret, to="recovery:identifier_reset"
    )


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("password1", "password2")
def identifier_reset(request: TenantHostRequest) -> HttpResponse:
    secret = request.session.get(SESSION_LINK_KEY, "")
    token = link_token_check(secret=secret)
    if token is None:
        request.session.pop(SESSION_LINK_KEY, None)
        return render(request, "recovery/identifier/link_invalid.html", status=410)
    user = token.user
    form = CreosResetForm(request.POST if request.method == "POST" else None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    if not link_token_consume(token=token):
                        return render(request, "recovery/identifier/link_invalid.html", status=410)
                    password_reset_complete(
                        user=user,
                        password=form.cleaned_data["password1"],
                        flow=Flow.IDENTIFIER,
                        ip=client_ip(request),
                        request=token.request,
                    )
            except DirectoryError as error:  # nothing changed, the link still works
                form.add_error(None, error.message)
            else:
                request.session.pop(SESSION_LINK_KEY, None)
                return redirect("recovery:done")
        status = 400
    context = {
        "form": form,
        **checklist_context(
            tenant=request.tenant, user=user, password=form.data.get("password1", "")
        ),
    }
    response = render(request, "recovery/identifier/reset.html", context, status=status)
    return response


def done(request: TenantRequest) -> HttpResponse:
    """The end of a reset by link or by NUMEN: log in with the new password."""
    if request.tenant is None:
        raise Http404
    return render(request, "recovery/done.html", {"login_url": reverse("account_login")})
