from django.urls import path

from recovery.two_step import views

app_name = "two_step"

urlpatterns = [
    path("", views.start, name="start"),
    path("verification/", views.method, name="method"),
    path("verification/code/", views.code, name="code"),
    path("nouveau-mot-de-passe/", views.password, name="password"),
    path("termine/", views.done, name="done"),
    path("contact/", views.contact_admin, name="contact"),
    path("annuler/", views.cancel, name="cancel"),
    path("code-secretariat/", views.desk_code, name="desk_code"),
    path("code-secretariat/mot-de-passe/", views.desk_code_password, name="desk_code_password"),
]
