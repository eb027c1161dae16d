from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.profile, name="profile"),
    path("nouveau-mot-de-passe/", views.password_set_required, name="password_set_required"),
]
