"""Recovery pages. Views parse, call one service and render; every branch a visitor can reach
before proving control of an account renders the same response."""

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters

from accounts.password_policy import checklist_context
from portal.http import client_ip, no_store
from recovery import services
from recovery.forms import CreosResetForm, IdentifierResetStartForm
from recovery.models import Flow
from recovery.tokens import link_token_check, link_token_consume

SESSION_LINK_KEY = "recovery_link_secret"


def _require_feature(request: HttpRequest, feature: str) -> None:
    tenant = getattr(request, "tenant", None)
    if tenant is None or not getattr(tenant, feature):
        raise Http404


@no_store
def identifier_start(request: HttpRequest) -> HttpResponse:
    _require_feature(request, "identifier_reset")
    form = IdentifierResetStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            services.recovery_request_start(
                tenant=request.tenant,
                flow=Flow.IDENTIFIER,
                method=form.cleaned_data["method"],
                login=form.cleaned_data["login"],
                ip=client_ip(request),
            )
            return redirect("recovery:identifier_sent", permanent=False)
        return render(request, "recovery/identifier_start.html", {"form": form}, status=400)
    return render(request, "recovery/identifier_start.html", {"form": form})


def identifier_sent(request: HttpRequest) -> HttpResponse:
    _require_feature(request, "identifier_reset")
    return render(request, "recovery/identifier_sent.html")


@no_store
def link_open(request: HttpRequest, secret: str) -> HttpResponse:
    """The link from the mail: the secret moves into the session and leaves the address bar."""
    _require_feature(request, "identifier_reset")
    request.session[SESSION_LINK_KEY] = secret
    response = redirect("recovery:identifier_reset")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@no_store
@sensitive_post_parameters("password1", "password2")
def identifier_reset(request: HttpRequest) -> HttpResponse:
    _require_feature(request, "identifier_reset")
    secret = request.session.get(SESSION_LINK_KEY, "")
    token = link_token_check(secret=secret, tenant_id=request.tenant.id)
    if token is None:
        request.session.pop(SESSION_LINK_KEY, None)
        return render(request, "recovery/link_invalid.html", status=410)
    user = token.user
    form = CreosResetForm(request.POST if request.method == "POST" else None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                if not link_token_consume(token=token):
                    return render(request, "recovery/link_invalid.html", status=410)
                services.password_reset_complete(
                    user=user,
                    password=form.cleaned_data["password1"],
                    flow=Flow.IDENTIFIER,
                    ip=client_ip(request),
                    request=token.request,
                )
            request.session.pop(SESSION_LINK_KEY, None)
            return redirect("recovery:done")
        status = 400
    context = {
        "form": form,
        **checklist_context(
            tenant=request.tenant, user=user, password=form.data.get("password1", "")
        ),
    }
    response = render(request, "recovery/identifier_reset.html", context, status=status)
    return response


def done(request: HttpRequest) -> HttpResponse:
    if request.tenant is None:
        raise Http404
    return render(request, "recovery/done.html", {"login_url": reverse("account_login")})
