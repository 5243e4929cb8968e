"""A minimal Django project serving django-helpdesk (PyPI) for bench/desk_load_vs_django_helpdesk.py.

Production-like where it matters for speed: DEBUG off, persistent database connections, the
PostgreSQL server the bench starts, token authentication for the REST API (one indexed look-up,
as servq's bearer tokens) and session authentication for the staff ticket list.
"""

import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("HELPDESK_DB", "helpdesk_bench"),
        "USER": "postgres",
        "HOST": os.environ.get("HELPDESK_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("HELPDESK_DB_PORT", "54329"),
        "CONN_MAX_AGE": None,
    }
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
}
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
STATIC_URL = "/static/"
MEDIA_ROOT = os.path.join(BASE_DIR, "media")
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": True}
HELPDESK_TEAMS_MODE_ENABLED = False
