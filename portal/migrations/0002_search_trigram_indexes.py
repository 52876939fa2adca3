"""Trigram indexes for the free-text searches of people and organisations (PostgreSQL only).

See :mod:`portal.search`: ``icontains`` compiles to ``UPPER(column) LIKE …``, so the indexes
are on ``UPPER(column)``; the alias key is stored normalised and searched with ``contains``.
On another database this migration does nothing (the searches work, as scans).
"""

from django.db import migrations

INDEXES = [
    ("portal_user", "email", True),
    ("portal_user", "family_name", True),
    ("portal_user", "given_name", True),
    ("portal_user", "family_name_en", True),
    ("portal_user", "given_name_en", True),
    ("portal_organisation", "name_ja", True),
    ("portal_organisation", "name_en", True),
    ("portal_organisationalias", "normalized", False),
]


def _name(table, column):
    return f"{table}_{column}_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column, upper in INDEXES:
        expr = f'UPPER("{column}")' if upper else f'"{column}"'
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{_name(table, column)}" ON "{table}" '
            f"USING gin (({expr}) gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _upper in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
