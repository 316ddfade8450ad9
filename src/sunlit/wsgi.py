"""WSGI entry point (waitress serves it in `sunlit serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
application = get_wsgi_application()
