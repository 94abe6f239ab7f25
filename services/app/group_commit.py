"""Group commit: the changes of concurrent commands are saved together.

Every save of events is one transaction with one fsync, and eventsourcing's
recorder locks the events table for it so that notification ids follow commit
order: one command per transaction would make commands queue for that lock
and that fsync one by one. Instead, whoever finds no save under way saves
every change that is waiting at that moment in one transaction (``_store``),
while the callers that arrive meanwhile queue up; when that save ends, the
first of them saves the next group. There is no thread and no timer: a
caller alone saves alone, at once, and nothing is left running on close.

Each caller still gets exactly its own outcome. A group refused by the store's
uniqueness on (case id, version) is saved again one change at a time, so only
the change that really lost the race gets the ``IntegrityError``; any other
error of the one transaction (nothing of it was recorded) goes to every
caller of the group.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Sequence
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import IntegrityError

# The most changes saved in one transaction: big enough to take every
# client's change at once, small enough to keep one transaction short.
MAX_GROUP = 64


class _Change:
    """One caller's aggregate, waiting for its events to be saved."""

    def __init__(self, aggregate: Aggregate) -> None:
        self.aggregate_id: UUID = aggregate.id
        # Taken now: a refused group has consumed nothing the retry needs.
        self.events: list[CanMutateAggregate[UUID]] = list(aggregate.collect_events())
        self.first_version: int = self.events[0].originator_version
        self.last_version: int = self.events[-1].originator_version
        # A change of the same aggregate taken into a group ahead of this one.
        self.after: _Change | None = None
        self.leads = False
        self.done = False
        self.error: BaseException | None = None
        self.woken = threading.Event()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done = True

    def succeed(self) -> None:
        self.done = True


class GroupCommit:
    """Saves aggregates of concurrent callers together, each caller its own outcome.

    Leader and followers: the caller that finds no save under way leads; the
    leader saves the waiting changes, then hands the lead to the first caller
    still waiting, if any.
    """

    def __init__(self, app: Application[UUID], *, max_group: int = MAX_GROUP) -> None:
        self._app = app
        self._max_group = max_group
        self._lock = threading.Lock()
        self._waiting: deque[_Change] = deque()
        self._leading = False

    @property
    def queued(self) -> int:
        """How many changes wait to be taken into the next group."""
        with self._lock:
            return len(self._waiting)

    def save(self, aggregate: Aggregate) -> list[CanMutateAggregate[UUID]]:
        """Record the aggregate's pending events; return them once committed.

        Raises ``IntegrityError`` when another change to the aggregate, from
        this process or any other, was saved first (the caller loaded a
        version that is no longer the latest), and whatever else the store
        raised for the transaction that carried this change.
        """
        if not aggregate.pending_events:
            return []
        change = _Change(aggregate)
        with self._lock:
            self._waiting.append(change)
            if not self._leading:
                self._leading = change.leads = True
        if not change.leads:
            try:
                change.woken.wait()
            except BaseException:
                self._abandon(change)
                raise
        if change.leads:
            self._lead()
        if change.error is not None:
            raise change.error
        return change.events

    def _lead(self) -> None:
        group: list[_Change] = []
        try:
            self._take(group)
            self._commit(group)
        except BaseException as error:
            # Interrupted (or a bug): whether the group's transaction committed
            # is unknown, and the interruption is the leader's alone.
            for change in group:
                if not change.done:
                    change.fail(_interrupted(error))
            raise
        finally:
            self._hand_over()
            for change in group:
                change.woken.set()

    def _take(self, group: list[_Change]) -> None:
        """Move the changes to save now into ``group``: at most one per aggregate."""
        deferred: list[_Change] = []
        taken: dict[UUID, _Change] = {}
        with self._lock:
            try:
                while self._waiting and len(group) < self._max_group:
                    change = self._waiting.popleft()
                    if change.after is not None and self._lost_to(change, change.after):
                        group.append(change)  # decided: released with the group
                        continue
                    earlier = taken.get(change.aggregate_id)
                    if earlier is not None:
                        # Loaded before ``earlier`` was saved: wait for its outcome.
                        change.after = earlier
                        deferred.append(change)
                        continue
                    taken[change.aggregate_id] = change
                    group.append(change)
            finally:
                self._waiting.extendleft(reversed(deferred))

    @staticmethod
    def _lost_to(change: _Change, earlier: _Change) -> bool:
        """Decide a change queued behind an earlier one of the same aggregate.

        If the earlier change was saved, this one was loaded before it and
        reuses a version it took: refused without asking the store. If the
        earlier one failed, the store decides this one in the next group.
        """
        change.after = None
        saved = earlier.done and earlier.error is None
        if saved and change.first_version <= earlier.last_version:
            change.fail(
                IntegrityError(
                    f"aggregate {change.aggregate_id} version "
                    f"{change.first_version} was saved first by another change"
                )
            )
            return True
        return False

    def _commit(self, group: Sequence[_Change]) -> None:
        pending = [change for change in group if not change.done]
        if not pending:
            return
        try:
            self._store([event for change in pending for event in change.events])
        except IntegrityError as error:
            if len(pending) == 1:
                pending[0].fail(error)
                return
            # Someone lost a race: find out who, one transaction each.
            for change in pending:
                self._commit_alone(change)
        except Exception as error:
            # One transaction: nothing of it was recorded, it failed for all.
            for change in pending:
                change.fail(_own_copy(error))
        else:
            for change in pending:
                change.succeed()

    def _commit_alone(self, change: _Change) -> None:
        try:
            self._store(change.events)
        except Exception as error:
            change.fail(error)
        else:
            change.succeed()

    def _store(self, events: Sequence[CanMutateAggregate[UUID]]) -> None:
        """Insert ``events`` in one transaction: what ``Application.save()``
        does with events (there are no aggregates, snapshots or aggregate
        cache here), without its runtime protocol check of each argument."""
        app = self._app
        app.recorder.insert_events([app.mapper.to_stored_event(e) for e in events])

    def _hand_over(self) -> None:
        with self._lock:
            self._promote_first()

    def _promote_first(self) -> None:
        if self._waiting:
            successor = self._waiting[0]
            successor.leads = True
            successor.woken.set()
        else:
            self._leading = False

    def _abandon(self, change: _Change) -> None:
        """A waiting caller was interrupted: withdraw its change if not yet taken.

        A change a leader has taken is saved or not as the leader finds; one
        just given the lead passes it on, or everyone behind it would wait.
        """
        with self._lock:
            if change not in self._waiting:
                return
            self._waiting.remove(change)
            if change.leads:
                self._promote_first()


def _interrupted(error: BaseException) -> Exception:
    interrupted = RuntimeError(
        "the save of this change was interrupted: reload the case to see "
        "whether it was recorded"
    )
    interrupted.__cause__ = error
    return interrupted


def _own_copy(error: Exception) -> Exception:
    """A copy of ``error`` for one caller: each raise gets its own traceback."""
    try:
        mine = copy.copy(error)
    except Exception:
        return error
    # The original carries the traceback of where the store failed.
    mine.__cause__ = error
    return mine
