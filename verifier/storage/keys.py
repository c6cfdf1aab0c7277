"""API keys: shown once, stored only as a hash, scoped to one organisation; looked up through a short cache."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from verifier.storage.models import ApiKey, Organization, utcnow

PREFIX = "vk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, org_name: str) -> str:
    """A new key for an organisation (created if new); the plain key is returned once, never stored."""
    org = session.exec(select(Organization).where(Organization.name == org_name)).first()
    if org is None:
        org = Organization(name=org_name)
        session.add(org)
        session.flush()
    key = PREFIX + secrets.token_urlsafe(32)
    assert org.id is not None
    session.add(ApiKey(org_id=org.id, key_hash=hash_key(key), prefix=key[:10]))
    session.commit()
    return key


def lookup(session: Session, key: str) -> ApiKey | None:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke(session: Session, prefix_or_key: str) -> int:
    """Revoke keys by their full value or their printed prefix; returns how many were revoked."""
    if prefix_or_key.startswith(PREFIX) and len(prefix_or_key) > 20:
        rows = list(session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(prefix_or_key))))
    else:
        rows = list(session.exec(select(ApiKey).where(ApiKey.prefix == prefix_or_key)))
    for r in rows:
        if r.revoked_at is None:
            r.revoked_at = utcnow()
            session.add(r)
    session.commit()
    return len(rows)


@dataclass(frozen=True)
class KeyOwner:
    key_id: int
    org_id: int


class KeyCache:
    """Keys this process has looked up, trusted for `ttl` seconds: a poll needs no key query, and a
    revocation (or a key deleted) is honoured once the entry expires. Unknown keys are not kept, so a
    new key works at once."""

    def __init__(self, ttl: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._known: dict[str, tuple[KeyOwner, float]] = {}

    def cached(self, key: str) -> KeyOwner | None:
        """The key's owner if this process looked it up less than `ttl` ago (no I/O)."""
        hit = self._known.get(hash_key(key))
        return hit[0] if hit is not None and hit[1] > self.clock() else None

    def lookup(self, session: Session, key: str) -> KeyOwner | None:
        hit = self.cached(key)
        if hit is not None:
            return hit
        digest, now = hash_key(key), self.clock()
        row = lookup(session, key)
        if row is None or row.id is None:
            self._known.pop(digest, None)
            return None
        owner = KeyOwner(key_id=row.id, org_id=row.org_id)
        if self.ttl > 0:
            if len(self._known) >= self.max_entries:
                self._known.clear()  # a flood of keys: start over rather than grow
            self._known[digest] = (owner, now + self.ttl)
        return owner
