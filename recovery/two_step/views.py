"""“Votre compte n'est pas accessible ?”: address → method → code (×1 or ×2) → new password."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.directory.exceptions import DirectoryError
from accounts.password_policy import checklist_context
from portal.http import client_ip, no_store
from recovery import throttle
from recovery.forms import CodeForm
from recovery.models import Flow, RecoveryRequest
from recovery.two_step import desk_code as desk_codes
from recovery.two_step import services
from recovery.two_step.forms import AddressForm, DeskCodeForm, MethodForm, TwoStepPasswordForm
from tenants.features import Feature, feature_required
from tenants.http import TenantHostRequest

SESSION_KEY = "two_step_request"
STARTS_BEFORE_CAPTCHA = throttle.Limit("two-step-start-ip", 3, 3600)
FEATURE: Feature = "two_step_reset"


def _current(request: TenantHostRequest) -> RecoveryRequest | None:
    public_id = request.session.get(SESSION_KEY)
    if not public_id:
        return None
    recovery = (
        RecoveryRequest.objects.select_related("tenant", "user", "two_step")
        .filter(public_id=public_id, flow=Flow.TWO_STEP)
        .first()
    )
    if recovery is None or recovery.two_step.completed_at is not None:
        return None
    return recovery


def _steps(recovery: RecoveryRequest) -> dict:
    required = recovery.tenant.two_step_methods_required
    done = len(recovery.two_step.verified)
    steps = [{"label": _("étape de vérification %(n)d") % {"n": n + 1}, "done": n < done,
              "current": n == done} for n in range(required)]  # fmt: skip
    steps.append(
        {"label": _("choisir un nouveau mot de passe"), "done": False, "current": done >= required}
    )
    return {"steps": steps, "step_number": min(done + 1, required), "required": required}


@feature_required(FEATURE)
@no_store
def start(request: TenantHostRequest) -> HttpResponse:
    ip = client_ip(request) or "unknown"
    with_captcha = throttle.throttle_exceeded(
        tenant=request.tenant, limit=STARTS_BEFORE_CAPTCHA, subject=ip
    )
    data = request.POST if request.method == "POST" else None
    if data is not None and with_captcha and "captcha_0" not in data:
        # The page she filled in had no captcha (it came before the limit was reached, in
        # another tab or from the browser's memory): not an error of hers. The captcha is shown
        # now, with what she typed, and a word of why.
        form = AddressForm(initial={"address": data.get("address", "")[:254]}, with_captcha=True)
        context = {"form": form, "captcha_added": True}
        return render(request, "recovery/two_step/start.html", context, status=400)
    form = AddressForm(data, with_captcha=with_captcha)
    if form.is_bound and form.is_valid():
        throttle.throttle_hit(tenant=request.tenant, limit=STARTS_BEFORE_CAPTCHA, subject=ip)
        recovery = services.two_step_start(
            tenant=request.tenant, address=form.cleaned_data["address"], ip=client_ip(request)
        )
        request.session[SESSION_KEY] = str(recovery.public_id)
        return redirect("two_step:method")
    status = 400 if form.is_bound else 200
    return render(request, "recovery/two_step/start.html", {"form": form}, status=status)


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("full_number", "full_email")
def method(request: TenantHostRequest) -> HttpResponse:
    recovery = _current(request)
    if recovery is None:
        return redirect("two_step:start")
    if services.two_step_ready(request=recovery):
        return redirect("two_step:password")
    if services.two_step_second_method_missing(request=recovery):
        return render(request, "recovery/two_step/second_method.html", _steps(recovery))
    options = services.two_step_options(request=recovery)
    data = request.POST if request.method == "POST" else None
    form = MethodForm(
        data,
        options=options,
        preferred=request.GET.get("method"),
        region=recovery.tenant.phone_region,
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            outcome = services.two_step_send(
                request=recovery,
                option_key=form.cleaned_data["method"],
                full_number=form.cleaned_data["full_number"],
                full_email=form.cleaned_data["full_email"],
            )
            if outcome == services.SendOutcome.SENT:
                return redirect("two_step:code")
            if outcome == services.SendOutcome.WRONG_NUMBER:
                form.add_error(
                    "full_number",
                    _("Ce numéro ne correspond pas au numéro de téléphone mobile enregistré."),
                )
            elif outcome == services.SendOutcome.WRONG_ADDRESS:
                form.add_error(
                    "full_email",
                    _(
                        "Cette adresse ne correspond pas à l'adresse de messagerie secondaire "
                        "enregistrée."
                    ),
                )
            else:
                form.add_error(None, _("Trop d'essais. Contactez votre administrateur."))
    context = {"form": form, "recovery": recovery, "no_options": not options, **_steps(recovery)}
    return render(request, "recovery/two_step/method.html", context, status=status)


@feature_required(FEATURE)
@no_store
def code(request: TenantHostRequest) -> HttpResponse:
    recovery = _current(request)
    if recovery is None:
        return redirect("two_step:start")
    pending = recovery.two_step.pending_method
    if not pending:
        return redirect("two_step:method")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            if services.two_step_verify(request=recovery, code=form.cleaned_data["code"]):
                recovery.two_step.refresh_from_db()
                if services.two_step_ready(request=recovery):
                    return redirect("two_step:password")
                return redirect("two_step:method")
            form.add_error("code", _("Ce code est incorrect ou a expiré. Réessayez."))
    kind = pending.split(":", 1)[0]
    context = {"form": form, "kind": kind, "method_key": pending, **_steps(recovery)}
    return render(request, "recovery/two_step/code.html", context, status=status)


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("password1", "password2")
def password(request: TenantHostRequest) -> HttpResponse:
    recovery = _current(request)
    if recovery is None:
        return redirect("two_step:start")
    if not services.two_step_ready(request=recovery):
        return redirect("two_step:method")
    data = request.POST if request.method == "POST" else None
    form = TwoStepPasswordForm(data, user=recovery.user)
    if form.is_bound and form.is_valid():
        try:
            completed = services.two_step_complete(
                request=recovery, password=form.cleaned_data["password1"], ip=client_ip(request)
            )
        except DirectoryError as error:  # nothing changed: the verified steps still hold
            form.add_error(None, error.message)
        else:
            if completed:
                request.session.pop(SESSION_KEY, None)
                return redirect("two_step:done")
            return redirect("two_step:start")
    context = {
        "form": form,
        **_steps(recovery),
        **checklist_context(
            tenant=request.tenant, user=recovery.user, password=form.data.get("password1", "")
        ),
    }
    status = 400 if form.is_bound else 200
    return render(request, "recovery/two_step/password.html", context, status=status)


@feature_required(FEATURE)
def done(request: TenantHostRequest) -> HttpResponse:
    return render(request, "recovery/two_step/done.html")


@require_POST
@feature_required(FEATURE)
def contact_admin(request: TenantHostRequest) -> HttpResponse:
    recovery = _current(request)
    if recovery is None:
        return redirect("two_step:start")
    services.two_step_contact_admin(request=recovery, ip=client_ip(request))
    return render(request, "recovery/two_step/contact_sent.html")


def cancel(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("account_login")


# --- The one-time code from the secretariat (recovery.two_step.desk_code) ----------------------

DESK_SESSION_KEY = "two_step_desk_code"
DESK_PROOF_LIFETIME = timedelta(minutes=30)


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("code")
def desk_code(request: TenantHostRequest) -> HttpResponse:
    """Identifier + the code the secretariat handed over. A wrong identifier and a wrong code
    get the very same 400 page; nothing typed is echoed back but the identifier."""
    initial = {"identifier": request.GET.get("identifiant", "")[:150]}
    form = DeskCodeForm(request.POST if request.method == "POST" else None, initial=initial)
    context: dict = {"form": form}
    if not form.is_bound:
        return render(request, "recovery/two_step/desk_code.html", context)
    if form.is_valid():
        try:
            token = desk_codes.desk_code_verify(
                tenant=request.tenant,
                identifier=form.cleaned_data["identifier"],
                code=form.cleaned_data["code"],
                ip=client_ip(request),
            )
        except desk_codes.DeskCodeThrottled:
            context = {
                "form": DeskCodeForm(initial={"identifier": form.cleaned_data["identifier"]}),
                "failure": _("Trop d'essais. Réessayez dans quelques minutes."),
            }
            return render(request, "recovery/two_step/desk_code.html", context, status=429)
        if token is not None:
            request.session[DESK_SESSION_KEY] = {
                "token": token.pk,
                "until": (timezone.now() + DESK_PROOF_LIFETIME).timestamp(),
            }
            return redirect("two_step:desk_code_password")
        # Nothing but the identifier is echoed back: a wrong identifier and a wrong code
        # render alike.
        context = {
            "form": DeskCodeForm(initial={"identifier": form.cleaned_data["identifier"]}),
            "failure": _(
                "Cet identifiant et ce code ne vont pas ensemble, ou le code a déjà servi ou "
                "expiré. Vérifiez-les, ou demandez un nouveau code au secrétariat."
            ),
        }
    return render(request, "recovery/two_step/desk_code.html", context, status=400)


@feature_required(FEATURE)
@no_store
@sensitive_post_parameters("password1", "password2")
def desk_code_password(request: TenantHostRequest) -> HttpResponse:
    """The new password, with the strength meter of the two-step flow; then the done page."""
    proof = request.session.get(DESK_SESSION_KEY) or {}
    token = None
    if proof.get("until", 0) > timezone.now().timestamp():
        token = desk_codes.desk_code_live(token_id=proof.get("token", 0))
    if token is None:
        request.session.pop(DESK_SESSION_KEY, None)
        return redirect("two_step:desk_code")
    data = request.POST if request.method == "POST" else None
    form = TwoStepPasswordForm(data, user=token.user)
    if form.is_bound and form.is_valid():
        try:
            user = desk_codes.desk_code_redeem(
                token_id=token.pk, password=form.cleaned_data["password1"], ip=client_ip(request)
            )
        except ValidationError as error:  # the policy, checked again under the lock
            form.add_error("password1", error)
        else:
            request.session.pop(DESK_SESSION_KEY, None)
            return redirect("two_step:done" if user else "two_step:desk_code")
    context = {
        "form": form,
        "person": token.user,
        **checklist_context(
            tenant=request.tenant, user=token.user, password=form.data.get("password1", "")
        ),
    }
    status = 400 if form.is_bound else 200
    return render(request, "recovery/two_step/desk_code_password.html", context, status=status)
