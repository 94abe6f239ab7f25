"""PostgreSQL: the event store's database, tamper evidence, wake-ups, the
personal-data store, the access log and the dead letters."""
