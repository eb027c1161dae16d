from django.urls import path

from recovery import numen_views

app_name = "numen"

urlpatterns = [
    path("", numen_views.lookup, name="lookup"),
    path("mot-de-passe/", numen_views.reset_step1, name="reset_step1"),
    path("mot-de-passe/etape-2/", numen_views.reset_step2, name="reset_step2"),
]
