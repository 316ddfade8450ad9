"""The HTTP API: Django Ninja, OpenAPI 3 at /api/openapi.json, docs at /api/docs.

Every app contributes a router mounted under /api/v1/. Session auth (with CSRF) for the
web, bearer tokens (``Authorization: Bearer sl_...``) for integrations. Errors always have
the shape ``{"detail": ..., "errors": [{"field": ..., "message": ...}]}``.

The package: ``auth`` (bearer tokens, the session), ``errors`` (the one error shape and its
handlers), ``pagination`` (one way to page a list), ``idempotency`` (``Idempotency-Key``),
``scope`` (the community in the path), ``site`` (the ``NinjaAPI`` itself: every app's ``router``,
holding its domains' routers, mounted once from ``site.APPS``). This package's ``__init__``
imports nothing, so an app's ``api.py`` may import ``sunlit.api.errors`` before the site exists.
"""
