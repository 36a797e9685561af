"""Django settings for Dapjang. Every knob comes from a documented DAPJANG_* environment variable."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext

from dapjang.env import env_bool, env_int, env_list, env_secret, env_str

# Lets admin classes be written ModelAdmin[Ticket], as the type checker wants, at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent

HOME = Path(env_str("DAPJANG_HOME") or Path.home() / ".local" / "share" / "dapjang").expanduser()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """From the environment; otherwise generated once and kept in the data folder (embedded default)."""
    key = env_secret("DAPJANG_SECRET_KEY")
    if key:
        return key
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DAPJANG_DEBUG", False)
ALLOWED_HOSTS = env_list("DAPJANG_ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dapjang.customers",
    "dapjang.tickets",
    "dapjang.agents",
    "dapjang.routing",
    "dapjang.knowledge",
    "dapjang.sla",
    "dapjang.portal",
    "dapjang.console",
    "dapjang.api",
    "django_htmx",
    "dapjang.mail",
    "dapjang.server",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dapjang.urls"
WSGI_APPLICATION = "dapjang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{HOME / 'dapjang.sqlite3'}",
        # Workers run thousands of short jobs: a new PostgreSQL connection for each cost more than
        # the job. Kept for a minute, checked before reuse, so a restarted server is noticed.
        conn_max_age=env_int("DAPJANG_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    # synchronous=FULL: a commit is on disk before we say 250 or flag the IMAP message, even if the
    # power goes (NORMAL would only survive a crashed process).
    _busy = env_int("DAPJANG_SQLITE_BUSY_SECONDS", 20)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout={_busy * 1000};",
        "transaction_mode": "IMMEDIATE",
        "timeout": _busy,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = env_str("DAPJANG_LANGUAGE", "ko")
LANGUAGES = [("ko", "한국어"), ("en", "English")]
TIME_ZONE = env_str("DAPJANG_TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
LOGIN_URL = "console:login"
# How often an open inbox asks for new tickets, in seconds.
DAPJANG_INBOX_POLL_SECONDS = env_int("DAPJANG_INBOX_POLL_SECONDS", 10)

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # the embedded default serves static files without a collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

# --- mail -------------------------------------------------------------------------------------------
# Company name used in the From of every automatic mail and in the default templates.
DAPJANG_COMPANY_NAME = env_str("DAPJANG_COMPANY_NAME", "답장 고객센터")
# The address customers reach the web at, for links in mail (a customer's own tickets); without it,
# the address the web listens on.
DAPJANG_PUBLIC_URL = (
    env_str("DAPJANG_PUBLIC_URL") or f"http://{env_str('DAPJANG_WEB_LISTEN', '127.0.0.1:8000')}"
).rstrip("/")
# Addresses that feed the default queue, besides the queues' own addresses.
DAPJANG_SUPPORT_ADDRESSES = [a.lower() for a in env_list("DAPJANG_SUPPORT_ADDRESSES")]
# Outbound relay, e.g. smtp://user:pass@relay.example:587?starttls=1 ; unset = local sink.
DAPJANG_OUTBOUND_SMTP = env_secret("DAPJANG_OUTBOUND_SMTP")
# Domain of our own Message-IDs; the HMAC tag in them recognises our mail coming back.
DAPJANG_MAIL_DOMAIN = env_str("DAPJANG_MAIL_DOMAIN", "dapjang.local")
# Envelope sender for automatic mail; empty means the null sender <> (RFC 3834).
DAPJANG_BOUNCE_ADDRESS = env_str("DAPJANG_BOUNCE_ADDRESS", "")
DAPJANG_MAX_MESSAGE_BYTES = env_int("DAPJANG_MAX_MESSAGE_BYTES", 25 * 1024 * 1024)
# Loop caps: automatic mails per recipient in a window, and a flood hold per sender (live channels).
DAPJANG_ACK_CAP = env_int("DAPJANG_ACK_CAP", 3)
DAPJANG_ACK_CAP_WINDOW_MINUTES = env_int("DAPJANG_ACK_CAP_WINDOW_MINUTES", 10)
DAPJANG_AUTO_DAILY_CAP = env_int("DAPJANG_AUTO_DAILY_CAP", 20)
DAPJANG_FLOOD_LIMIT = env_int("DAPJANG_FLOOD_LIMIT", 15)
DAPJANG_FLOOD_WINDOW_MINUTES = env_int("DAPJANG_FLOOD_WINDOW_MINUTES", 10)
DAPJANG_MAX_ATTEMPTS = env_int("DAPJANG_MAX_ATTEMPTS", 5)
DAPJANG_UNDELIVERABLE_DAYS = env_int("DAPJANG_UNDELIVERABLE_DAYS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"dapjang": {"handlers": ["console"], "level": env_str("DAPJANG_LOG_LEVEL", "WARNING")}},
}

# --- jobs (Celery) ------------------------------------------------------------------------------------
# Unset: the embedded default, a broker in files under DAPJANG_HOME (no server to install). A site
# that runs its pieces apart sets redis://… or amqp://…. Tasks only nudge: the database holds the
# work, and the sweeper re-drives anything a lost task left behind.
DAPJANG_BROKER_URL = env_secret("DAPJANG_BROKER_URL")
DAPJANG_SWEEP_SECONDS = env_int("DAPJANG_SWEEP_SECONDS", 30)
DAPJANG_STUCK_SECONDS = env_int("DAPJANG_STUCK_SECONDS", 120)  # a `received` row older than this is re-driven
DAPJANG_SENDING_LEASE_SECONDS = env_int(
    "DAPJANG_SENDING_LEASE_SECONDS", 300
)  # a `sending` row older is retried
DAPJANG_OUTBOX_SECONDS = env_int("DAPJANG_OUTBOX_SECONDS", 15)
DAPJANG_IMAP_POLL_SECONDS = env_int("DAPJANG_IMAP_POLL_SECONDS", 60)
# The customer portal (portal/): how long a ticket link in an ack works, and the contact form's
# limits per address and per visitor in a sliding window.
DAPJANG_PORTAL_LINK_DAYS = env_int("DAPJANG_PORTAL_LINK_DAYS", 90)
DAPJANG_PORTAL_LIMIT_PER_EMAIL = env_int("DAPJANG_PORTAL_LIMIT_PER_EMAIL", 5)
DAPJANG_PORTAL_LIMIT_PER_CLIENT = env_int("DAPJANG_PORTAL_LIMIT_PER_CLIENT", 10)
DAPJANG_PORTAL_LIMIT_MINUTES = env_int("DAPJANG_PORTAL_LIMIT_MINUTES", 60)
DAPJANG_SLA_SWEEP_SECONDS = env_int("DAPJANG_SLA_SWEEP_SECONDS", 60)  # holding replies, escalations
DAPJANG_ASSIGN_SWEEP_SECONDS = env_int("DAPJANG_ASSIGN_SWEEP_SECONDS", 60)  # absences, stalled tickets
# Classify every new mail, not only mail to the default queue's addresses (routing/apply.py).
DAPJANG_ROUTING_CLASSIFY_ALL = env_bool("DAPJANG_ROUTING_CLASSIFY_ALL", False)
DAPJANG_RETRAIN_SECONDS = env_int("DAPJANG_RETRAIN_SECONDS", 86400)  # how often routing relearns
DAPJANG_TASKS_EAGER = env_bool("DAPJANG_TASKS_EAGER", False)  # run jobs inline (tests, one-off scripts)

# Outbound DKIM; `dapjang dkim keygen` makes a key and prints the DNS record to publish. A path, read
# with env_str on purpose: env_secret's NAME_FILE convention would load the key itself into settings.
DAPJANG_DKIM_KEY_FILE = env_str("DAPJANG_DKIM_KEY_FILE", "")  # unset: mail goes out unsigned
DAPJANG_DKIM_SELECTOR = env_str("DAPJANG_DKIM_SELECTOR", "dapjang")
DAPJANG_DKIM_DOMAIN = env_str("DAPJANG_DKIM_DOMAIN", "") or DAPJANG_MAIL_DOMAIN
# STARTTLS on the SMTP listener (PEM paths; both or neither) and the cap on open SMTP sessions.
DAPJANG_SMTP_TLS_CERT = env_str("DAPJANG_SMTP_TLS_CERT", "")
DAPJANG_SMTP_TLS_KEY = env_str("DAPJANG_SMTP_TLS_KEY", "")
DAPJANG_SMTP_MAX_SESSIONS = env_int("DAPJANG_SMTP_MAX_SESSIONS", 50)
