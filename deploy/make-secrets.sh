#!/usr/bin/env bash
# Random keys and passwords for deploy/compose.yaml, one file each, passed to
# the containers as Docker secrets (files under /run/secrets, read through the
# settings' NAME_FILE variables).
#
#   deploy/make-secrets.sh [DIR]        DIR defaults to deploy/secrets
#
# A file that exists is kept: re-running never changes a key in use (a new
# VATRA_EVENT_CIPHER_KEY would make every stored event unreadable). Made here:
#   chain_key, event_cipher_key, personal_data_key, notify_secret
#                                 the keys production mode requires
#   postgres_password             PostgreSQL's (the server's and the backbone's)
#   kafka_broker_password         the brokers' own SCRAM log-in
#   kafka_client_password         the backbone's SCRAM log-in ("vatra")
#   smtp_password                 replace with the mail server's, if it wants a log-in
#   grafana_admin_password        Grafana's "admin"
# Keep a copy of the keys somewhere safe and apart from the database backups:
# without them the events and personal data cannot be read.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"
umask 022

secret() {
    local name="$1"
    shift
    if [[ -s "$dir/$name" ]]; then
        echo "kept   $dir/$name"
        return
    fi
    "$@" >"$dir/$name"
    # Readable inside the containers, whose users do not own it; the folder
    # keeps it from everyone else on this machine.
    chmod 644 "$dir/$name"
    echo "made   $dir/$name"
}

secret chain_key openssl rand -base64 48
secret event_cipher_key openssl rand -base64 32
secret personal_data_key openssl rand -base64 32
secret notify_secret openssl rand -hex 32
secret postgres_password openssl rand -hex 24
secret kafka_broker_password openssl rand -hex 24
secret kafka_client_password openssl rand -hex 24
secret smtp_password openssl rand -hex 24
secret grafana_admin_password openssl rand -hex 16
