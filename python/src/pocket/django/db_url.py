"""The original runtime's ``pocket.django.db_url``: the connection fields of a ``DATABASE_URL``.

The parsing lives with the rest of ``DATABASES`` in :mod:`pocket.django.databases`.
"""

from __future__ import annotations

from pocket.django.databases import parse_database_url_credentials

__all__ = ["parse_database_url_credentials"]
