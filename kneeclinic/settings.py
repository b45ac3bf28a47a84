"""The only settings module. Every value comes from an environment variable with a default.

The helpers below fail loudly: a malformed value stops the app at start-up with the name of the
variable, rather than running with a guess. ``.env.example`` lists every variable.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = BASE_DIR.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def default_data_dir() -> Path:
    """``./data`` in a checkout (beside pyproject.toml), else the platform's user data folder."""
    if (CHECKOUT_DIR / "pyproject.toml").exists():
        return CHECKOUT_DIR / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("kneeclinic", appauthor=False))


def prepare_data_dir(path: Path) -> Path:
    """Create the data folder if missing; refuse to start if it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"KNEECLINIC_DATA_DIR {str(path)!r} cannot be written: {exc.strerror or exc}"
        ) from None
    return path


def load_secret_key(data_dir: Path) -> str:
    """The secret key from the environment, else one generated once and kept in the data dir."""
    from_env = os.environ.get("KNEECLINIC_SECRET_KEY", "")
    if from_env:
        if len(from_env) < 50:
            raise ImproperlyConfigured("KNEECLINIC_SECRET_KEY must be at least 50 characters long")
        return from_env
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


def database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgresql:// (got {parsed.scheme or 'nothing'!r})"
        )
    if not parsed.path.strip("/"):
        raise ImproperlyConfigured(
            "DATABASE_URL must name a database, e.g. postgresql://host/kneeclinic"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("KNEECLINIC_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # The pages' queries take milliseconds; PostgreSQL's JIT spent 13-150 ms compiling
        # them at clinic scale (docs/deployment.md, "Scale test"), so it is off for our sessions.
        "OPTIONS": {"options": "-c jit=off"},
    }


def sqlite_database(path: Path) -> dict[str, object]:
    synchronous = env_str("KNEECLINIC_SQLITE_SYNCHRONOUS", "FULL").upper()
    if synchronous not in {"FULL", "NORMAL"}:
        raise ImproperlyConfigured("KNEECLINIC_SQLITE_SYNCHRONOUS must be FULL or NORMAL")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # A connection kept for the next request: opening one (with the PRAGMAs and Django's
        # SQL functions) cost about 2 ms of CPU, a tenth of a typical page.
        "CONN_MAX_AGE": env_int("KNEECLINIC_DB_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # IMMEDIATE: a read-then-write transaction waits for the lock instead of failing
            # at once with "database is locked" (docs/architecture.md, "SQLite").
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
            "init_command": (
                "PRAGMA journal_mode=WAL; "
                f"PRAGMA synchronous={synchronous}; "
                "PRAGMA foreign_keys=ON; "
                # Deleted health data must not linger in free pages of the file.
                "PRAGMA secure_delete=ON"
            ),
        },
    }


TESTING = "pytest" in sys.modules or env_bool("KNEECLINIC_TESTING", False)
DEBUG = env_bool("KNEECLINIC_DEBUG", False)
if TESTING and not os.environ.get("KNEECLINIC_DATA_DIR"):
    # Tests never touch a real data folder.
    import tempfile

    os.environ["KNEECLINIC_DATA_DIR"] = tempfile.mkdtemp(prefix="kneeclinic-test-")
DATA_DIR = prepare_data_dir(Path(env_str("KNEECLINIC_DATA_DIR", str(default_data_dir()))).resolve())
UPLOADS_DIR = DATA_DIR / "uploads"
SECRET_KEY = load_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("KNEECLINIC_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("KNEECLINIC_CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("KNEECLINIC_SITE_NAME", "Knee Clinic")

# HTTPS: on in production (behind a TLS proxy), off for the local `make run`.
HTTPS = env_bool("KNEECLINIC_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("KNEECLINIC_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("KNEECLINIC_HSTS_PRELOAD", False)
# Preloading HSTS is a one-way commitment for the whole domain; clinics opt in deliberately.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind the install's own proxy, its X-Forwarded-Proto and the last X-Forwarded-For entry
# are trusted (accounts.services.client_address); never otherwise.
BEHIND_PROXY = env_bool("KNEECLINIC_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = env_int("KNEECLINIC_SESSION_SECONDS", 60 * 60 * 24 * 14, minimum=300)
SESSION_COOKIE_HTTPONLY = True
# Over HTTPS the cookies carry the __Host- prefix: the browser then insists on Secure, Path=/
# and no Domain, so no sibling subdomain can set or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
# Clinicians see many runners' records: their sessions end after this long without a request,
# and this long after signing in whatever they do (kneeclinic.core.middleware).
CLINICIAN_IDLE_SECONDS = env_int("KNEECLINIC_CLINICIAN_IDLE_SECONDS", 30 * 60, minimum=60)
CLINICIAN_MAX_SECONDS = env_int("KNEECLINIC_CLINICIAN_MAX_SECONDS", 12 * 60 * 60, minimum=300)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",
    "kneeclinic.accounts",
    "kneeclinic.core",
    "kneeclinic.activities",
    "kneeclinic.training",
    "kneeclinic.symptoms",
    "kneeclinic.exercises",
    "kneeclinic.plans",
    "kneeclinic.knowledge",
    "kneeclinic.clinic",
]

MIDDLEWARE = [
    "kneeclinic.core.middleware.RequestIdMiddleware",
    "kneeclinic.core.middleware.DownloadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kneeclinic.core.middleware.ClinicianSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, so their refusals still carry the headers above (kneeclinic/core/resources.py).
    "kneeclinic.core.resources.StorageFailureMiddleware",
    "kneeclinic.core.resources.UploadSizeLimitMiddleware",
]

ROOT_URLCONF = "kneeclinic.urls"
WSGI_APPLICATION = "kneeclinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kneeclinic.core.context.site",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL", "")
if TESTING and os.environ.get("KNEECLINIC_TEST_POSTGRES"):
    _database_url = os.environ["KNEECLINIC_TEST_POSTGRES"]
DATABASES = {
    "default": database_from_url(_database_url)
    if _database_url
    else sqlite_database(DATA_DIR / "kneeclinic.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            # Tests run tasks at once unless a test asks for the real queue.
            if env_bool("KNEECLINIC_TASKS_IMMEDIATE", TESTING)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:today"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests use a fast hasher unless they test hashing itself.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kneeclinic.accounts.validators.ContextWordValidator"},
]
# Failed logins: this many in the window lock the (email, address) pair for the window.
LOGIN_FAILURE_LIMIT = env_int("KNEECLINIC_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_S = env_int("KNEECLINIC_LOGIN_FAILURE_WINDOW", 15 * 60, minimum=1)

_mail_backend = env_str("KNEECLINIC_EMAIL_BACKEND", "console")
_mail_backends = {
    "console": ("django.core.mail.backends.console.EmailBackend", {}),
    "file": (
        "django.core.mail.backends.filebased.EmailBackend",
        {"file_path": str(DATA_DIR / "mail")},
    ),
    "smtp": (
        "django.core.mail.backends.smtp.EmailBackend",
        {
            "host": env_str("KNEECLINIC_EMAIL_HOST", "localhost"),
            "port": env_int("KNEECLINIC_EMAIL_PORT", 587),
            "username": env_str("KNEECLINIC_EMAIL_USER", ""),
            "password": env_str("KNEECLINIC_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("KNEECLINIC_EMAIL_TLS", True),
        },
    ),
    "memory": ("django.core.mail.backends.locmem.EmailBackend", {}),
}
if _mail_backend not in _mail_backends:
    raise ImproperlyConfigured("KNEECLINIC_EMAIL_BACKEND must be console, file, smtp or memory")
MAILERS = {
    "default": {
        "BACKEND": _mail_backends[_mail_backend][0],
        "OPTIONS": _mail_backends[_mail_backend][1],
    }
}
DEFAULT_FROM_EMAIL = env_str("KNEECLINIC_FROM_EMAIL", "Knee Clinic <noreply@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False  # British English only; skipping the translation machinery saves CPU
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it, even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = UPLOADS_DIR

# Uploads: Django does not count file data against DATA_UPLOAD_MAX_MEMORY_SIZE, so a body
# declared larger than this is refused before it is read (docs/limits.md).
UPLOAD_MAX_BYTES = env_int("KNEECLINIC_UPLOAD_MAX_BYTES", 512 * 1024 * 1024, minimum=1024)
# Each account's share of the server: bytes of kept originals and activities (activities.quota).
QUOTA_BYTES = env_int("KNEECLINIC_QUOTA_BYTES", 5 * 1024**3, minimum=1024)
QUOTA_ACTIVITIES = env_int("KNEECLINIC_QUOTA_ACTIVITIES", 100_000, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 5000

# Worker heartbeat: /healthz reports the worker as down when older than this.
WORKER_HEARTBEAT_MAX_AGE_S = env_int("KNEECLINIC_WORKER_HEARTBEAT_MAX_AGE", 60, minimum=5)

LOG_LEVEL = env_str("KNEECLINIC_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
    raise ImproperlyConfigured("KNEECLINIC_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "kneeclinic.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
    },
}
