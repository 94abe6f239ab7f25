"""Carrying out an erasure: the data key of every person erased is destroyed.

``PersonalDataErased`` on a case is the decision; destroying the person's data
key in the personal-data store is its effect (crypto-shredding). This handler
follows the events like the read models, on the notification-log follower and
on the projector's Kafka consumer group, so an erasure recorded any other way
(the generic command, a crash between recording and destroying, a restored
backup of the store) still takes effect, and a rebuild applies every erasure
again.

Idempotent: destroying a destroyed key changes nothing. The key is destroyed
in the feed's transaction, with the handler's position. It owns no read model
(``tables`` is empty), so a rebuild drops nothing of the personal-data store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection, Cursor

from domain.events import PersonalDataErased
from handlers.ports import DataKeys
from projections.feed import Delivered


class KeyDestruction:
    """Destroys the data key of every person a ``PersonalDataErased`` names."""

    # The name its position is recorded under (kept from when it was a projection).
    name = "personal_data_erasure"
    tables: tuple[str, ...] = ()

    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys

    def create(self, conn: Connection[Any]) -> None:
        self.keys.create(conn)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        for item in batch:
            event = item.event
            if isinstance(event, PersonalDataErased):
                self.keys.destroy(cur, [event.subject_ref], event.timestamp)
