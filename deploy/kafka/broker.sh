#!/usr/bin/env bash
# One broker+controller of deploy/compose.yaml's Kafka cluster, over TLS only:
# clients and the other brokers on SASL_SSL (SCRAM-SHA-512) at port 9093, the
# controllers on SSL with client certificates at 9094. Run as the container's
# entrypoint in the apache/kafka image.
#
# From /run/secrets (SECRETS_DIR), as deploy/kafka/make-certs.sh and
# deploy/make-secrets.sh make them:
#   vatra_ca                 the authority's certificate (ca.crt)
#   kafka_keystore           the brokers' PKCS#12 key store (broker.p12)
#   kafka_keystore_password  its password
#   kafka_broker_password    the brokers' own SCRAM password (user "broker")
#   kafka_client_password    the backbone's SCRAM password (KAFKA_CLIENT_USER)
# From the environment: NODE_ID, ADVERTISED_HOST, CLUSTER_ID (22 characters of
# base64url), CONTROLLER_QUORUM_VOTERS (id@host:9094,...), KAFKA_CLIENT_USER
# (vatra), KAFKA_DEFAULT_REPLICATION_FACTOR (3), KAFKA_MIN_INSYNC_REPLICAS (2).
#
# The first start formats the storage with both SCRAM users, so the brokers
# accept them from the beginning; later starts keep what is there (a changed
# password is set with kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=...').
set -euo pipefail

secrets="${SECRETS_DIR:-/run/secrets}"
kafka_home="${KAFKA_HOME:-/opt/kafka}"
data="${DATA_DIR:-/var/lib/kafka/data}"
config="${CONFIG_FILE:-/tmp/vatra-server.properties}"
client_port="${CLIENT_PORT:-9093}"
controller_port="${CONTROLLER_PORT:-9094}"
mechanism=SCRAM-SHA-512

secret() {
    local value
    value="$(tr -d '\r\n' <"$secrets/$1")"
    if [[ -z "$value" ]]; then
        echo "broker.sh: $secrets/$1 is empty" >&2
        exit 1
    fi
    printf '%s' "$value"
}

keystore_password="$(secret kafka_keystore_password)"
broker_password="$(secret kafka_broker_password)"
client_password="$(secret kafka_client_password)"
: "${NODE_ID:?set NODE_ID}" "${ADVERTISED_HOST:?set ADVERTISED_HOST}"
: "${CLUSTER_ID:?set CLUSTER_ID}" "${CONTROLLER_QUORUM_VOTERS:?set CONTROLLER_QUORUM_VOTERS}"

umask 077
cat >"$config" <<PROPERTIES
process.roles=broker,controller
node.id=${NODE_ID}
controller.quorum.voters=${CONTROLLER_QUORUM_VOTERS}
listeners=SASL_SSL://:${client_port},CONTROLLER://:${controller_port}
advertised.listeners=SASL_SSL://${ADVERTISED_HOST}:${client_port}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=${mechanism}
sasl.mechanism.inter.broker.protocol=${mechanism}
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="${broker_password}";
listener.name.controller.ssl.client.auth=required
ssl.keystore.type=PKCS12
ssl.keystore.location=${secrets}/kafka_keystore
ssl.keystore.password=${keystore_password}
ssl.key.password=${keystore_password}
ssl.truststore.type=PEM
ssl.truststore.location=${secrets}/vatra_ca
log.dirs=${data}
default.replication.factor=${KAFKA_DEFAULT_REPLICATION_FACTOR:-3}
min.insync.replicas=${KAFKA_MIN_INSYNC_REPLICAS:-2}
offsets.topic.replication.factor=${KAFKA_DEFAULT_REPLICATION_FACTOR:-3}
transaction.state.log.replication.factor=${KAFKA_DEFAULT_REPLICATION_FACTOR:-3}
transaction.state.log.min.isr=${KAFKA_MIN_INSYNC_REPLICAS:-2}
auto.create.topics.enable=false
PROPERTIES

if [[ ! -f "$data/meta.properties" ]]; then
    "$kafka_home/bin/kafka-storage.sh" format --config "$config" \
        --cluster-id "$CLUSTER_ID" \
        --add-scram "${mechanism}=[name=broker,password=${broker_password}]" \
        --add-scram "${mechanism}=[name=${KAFKA_CLIENT_USER:-vatra},password=${client_password}]"
fi
exec "$kafka_home/bin/kafka-server-start.sh" "$config"
