"""PostgreSQL triggers that make history tables append-only (installed by migrations, PostgreSQL only).

UPDATE and DELETE are refused, with one exception: an UPDATE that changes nothing but setting the named
user foreign key to NULL, which is what deleting a user account does to the rows it acted in (the
`*_repr` column keeps the name). The registry never deletes users (closed accounts are pseudonymised),
so in practice only an operator's deletion takes that path. TRUNCATE is left to the table owner: the
application's database role should not own the tables in production (see docs/trust.md).
"""

FUNCTION = """
CREATE OR REPLACE FUNCTION trust_refuse_rewrite() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_NARGS > 0 THEN
    IF (to_jsonb(NEW) - TG_ARGV[0]) = (to_jsonb(OLD) - TG_ARGV[0])
       AND (to_jsonb(NEW) -> TG_ARGV[0]) = 'null'::jsonb THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def append_only_sql(table: str, actor_column: str | None = None) -> str:
    args = f"'{actor_column}'" if actor_column else ""
    return (FUNCTION + f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n"
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION trust_refuse_rewrite({args});\n")


def append_only_drop_sql(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n"


def run_on_postgresql(sql_forward: str, sql_backward: str = ""):
    """A migration operation that runs SQL on PostgreSQL only (SQLite, the embedded default, skips it)."""
    from django.db import migrations

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql_forward, params=None)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql" and sql_backward:
            schema_editor.execute(sql_backward, params=None)

    return migrations.RunPython(forward, backward, elidable=False)
