"""gunicorn entry point of bare Django (bench/bare_settings.py) for bench/floors.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
application = get_wsgi_application()
