"""gunicorn entry point of bench/floors.py's references: bare Django (bench/bare_settings.py)
unless DJANGO_SETTINGS_MODULE names another (bench/stock_settings.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare_settings")
application = get_wsgi_application()
