"""Sunlit settings: everything comes from the environment, with safe local defaults.

Environment variables (all optional for a local run):

- ``SUNLIT_DATA_DIR``      where SQLite, keys and uploads live (default ``./var``)
- ``SUNLIT_SECRET_KEY``    Django secret key (``*_FILE`` accepted); generated into the data dir if unset
- ``SUNLIT_FIELD_KEYS``    AES-GCM keys for personal data, ``kid:base64key,...`` (first one encrypts)
- ``SUNLIT_DEBUG``         ``1`` to turn debug on (off by default)
- ``SUNLIT_ALLOWED_HOSTS`` comma-separated host names (default ``127.0.0.1,localhost``)
- ``DATABASE_URL``         PostgreSQL (``postgres://...``); SQLite under the data dir when unset
- ``REDIS_URL``            Huey on Redis and the cache on Redis when set
- ``MQTT_URL``             the MQTT broker for sensor and gate integrations
- ``SUNLIT_EMAIL_BACKEND`` Django e-mail backend (console by default)
- ``SUNLIT_STORAGE_URL``   where uploads are kept: a directory or ``s3://bucket/prefix?...``
- ``SUNLIT_BASE_URL``      the site's address, for links in e-mails and messages; ``https://...``
  also turns on HSTS and ``Secure`` cookies (docs/security.md, "Deployment defaults")
- ``SUNLIT_BEHIND_TLS_PROXY`` ``1`` when a reverse proxy terminates TLS and sets
  ``X-Forwarded-Proto`` (trusted: the proxy must overwrite it); ``SUNLIT_PROXY_COUNT`` proxies
- ``SUNLIT_SMS_BACKEND``, ``SUNLIT_WECHAT_BACKEND``  ``off`` (default), ``log``, ``aliyun`` / ``wechat``
- ``SUNLIT_WECHATPAY_*``, ``SUNLIT_ALIPAY_*``, ``SUNLIT_PAYMENTS_SANDBOX``  online payments
  (docs/online-payments.md)
- ``SUNLIT_OUTBOUND_ALLOW_HOSTS``  hosts on loopback/private networks the server may still call
  (a witness on the operator's network); none by default (docs/security.md)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def _data_dir_secret(filename: str, make) -> str:
    """A secret kept in a file under the data directory, created on first use."""
    path = DATA_DIR / "keys" / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SUNLIT_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("SUNLIT_DEBUG", False)
SECRET_KEY = env_secret("SUNLIT_SECRET_KEY") or _data_dir_secret(
    "secret_key", lambda: secrets.token_urlsafe(50)
)
# Personal data keys: "kid:base64key" pairs; the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_secret("SUNLIT_FIELD_KEYS") or _data_dir_secret(
    "field_keys", lambda: "k1:" + __import__("base64").b64encode(secrets.token_bytes(32)).decode()
)
# Key of the blind index (HMAC) that lets us look people up by mobile / ID number.
BLIND_INDEX_KEY = env_secret("SUNLIT_BLIND_INDEX_KEY") or _data_dir_secret(
    "blind_index_key", lambda: secrets.token_hex(32)
)

ALLOWED_HOSTS = env_list("SUNLIT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("SUNLIT_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "template_partials",
    "ninja",
    "csp",
    "axes",
    "huey.contrib.djhuey",
    "sunlit.core",
    "sunlit.registry",
    "sunlit.transparency",
    "sunlit.tickets",
    "sunlit.governance",
    "sunlit.finance",
    "sunlit.notices",
    "sunlit.board",
    "sunlit.company",
    "sunlit.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sunlit.core.middleware.ApiErrorShapeMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sunlit.core.middleware.LanguageMiddleware",
    "sunlit.core.middleware.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sunlit.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sunlit.urls"
WSGI_APPLICATION = "sunlit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "sunlit.web.context.navigation",
                "sunlit.notices.context.unread_notices",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "sunlit.sqlite3"),
            "OPTIONS": {
                # WAL lets readers work while one writer writes; wait instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, background work -------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
MQTT_URL = env_str("MQTT_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "sunlit",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "sunlit",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- auth -------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sunlit.core.auth.MobileOrUsernameBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Reverse proxies in front of the site whose X-Forwarded-For is trusted (core.context.client_address:
# the one client address of the audit trail, login throttling and rate limits).
SUNLIT_PROXY_COUNT = env_int("SUNLIT_PROXY_COUNT", 0)

# Failed-login throttling (django-axes): 5 failures per account and address, 15 minutes off. Axes
# counts the resolved account (core.auth.throttle_key), so every spelling of one mobile number or
# username is one key; core.throttle adds a limit per address across all accounts.
SUNLIT_LOGIN_COOLOFF_MINUTES = env_int("SUNLIT_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = env_int("SUNLIT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = SUNLIT_LOGIN_COOLOFF_MINUTES / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "sunlit.core.auth.throttle_key"
AXES_CLIENT_IP_CALLABLE = "sunlit.core.context.client_address"
AXES_LOCKOUT_CALLABLE = "sunlit.web.views.auth.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SUNLIT_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("SUNLIT_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
# Activation (/activate/) and binding a home (/me/bind/): failures per code, per mobile number and
# per account, and per address, within SUNLIT_ACTIVATION_COOLOFF_MINUTES (core.throttle).
SUNLIT_ACTIVATION_FAILURE_LIMIT = env_int("SUNLIT_ACTIVATION_FAILURE_LIMIT", 5)
SUNLIT_ACTIVATION_ADDRESS_FAILURE_LIMIT = env_int("SUNLIT_ACTIVATION_ADDRESS_FAILURE_LIMIT", 20)
SUNLIT_ACTIVATION_COOLOFF_MINUTES = env_int("SUNLIT_ACTIVATION_COOLOFF_MINUTES", 60)
# Password reset by SMS code (core.services.request_mobile_reset): how long a code lives, how
# many tries it allows, and how many codes one mobile number may ask for per hour.
SUNLIT_RESET_CODE_MINUTES = env_int("SUNLIT_RESET_CODE_MINUTES", 10)
SUNLIT_RESET_CODE_ATTEMPTS = env_int("SUNLIT_RESET_CODE_ATTEMPTS", 5)
SUNLIT_RESET_CODES_PER_HOUR = env_int("SUNLIT_RESET_CODES_PER_HOUR", 5)
# API tokens expire after this many days unless a shorter or longer life (≤ 3650) is asked for.
SUNLIT_API_TOKEN_DAYS = env_int("SUNLIT_API_TOKEN_DAYS", 90)

# --- HTTPS and browser protections (docs/security.md, "Deployment defaults") ---------------------
# An https SUNLIT_BASE_URL means the site is served over TLS: cookies only over https, and HSTS.
SUNLIT_HTTPS = env_str("SUNLIT_BASE_URL").lower().startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SUNLIT_SECURE_COOKIES", SUNLIT_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SUNLIT_HSTS_SECONDS", 31536000 if SUNLIT_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SUNLIT_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = False
SECURE_SSL_REDIRECT = env_bool("SUNLIT_SSL_REDIRECT", False)
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (only when the proxy overwrites
# the header from clients), so that request.is_secure() is true and HSTS is sent.
if env_bool("SUNLIT_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp). Scripts only from this site or with the
# per-request nonce (inline <script nonce="{{ CSP_NONCE }}">); no inline event handlers, no eval.
# Inline style attributes stay allowed (the templates use a few; styles cannot run code).
# form-action is left open: paying online posts to this site, which redirects to WeChat Pay / Alipay.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env_bool("SUNLIT_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

EMAIL_BACKEND = env_str("SUNLIT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("SUNLIT_FROM_EMAIL", "noreply@sunlit.local")
# Notifications (sunlit.notices, docs/notifications.md): links in e-mails and messages start with
# SUNLIT_BASE_URL; SMS and WeChat go through a provider: off (default) | log | aliyun / wechat | dotted path.
SUNLIT_BASE_URL = env_str("SUNLIT_BASE_URL").rstrip("/")
SUNLIT_SMS_BACKEND = env_str("SUNLIT_SMS_BACKEND", "off")
SUNLIT_SMS_OPTIONS = {
    "access_key_id": env_str("SUNLIT_SMS_ACCESS_KEY_ID"),
    "access_key_secret": env_secret("SUNLIT_SMS_ACCESS_KEY_SECRET"),
    "sign_name": env_str("SUNLIT_SMS_SIGN_NAME"),
    "template_code": env_str("SUNLIT_SMS_TEMPLATE_CODE"),
    "code_template_code": env_str("SUNLIT_SMS_CODE_TEMPLATE_CODE"),  # 验证码 template: ${code}
    "region": env_str("SUNLIT_SMS_REGION", "cn-hangzhou"),
}
SUNLIT_WECHAT_BACKEND = env_str("SUNLIT_WECHAT_BACKEND", "off")
SUNLIT_WECHAT_OPTIONS = {
    "app_id": env_str("SUNLIT_WECHAT_APP_ID"),
    "app_secret": env_secret("SUNLIT_WECHAT_APP_SECRET"),
    "template_id": env_str("SUNLIT_WECHAT_TEMPLATE_ID"),
}

# --- online payments (finance.online, docs/online-payments.md) -----------------------------------
# WeChat Pay API v3 and Alipay merchants; a provider is off unless all its values are set. Key
# material is read from files. SUNLIT_PAYMENTS_CONFIG_FILE: JSON of per-community merchants by
# community code. SUNLIT_PAYMENTS_SANDBOX=local: the local simulator stands in for providers that
# are not configured — honoured only from the process environment (or with DEBUG on).
SUNLIT_PAYMENTS = {
    "sandbox": env_str("SUNLIT_PAYMENTS_SANDBOX"),
    "communities_file": env_str("SUNLIT_PAYMENTS_CONFIG_FILE"),
    "wechat": {
        "mchid": env_str("SUNLIT_WECHATPAY_MCHID"),
        "appid": env_str("SUNLIT_WECHATPAY_APPID"),
        "private_key_file": env_str("SUNLIT_WECHATPAY_PRIVATE_KEY_FILE"),
        "cert_serial_no": env_str("SUNLIT_WECHATPAY_CERT_SERIAL_NO"),
        "apiv3_key": env_secret("SUNLIT_WECHATPAY_APIV3_KEY"),
        "public_key_file": env_str("SUNLIT_WECHATPAY_PUBLIC_KEY_FILE"),
        "public_key_id": env_str("SUNLIT_WECHATPAY_PUBLIC_KEY_ID"),
        "h5": env_bool("SUNLIT_WECHATPAY_H5", False),
        "api_base": env_str("SUNLIT_WECHATPAY_API_BASE"),
    },
    "alipay": {
        "appid": env_str("SUNLIT_ALIPAY_APPID"),
        "private_key_file": env_str("SUNLIT_ALIPAY_PRIVATE_KEY_FILE"),
        "public_key_file": env_str("SUNLIT_ALIPAY_PUBLIC_KEY_FILE"),
        "sandbox": env_bool("SUNLIT_ALIPAY_SANDBOX", False),
    },
}

# --- language, time ---------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # hashed names + Brotli/gzip at collect time (``sunlit serve`` collects when needed)
    "staticfiles": {"BACKEND": "sunlit.web.storage.StaticStorage"},
}
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# Not collected yet (a management command, the test client): the plain names, from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Uploads: a roster file may be at most this many bytes (larger ones are refused, not read).
SUNLIT_MAX_UPLOAD_BYTES = env_int("SUNLIT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# Where uploaded files (ticket photos, receipts) are kept: a directory, or s3://bucket/prefix?...
# (see sunlit.core.storage). Files are served by views after an access check, never directly.
SUNLIT_STORAGE_URL = env_str("SUNLIT_STORAGE_URL", str(DATA_DIR / "uploads"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Tickets: an owner may reopen a resolved ticket within this many days of its resolution.
SUNLIT_TICKET_REOPEN_DAYS = env_int("SUNLIT_TICKET_REOPEN_DAYS", 7)
# Tickets: at most this many submissions per account in any hour (customer service registering
# calls on owners' behalf is not limited); 0 turns the limit off.
SUNLIT_TICKET_HOURLY_LIMIT = env_int("SUNLIT_TICKET_HOURLY_LIMIT", 20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# --- meetings and public comment (governance) ---
# Documents (PDF: minutes, plans, contracts) may be at most this many bytes.
SUNLIT_MAX_DOCUMENT_BYTES = env_int("SUNLIT_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
# A meeting (阳光议事会, 业委会会议) is announced at least this many days before it is held;
# an owners' assembly (业主大会) always at least 15 days (业主大会和业主委员会指导规则).
SUNLIT_MEETING_NOTICE_DAYS = env_int("SUNLIT_MEETING_NOTICE_DAYS", 7)
# A public comment period (公示/征求意见) lasts at least this many days.
SUNLIT_CONSULTATION_MIN_DAYS = env_int("SUNLIT_CONSULTATION_MIN_DAYS", 7)
# Owners' votes: paper and proxy ballots received before the close may still be entered this
# many hours after it (then the count is made); at most a week.
SUNLIT_BALLOT_ENTRY_HOURS = max(0, min(env_int("SUNLIT_BALLOT_ENTRY_HOURS", 48), 168))

# Outbound requests (a witness's push URL; webhooks): hosts the server may call although they
# are on loopback or a private network — exact host names or IP literals, comma-separated.
# Every other target must resolve only to global addresses (sunlit.core.outbound).
SUNLIT_OUTBOUND_ALLOW_HOSTS = env_list("SUNLIT_OUTBOUND_ALLOW_HOSTS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SUNLIT_LOG_LEVEL", "WARNING")},
    # The Huey consumer installs its own handler on "huey"; don't print its lines twice.
    "loggers": {"huey": {"propagate": False}},
}
