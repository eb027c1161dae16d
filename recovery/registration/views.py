"""The page after login that asks for recovery methods (recovery.registration.services), and
the registration of a missing phone or secondary address, each verified by a code sent through
the outbox exactly as the profile does."""

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.http import MemberRequest
from recovery.codes import MethodDevice, PhoneDevice, SecondaryEmailDevice
from recovery.forms import CodeForm
from recovery.methods import services as methods
from recovery.registration import services
from recovery.registration.forms import RegisterEmailForm, RegisterPhoneForm
from recovery.registration.middleware import SESSION_KEY, safe_next

FORMS = {"phone": RegisterPhoneForm, "email": RegisterEmailForm}
# How long after the login a missing method is added without typing the password again.
FRESH_LOGIN_SECONDS = 30 * 60
DEVICES: dict[str, type[MethodDevice]] = {"phone": PhoneDevice, "email": SecondaryEmailDevice}


def _next(request: MemberRequest) -> str:
    state = request.session.get(SESSION_KEY) or {}
    return safe_next(request, state.get("next"))


def _done(request: MemberRequest) -> HttpResponseRedirect:
    target = _next(request)
    request.session.pop(SESSION_KEY, None)
    return HttpResponseRedirect(target)


@never_cache
@login_required
def prompt(request: MemberRequest) -> HttpResponse:
    """ "Protégez votre compte": what is missing (or to re-confirm), and whether it can wait."""
    state = request.session.get(SESSION_KEY)
    if "next" in request.GET and state is not None:
        request.session[SESSION_KEY] = {**state, "next": safe_next(request, request.GET["next"])}
    due = services.registration_due(user=request.user, tenant=request.tenant)
    if due is None:
        return _done(request)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "later":
            if services.registration_skip(user=request.user, tenant=request.tenant):
                return _done(request)
            messages.error(request, _("Votre établissement demande de le faire maintenant."))
            status = 400
        elif action == "confirm" and due.mode == services.RECONFIRM:
            services.registration_confirm(user=request.user)
            messages.success(request, _("Merci : vos méthodes de récupération sont confirmées."))
            return _done(request)
        else:
            status = 400
    context = {"due": due, **methods.methods_of(request.user)}
    return render(request, "recovery/registration/prompt.html", context, status=status)


def _missing(request: MemberRequest, kind: str) -> None:
    """Only a kind the person lacks is added here (a change goes through the profile, with the
    current password)."""
    if kind not in FORMS:
        raise Http404
    due = services.registration_due(user=request.user, tenant=request.tenant)
    if due is None or kind not in due.missing:
        raise Http404


def _fresh_login(request: MemberRequest) -> bool:
    """The page was set up by a login with the password less than 30 minutes ago."""
    state = request.session.get(SESSION_KEY) or {}
    return time.time() - state.get("at", 0) < FRESH_LOGIN_SECONDS


@never_cache
@login_required
def add(request: MemberRequest, kind: str) -> HttpResponse:
    _missing(request, kind)
    if not _fresh_login(request):  # long after the login: the profile's page, with the password
        return redirect("methods:add", kind=kind)
    form = FORMS[kind](request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        device: MethodDevice
        if kind == "phone":
            device = methods.method_phone_start(
                user=request.user, number=form.cleaned_data["number"]
            )
        else:
            device = methods.method_email_start(user=request.user, email=form.cleaned_data["email"])
        return redirect("registration:verify", kind=kind, device_id=device.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "kind": kind}
    return render(request, "recovery/registration/add.html", context, status=status)


@never_cache
@login_required
def verify(request: MemberRequest, kind: str, device_id: int) -> HttpResponse:
    model = DEVICES.get(kind)
    device = model.objects.filter(user=request.user, pk=device_id).first() if model else None
    if device is None:
        raise Http404
    if device.confirmed:
        return redirect("registration:prompt")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if methods.method_verify(device=device, code=form.cleaned_data["code"]):
            messages.success(request, _("Méthode de récupération vérifiée."))
            if services.registration_due(user=request.user, tenant=request.tenant) is None:
                services.registration_confirm(user=request.user)
            return redirect("registration:prompt")
        form.add_error("code", _("Ce code est incorrect ou a expiré."))
    status = 400 if form.is_bound else 200
    context = {"form": form, "device": device, "kind": kind}
    return render(request, "recovery/registration/verify.html", context, status=status)
