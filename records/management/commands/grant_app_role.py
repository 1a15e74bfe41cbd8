"""Give the application's runtime database role what it needs, and not more (PostgreSQL).

The web processes and the Celery worker and beat connect as a role that does not own the tables:
it may read and change the application's tables, but only read and append to the log. It cannot
update, delete or truncate log rows, nor switch off or drop the log's triggers, because only a
table's owner (or a superuser) may alter a table. Migrations run as the owner, and this command
runs right after them, as the owner too (docker-compose's ``migrate`` job does both). Running it
again changes nothing; it also takes back privileges that do not belong to the role.
"""
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from records.models import LogEntry

# Tables the runtime role may read and append to, never change.
APPEND_ONLY_TABLES = (LogEntry._meta.db_table,)


class Command(BaseCommand):
    help = ("Grant a PostgreSQL role the privileges the running application needs (read and write its "
            "tables, only read and append to the log). Run as the tables' owner, after migrate.")

    def add_arguments(self, parser):
        parser.add_argument("role", help="the runtime role, e.g. warm_app")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(f"Only PostgreSQL has database roles; {connection.vendor} needs no grants.")
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema()")
            owner, schema = cursor.fetchone()
            self._check_role(cursor, role=role, owner=owner, schema=schema)
            for statement in self._statements(connection, role=role, schema=schema):
                cursor.execute(statement)
        self.stdout.write(
            f"Granted {role} read and write on the tables of schema {schema}, read and append only on "
            f"{', '.join(APPEND_ONLY_TABLES)}."
        )

    def _check_role(self, cursor, *, role: str, owner: str, schema: str) -> None:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise CommandError(f"There is no database role {role!r}. Create it first "
                               "(docker-compose does this in deploy/postgres/init-app-role.sh).")
        if found[0]:
            raise CommandError(f"{role!r} is a superuser: no privilege holds a superuser back. "
                               "The application needs a role without SUPERUSER.")
        for table in APPEND_ONLY_TABLES:
            cursor.execute("SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                           [schema, table])
            table_owner = cursor.fetchone()
            if table_owner is None:
                raise CommandError(f"Table {schema}.{table} does not exist: run migrate first.")
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, table_owner[0]])
            if cursor.fetchone()[0]:
                raise CommandError(f"{role!r} owns {table} or is a member of its owner {table_owner[0]!r}: "
                                   "it could alter the table. Use a separate role for the application.")
        if role == owner:
            raise CommandError(f"{role!r} is the role running this command.")

    def _statements(self, connection, *, role: str, schema: str) -> list[str]:
        from psycopg import sql

        def name(*parts: str) -> str:
            return sql.Identifier(*parts).as_string(connection.connection)

        who, where = name(role), name(schema)
        statements = [
            f"GRANT USAGE ON SCHEMA {where} TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {where} FROM {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
            # Tables and sequences that later migrations create (as the same owner) follow suit.
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT ON SEQUENCES TO {who}",
        ]
        for table in APPEND_ONLY_TABLES:
            statements.append(f"REVOKE UPDATE, DELETE ON TABLE {name(schema, table)} FROM {who}")
        return statements
