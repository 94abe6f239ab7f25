"""The keys the tests' backbones run with.

An identification keeps the person's attributes in the encrypted personal-data
store, which refuses to work without ``VATRA_PERSONAL_DATA_KEY``: every
backbone a test opens is given this one (a fixed test key, never a real one).
"""

from __future__ import annotations

import base64

PERSONAL_DATA_KEY = base64.b64encode(bytes(range(32))).decode()
# Settings to merge into the environment a test's backbone is built from.
KEYS_ENV = {"VATRA_PERSONAL_DATA_KEY": PERSONAL_DATA_KEY}
