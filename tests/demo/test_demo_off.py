"""With CARTABLE_DEMO off (production), the demo app is neither installed nor loaded: no dev
inbox, no demo commands, no demo module imported by any other app's code.

The test settings turn the demo on, and INSTALLED_APPS is fixed when settings load: the check
runs in a fresh interpreter with production-like settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys

import django

django.setup()

from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.urls import Resolver404, get_resolver, resolve

resolver = get_resolver()
resolver.url_patterns  # the root URLconf and, through the admin site, every app's admin

assert not settings.DEMO_MODE
assert not apps.is_installed("demo"), "demo is installed"
for path in ("/dev-inbox/", "/dev-inbox/1/"):
    try:
        match = resolve(path)
    except Resolver404:
        continue
    raise AssertionError(f"{path} resolves to {match.view_name}")
assert "dev_inbox" not in resolver.reverse_dict, "the dev_inbox URL name exists"
commands = get_commands()
assert not {"seed_demo", "demo_totp", "rundev"} & set(commands), "demo commands exist"
processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
assert not [p for p in processors if p.startswith("demo.")], processors

# A real request at the platform host (plain static storage: no collectstatic here).
from django.core.management import call_command
from django.test import Client, override_settings

with override_settings(
    STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
):
    call_command("migrate", "tenants", verbosity=0)
    response = Client().get("/dev-inbox/", HTTP_HOST="cartable.example", secure=True)
    assert response.status_code == 404, response.status_code

loaded = sorted(name for name in sys.modules if name == "demo" or name.startswith("demo."))
assert not loaded, f"demo modules were imported: {loaded}"
print("demo off: ok")
"""


def test_with_demo_off_the_demo_app_is_not_installed_and_the_dev_inbox_is_404(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "CARTABLE_DEMO": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "demo-off-test",
        "CARTABLE_LEDGER_KEY": "demo-off-test",
        "DJANGO_ALLOWED_HOSTS": "cartable.example",
        "CARTABLE_PLATFORM_HOSTS": "cartable.example",
        "CARTABLE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo-off.sqlite3'}",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "demo off: ok" in result.stdout


def test_the_test_settings_install_the_demo():
    from django.apps import apps

    assert apps.is_installed("demo")
