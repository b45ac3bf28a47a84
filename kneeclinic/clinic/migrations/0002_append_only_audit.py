"""Make the audit table append-only in the database itself, and create the chain head."""

from django.db import migrations

GENESIS = "0" * 64

SQLITE_UP = [
    "CREATE TRIGGER clinic_auditevent_no_update BEFORE UPDATE ON clinic_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
    "CREATE TRIGGER clinic_auditevent_no_delete BEFORE DELETE ON clinic_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS clinic_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS clinic_auditevent_no_delete;",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION clinic_auditevent_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER clinic_auditevent_append_only BEFORE UPDATE OR DELETE ON clinic_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION clinic_auditevent_append_only();",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS clinic_auditevent_append_only ON clinic_auditevent;",
    "DROP FUNCTION IF EXISTS clinic_auditevent_append_only();",
]


def triggers_up(apps, schema_editor):
    statements = POSTGRES_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql)


def triggers_down(apps, schema_editor):
    statements = POSTGRES_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql)


def create_head(apps, schema_editor):
    apps.get_model("clinic", "AuditChainHead").objects.get_or_create(
        key="head", defaults={"last_hash": GENESIS, "count": 0}
    )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_audit_and_notes")]

    operations = [
        migrations.RunPython(triggers_up, triggers_down),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
