"""``ENGINE = "pocket.django.db_backends.rds"``: PostgreSQL on the stage's Aurora cluster (see
:mod:`pocket.django.db_backends.rds.base`)."""
