"""The contract's vocabularies, kept in one place so every stage speaks the same words."""

from enum import StrEnum


class Verdict(StrEnum):
    VERIFIED = "verified"
    MINOR = "minor_differences"
    ALTERED = "altered"
    NOT_FOUND = "not_found"
    MISATTRIBUTED = "misattributed"
    UNVERIFIABLE = "unverifiable"


class LinkStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    SOFT_404 = "soft_404"
    BLOCKED = "blocked"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    TOO_LARGE = "too_large"
    NO_TEXT = "no_text"
    REFUSED = "refused"


class DiffKind(StrEnum):
    REPLACED = "replaced"
    ADDED = "added"
    DROPPED = "dropped"
    INSERTED_NOTE = "inserted_note"
    SPELLING = "spelling"


class BriefStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class LinkState(StrEnum):
    """A source's health over time (rechecks move it; one failure is not rot)."""

    LIVE = "live"
    FAILING = "failing"
    DEAD = "dead"


class EventKind(StrEnum):
    """What a recheck tells an organisation about (events and webhooks)."""

    LINK_DIED = "link_died"
    LINK_RECOVERED = "link_recovered"
    QUOTE_CHANGED = "quote_changed"
    QUOTE_REMOVED = "quote_removed"


#: verdicts that mean "the source says it"
ACCEPTED = frozenset({Verdict.VERIFIED, Verdict.MINOR})
