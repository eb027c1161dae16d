from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.i18n import set_language

from accounts import services
from accounts.directory.exceptions import DirectoryError
from accounts.forms import NewPasswordForm
from accounts.http import AuthenticatedRequest, MemberRequest
from accounts.passkeys import passkey_required, passkeys_of
from accounts.password_policy import checklist_context
from portal.http import no_store


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """ "Mon profil": who I am here, my schools and children."""
    user = request.user
    context = {
        "person": user,
        "schools": user.schools.all(),
        "children": user.children.prefetch_related("schools"),
        "guardians": user.guardians.all(),
        "passkeys": passkeys_of(user),
        "passkey_required": passkey_required(user),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@sensitive_post_parameters("password1", "password2")
def password_set_required(request: MemberRequest) -> HttpResponse:
    """The new password a temporary password or a NUMEN first login must be replaced with
    (both are given by a tenant's flows, to a tenant's member)."""
    user = request.user
    if not user.must_change_password:
        return redirect("profile")
    form = NewPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_replace(user=user, password=form.cleaned_data["password1"])
        except DirectoryError as error:  # nothing changed
            user.must_change_password = True
            form.add_error(None, error.message)
        else:
            update_session_auth_hash(request, user)
            tenant = getattr(request, "tenant", None)
            if tenant is not None and tenant.voice == "tu":
                messages.success(request, _("Ton nouveau mot de passe est enregistré."))
            else:
                messages.success(request, _("Votre nouveau mot de passe est enregistré."))
            return redirect("profile")
    context = {
        "form": form,
        **checklist_context(
            tenant=request.tenant, user=user, password=form.data.get("password1", "")
        ),
    }
    status = 400 if form.is_bound else 200
    return render(request, "accounts/password_set_required.html", context, status=status)


EMAIL_CHANGE_SESSION_KEY = "accounts.email_change"


def _no_referrer(response: HttpResponse) -> HttpResponse:
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@no_store
def email_change_open(request: HttpRequest, secret: str) -> HttpResponse:
    """The mailed link: its secret moves into the session and leaves the address bar."""
    request.session[EMAIL_CHANGE_SESSION_KEY] = secret
    return _no_referrer(redirect("email_change_confirm"))


@no_store
def email_change_confirm(request: HttpRequest) -> HttpResponse:
    """The owner of the old address agrees to the new one (or refuses it). Opening the link
    changes nothing: only the button does (mail scanners open links)."""
    secret = request.session.get(EMAIL_CHANGE_SESSION_KEY, "")
    change = services.email_change_check(secret=secret)
    if change is not None and request.method == "POST":
        request.session.pop(EMAIL_CHANGE_SESSION_KEY, None)
        if request.POST.get("decision") == "refuse":
            services.email_change_refuse(secret=secret)
            outcome = "refused"
        else:
            confirmed = services.email_change_confirm(secret=secret)
            outcome = "confirmed" if confirmed else "invalid"
        return _no_referrer(
            render(request, "accounts/email_change.html", {"outcome": outcome, "change": change})
        )
    context = {"change": change, "outcome": None if change else "invalid"}
    return _no_referrer(render(request, "accounts/email_change.html", context))


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's `set_language` (the language cookie), and for a signed-in person also her
    preferred language, so that mails and SMS follow her."""
    response = set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        services.user_preferred_language_set(
            user=request.user, language=request.POST.get("language", "")
        )
    return response


def language_remember_at_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """A person who picked a language before signing in (the cookie) and has none recorded
    yet keeps it for her mails and SMS. A recorded choice changes only through `language_set`."""
    if request is None or getattr(user, "preferred_language", None) != "":
        return
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    services.user_preferred_language_set(user=user, language=chosen)


class PasswordChangeView(allauth_views.PasswordChangeView):
    """allauth's password change in "Mon profil"; when the school's directory does not take the
    new password, the form says why and nothing changed."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DirectoryError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)


password_change = PasswordChangeView.as_view()
