#!/usr/bin/env bash
# Run the Python runtime's tests. Usable from any directory; on a fresh machine it
#  1. creates python/.venv (with --system-site-packages, so the interpreter's boto3, moto,
#     pytest and cryptography are used as they are),
#  2. installs Django 5.2, dj-database-url and psycopg from the configured pip index (the
#     package itself is used from python/src through PYTHONPATH: no build step, no egg-info
#     written into the tree),
#  3. unpacks Debian's django-storages (and WhiteNoise, django-environ, python-decouple, django-redis, redis) into python/.deps (apt-get download + dpkg -x: not
#     installed as .debs, which would pull Debian's own, older Django) and puts it on PYTHONPATH,
#  4. installs Debian's postgresql when initdb is nowhere (the RDS backend test runs a server),
#     and redis-server when it is missing (the redis cache test runs one),
#  5. runs pytest on python/tests with any extra arguments given to this script.
# Steps 1-4 are skipped when already done, so the second run goes straight to pytest.
set -euo pipefail

PY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$PY_DIR/.venv"
DEPS="$PY_DIR/.deps"
DEPS_SITE="$DEPS/usr/lib/python3/dist-packages"
STAMP="$VENV/.pocket-deps-installed"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "test.sh: creating $VENV" >&2
  "$PYTHON" -m venv --system-site-packages "$VENV"
fi

# The stamp records what was installed; changing pyproject.toml re-runs the install.
want_stamp="$(sha256sum "$PY_DIR/pyproject.toml" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want_stamp" ]]; then
  echo "test.sh: installing Python dependencies" >&2
  pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
  "${pip[@]}" 'Django==5.2.*' dj-database-url
  # psycopg is only needed to prove a postgres DATABASE_URL loads Django's backend; prefer the
  # binary wheel, fall back to the pure-Python package (needs libpq at run time).
  "${pip[@]}" 'psycopg[binary]' || "${pip[@]}" psycopg
  echo "$want_stamp" >"$STAMP"
fi

# WhiteNoise, django-environ and python-decouple: the project shapes `pocket django init` is
# tested on (packages/cli/test/django/shapes.ts) import them.
if [[ ! -f "$DEPS_SITE/storages/backends/s3boto3.py" || ! -f "$DEPS_SITE/decouple.py" || ! -f "$DEPS_SITE/django_redis/cache.py" ]]; then
  echo "test.sh: fetching Debian's django-storages into $DEPS" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download writes into the cwd; the _apt sandbox user cannot write to mktemp's
  # private directory, which only produces a warning (the download runs as the caller).
  (cd "$tmp" && apt-get download python3-django-storages python3-django-storages-boto3 \
    python3-whitenoise python3-django-environ python3-decouple python3-django-redis python3-redis)
  mkdir -p "$DEPS"
  for deb in "$tmp"/*.deb; do
    dpkg -x "$deb" "$DEPS"
  done
  # Clean up now: the EXIT trap would not fire after the exec below.
  rm -rf "$tmp"
  trap - EXIT
fi

# The RDS backend test starts a real PostgreSQL: Debian's server, installed when missing; its
# initdb and pg_ctl live outside PATH (/usr/lib/postgresql/<version>/bin).
pg_bin() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1; }
if ! command -v initdb >/dev/null && [[ -z "$(pg_bin)" ]]; then
  echo "test.sh: installing Debian's postgresql" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v initdb >/dev/null; then export PATH="$PATH:$(pg_bin)"; fi

# The redis cache test ([upstash], store = "redis") starts a real Redis: Debian's server.
if ! command -v redis-server >/dev/null; then
  echo "test.sh: installing Debian's redis-server" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

# src first: the working tree is what gets tested.
export PYTHONPATH="$PY_DIR/src:$DEPS_SITE${PYTHONPATH:+:$PYTHONPATH}"
cd "$PY_DIR"
exec "$VENV/bin/python" -m pytest "$@"
