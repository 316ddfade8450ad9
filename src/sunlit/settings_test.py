"""Test settings: the real settings with fast hashing, immediate Huey and a throw-away data dir."""

import os
import tempfile

os.environ.setdefault("SUNLIT_DATA_DIR", tempfile.mkdtemp(prefix="sunlit-test-"))
# Online payments: the local simulator stands in for WeChat Pay and Alipay (finance.online.gateways.sandbox).
os.environ.setdefault("SUNLIT_PAYMENTS_SANDBOX", "local")

from sunlit.settings import *  # noqa: F403
from sunlit.settings import HUEY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tickets: no per-account hourly limit in tests, except where a test turns it on.
SUNLIT_TICKET_HOURLY_LIMIT = 0
