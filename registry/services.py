"""The registry's services over one database, built once (the composition root).

Each attribute is a service whose mutating methods are use cases of one unit of work
(:meth:`registry.work.RegistryContext.work`): the change, its audit event and its log leaf commit together.
The HTTP layer injects each service into its handlers as a typed dependency; the command line and the tests use
them the same way::

    registry = Registry(engine, secret)
    registry.init()
    product = registry.products.create_product(actor, name="...", category="pv_module")
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Engine

from registry.accounts.actors import utcnow
from registry.accounts.organisations import Organisations
from registry.accounts.people import Accounts
from registry.certification.declarations import Declarations
from registry.certification.products import Products
from registry.certification.review import Review
from registry.certification.status import StatusChanges
from registry.certification.surveillance import Surveillance
from registry.certification.verification import Verifications
from registry.interop.certified import Exports
from registry.interop.pact import supplier as pact_supplier
from registry.interop.pact.clients import PactClients
from registry.interop.pact.delivery import PactDelivery
from registry.interop.pact.exchange import PactExchange
from registry.keys.service import Keys
from registry.log.service import Log
from registry.log.witnesses import Witnesses
from registry.public.console import ConsoleReads
from registry.public.labels import PublicReads
from registry.work import RegistryContext

log = logging.getLogger("pcf.registry")

#: The supplier documents a product-file input may carry (``supplier_pact``, ...), each read into a factor.
SUPPLIER_READERS = (pact_supplier.READER,)


class Registry:
    """Every service of the registry over one database.

    Args:
        engine: the database (migrated).
        secret: the master secret that seals private keys at rest.
        origin: the log's origin line in checkpoints, e.g. ``pcf-registry.example/log``.
        release: the factor release new declarations are pinned to (default: the newest bundled).
        clock: the time source (tests move it through :attr:`clock`).
        hasher: the Argon2id hasher for people's passwords (tests pass cheaper parameters).
    """

    def __init__(self, engine: Engine, secret: bytes, *, origin: str = "pcf-registry.local/log",
                 release: str | None = None, clock: Callable[[], datetime] = utcnow,
                 hasher: PasswordHasher | None = None) -> None:
        self.ctx = RegistryContext(engine, secret, origin, release or "", clock)
        self.organisations = Organisations(self.ctx)
        self.keys = Keys(self.ctx)
        self.log = Log(self.ctx)
        self.witnesses = Witnesses(self.ctx)
        self.accounts = Accounts(self.ctx, self.log, hasher=hasher)
        self.products = Products(self.ctx)
        self.declarations = Declarations(self.ctx, SUPPLIER_READERS)
        self.review = Review(self.ctx)
        self.verifications = Verifications(self.ctx)
        self.status = StatusChanges(self.ctx)
        self.surveillance = Surveillance(self.ctx, self.status)
        self.public = PublicReads(self.ctx)
        self.pact = PactExchange(self.ctx, self.public)
        self.exports = Exports(self.ctx, self.public)
        self.pact_clients = PactClients(self.ctx)
        self.pact_delivery = PactDelivery(self.ctx, self.pact, self.pact_clients)
        self.console = ConsoleReads(self.ctx, self.products, self.declarations, self.public, self.accounts, self.keys,
                                    self.log)

    def init(self) -> bool:
        """Create the registry organisation, its log key and the log head if missing. Returns True if created.

        The log's origin is fixed by its first checkpoint: once the log has one, its origin line is the log's
        name whatever the settings say now (a changed base URL or port must not rename the log, or every
        checkpoint signed before would stop verifying under the published verifier key)."""
        created = self.keys.init()
        from registry.log import store as log_store

        with self.ctx.read() as s:
            cp = log_store.latest_checkpoint(s)
        if cp is not None:
            logged = cp.note.split("\n", 1)[0]
            if logged and logged != self.ctx.origin:
                log.warning("the log's origin is %r (its checkpoints say so); the configured %r is not used",
                            logged, self.ctx.origin)
                self.ctx.origin = logged
        return created

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.ctx.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.ctx.clock = clock

    @property
    def origin(self) -> str:
        return self.ctx.origin

    @property
    def release(self) -> str:
        return self.ctx.release
