"""Académie pages: "Retrouver mon identifiant" and the two-step reset, each behind a captcha."""

import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.directory.exceptions import DirectoryError
from accounts.password_policy import checklist_context
from portal.http import client_ip, no_store
from recovery.models import Flow
from recovery.numen import services
from recovery.numen.forms import (
    CaptchaStepForm,
    NumenIdentityForm,
    NumenLookupForm,
    NumenNewPasswordForm,
)
from recovery.services import password_reset_complete
from tenants.features import Feature, feature_required
from tenants.http import TenantHostRequest

STEP1_SESSION_KEY = "numen_reset_captcha_at"
STEP1_LIFETIME = 600  # seconds
FEATURE: Feature = "numen_lookup"


def _bound(request: HttpRequest, form_class, **kwargs):
    """A bound form, except when the visitor only asked for another captcha (no JS)."""
    if request.method == "POST" and "captcha_refresh" not in request.POST:
        return form_class(request.POST, **kwargs)
    initial = {k: v for k, v in request.POST.items() if k not in ("captcha_0", "captcha_1")}
    return form_class(initial=initial, **kwargs)


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("numen")
def lookup(request: TenantHostRequest) -> HttpResponse:
    form = _bound(request, NumenLookupForm)
    context: dict = {"form": form}
    status = 200
    if form.is_bound:
        if form.is_valid():
            identifier = services.numen_identifier_lookup(
                tenant=request.tenant,
                surname=form.cleaned_data["surname"],
                numen=form.cleaned_data["numen"],
                ip=client_ip(request),
            )
            if identifier:
                return render(
                    request, "recovery/numen/lookup_found.html", {"identifier": identifier}
                )
            context["not_found"] = True
            context["form"] = NumenLookupForm(initial={"surname": form.cleaned_data["surname"]})
        status = 400
    return render(request, "recovery/numen/lookup.html", context, status=status)


@feature_required(FEATURE)
@no_store
def reset_step1(request: TenantHostRequest) -> HttpResponse:
    form = _bound(request, CaptchaStepForm)
    if form.is_bound and form.is_valid():
        request.session[STEP1_SESSION_KEY] = time.time()
        return redirect("numen:reset_step2")
    status = 400 if form.is_bound else 200
    return render(request, "recovery/numen/reset_step1.html", {"form": form}, status=status)


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("numen", "password1", "password2")
def reset_step2(request: TenantHostRequest) -> HttpResponse:
    passed_at = request.session.get(STEP1_SESSION_KEY)
    if not passed_at or time.time() - passed_at > STEP1_LIFETIME:
        request.session.pop(STEP1_SESSION_KEY, None)
        return redirect("numen:reset_step1")
    identity = NumenIdentityForm(request.POST if request.method == "POST" else None)
    passwords = NumenNewPasswordForm(None, user=None)
    context = {"identity": identity, "form": passwords, "wrong_identity": False}
    if request.method == "POST" and identity.is_valid():
        user = services.numen_identity_check(
            tenant=request.tenant,
            identifier=identity.cleaned_data["identifier"],
            numen=identity.cleaned_data["numen"],
            ip=client_ip(request),
        )
        if user is None:
            # Every wrong answer costs a new captcha.
            request.session.pop(STEP1_SESSION_KEY, None)
            return render(
                request,
                "recovery/numen/reset_step1.html",
                {"form": CaptchaStepForm(), "wrong_identity": True},
                status=400,
            )
        passwords = NumenNewPasswordForm(request.POST, user=user)
        if passwords.is_valid():
            try:
                password_reset_complete(
                    user=user,
                    password=passwords.cleaned_data["password1"],
                    flow=Flow.NUMEN,
                    ip=client_ip(request),
                )
            except DirectoryError as error:  # nothing changed
                passwords.add_error(None, error.message)
            else:
                request.session.pop(STEP1_SESSION_KEY, None)
                return redirect("recovery:done")
        context["form"] = passwords
    context |= checklist_context(
        tenant=request.tenant, user=None, password=request.POST.get("password1", "")
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "recovery/numen/reset_step2.html", context, status=status)
