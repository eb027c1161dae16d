"""Stock Django's URLs (bench/stock_settings.py): the admin, as `startproject` writes them."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
