from django.urls import path

from recovery.activation import views

app_name = "activation"

urlpatterns = [
    path("", views.start, name="start"),
    path("mot-de-passe/", views.password, name="password"),
    path("bienvenue/", views.welcome, name="welcome"),
    path("eleve/", views.student_start, name="student_start"),
    path("eleve/envoye/", views.student_sent, name="student_sent"),
    path("lien/<str:secret>/", views.link_open, name="link"),
]
