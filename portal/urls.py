from django.apps import apps
from django.urls import include, path

from accounts import passkey_urls
from accounts import urls as account_urls
from accounts.views import language_set
from portal import views
from portal.admin_site import admin_site
from tenants import views as tenant_views

urlpatterns = [
    path("", tenant_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("logo", tenant_views.tenant_logo, name="tenant_logo"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("accounts/", include(account_urls)),
    path("profil/", include("accounts.profile_urls")),
    path("cles-d-acces/", include("accounts.passkey_urls")),
    path("cles-d-acces/webauthn/", passkey_urls.ceremony_urls),
    path("activation/", include("recovery.activation.urls")),
    path("profil/methodes/", include("recovery.methods.urls")),
    path("profil/securite/", include("recovery.registration.urls")),
    path("mot-de-passe-oublie/", include("recovery.identifier.urls")),
    path("identifiant/", include("recovery.numen.urls")),
    path("eleve/", include("recovery.student.urls")),
    path("compte-inaccessible/", include("recovery.two_step.urls")),
    path("captcha/", include("captcha.urls")),
    path("paiements/", include("payments.urls")),
    path("_floor/", views.floor, name="floor"),
    path("admin/", admin_site.urls),
]

# The demo (dev inbox) exists only where its app is installed: CARTABLE_DEMO=1.
if apps.is_installed("demo"):
    urlpatterns.append(path("", include("demo.urls")))

# Uploaded and generated files (letters with activation codes, invitation documents, logos) are
# never served as plain media: each has a view that checks who asks.
