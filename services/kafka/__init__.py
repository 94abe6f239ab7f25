"""Kafka: topics, the relay onto them, the consumer runner, the access-log publisher."""
