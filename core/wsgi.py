"""WSGI entry point: `gunicorn core.wsgi`.

Django's own handler, with a short way in for the API's bearer-token requests
(dataexchange/api/wsgi.py); everything else is served exactly as `get_wsgi_application()` would.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup(set_prefix=False)  # as get_wsgi_application(): the handler sets it per request

from dataexchange.api.wsgi import ApiWSGIHandler  # noqa: E402  (needs the apps set up)

application = ApiWSGIHandler()
