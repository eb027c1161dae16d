"""Profile: "Méthodes de récupération" (phone and secondary e-mail, verified by a code)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.http import AuthenticatedRequest
from recovery.codes import MethodDevice, PhoneDevice, SecondaryEmailDevice
from recovery.forms import CodeForm
from recovery.methods import services
from recovery.methods.forms import EmailMethodForm, PhoneMethodForm, RemoveMethodForm

KINDS: dict[str, type[MethodDevice]] = {"phone": PhoneDevice, "email": SecondaryEmailDevice}


def _device_for(request: AuthenticatedRequest, kind: str, device_id: int) -> MethodDevice:
    """The device of this user (and so of this tenant), or 404."""
    model = KINDS.get(kind)
    device = model.objects.filter(user=request.user, pk=device_id).first() if model else None
    if device is None:
        raise Http404
    return device


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "recovery/methods/overview.html", services.methods_of(request.user))


@login_required
@sensitive_post_parameters("current_password")
def add(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    form_class = {"phone": PhoneMethodForm, "email": EmailMethodForm}.get(kind)
    if form_class is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = form_class(data, user=request.user)
    if form.is_bound and form.is_valid():
        device: MethodDevice
        if kind == "phone":
            device = services.method_phone_start(
                user=request.user, number=form.cleaned_data["number"]
            )
        else:
            device = services.method_email_start(
                user=request.user, email=form.cleaned_data["email"]
            )
        return redirect("methods:verify", kind=kind, device_id=device.pk)
    status = 400 if form.is_bound else 200
    return render(request, "recovery/methods/add.html", {"form": form, "kind": kind}, status=status)


@login_required
def verify(request: AuthenticatedRequest, kind: str, device_id: int) -> HttpResponse:
    device = _device_for(request, kind, device_id)
    if device.confirmed:
        return redirect("methods:overview")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if services.method_verify(device=device, code=form.cleaned_data["code"]):
            messages.success(request, _("Méthode de récupération vérifiée."))
            return redirect("methods:overview")
        form.add_error("code", _("Ce code est incorrect ou a expiré."))
    status = 400 if form.is_bound else 200
    context = {"form": form, "device": device, "kind": kind}
    return render(request, "recovery/methods/verify.html", context, status=status)


@login_required
@sensitive_post_parameters("current_password")
def remove(request: AuthenticatedRequest, kind: str, device_id: int) -> HttpResponse:
    device = _device_for(request, kind, device_id)
    form = RemoveMethodForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        services.method_remove(device=device)
        messages.success(request, _("Méthode de récupération retirée."))
        return redirect("methods:overview")
    status = 400 if form.is_bound else 200
    context = {"form": form, "device": device}
    return render(request, "recovery/methods/remove.html", context, status=status)
