"""The Demo City's live activity: a few txs per second of city life, sent to a running node.

It is an ordinary client of the node's API (the SDK), holding the demo's keys: citizens pay each
other in City Coin, the University grants study credits, and now and then a parcel is sold,
mortgaged or freed of a mortgage, or a new lot is surveyed and registered. It reads the current
state before acting, so it works on any Demo City chain, however long it has run; it is not
reproducible (the wall clock and the OS's randomness drive it). A refused or failed tx is logged,
never fatal.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

from metrobloc.crypto import PrivateKey
from metrobloc.demo.city import DemoCity
from metrobloc.demo.history import CITY_COIN, CREDITS, DISTRICTS, MEMOS, REGISTRATION_CLAIM
from metrobloc.errors import MetroblocError
from metrobloc.ledger.limits import MAX_SIGNERS
from metrobloc.sdk import ApiError, Client, assets, land

log = logging.getLogger("metrobloc.demo")

TXS_PER_SECOND = 3.0
STARTUP_TIMEOUT_S = 60.0


class Activity:
    """Sends city life to the node at ``url`` from a background thread: ``Activity(city, url).start()``."""

    def __init__(self, city: DemoCity, url: str, *, rate: float = TXS_PER_SECOND) -> None:
        self.city = city
        self.url = url
        self.interval = 1 / rate
        self.rng = random.Random()
        people = city.people
        self.keys: dict[str, PrivateKey] = {a.address: a.key for a in people.agencies}
        self.keys.update({c.address: c.key for c in people.citizens})
        self.sent = 0
        """Txs the node admitted."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Activity:
        # httpx logs every request at INFO: at the node's --log-level info that would drown its own log.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._thread = threading.Thread(target=self.run, name="metrobloc-demo-activity", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Until ``stop``: wait for the node, then one act every ``interval`` seconds."""
        with Client(self.url, timeout=10) as client:
            if not self._node_up(client):
                return
            log.info("demo activity: about %.0f txs/s to %s", 1 / self.interval, self.url)
            while not self._stop.wait(self.interval):
                self.act(client)

    def act(self, client: Client) -> None:
        """One plausible thing happens; whatever goes wrong is logged and the city goes on."""
        roll = self.rng.random()
        try:
            if roll < 0.04:
                self.rng.choice((self.sale, self.sale, self.mortgage, self.repayment, self.survey))(client)
            elif roll < 0.08:
                self.study_credits(client)
            else:
                self.transfer(client)
        except ApiError as exc:
            if exc.code == "client.unreachable":  # the node is stopping
                log.info("demo activity: %s", exc)
                return
            log.warning("demo activity: refused: %s", exc)
        except MetroblocError as exc:
            log.warning("demo activity: %s: %s", exc.code, exc.message)
        except Exception:  # noqa: BLE001 - a generator bug must not take the node's process down
            log.exception("demo activity: unexpected error")

    def _node_up(self, client: Client) -> bool:
        for _ in range(int(STARTUP_TIMEOUT_S / 0.2)):
            try:
                client.status()
                return True
            except ApiError:
                if self._stop.wait(0.2):
                    return False
        log.warning("demo activity: no node answered at %s; no live activity", self.url)
        return False

    # -- the acts ----------------------------------------------------------------------------------
    def transfer(self, client: Client) -> None:
        """A citizen pays another; one short of money first gets City Hall's support payment."""
        sender, to = self.rng.sample(self.city.people.citizens, 2)
        balance = self.spendable(client, sender.address)
        if balance < 10_00:
            support = assets.mint(CITY_COIN, sender.address, 1_000_00)
            self.send(client, [self.city.people.city_hall.key], [support], "citizen support")
            return
        amount = self.rng.randrange(1_00, min(balance // 5, 500_00) + 1)
        self.send(client, [sender.key], [assets.transfer(CITY_COIN, to.address, amount)], self.rng.choice(MEMOS))

    def study_credits(self, client: Client) -> None:
        student = self.rng.choice(self.city.people.citizens)
        grade = assets.mint(CREDITS, student.address, self.rng.randrange(1, 11))
        self.send(client, [self.city.people.university.key], [grade], "course passed")

    def sale(self, client: Client) -> None:
        """A parcel changes hands: the buyer pays every owner their share; every party signs."""
        record = self.random_parcel(client)
        owners = [(o["address"], o["share_bp"]) for o in record["owners"]]
        buyer = self.rng.choice([c for c in self.city.people.citizens if c.address not in dict(owners)])
        balance = self.spendable(client, buyer.address)
        price = balance * self.rng.randrange(30, 81) // 100 // 100 * 100
        if price < 1_000_00:
            return
        shares = [price * bp // 10_000 for _, bp in owners]
        shares[0] += price - sum(shares)
        msgs = [assets.transfer(CITY_COIN, a, n) for (a, _), n in zip(owners, shares, strict=True)]
        deed = land.document_digest(f"sale of {record['parcel']} to {buyer.address}".encode())
        msgs.append(land.transfer(record["parcel"], [(buyer.address, 10_000)], deed, (CITY_COIN, price)))
        parties = [buyer.address, *dict(owners), self.city.people.registry.address]
        parties += sorted({lien["lender"] for lien in record["liens"]} - set(parties))
        self.send(client, [self.keys[a] for a in parties], msgs, f"sale of {record['parcel']}", wait=True)

    def mortgage(self, client: Client) -> None:
        """The bank lends to a parcel's owners against a lien, paying the loan out in the same tx."""
        record = self.random_parcel(client)
        if len(record["liens"]) >= 3:
            return
        bank = self.city.people.bank
        amount = self.rng.randrange(10_000_00, 150_000_00, 1_000_00)
        owners = [o["address"] for o in record["owners"]]
        agreement = land.document_digest(f"loan {self.rng.getrandbits(64)} on {record['parcel']}".encode())
        msgs = [
            assets.transfer(CITY_COIN, owners[0], amount),
            land.create_lien(record["parcel"], bank.address, amount, CITY_COIN, agreement),
        ]
        self.send(client, [bank.key, *(self.keys[a] for a in owners)], msgs, f"mortgage on {record['parcel']}")

    def repayment(self, client: Client) -> None:
        """A borrower repays the bank, which releases its lien."""
        bank = self.city.people.bank
        liens = client.land_liens(bank.address)["liens"]
        if not liens:
            return
        lien = self.rng.choice(liens)
        owner = client.land_parcel(lien["parcel"])["owners"][0]["address"]
        msgs = [land.release_lien(lien["parcel"], lien["lien_id"])]
        if self.spendable(client, owner) < int(lien["amount"]):  # repaid off the ledger
            self.send(client, [bank.key], msgs, f"loan on {lien['parcel']} repaid", wait=True)
            return
        msgs = [assets.transfer(CITY_COIN, bank.address, lien["amount"]), *msgs]
        self.send(client, [self.keys[owner], bank.key], msgs, f"loan on {lien['parcel']} repaid", wait=True)

    def survey(self, client: Client) -> None:
        """A new lot: the University surveys it, City Hall confirms, and its owner registers it."""
        district = self.rng.choice(sorted(DISTRICTS))
        parcel = f"{DISTRICTS[district]}-{self.rng.randrange(10, 100)}:{self.rng.randrange(1, 10)}"
        owner = self.rng.choice(self.city.people.citizens)
        survey = land.document_digest(f"survey of {parcel} {self.rng.getrandbits(64)}".encode())
        area = self.rng.randrange(200, 2000)
        registration = land.register_parcel(parcel, district, area, [(owner.address, 10_000)], [survey])
        vote = land.attest(REGISTRATION_CLAIM, parcel, land.registration_digest(registration))
        people = self.city.people
        for oracle in (people.university, people.city_hall):
            if self.send(client, [oracle.key], [vote], f"survey of {parcel}", wait=True) != "ok":
                return
        self.send(client, [owner.key], [registration], f"{parcel} registered on its survey", wait=True)

    # -- reading and sending -----------------------------------------------------------------------
    def spendable(self, client: Client, address: str) -> int:
        """The City Coin ``address`` can pay now: its balance less the demurrage owed since it last moved.

        City Coin demurs (``money.py``): an account that has not moved for a period holds less than its
        stored balance says, and a payment of the stored balance would be refused.
        """
        now_ms = time.time_ns() // 1_000_000
        answer = client.get(f"/v1/assets/{CITY_COIN}/balances/{address}", {"at_ms": now_ms})
        return int(answer.get("spendable", answer["balance"]))

    def random_parcel(self, client: Client) -> dict[str, Any]:
        district = self.rng.choice(sorted(DISTRICTS))
        parcels = client.land_parcels(district=district)["parcels"]
        if not parcels:
            raise MetroblocError(f"no parcel in {district} yet", "demo.no_parcel")
        return client.land_parcel(self.rng.choice(parcels)["parcel"])

    def send(
        self, client: Client, keys: list[PrivateKey], msgs: list[dict[str, Any]], memo: str, *, wait: bool = False
    ) -> str:
        """Submit a tx signed by ``keys``; with ``wait`` return its status once committed (else "sent")."""
        if len(keys) > MAX_SIGNERS:
            return "skipped"
        answer = client.submit(client.build_tx(keys, msgs, memo=memo), wait=wait)
        self.sent += 1
        if not wait:
            return "sent"
        receipt = answer["receipt"]
        if receipt["status"] != "ok":
            log.info("demo activity: %s failed: %s", memo, receipt["error"]["code"])
        return str(receipt["status"])
