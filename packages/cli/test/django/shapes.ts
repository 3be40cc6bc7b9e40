import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Django projects in the shapes real ones take before `pocket django init` (issue 24): each is
 * `django-admin startproject mysite` plus the edits a PaaS guide makes. `apply` edits the folder
 * startproject made.
 */
export interface ProjectShape {
  name: string;
  /** The settings file init wires, relative to the project folder. */
  wired: string;
  /** The module manage.py and the image use. */
  module: string;
  requirements: string;
  apply: (dir: string) => void;
}

function edit(file: string, change: (text: string) => string): void {
  writeFileSync(file, change(readFileSync(file, "utf8")));
}

const WHITENOISE_MIDDLEWARE = `'django.middleware.security.SecurityMiddleware',
    'whitenoise.middleware.WhiteNoiseMiddleware',`;

/** The edits of Heroku's and Render's Django guides: dj-database-url, WhiteNoise, env settings. */
function paas(text: string): string {
  return text
    .replace("from pathlib import Path", "import os\nfrom pathlib import Path\n\nimport dj_database_url")
    .replace(
      /^SECRET_KEY = .*$/m,
      "SECRET_KEY = os.environ.get('SECRET_KEY', default='django-insecure-change-me')",
    )
    .replace(/^DEBUG = True$/m, "DEBUG = 'RENDER' not in os.environ")
    .replace(
      /^ALLOWED_HOSTS = \[\]$/m,
      `ALLOWED_HOSTS = []

RENDER_EXTERNAL_HOSTNAME = os.environ.get('RENDER_EXTERNAL_HOSTNAME')
if RENDER_EXTERNAL_HOSTNAME:
    ALLOWED_HOSTS.append(RENDER_EXTERNAL_HOSTNAME)`,
    )
    .replace("'django.middleware.security.SecurityMiddleware',", WHITENOISE_MIDDLEWARE)
    .replace(
      /^DATABASES = \{[\s\S]*?^\}$/m,
      `DATABASES = {
    'default': dj_database_url.config(
        default='sqlite:///' + str(BASE_DIR / 'db.sqlite3'),
        conn_max_age=600,
    )
}

if 'DATABASE_URL' in os.environ:
    DATABASES['default'] = dj_database_url.config(conn_max_age=500, ssl_require=True)`,
    )
    .replace(
      /^STATIC_URL = 'static\/'$/m,
      `STATIC_URL = 'static/'

if not DEBUG:
    STATIC_ROOT = os.path.join(BASE_DIR, 'staticfiles')
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

EMAIL_BACKEND = os.environ.get('EMAIL_BACKEND', 'django.core.mail.backends.smtp.EmailBackend')
EMAIL_HOST = os.environ.get('EMAIL_HOST', 'localhost')
DEFAULT_FROM_EMAIL = os.environ.get('DEFAULT_FROM_EMAIL', 'webmaster@localhost')`,
    );
}

const SETTINGS = (dir: string) => join(dir, "mysite", "settings.py");

export const HEROKU: ProjectShape = {
  name: "Heroku/Render settings (dj-database-url, WhiteNoise's compressed storage, email from the environment)",
  wired: "mysite/settings.py",
  module: "mysite.settings",
  requirements: "Django>=5.2,<6\ndjango-storages[s3]\ndj-database-url\nwhitenoise\npsycopg[binary]\n",
  apply: (dir) => edit(SETTINGS(dir), paas),
};

/** settings/base.py (startproject's settings) and settings/production.py over it. */
export const SPLIT: ProjectShape = {
  name: "a split settings package (settings/base.py + settings/production.py)",
  wired: "mysite/settings/production.py",
  module: "mysite.settings.production",
  requirements: "Django>=5.2,<6\ndjango-storages[s3]\ndj-database-url\nwhitenoise\npsycopg[binary]\n",
  apply: (dir) => {
    mkdirSync(join(dir, "mysite", "settings"));
    renameSync(SETTINGS(dir), join(dir, "mysite", "settings", "base.py"));
    writeFileSync(join(dir, "mysite", "settings", "__init__.py"), "");
    edit(join(dir, "mysite", "settings", "base.py"), (t) =>
      t
        .replace(
          "BASE_DIR = Path(__file__).resolve().parent.parent",
          "BASE_DIR = Path(__file__).resolve().parent.parent.parent",
        )
        .replace("'django.middleware.security.SecurityMiddleware',", WHITENOISE_MIDDLEWARE),
    );
    writeFileSync(
      join(dir, "mysite", "settings", "production.py"),
      `import os

import dj_database_url

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"] if "DJANGO_SECRET_KEY" in os.environ else SECRET_KEY  # noqa: F405
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")
CSRF_TRUSTED_ORIGINS = ["https://" + h for h in ALLOWED_HOSTS]

if "DATABASE_URL" in os.environ:
    DATABASES["default"] = dj_database_url.config(conn_max_age=600)  # noqa: F405
DATABASES["default"]["ATOMIC_REQUESTS"] = True  # noqa: F405

STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "smtp.example.com")
EMAIL_PORT = 587
EMAIL_USE_TLS = True
`,
    );
    for (const f of ["manage.py", join("mysite", "wsgi.py"), join("mysite", "asgi.py")]) {
      edit(join(dir, f), (t) => t.replace("'mysite.settings'", "'mysite.settings.production'"));
    }
  },
};

/** django-environ's documented settings: env.db(), env.cache(), env.email_url() into vars(). */
export const ENVIRON: ProjectShape = {
  name: "django-environ (env.db(), env.cache(), env.email_url())",
  wired: "mysite/settings.py",
  module: "mysite.settings",
  requirements: "Django>=5.2,<6\ndjango-storages[s3]\ndjango-environ\npsycopg[binary]\n",
  apply: (dir) =>
    edit(SETTINGS(dir), (t) =>
      t
        .replace(
          "from pathlib import Path",
          "from pathlib import Path\n\nimport environ\n\nenv = environ.Env(DEBUG=(bool, False))",
        )
        .replace(
          "BASE_DIR = Path(__file__).resolve().parent.parent",
          "BASE_DIR = Path(__file__).resolve().parent.parent\nenviron.Env.read_env(str(BASE_DIR / '.env'))",
        )
        .replace(/^SECRET_KEY = .*$/m, "SECRET_KEY = env('SECRET_KEY')")
        .replace(/^DEBUG = True$/m, "DEBUG = env('DEBUG')")
        .replace(
          /^ALLOWED_HOSTS = \[\]$/m,
          "ALLOWED_HOSTS = env.list('ALLOWED_HOSTS', default=['localhost'])",
        )
        .replace(
          /^DATABASES = \{[\s\S]*?^\}$/m,
          `DATABASES = {
    'default': env.db('DATABASE_URL', default='sqlite:///' + str(BASE_DIR / 'db.sqlite3')),
}
CACHES = {'default': env.cache('CACHE_URL', default='locmemcache://')}`,
        )
        .replace(
          /^STATIC_URL = 'static\/'$/m,
          "STATIC_URL = 'static/'\n\nEMAIL_CONFIG = env.email_url('EMAIL_URL', default='smtp://localhost:25')\nvars().update(EMAIL_CONFIG)",
        ),
    ),
};

/** python-decouple's documented settings, with dj-database-url for the database. */
export const DECOUPLE: ProjectShape = {
  name: "python-decouple (config(), Csv) with dj-database-url",
  wired: "mysite/settings.py",
  module: "mysite.settings",
  requirements: "Django>=5.2,<6\ndjango-storages[s3]\npython-decouple\ndj-database-url\npsycopg[binary]\n",
  apply: (dir) =>
    edit(SETTINGS(dir), (t) =>
      t
        .replace(
          "from pathlib import Path",
          "from pathlib import Path\n\nfrom decouple import Csv, config\nfrom dj_database_url import parse as db_url",
        )
        .replace(/^SECRET_KEY = .*$/m, "SECRET_KEY = config('SECRET_KEY')")
        .replace(/^DEBUG = True$/m, "DEBUG = config('DEBUG', default=False, cast=bool)")
        .replace(
          /^ALLOWED_HOSTS = \[\]$/m,
          "ALLOWED_HOSTS = config('ALLOWED_HOSTS', default='localhost', cast=Csv())",
        )
        .replace(
          /^DATABASES = \{[\s\S]*?^\}$/m,
          `DATABASES = {
    'default': config('DATABASE_URL', default='sqlite:///' + str(BASE_DIR / 'db.sqlite3'), cast=db_url),
}`,
        )
        .replace(
          /^STATIC_URL = 'static\/'$/m,
          "STATIC_URL = 'static/'\n\nEMAIL_HOST = config('EMAIL_HOST', default='localhost')\nEMAIL_PORT = config('EMAIL_PORT', default=25, cast=int)",
        ),
    ),
};

export const SHAPES = [HEROKU, SPLIT, ENVIRON, DECOUPLE];
