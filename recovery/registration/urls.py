from django.urls import path

from recovery.registration import views

app_name = "registration"

urlpatterns = [
    path("", views.prompt, name="prompt"),
    path("<str:kind>/ajouter/", views.add, name="add"),
    path("<str:kind>/<int:device_id>/verifier/", views.verify, name="verify"),
]
