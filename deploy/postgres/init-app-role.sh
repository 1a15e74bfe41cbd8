#!/usr/bin/env bash
# Runs once, when the PostgreSQL container initialises an empty data directory
# (/docker-entrypoint-initdb.d/). Creates the role the web, worker and beat processes connect as:
# it may log in and nothing else. `manage.py grant_app_role` (the migrate job, as the owner
# POSTGRES_USER) then grants it what the application needs; it never owns a table, so it cannot
# alter the log or switch off its triggers.
#
# For a database that was initialised before this script existed, run the same SQL once by hand:
#   docker compose exec db psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
#     -c "CREATE ROLE warm_app LOGIN PASSWORD '...'"
set -euo pipefail

: "${APP_DB_USER:=warm_app}"
: "${APP_DB_PASSWORD:?set APP_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L',
              :'app_user', :'app_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L',
              :'app_user', :'app_password') \gexec
SQL
