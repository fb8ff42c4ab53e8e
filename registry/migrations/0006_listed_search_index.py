"""A trigram GIN index over the search text of the public registry's products alone (listed), so a public
search reads the index and the rows of listed products only: a common word finds about a third as many
candidate rows to check. The index over every product stays for searches that also see unlisted ones
(staff, a vendor's own products)."""

from django.db import migrations

_INDEX = ("CREATE INDEX IF NOT EXISTS registry_product_listed_search_trgm ON registry_product "
          "USING gin (search_document gin_trgm_ops) WHERE listed")


def _create(apps, schema_editor):
    # PostgreSQL only, as the index over every product (migration 0004)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_INDEX)


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_product_listed_search_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0005_listed_products'),
    ]

    operations = [
        migrations.RunPython(_create, _drop),
    ]
