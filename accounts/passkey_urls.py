"""Passkeys: the WebAuthn ceremonies (namespace `otp_webauthn`, the names django-otp-webauthn's
template tags expect) and Mon profil's rename and remove (namespace `passkeys`)."""

from django.urls import include, path

from accounts import passkey_views

app_name = "passkeys"

ceremony_patterns = [
    path(
        "inscription/debut/",
        passkey_views.BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "inscription/fin/",
        passkey_views.CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "connexion/debut/",
        passkey_views.BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "connexion/fin/",
        passkey_views.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
]

urlpatterns = [
    path("<int:passkey_id>/nom/", passkey_views.passkey_rename, name="rename"),
    path("<int:passkey_id>/supprimer/", passkey_views.passkey_remove, name="remove"),
]

# portal.urls includes both under /cles-d-acces/.
ceremony_urls = include((ceremony_patterns, "otp_webauthn"))
