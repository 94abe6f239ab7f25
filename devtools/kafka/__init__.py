"""Run a real Apache Kafka (KRaft) on loopback: one node, or a three-node cluster.

Integration tests, fault tests, benchmarks and ``vatra kafka`` need a real
broker, not a fake. The jars come from Maven Central through
``deploy/kafka/pom.xml`` (``jars.fetch_jars``); a node is a combined
broker+controller started with ``java -cp 'libs/*' kafka.Kafka
server.properties`` after ``kafka.tools.StorageTool format``
(``process.LocalKafka``); ``cluster.LocalKafkaCluster`` runs three of them on
one quorum; ``security.SaslSsl`` gives a node a SASL_SSL client listener
(TLS and SCRAM-SHA-512 users). Nothing here runs at import time.

In Python::

    with LocalKafka(tmp_path / "kafka") as kafka:        # free ports, 512 MiB heap
        use(kafka.bootstrap_servers)                      # "127.0.0.1:<port>"

    security = SaslSsl.create(tmp_path / "certs")        # deploy/kafka/make-certs.sh
    with LocalKafka(tmp_path / "kafka", security=security) as kafka:
        use(kafka.client_options())                       # SASL_SSL, SCRAM-SHA-512

    with LocalKafkaCluster(tmp_path / "cluster") as cluster:
        cluster.kill_node(0)                              # SIGKILL node id 1
        cluster.start_node(0)

From a shell (``deploy/kafka/kafka.sh`` and ``vatra kafka`` wrap this,
``cli``)::

    python -m devtools.kafka start --data-dir var/kafka --port 9092
    python -m devtools.kafka stop --data-dir var/kafka
"""
