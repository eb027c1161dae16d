"""Stock Django's URLs (bench/stock_settings.py): the admin, as `startproject` writes them, and
one page of the project's own (a small template with a form), the "bare Django page"."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


def page(request: HttpRequest) -> HttpResponse:
    return render(request, "stock_page.html")


urlpatterns = [path("admin/", admin.site.urls), path("page/", page)]
