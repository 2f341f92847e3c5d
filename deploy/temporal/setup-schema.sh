#!/bin/sh
# Sets up the Temporal server's PostgreSQL stores and the service's namespace. Runs in the
# temporalio/admin-tools image as the one-shot jobs of docker-compose.yml:
#
#   setup-schema.sh schema
#       For the `temporal` and `temporal_visibility` databases: create the database if needed, set up
#       the schema version tables (setup-schema -v 0.0), then apply every versioned schema script the
#       image carries (update-schema -d .../postgresql/v12/{temporal,visibility}/versioned).
#   setup-schema.sh namespace NAME=TYPE...
#       Wait for the frontend, create the namespace if it is missing, then register each search
#       attribute with `temporal operator search-attribute create`, skipping those already there.
#
# Both are safe on every `docker compose up`: each step keeps what exists, and update-schema applies
# only the schema versions a newer admin-tools image brings (the upgrade path: bump both tags).
set -eu

DB="${DB:-postgres12}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"
TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${NAMESPACE:-default}"
NAMESPACE_RETENTION="${NAMESPACE_RETENTION:-720h}"

sql_tool() {
    temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

setup_store() { # database, schema folder under $SCHEMA_ROOT
    echo "==> $1: create database if needed"
    if ! sql_tool --db "$1" create; then
        # The postgres service's init.sql normally creates it; a real connection or permission
        # problem fails again, loudly, in setup-schema below.
        echo "    $1 was not created (it most likely exists already); continuing"
    fi
    echo "==> $1: schema version tables"
    sql_tool --db "$1" setup-schema -v 0.0
    echo "==> $1: apply versioned schema from $SCHEMA_ROOT/$2/versioned"
    sql_tool --db "$1" update-schema -d "$SCHEMA_ROOT/$2/versioned"
}

schema() {
    : "${POSTGRES_SEEDS:?set POSTGRES_SEEDS (the PostgreSQL host)}"
    : "${POSTGRES_USER:?set POSTGRES_USER}"
    : "${POSTGRES_PWD:?set POSTGRES_PWD}"
    # temporal-sql-tool reads the password from SQL_PASSWORD, which keeps it off the command line.
    SQL_PASSWORD="$POSTGRES_PWD"
    export SQL_PASSWORD
    setup_store "$DBNAME" temporal
    setup_store "$VISIBILITY_DBNAME" visibility
    echo "==> Temporal schema is up to date"
}

namespace() {
    [ "$#" -gt 0 ] || { echo "setup-schema.sh namespace: give the search attributes as NAME=TYPE" >&2; exit 2; }
    for pair in "$@"; do
        case "$pair" in
            ?*=?*) ;;
            *) echo "setup-schema.sh namespace: '$pair' is not NAME=TYPE" >&2; exit 2 ;;
        esac
    done
    attempts=0
    until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
        attempts=$((attempts + 1))
        if [ "$attempts" -ge 60 ]; then
            echo "Temporal at $TEMPORAL_ADDRESS is not serving after 120 s" >&2
            exit 1
        fi
        sleep 2
    done
    if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
        echo "==> namespace $NAMESPACE exists"
    else
        echo "==> creating namespace $NAMESPACE (retention $NAMESPACE_RETENTION)"
        temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
            --retention "$NAMESPACE_RETENTION"
    fi
    existing="$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE")"
    for pair in "$@"; do
        name="${pair%%=*}"
        type="${pair#*=}"
        if printf '%s\n' "$existing" | grep -qw -- "$name"; then
            echo "==> search attribute $name exists"
        else
            echo "==> creating search attribute $name ($type)"
            temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" \
                --namespace "$NAMESPACE" --name "$name" --type "$type"
        fi
    done
}

case "${1:-}" in
    schema) shift; schema "$@" ;;
    namespace) shift; namespace "$@" ;;
    *) echo "usage: setup-schema.sh schema | namespace NAME=TYPE..." >&2; exit 2 ;;
esac
