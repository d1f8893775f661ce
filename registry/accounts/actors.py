"""Who acts in the registry: an organisation in a role (from a token, a signed-in person, or the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from registry.errors import Forbidden
from registry.keys.custody import REGISTRY_ORG


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: an organisation, its role, and the token or person (for the audit trail)."""

    org_id: str
    role: str
    who: str = "cli"

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you act as {self.role}")


SYSTEM = Actor(REGISTRY_ORG, "admin", "system")
