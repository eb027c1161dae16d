from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import NewPasswordForm
from accounts.http import AuthenticatedRequest, MemberRequest
from accounts.password_policy import checklist_context


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """ "Mon profil": who I am here, my schools and children."""
    user = request.user
    context = {
        "person": user,
        "schools": user.schools.all(),
        "children": user.children.prefetch_related("schools"),
        "guardians": user.guardians.all(),
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
        services.user_password_replace(user=user, password=form.cleaned_data["password1"])
        update_session_auth_hash(request, user)
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
