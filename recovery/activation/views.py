"""Activation pages (ISSUE 6). Before a person proves she holds a live code (or a link from her
school mailbox), every answer looks the same; the proof then lives in the session, never in the
URL, and the password page sets the password, logs her in and, where the tenant uses two-step
recovery, invites her to register her recovery methods."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.directory.exceptions import DirectoryError
from accounts.forms import NewPasswordForm
from accounts.models import ActivationCode, User
from accounts.password_policy import checklist_context
from portal.http import client_ip, no_store
from recovery.activation import services, student
from recovery.activation.forms import ActivationCodeForm
from recovery.http import link_secret_keep, no_referrer
from recovery.student.forms import StudentIdentityForm
from recovery.tokens import link_token_check
from tenants.features import Feature, feature_required, tenant_has_feature
from tenants.http import TenantHostRequest

SESSION_KEY = "activation_proof"
PROOF_LIFETIME = timedelta(minutes=30)
BACKEND = "recovery.backends.RecoveryAuthenticationBackend"
STUDENT_FEATURE: Feature = "student_self_activation"


def _tenant(request: HttpRequest):
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404
    return tenant


@no_store
@sensitive_post_parameters("code")
def start(request: HttpRequest) -> HttpResponse:
    """Identifier + code. A wrong identifier, a wrong code and an account that is already
    active get the very same 400 page."""
    tenant = _tenant(request)
    initial = {"identifier": request.GET.get("identifiant", "")[:150]}
    if request.method != "POST":
        return render(request, "recovery/activation/start.html", {"form": _fresh(initial)})
    form = ActivationCodeForm(request.POST, initial=initial)
    if not form.is_valid():
        return render(request, "recovery/activation/start.html", {"form": form}, status=400)
    try:
        code = services.activation_code_verify(
            tenant=tenant,
            identifier=form.cleaned_data["identifier"],
            code=form.cleaned_data["code"],
            ip=client_ip(request),
        )
    except services.ActivationThrottled:
        context = {"form": _fresh(initial), "throttled": True}
        return render(request, "recovery/activation/start.html", context, status=429)
    if code is None:
        # Nothing the visitor typed is echoed back: both failures render byte for byte alike.
        context = {"form": _fresh(initial), "failed": True}
        return render(request, "recovery/activation/start.html", context, status=400)
    request.session[SESSION_KEY] = {
        "kind": "code",
        "code": code.pk,
        "until": (timezone.now() + PROOF_LIFETIME).timestamp(),
    }
    return redirect("activation:password")


def _fresh(initial: dict) -> ActivationCodeForm:
    return ActivationCodeForm(initial=initial)


@no_store
def link_open(request: HttpRequest, secret: str) -> HttpResponse:
    """The link from the school mailbox: the secret moves into the session, off the URL."""
    _tenant(request)
    proof = {"kind": "link", "secret": secret[:100]}
    return link_secret_keep(request, key=SESSION_KEY, value=proof, to="activation:password")


def _proof(request: HttpRequest):
    """(user, code or link token) proven by this session, or None."""
    proof = request.session.get(SESSION_KEY) or {}
    if proof.get("kind") == "code" and proof.get("until", 0) > timezone.now().timestamp():
        code = services.activation_code_live(code_id=proof.get("code", 0))
        return (code.user, code) if code else None
    if proof.get("kind") == "link":
        token = link_token_check(secret=proof.get("secret", ""), purpose=student.LINK_PURPOSE)
        if token is not None and services.user_is_activatable(token.user):
            return token.user, token
    return None


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return no_referrer(render(request, "recovery/activation/expired.html", status=410))


@no_store
@sensitive_post_parameters("password1", "password2")
def password(request: HttpRequest) -> HttpResponse:
    """Choose a password (the tenant's policy, with the live checklist); then logged in."""
    tenant = _tenant(request)
    proven = _proof(request)
    if proven is None:
        return _expired(request)
    user, proof = proven
    form = NewPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if form.is_bound and form.is_valid():
        activated = _redeem(request, proof, form.cleaned_data["password1"], form)
        if activated is None and not form.errors:
            return _expired(request)
        if activated is not None:
            request.session.pop(SESSION_KEY, None)
            login(request, activated, backend=BACKEND)
            if tenant_has_feature(tenant, "two_step_reset"):
                return redirect("activation:welcome")
            messages.success(request, _("Votre compte est activé. Bienvenue !"))
            return redirect("home")
    context = {
        "form": form,
        "person": user,
        **checklist_context(tenant=tenant, user=user, password=form.data.get("password1", "")),
    }
    status = 400 if form.is_bound else 200
    response = render(request, "recovery/activation/password.html", context, status=status)
    return no_referrer(response)


def _redeem(request: HttpRequest, proof, password: str, form: NewPasswordForm) -> User | None:
    ip = client_ip(request)
    try:
        if isinstance(proof, ActivationCode):
            return services.activation_code_redeem(code=proof, password=password, ip=ip)
        return student.activation_link_redeem(token=proof, password=password, ip=ip)
    except ValidationError as error:  # the policy, checked again under the row lock
        form.add_error("password1", error)
        return None
    except DirectoryError as error:  # nothing changed: the code or link still works
        form.add_error(None, error.message)
        return None


@login_required
@feature_required("two_step_reset")
def welcome(request: TenantHostRequest) -> HttpResponse:
    """Where the tenant uses two-step recovery: register a phone or a second address now."""
    return render(request, "recovery/activation/welcome.html")


@feature_required(STUDENT_FEATURE)
@no_store
@sensitive_post_parameters("student_number", "username")
def student_start(request: TenantHostRequest) -> HttpResponse:
    """Student number + portal username → a link to the school mailbox, whatever the answer."""
    tenant = request.tenant
    form = StudentIdentityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            student.student_activation_request(
                tenant=tenant,
                student_number=form.cleaned_data["student_number"],
                username=form.cleaned_data["username"],
                ip=client_ip(request),
            )
            return redirect("activation:student_sent")
        return render(request, "recovery/activation/student_start.html", {"form": form}, status=400)
    return render(request, "recovery/activation/student_start.html", {"form": form})


@feature_required(STUDENT_FEATURE)
def student_sent(request: TenantHostRequest) -> HttpResponse:
    return render(request, "recovery/activation/student_sent.html")
