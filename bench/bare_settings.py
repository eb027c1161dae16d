"""Bare Django for bench/floors.py: one view that returns a short HttpResponse, no app, no
middleware, no template, no query — the floor a Django page cannot go below on this machine.

The database is configured as the app's is in production (the same DATABASE_URL, persistent
connections with health checks), though the view never queries it.
"""

import os

import dj_database_url
from django.http import HttpRequest, HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare_settings"
USE_TZ = True
DATABASES = {
    "default": dj_database_url.config(env="DATABASE_URL", conn_max_age=600, conn_health_checks=True)
}


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"<!doctype html><title>ok</title><p>ok</p>")


urlpatterns = [path("", hello)]
