#!/usr/bin/env bash
# Certificates for Kafka over TLS (SASL_SSL) and for the API's HTTPS port,
# signed by a private certificate authority made here (openssl only).
#
#   deploy/kafka/make-certs.sh OUT_DIR [BROKER_NAME ...]
#
# OUT_DIR gets (an existing CA there is kept, the rest made again):
#   ca.crt, ca.key          the authority: clients trust ca.crt; keep ca.key
#                           off the servers once the certificates are made
#   broker.crt, broker.key  the brokers' certificate, for every BROKER_NAME
#                           (a host name or an IP address; default: kafka-1
#                           kafka-2 kafka-3 localhost 127.0.0.1)
#   broker.p12              the same as a PKCS#12 key store (with ca.crt in
#   broker.p12.password     its chain) for the brokers, and its password
#   api.crt, api.key        a certificate for the API's HTTPS port, for the
#                           names in $API_NAMES (default: "api localhost");
#                           browsers trust it only if they trust ca.crt, so
#                           give the API a public certificate in production
# OUT_DIR itself is made readable by its owner only; the files the containers
# read as Docker secrets (broker.p12 and its password, api.key) are readable
# by all inside it, as a container's user is not the owner (see the README).
set -euo pipefail

usage() {
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 && "$1" != -* ]] || usage
out="$1"
shift
brokers=("$@")
[[ ${#brokers[@]} -gt 0 ]] || brokers=(kafka-1 kafka-2 kafka-3 localhost 127.0.0.1)
read -r -a api_names <<<"${API_NAMES:-api localhost}"
days="${CERT_DAYS:-825}"

mkdir -p "$out"
chmod 700 "$out"
cd "$out"
umask 022

alt_names() {
    local name names=()
    for name in "$@"; do
        if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then
            names+=("IP:$name")
        else
            names+=("DNS:$name")
        fi
    done
    local IFS=,
    printf '%s' "${names[*]}"
}

if [[ ! -s ca.key || ! -s ca.crt ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout ca.key -out ca.crt -days 3650 -subj "/CN=Vatra Backbone private CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# leaf NAME CN SUBJECT_ALT_NAMES: NAME.key and NAME.crt signed by the CA.
leaf() {
    local name="$1" cn="$2" san="$3" extensions
    extensions="$(mktemp)"
    printf '%s\n' \
        "subjectAltName=$san" \
        "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth,clientAuth" >"$extensions"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -out "$name.crt" -days "$days" -extfile "$extensions" 2>/dev/null
    rm -f "$name.csr" "$extensions"
}

leaf broker "${brokers[0]}" "$(alt_names "${brokers[@]}")"
openssl rand -hex 24 >broker.p12.password
openssl pkcs12 -export -in broker.crt -inkey broker.key -certfile ca.crt \
    -name broker -out broker.p12 -passout file:broker.p12.password
leaf api "${api_names[0]}" "$(alt_names "${api_names[@]}")"
chmod 600 ca.key broker.key
chmod 644 ca.crt broker.crt broker.p12 broker.p12.password api.crt api.key
echo "certificates in $(pwd): ca.crt, broker.p12 (+ broker.p12.password), api.crt, api.key"
