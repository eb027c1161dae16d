from django.urls import path

from recovery.numen import views

app_name = "numen"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("mot-de-passe/", views.reset_step1, name="reset_step1"),
    path("mot-de-passe/etape-2/", views.reset_step2, name="reset_step2"),
]
