"""Errors raised by the SOP rule model, its calendar and its loaders."""

from __future__ import annotations


class SopError(Exception):
    """Base class of every SOP rule-model error."""


class RuleFileError(SopError):
    """A rule file (or a rule built from one) is malformed.

    The message names the file, the rule id when there is one, and the problem,
    so an administrator can fix the file without reading code.
    """


class CalendarFileError(SopError):
    """The working-day calendar file is malformed."""


class NoRuleSetInForce(SopError, LookupError):
    """No rule set was in force at the asked moment (before the earliest one)."""


class InvalidCorrection(SopError):
    """An ``EntryCorrected`` fact cannot be applied to the facts given."""


class InvalidFacts(SopError):
    """The facts given do not form one case's history."""
