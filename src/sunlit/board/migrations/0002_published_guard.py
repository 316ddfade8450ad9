"""A database-level guard: a published board and its items are never updated.

The services already refuse; this catches anything that bypasses them (a script, the shell).
Deletes are not blocked, so test databases can still be flushed; the log leaf keeps the hash.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER board_weeklyboard_frozen BEFORE UPDATE ON board_weeklyboard
       WHEN OLD.status = 'published'
       BEGIN SELECT RAISE(ABORT, 'a published board is immutable'); END""",
    """CREATE TRIGGER board_boarditem_frozen BEFORE UPDATE ON board_boarditem
       WHEN (SELECT status FROM board_weeklyboard WHERE id = OLD.board_id) = 'published'
       BEGIN SELECT RAISE(ABORT, 'a published board is immutable'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS board_weeklyboard_frozen",
               "DROP TRIGGER IF EXISTS board_boarditem_frozen"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION board_refuse_published() RETURNS trigger AS $$
       BEGIN
         IF TG_TABLE_NAME = 'board_weeklyboard' THEN
           IF OLD.status = 'published' THEN
             RAISE EXCEPTION 'a published board is immutable';
           END IF;
         ELSIF (SELECT status FROM board_weeklyboard WHERE id = OLD.board_id) = 'published' THEN
           RAISE EXCEPTION 'a published board is immutable';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER board_weeklyboard_frozen BEFORE UPDATE ON board_weeklyboard
       FOR EACH ROW EXECUTE FUNCTION board_refuse_published()""",
    """CREATE TRIGGER board_boarditem_frozen BEFORE UPDATE ON board_boarditem
       FOR EACH ROW EXECUTE FUNCTION board_refuse_published()""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS board_weeklyboard_frozen ON board_weeklyboard",
                 "DROP TRIGGER IF EXISTS board_boarditem_frozen ON board_boarditem",
                 "DROP FUNCTION IF EXISTS board_refuse_published()"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("board", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})),
    ]
