"""Cartable settings: everything comes from the environment (names in DESIGN.md §7).

Unset, the variables give the embedded default: debug on, SQLite, a filesystem Celery broker,
a database cache, mails written to var/mail and shown in the dev inbox, demo tenants.
"""

import hashlib
import hmac
import ipaddress
import shutil
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CARTABLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)
DEMO_MODE = env_bool("CARTABLE_DEMO", DEBUG)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "insecure-development-key-only-for-the-embedded-default"  # noqa: S105

_DEV_HOSTS = ".localhost,localhost,127.0.0.1,[::1],testserver"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", _DEV_HOSTS if DEBUG else "")
# Hosts that belong to no tenant: the platform's own admin and, in demo mode, the tenant list.
PLATFORM_HOSTS = env_list("CARTABLE_PLATFORM_HOSTS", "localhost,127.0.0.1,[::1]")
# Scheme used when a link is built from a tenant's configured host (mails, QR codes).
PUBLIC_SCHEME = env_str("CARTABLE_PUBLIC_SCHEME", "http" if DEBUG else "https")
# Port appended to tenant hosts in links (the dev server listens on 8000).
PUBLIC_PORT = env_str("CARTABLE_PUBLIC_PORT", "8000" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "allauth",
    "allauth.account",
    "captcha",
    "phonenumber_field",
    "tenants",
    "accounts",
    "outbox",
    "recovery",
    "payments",
    "helpdesk",
]
# The demo (tenants, seeding, dev inbox, `rundev`) sits on top of every app and exists only in
# demo mode: production never loads it.
if DEMO_MODE:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    # REMOTE_ADDR is the visitor's, behind trusted proxies too (CARTABLE_TRUSTED_PROXIES).
    "portal.http.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.TenantMiddleware",
    # After the tenant (its 400 page carries the tenant's branding), before any view.
    "portal.middleware.RejectNulMiddleware",
    "portal.middleware.StatementTimeoutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tenants.middleware.TenantLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.TenantUserGuardMiddleware",
    "portal.middleware.SignedInNoStoreMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "accounts.passkeys.PasskeyRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After the forced new password: the page asking for recovery methods after login.
    "recovery.registration.middleware.MethodsRegistrationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Widgets render through the project's templates too (templates/captcha/ overrides the captcha's).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenant",
            ],
            "builtins": ["portal.wording"],
        },
    },
    # Mail subjects, plain-text bodies and SMS (outbox.services) are not HTML: the same templates,
    # rendered without autoescaping, so "L'Atomium & goûter" stays as typed. The HTML part goes
    # through the engine above and is escaped once.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "text",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]
if DEMO_MODE:
    TEMPLATES[0]["OPTIONS"]["context_processors"].append("demo.context_processors.dev_inbox")

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'cartable.sqlite3'}",
        # Persistent connections in production (a new connection per request cost ×4.9 on the
        # floor page); health-checked before reuse, so a restarted database costs one error-free
        # reconnect. 0 closes the connection after every request.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
# PostgreSQL: a web request's statement is cancelled after this many milliseconds (a 503 page
# says so); 0 for none. Celery workers and commands have no limit.
DATABASE_WEB_STATEMENT_TIMEOUT_MS = env_int("DATABASE_WEB_STATEMENT_TIMEOUT_MS", 15000)
# PostgreSQL's planner cost of a random page read: its default (4) is a spinning disk's, and
# makes it sort a million invitations rather than walk an index for a list's 100 rows. 1.1 is the
# usual figure for SSDs; empty keeps the server's own setting.
DATABASE_RANDOM_PAGE_COST = env_str("DATABASE_RANDOM_PAGE_COST", "1.1")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_RANDOM_PAGE_COST:
    DATABASES["default"]["OPTIONS"] = {
        "options": f"-c random_page_cost={float(DATABASE_RANDOM_PAGE_COST)}"
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes; IMMEDIATE takes the
    # write lock at BEGIN so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Two roles on PostgreSQL (README, "Database roles"): DATABASE_URL is the runtime role of the web
# server, the worker and beat, which may SELECT and INSERT the ledger but not UPDATE, DELETE or
# TRUNCATE it; DATABASE_OWNER_URL (the tables' owner) runs `manage.py migrate --database owner`.
# The migrations grant the runtime role its rights: DATABASE_RUNTIME_ROLE names it, by default
# DATABASE_URL's user when an owner URL with another user is set. Unset: one role, no grants.
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL")
if DATABASE_OWNER_URL:
    DATABASES["owner"] = {
        **DATABASES["default"],
        **dj_database_url.parse(DATABASE_OWNER_URL, conn_max_age=0),
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_RUNTIME_ROLE = env_str(
    "DATABASE_RUNTIME_ROLE",
    DATABASES["default"].get("USER", "")
    if DATABASE_OWNER_URL and DATABASES["owner"].get("USER") != DATABASES["default"].get("USER")
    else "",
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Ledger seals -----------------------------------------------------------------------------
# Each ledger line carries an HMAC chained to its wallet's previous line (payments.ledger_seal),
# keyed by this secret, which lives in the environment and never in the database: whoever can
# write rows without it cannot forge a line that `payments_reconcile` accepts. Changing it makes
# every existing line look forged. Required when DJANGO_DEBUG=0; in debug, derived from
# SECRET_KEY.
_ledger_key = env_str("CARTABLE_LEDGER_KEY")
if not _ledger_key:
    if not DEBUG:
        raise ImproperlyConfigured("CARTABLE_LEDGER_KEY must be set when DJANGO_DEBUG=0")
    _ledger_key = hmac.new(
        SECRET_KEY.encode(), b"cartable.ledger.debug-key", hashlib.sha256
    ).hexdigest()
CARTABLE_LEDGER_KEY = _ledger_key

# --- Redis: broker and cache ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Redis is a cache and a broker, never a single point of failure (README, "Outages"): a call to
# it gives up after this many milliseconds (it answers in well under one on a LAN), then the
# process leaves it alone for REDIS_RETRY_AFTER_SECONDS (portal.breaker) before one call probes.
REDIS_TIMEOUT_MS = env_int("REDIS_TIMEOUT_MS", 500)
REDIS_RETRY_AFTER_SECONDS = env_int("REDIS_RETRY_AFTER_SECONDS", 5)
_REDIS_TIMEOUT = REDIS_TIMEOUT_MS / 1000
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        # While Redis is down, every cache call goes to the database cache (portal.cache).
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cartable",
            "OPTIONS": {
                "FALLBACK": "fallback",
                "RETRY_AFTER": REDIS_RETRY_AFTER_SECONDS,
                "socket_timeout": _REDIS_TIMEOUT,
                "socket_connect_timeout": _REDIS_TIMEOUT,
            },
        },
        "fallback": {
            "BACKEND": "portal.cache.DatabaseCache",
            "LOCATION": "cartable_cache",
            "KEY_PREFIX": "cartable",
        },
    }
else:
    # Shared by the web server and the worker, unlike locmem; its counters keep their expiry
    # (portal/cache.py), so a limit holds its whole window.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.DatabaseCache",
            "LOCATION": "cartable_cache",
        }
    }

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest delayed mail, so Redis does not redeliver a waiting ETA task.
        "visibility_timeout": 3600,
        # A hung Redis must not hold a page: publishing gives up, the row waits for its sweep.
        "socket_timeout": _REDIS_TIMEOUT,
        "socket_connect_timeout": _REDIS_TIMEOUT,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = _REDIS_TIMEOUT
    # One quick retry for a dropped connection; an outage is the sweeps' business.
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "Europe/Brussels"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "outbox.tasks.sweep_outbox", "schedule": 60.0},
    "recovery-sweep": {"task": "recovery.tasks.sweep_recovery_requests", "schedule": 60.0},
    "payments-due": {"task": "payments.tasks.run_due_invitations", "schedule": 3600.0},
    "directory-sync": {"task": "accounts.tasks.sync_directories", "schedule": 3600.0},
    "letter-batches-purge": {"task": "recovery.tasks.purge_letter_batches", "schedule": 86400.0},
    "payments-exports-purge": {"task": "payments.tasks.purge_exports", "schedule": 86400.0},
    "payments-reconcile-nightly": {
        "task": "payments.tasks.reconcile_every_tenant",
        "schedule": crontab(hour=2, minute=30),
    },
}
# A worker child whose resident memory passed this many KiB after a task is replaced by a fresh
# one (a big PDF or export leaves a grown heap behind); 0: never.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 0) or None

# --- Mail and SMS ------------------------------------------------------------------------------
_email = dj_email_url.parse(env_str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] and "/" + _email["EMAIL_FILE_PATH"].lstrip("/")
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cartable <no-reply@cartable.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SMS_BACKEND = env_str("SMS_BACKEND", "outbox")  # outbox | console | http
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)

# A failed send is retried after 30 s, 1 min, 2 min… at most every 15 min, for as long as the
# message is useful (its `useful_until`: a link's or a code's validity; this many hours for the
# others), then failed and listed in the help desk's "À traiter".
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 900)
OUTBOX_USEFUL_HOURS = env_int("OUTBOX_USEFUL_HOURS", 24)
# A send interrupted this many times (its worker died while sending: a message that crashes
# the worker?) is given up even if still useful.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
# A message claimed by a worker that never reported back is handed out again after this.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
# Bodies may hold reset links and codes: they are erased once sent, except for the dev inbox.
OUTBOX_KEEP_BODIES = env_bool("OUTBOX_KEEP_BODIES", DEMO_MODE)

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["recovery.backends.RecoveryAuthenticationBackend"]
PASSWORD_HASHERS = [
    "accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.TenantPasswordPolicyValidator"},
    {"NAME": "accounts.validators.NotTheNumenValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "identifier"
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS = {"login": "accounts.forms.IdentifierLoginForm"}
# The test settings switch them off with False.
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {
    # allauth's default "login": "30/m/ip" counts successful logins too: one school NAT or a
    # carrier's shared address would be capped at 30 logins a minute on the first school day.
    "login": "600/m/ip",
    "login_failed": "30/m/ip,5/5m/key",
    "change_password": "5/m/user",
}

OTP_TOTP_ISSUER = "Cartable"

# Passkeys (django-otp-webauthn): one relying party per host, so a passkey made at one tenant's
# host is never offered at another's; the expected origin is the request's own.
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.passkeys.rp_id"
OTP_WEBAUTHN_RP_NAME_CALLABLE = "accounts.passkeys.rp_name"
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.TenantWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True
OTP_WEBAUTHN_TIMEOUT_SECONDS = 120

# Self-hosted image captcha (django-simple-captcha), audio through Debian's flite when present.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_FONT_SIZE = 30
CAPTCHA_LETTER_ROTATION = (-25, 25)
CAPTCHA_CHALLENGE_FUNCT = "recovery.captcha.readable_challenge"
CAPTCHA_FLITE_PATH = shutil.which("flite")
CAPTCHA_SOX_PATH = shutil.which("sox")
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
# Sessions live in the database and are read through the cache (Redis in production): a signed-in
# page no longer pays a query for its session; a cache outage falls back to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Languages ----------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
# One date convention per language, day first and 24-hour time in both (portal/formats/).
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security ------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses or networks of the reverse proxies whose X-Forwarded-For is believed
# (portal.http.client_ip); empty: the peer's address is the client's. With DJANGO_BEHIND_PROXY
# and none given, `check --deploy` warns (cartable.W002): every visitor would share one address.
CARTABLE_TRUSTED_PROXIES = env_list("CARTABLE_TRUSTED_PROXIES", "")
for _network in CARTABLE_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CARTABLE_TRUSTED_PROXIES: {_network!r} is no address") from exc
# allauth reads REMOTE_ADDR (rewritten by portal.http.ClientAddressMiddleware), never its own
# reading of X-Forwarded-For; its adapter asks portal.http.client_ip too.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

SILENCED_SYSTEM_CHECKS = [
    # The identifier is unique per tenant (a constraint on tenant + lower(identifier)), and the
    # authentication backend looks it up within the request's tenant.
    "auth.W004",
    # Passkeys expect the request's own origin (accounts.passkeys.TenantWebAuthnHelper): each
    # tenant's host is its own, so no fixed list of origins exists.
    "otp_webauthn.E030",
]

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.logging.RedactSecretsFilter"}},
    "formatters": {"json": {"()": "portal.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
