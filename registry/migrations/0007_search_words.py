"""Word search through an exact GIN index, and the word list behind typo tolerance.

* `registry_product_words` / `registry_product_listed_words`: GIN indexes over the words of the search
  document as a tsvector made of the words themselves (`registry_search_words`: `array_to_tsvector`, no
  parser, no stemming), so
  "these whole words and this word prefix" is one exact index lookup (`@@ 'a' & 'b':*`) instead of trigram
  candidates re-checked row by row. The listed one serves the public registry.
* `registry_searchword`: every word of every product's search document, kept by a statement-level trigger
  (bulk writes included), with a trigram index: a typo is matched against this short list of words, not
  against every document (registry.search.similar_words).

PostgreSQL only; on SQLite (the embedded default) searches use LIKE and typo tolerance is off.
"""

from django.db import migrations, models

WORDS = "registry_search_words(search_document)"

_CREATE = [
    # A function, not the bare expression: PL/pgSQL is never inlined, so its declared cost stands, and the
    # planner, which cannot tell how few rows a word prefix matches (it assumes 0.5 %), never prefers to
    # build every row's tsvector (a sequential scan "until one matches") over reading the index.
    """CREATE OR REPLACE FUNCTION registry_search_words(document text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 100 AS $$
    BEGIN
      RETURN array_to_tsvector(string_to_array(btrim(document), ' '));
    END $$""",
    f"CREATE INDEX IF NOT EXISTS registry_product_words ON registry_product USING gin ({WORDS})",
    f"CREATE INDEX IF NOT EXISTS registry_product_listed_words ON registry_product USING gin ({WORDS}) WHERE listed",
    "CREATE INDEX IF NOT EXISTS registry_searchword_trgm ON registry_searchword USING gin (word gin_trgm_ops)",
    """CREATE OR REPLACE FUNCTION registry_search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- sorted, so two transactions adding the same new words take their locks in the same order
      INSERT INTO registry_searchword (word)
        SELECT DISTINCT w FROM new_rows, unnest(string_to_array(btrim(new_rows.search_document), ' ')) AS w
        WHERE w <> '' ORDER BY w
        ON CONFLICT (word) DO NOTHING;
      RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS registry_product_words_insert ON registry_product",
    "CREATE TRIGGER registry_product_words_insert AFTER INSERT ON registry_product REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_search_words_add()",
    "DROP TRIGGER IF EXISTS registry_product_words_update ON registry_product",
    "CREATE TRIGGER registry_product_words_update AFTER UPDATE ON registry_product REFERENCING NEW TABLE AS "
    "new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_search_words_add()",
    "INSERT INTO registry_searchword (word) SELECT DISTINCT w FROM registry_product, "
    "unnest(string_to_array(btrim(search_document), ' ')) AS w WHERE w <> '' ON CONFLICT (word) DO NOTHING",
]

_DROP = [
    "DROP TRIGGER IF EXISTS registry_product_words_insert ON registry_product",
    "DROP TRIGGER IF EXISTS registry_product_words_update ON registry_product",
    "DROP FUNCTION IF EXISTS registry_search_words_add()",
    "DROP INDEX IF EXISTS registry_product_words",
    "DROP INDEX IF EXISTS registry_product_listed_words",
    "DROP FUNCTION IF EXISTS registry_search_words(text)",
]


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _CREATE:
            schema_editor.execute(statement)


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0006_listed_search_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('word', models.TextField(primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'search word',
            },
        ),
        migrations.RunPython(_create, _drop),
    ]
