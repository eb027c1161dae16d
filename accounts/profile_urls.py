from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.profile, name="profile"),
    path("nouveau-mot-de-passe/", views.password_set_required, name="password_set_required"),
    # A staff member's new e-mail, confirmed from the old address (no login needed: the mailbox
    # is the proof).
    path("adresse/confirmer/", views.email_change_confirm, name="email_change_confirm"),
    path("adresse/<str:secret>/", views.email_change_open, name="email_change_open"),
]
