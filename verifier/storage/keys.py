"""API keys: shown once, stored only as a hash, scoped to one organisation."""

from __future__ import annotations

import hashlib
import secrets

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
