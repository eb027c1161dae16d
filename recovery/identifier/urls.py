from django.urls import path

from recovery.identifier import views

app_name = "recovery"

urlpatterns = [
    path("", views.identifier_start, name="identifier_start"),
    path("envoye/", views.identifier_sent, name="identifier_sent"),
    path("lien/<str:secret>/", views.link_open, name="link"),
    path("nouveau/", views.identifier_reset, name="identifier_reset"),
    path("termine/", views.done, name="done"),
]
