from django.urls import path

from recovery import student_views

app_name = "student"

urlpatterns = [
    path("", student_views.start, name="start"),
    path("envoye/", student_views.sent, name="sent"),
    path("lien/<str:secret>/", student_views.link_open, name="link"),
    path("reinitialiser/", student_views.reset, name="reset"),
    path("demande-envoyee/", student_views.requested, name="requested"),
]
