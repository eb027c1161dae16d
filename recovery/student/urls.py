from django.urls import path

from recovery.student import views

app_name = "student"

urlpatterns = [
    path("", views.start, name="start"),
    path("envoye/", views.sent, name="sent"),
    path("lien/<str:secret>/", views.link_open, name="link"),
    path("reinitialiser/", views.reset, name="reset"),
    path("demande-envoyee/", views.requested, name="requested"),
]
