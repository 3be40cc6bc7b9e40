"""Django database backends pocket selects by itself (``ENGINE`` in ``get_databases()``)."""
