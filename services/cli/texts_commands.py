"""``vatra move-texts``: typed text of old events into the encrypted store."""

from __future__ import annotations

import argparse

from services.config.bootstrap import open_backbone
from services.store.moved_texts import move_inline_texts
from services.store.personal_texts import PersonalTexts


def cmd_move_texts(args: argparse.Namespace) -> int:
    """Copy the typed text of events recorded before it was kept apart into
    the person's encrypted store, record each move, and scrub the read models
    (``services.store.moved_texts``). Safe to run again. Exit 2 without
    ``VATRA_PERSONAL_DATA_KEY``."""
    with open_backbone() as backbone:
        if not isinstance(backbone.service.texts, PersonalTexts):
            print("vatra: VATRA_PERSONAL_DATA_KEY is not set: nothing can be moved")
            return 2
        backbone.follower.catch_up()
        moved = move_inline_texts(
            backbone.app,
            backbone.pool,
            backbone.service.texts,
            backbone.clock,
            actor_id=args.actor,
            actor_role=args.role,
        )
    print(
        f"{moved.events} events held typed text inline: {moved.texts} texts "
        f"moved to the encrypted store now, {moved.erased} of people erased "
        "before (they read as erased). The events keep their text: see "
        "docs/ARCHITECTURE.md, Privacy."
    )
    return 0
