"""The statements of the chained recorder (``services.store.event_chain``):
the chain table, the event insert and the chain's heads and records."""

from __future__ import annotations

CHAIN_DDL = """
CREATE TABLE IF NOT EXISTS {chain} (
    seq bigint PRIMARY KEY,
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    notification_id bigint NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    log_hash bytea NOT NULL,
    key_id text NOT NULL,
    UNIQUE (originator_id, originator_version)
)
"""


# The log chain's last record (the row without a case id: its seq and log
# hash), and the hashes of the given (case, version) records.
SELECT_HEADS = """
SELECT NULL::uuid AS originator_id, seq AS originator_version, log_hash AS hash
FROM (SELECT seq, log_hash FROM {chain} ORDER BY seq DESC LIMIT 1) AS head
UNION ALL
SELECT c.originator_id, c.originator_version, c.hash FROM {chain} c
JOIN unnest(%b::uuid[], %b::bigint[]) AS w(id, version)
ON c.originator_id = w.id AND c.originator_version = w.version
"""

# Only events that follow a version the store holds, or another event of the
# same insert, or open their case, are inserted: the writer compares the
# ids returned with the events it gave, and refuses the whole write if one
# was left out (``event_writes``). A writer deciding on a case it kept in
# memory cannot leave a gap in the case's versions where the store lost
# some (restored from an older backup).
INSERT_EVENTS = """
WITH new (originator_id, originator_version, topic, state, envelope) AS (
    SELECT * FROM unnest(
        %b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[], %b::bytea[]
    )
)
INSERT INTO {events} (originator_id, originator_version, topic, state, envelope)
SELECT * FROM new
WHERE new.originator_version = 1
OR EXISTS (
    SELECT FROM {events} held WHERE held.originator_id = new.originator_id
    AND held.originator_version = new.originator_version - 1
)
OR EXISTS (
    SELECT FROM new AS before WHERE before.originator_id = new.originator_id
    AND before.originator_version = new.originator_version - 1
)
RETURNING notification_id
"""

INSERT_CHAIN = """
INSERT INTO {chain} (seq, originator_id, originator_version, notification_id,
    prev_hash, hash, log_hash, key_id)
VALUES (%b, %b, %b, %b, %b, %b, %b, %b)
"""

# Raised in the database to make sure a transaction can only roll back.
ABORT = (
    "DO $$ BEGIN RAISE EXCEPTION 'chain records not written: "
    "the events are not recorded'; END $$"
)
