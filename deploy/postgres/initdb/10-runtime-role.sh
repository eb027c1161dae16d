#!/bin/sh
# Run once by the postgres image when its data volume is created (docker-entrypoint-initdb.d):
# the runtime role of the web server, the worker and beat. It owns nothing and is no superuser;
# it gets normal rights on the tables the owner ($POSTGRES_USER, who runs the migrations)
# creates, and the migrations then restrict the ledger's to SELECT and INSERT
# (payments/db_roles.py). README, "Database roles".
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_user="${CARTABLE_DB_APP_USER:-cartable_app}" \
    -v app_password="${CARTABLE_DB_APP_PASSWORD:?set CARTABLE_DB_APP_PASSWORD}" \
    -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
GRANT CONNECT ON DATABASE :"db" TO :"app_user";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_user";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app_user";
SQL
