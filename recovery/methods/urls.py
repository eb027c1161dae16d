from django.urls import path

from recovery.methods import views

app_name = "methods"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("<str:kind>/ajouter/", views.add, name="add"),
    path("<str:kind>/<int:device_id>/verifier/", views.verify, name="verify"),
    path("<str:kind>/<int:device_id>/retirer/", views.remove, name="remove"),
]
