"""allauth's login, logout and password change; the rest of allauth is switched off here
(sign-up, e-mail management, its e-mail-only reset: the recovery app has its own flows)."""

from allauth.account import views as allauth_views
from django.http import Http404, HttpRequest
from django.urls import path

from accounts.views import password_change


def _not_offered(request: HttpRequest, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", allauth_views.logout, name="account_logout"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("password/change/", password_change, name="account_change_password"),
    path("signup/", _not_offered, name="account_signup"),
    path("password/reset/", _not_offered, name="account_reset_password"),
    path("password/set/", _not_offered, name="account_set_password"),
    path("email/", _not_offered, name="account_email"),
    path("reauthenticate/", _not_offered, name="account_reauthenticate"),
    path("login/code/", _not_offered, name="account_request_login_code"),
]
