"""``ENGINE = "pocket.django.db_backends.dsql"``: PostgreSQL on the stage's Aurora DSQL cluster,
each new connection with a token that is still good (see
:mod:`pocket.django.db_backends.dsql.base`)."""
