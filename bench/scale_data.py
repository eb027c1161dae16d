"""The rows bench/scale_load.py writes: tenant creos at start-of-term size (issue 10).

Everything is decided in memory first (deterministic for a seed), then streamed to COPY as
text lines, table by table in foreign-key order. The ledger is simulated wallet by wallet in
time order, as `payments.ledger.ledger_post` would have written it: two lines per transaction
summing to zero, each wallet line carrying the wallet's running balance, a top-up posted
whenever a payment would take a balance below zero.
"""

from __future__ import annotations

import random
import secrets
import time
import unicodedata
import uuid
from dataclasses import dataclass, field

DAY = 86_400

FIRST_NAMES = (
    "Marie", "Jean", "Pierre", "Sophie", "Nathalie", "Isabelle", "Philippe", "Michel", "Catherine",
    "Christine", "Luc", "Anne", "Laurent", "Valérie", "Sandrine", "Olivier", "Nicolas", "David",
    "Julie", "Céline", "Thomas", "Emma", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Camille",
    "Nolan", "Manon", "Arthur", "Inès", "Jules", "Sarah", "Noah", "Zoé", "Adam", "Alice",
    "Gabriel", "Lina", "Mohamed", "Fatima", "Youssef", "Amina", "Mehmet", "Elif", "Giulia",
    "Marco", "Ana", "João", "Piotr", "Agnieszka", "Sven", "Ingrid", "Kevin", "Jessica", "Bruno",
    "Martine", "Patrick", "Françoise", "Éloïse", "Maël", "Théo", "Louise", "Victor", "Jade",
    "Raphaël"
)  # fmt: skip
LAST_NAMES = (
    "Dupont", "Dubois", "Lambert", "Martin", "Peeters", "Janssens", "Maes", "Jacobs", "Mertens",
    "Willems", "Claes", "Goossens", "Wouters", "Leclercq", "Lemaire", "Dumont", "Renard", "Simon",
    "Laurent", "Lefebvre", "Michel", "Mathieu", "Legrand", "Fontaine", "Leroy", "Dupuis", "Denis",
    "Gilles", "François", "Muller", "Schmit", "Wagner", "Hoffmann", "Bernard", "Petit", "Durand",
    "Moreau", "Girard", "Bonnet", "Mercier", "Rousseau", "Vincent", "Garnier", "Faure",
    "Chevalier", "Robin", "Masson", "Sanchez", "Garcia", "Lopez", "Martinez", "Rossi", "Russo",
    "Esposito", "Bianchi", "Yilmaz", "Kaya", "Demir", "Benali", "Haddad", "Diallo", "Traoré",
    "N'Diaye", "Nowak", "Kowalski", "Silva", "Santos", "Pereira", "Costa", "Collard", "Hubert",
    "Noël", "Lejeune", "Marchal", "Dethier", "Delvaux", "Thiry", "Bodart", "Lecomte", "Mahieu",
    "Piette", "Henrard", "Gérard", "Grégoire", "Collignon", "Jadoul", "Pirard"
)  # fmt: skip
ACTIVITY_NAMES = (
    "Piscine", "Classe de neige", "Musée", "Théâtre", "Photo de classe", "Excursion", "Cinéma",
    "Classe verte", "Sortie au zoo", "Concert", "Atelier cuisine", "Repas chaud", "Garderie",
    "Journal de classe", "Manuels scolaires", "Activité handball temps de midi", "Stage sportif",
)  # fmt: skip
AMOUNTS = (200, 350, 500, 800, 1000, 1200, 1500, 2000, 2500, 3000, 4500)
LEVELS = ("M1", "M2", "M3", "P1", "P2", "P3", "P4", "P5", "P6")
DOMAINS = ("example.be", "hotmail.com", "gmail.com", "skynet.be", "outlook.com", "proximus.be")
# Recovery outcomes at creos, with the share of requests and the audit event each leaves.
OUTCOMES = (
    ("mail_sent", 0.58, "link_sent", ""),
    ("completed", 0.14, "link_sent", ""),
    ("no_account", 0.16, "request_processed", ""),
    ("throttled", 0.06, "request_processed", "ip"),
    ("not_migrated", 0.03, "request_processed", ""),
    ("no_address", 0.02, "request_processed", ""),
    ("inactive", 0.01, "request_processed", ""),
)
PAYMENT_MAILS = (
    ("invitation_received", 0.5),
    ("payment_receipt", 0.3),
    ("due_reminder", 0.12),
    ("low_balance", 0.05),
    ("autopay_done", 0.03),
)


@dataclass(frozen=True)
class Sizes:
    payers: int  # parents who pay (one wallet each), two children each
    second: int  # second guardians (not paying), two children each
    activities: int
    invitations: int
    requests: int
    messages: int

    @property
    def parents(self) -> int:
        return self.payers + self.second

    @property
    def students(self) -> int:
        return 2 * self.payers

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int, floor: int = 1) -> int:
            return max(floor, round(full * scale))

        payers = n(30_000, 2)
        return cls(payers, payers // 3, n(1_000, 2), n(1_000_000), n(200_000), n(500_000))


@dataclass
class Context:
    """What the seeded database says: ids to hang rows on, and the first free id of each table."""

    tenant_id: int
    school_id: int
    secretary_id: int
    password_hash: str
    next_id: dict[str, int]
    taken_references: set[str]
    now: int = field(default_factory=lambda: int(time.time()))


def ts(seconds: float | None) -> str:
    if seconds is None:
        return r"\N"
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(seconds))


def day(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def null(value: object) -> str:
    return r"\N" if value is None else str(value)


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


class ScaleData:
    """The whole load, decided in memory; `rows(table)` yields its COPY text lines."""

    def __init__(self, sizes: Sizes, ctx: Context, seed: int = 10) -> None:
        self.sizes, self.ctx, self.rng = sizes, ctx, random.Random(seed)
        self.ids = dict(ctx.next_id)
        self._people()
        self._activities()
        self._invitations()
        self._ledger()
        self._mails_and_requests()

    def _take_ids(self, table: str, count: int) -> int:
        first = self.ids[table]
        self.ids[table] = first + count
        return first

    # --- people ---------------------------------------------------------------------------
    def _people(self) -> None:
        s, rng, now = self.sizes, self.rng, self.ctx.now
        self.parent0 = self._take_ids("accounts_user", s.parents + s.students)
        self.student0 = self.parent0 + s.parents
        families = [rng.choice(LAST_NAMES) for _ in range(s.payers)]
        self.people = []  # (first, last, email, joined) by index: parents, then students
        for p in range(s.parents):
            last = families[p] if p < s.payers else families[p - s.payers]
            if p >= s.payers and rng.random() < 0.5:  # a second guardian with another name
                last = rng.choice(LAST_NAMES)
            first = rng.choice(FIRST_NAMES)
            email = f"{ascii_slug(first)}.{ascii_slug(last)}{p}@{rng.choice(DOMAINS)}"
            self.people.append((first, last, email, now - rng.randint(365, 1500) * DAY))
        for c in range(s.students):
            first = rng.choice(FIRST_NAMES)
            self.people.append((first, families[c // 2], "", now - rng.randint(365, 1500) * DAY))

    def payer_of(self, student: int) -> int:
        return student // 2  # parent index == wallet index

    def user_id(self, person: int) -> int:
        return self.parent0 + person

    def rows_users(self):
        s, ctx, rng = self.sizes, self.ctx, self.rng
        for i, (first, last, email, joined) in enumerate(self.people):
            student = i >= s.parents
            k = i - s.parents if student else i
            identifier = f"{ascii_slug(first)}.{ascii_slug(last)}.{'e' if student else 'p'}{k}"
            password = ctx.password_hash if rng.random() > 0.04 else "!" + secrets.token_hex(20)
            migrated = "t" if rng.random() > 0.03 else "f"
            active = "t" if rng.random() > 0.01 else "f"
            classroom = number = ""
            if student:
                level = LEVELS[k * len(LEVELS) // s.students]
                classroom = f"{level} {k // 25 % 1000:03d}"
                number = f"{4_000_000_000 + k}"
            last_login = ts(ctx.now - rng.randint(0, 200) * DAY) if rng.random() < 0.7 else r"\N"
            yield (
                f"{self.user_id(i)}\t{password}\t{last_login}\tf\t{identifier}\t{email}\t{first}\t"
                f"{last}\t{'f' if student else 't'}\t{'t' if student else 'f'}\tf\tf\tf\t{active}"
                f"\t{migrated}\tf\t\t{number}\t{classroom}\t\t\t\\N\t{ts(joined)}\t{ctx.tenant_id}"
            )

    def rows_user_schools(self):
        first = self._take_ids("accounts_user_schools", len(self.people))
        for i in range(len(self.people)):
            yield f"{first + i}\t{self.user_id(i)}\t{self.ctx.school_id}"

    def rows_guardian_links(self):
        s = self.sizes
        links = [(self.payer_of(c), c, "t") for c in range(s.students)]
        links += [(s.payers + c // 2, c, "f") for c in range(2 * s.second)]
        first = self._take_ids("accounts_guardianlink", len(links))
        for n, (parent, child, paying) in enumerate(links):
            student = self.user_id(s.parents + child)
            yield f"{first + n}\t{paying}\t{student}\t{self.user_id(parent)}\t{self.ctx.tenant_id}"

    # --- activities and invitations --------------------------------------------------------
    def _activities(self) -> None:
        s, rng, now = self.sizes, self.rng, self.ctx.now
        self.activity0 = self._take_ids("payments_activity", s.activities)
        self.activities = []  # (title, kind, amount, starts, due, event, created)
        for a in range(s.activities):
            starts = (now // DAY - rng.randint(-20, 330)) * DAY
            due = starts + rng.randint(10, 40) * DAY
            created = min(
                starts - rng.randint(0, 3) * DAY + 8 * 3600, now - rng.randint(1, 5) * 3600
            )
            event = due + rng.randint(1, 10) * DAY if rng.random() < 0.6 else None
            title = f"{rng.choice(ACTIVITY_NAMES)} — {LEVELS[a % len(LEVELS)]} ({a + 1})"
            kind = "optional" if rng.random() < 0.5 else "mandatory"
            self.activities.append((title, kind, rng.choice(AMOUNTS), starts, due, event, created))

    def rows_activities(self):
        ctx = self.ctx
        for a, (title, kind, amount, starts, due, event, created) in enumerate(self.activities):
            yield (
                f"{self.activity0 + a}\t{title}\t\t{kind}\t{amount}\t{day(starts)}\t{day(due)}\t"
                f"{day(event) if event else chr(92) + 'N'}\t\t{ts(created)}\t{ctx.secretary_id}\t"
                f"{ctx.school_id}\t{ctx.tenant_id}"
            )

    def _invitations(self) -> None:
        s, rng, now = self.sizes, self.rng, self.ctx.now
        mean = max(1, min(s.students, s.invitations // s.activities))
        # [activity, student, status, created, paid, declined, cancelled, refunded, reminded,
        #  automatic, payment tx, refund tx]
        self.invitations: list[list] = []
        for a, (_t, kind, _amount, starts, due, _e, created) in enumerate(self.activities):
            size = min(s.students, max(1, round(mean * rng.uniform(0.2, 1.8))))
            first = rng.randrange(s.students)
            past, current = due < now, starts <= now <= due
            for k in range(size):
                student = (first + k) % s.students
                r = rng.random()
                row = [a, student, "pending", created, None, None, None, None, None, False, 0, 0]
                if (past and r < 0.585) or (current and r < 0.33):
                    row[2], row[4] = "paid", rng.uniform(created + 60, min(due + DAY, now))
                    row[9] = rng.random() < 0.08
                    if rng.random() < 0.02:
                        refunded = min(row[4] + rng.uniform(3600, 20 * DAY), now - 60)
                        row[2], row[7] = "refunded", max(refunded, row[4] + 60)
                elif kind == "optional" and (past or current) and r < 0.75:
                    row[2], row[5] = "declined", rng.uniform(created + 60, min(due + DAY, now))
                elif past and 0.75 <= r < 0.78:
                    row[2], row[6] = "cancelled", rng.uniform(created + 60, now)
                elif past and rng.random() < 0.5:
                    row[8] = due - 2 * DAY
                self.invitations.append(row)
        self.invitation0 = self._take_ids("payments_invitation", len(self.invitations))

    def rows_invitations(self):
        ctx = self.ctx
        for n, (a, student, status, created, paid, declined, cancelled, refunded, reminded,
                automatic, pay_tx, refund_tx) in enumerate(self.invitations):  # fmt: skip
            _t, _k, amount, starts, due, _e, _c = self.activities[a]
            yield (
                f"{self.invitation0 + n}\t{amount}\t{day(starts)}\t{day(due)}\t{status}\t\\N\t"
                f"{ts(created)}\t{ts(paid)}\t{ts(declined)}\t{ts(cancelled)}\t{ts(refunded)}\t"
                f"{'t' if automatic else 'f'}\t{ts(reminded)}\t\\N\t{self.activity0 + a}\t"
                f"{self.user_id(self.sizes.parents + student)}\t"
                f"{self.user_id(self.payer_of(student))}\t{ctx.tenant_id}\t"
                f"{pay_tx or chr(92) + 'N'}\t{refund_tx or chr(92) + 'N'}"
            )

    def rows_enrolments(self):
        paid = [
            (n, inv)
            for n, inv in enumerate(self.invitations)
            if inv[2] in ("paid", "refunded") and self.activities[inv[0]][1] == "optional"
        ]
        first = self._take_ids("payments_enrolment", len(paid))
        for k, (n, inv) in enumerate(paid):
            yield (
                f"{first + k}\t{ts(inv[4])}\t{ts(inv[7])}\t{self.activity0 + inv[0]}\t"
                f"{self.user_id(self.sizes.parents + inv[1])}\t{self.ctx.tenant_id}\t"
                f"{self.invitation0 + n}"
            )

    # --- the ledger ------------------------------------------------------------------------
    def _ledger(self) -> None:
        """Every payment and refund in time order per wallet; a top-up first wherever the
        balance would not cover a payment (the app refuses to go below zero)."""
        s, rng = self.sizes, self.rng
        events = []  # (time, order, kind, wallet, amount, invitation index)
        for n, inv in enumerate(self.invitations):
            if inv[4] is not None:
                amount = self.activities[inv[0]][2]
                events.append((inv[4], 2 * n + 1, "payment", self.payer_of(inv[1]), amount, n))
                if inv[7] is not None:
                    events.append((inv[7], 2 * n + 1, "refund", self.payer_of(inv[1]), amount, n))
        self.wallet_created = [
            self.people[w][3] + rng.randint(1, 30) * DAY for w in range(s.payers)
        ]
        for w in range(s.payers):
            if rng.random() < 0.4:  # an opening transfer
                amount = rng.choice((1000, 2000, 2500, 5000))
                events.append((self.wallet_created[w] + 3600, 0, "top_up", w, amount, -1))
        events.sort()
        balance, last = [0] * s.payers, [0.0] * s.payers
        txs = []  # (time, order, sub, kind, wallet, amount, invitation, balance after)
        for when, order, kind, w, amount, n in events:
            if kind == "payment" and balance[w] < amount:
                top_up = amount - balance[w] + rng.choice((0, 500, 1000, 2000, 3000, 5000))
                at = max(last[w] + 1, when - rng.uniform(60, 2 * DAY))
                balance[w] += top_up
                txs.append((min(at, when), order, 0, "top_up", w, top_up, -1, balance[w]))
            balance[w] += -amount if kind == "payment" else amount
            last[w] = when
            txs.append((when, order, 1, kind, w, amount, n, balance[w]))
        txs.sort()
        self.balance, self.txs = balance, txs
        self.wallet0 = self._take_ids("payments_wallet", s.payers)
        self.tx0 = self._take_ids("payments_ledgertransaction", len(txs))
        for k, (_w, _o, _s, kind, _wallet, _amount, n, _b) in enumerate(txs):
            if kind == "payment":
                self.invitations[n][10] = self.tx0 + k
            elif kind == "refund":
                self.invitations[n][11] = self.tx0 + k

    def rows_wallets(self):
        ctx, rng = self.ctx, self.rng
        reference = 7_000_000_000
        for w in range(self.sizes.payers):
            reference += 1
            while f"{reference:010d}" in ctx.taken_references:
                reference += 1
            yield (
                f"{self.wallet0 + w}\t{self.balance[w]}\t{reference:010d}\t"
                f"{'t' if rng.random() < 0.1 else 'f'}\t{secrets.token_urlsafe(24)}\t"
                f"{ts(self.wallet_created[w])}\t{self.user_id(w)}\t{ctx.tenant_id}\t0"
            )

    def _memo(self, kind: str, w: int, n: int) -> str:
        if kind == "top_up":
            first, last, *_ = self.people[w]
            return f"Virement {ascii_slug(last).upper()} {ascii_slug(first).upper()}"
        a, student = self.invitations[n][0], self.invitations[n][1]
        first, last, *_ = self.people[self.sizes.parents + student]
        return f"{self.activities[a][0]} — {first} {last}"[:255]

    def _created_by(self, kind: str, w: int, n: int) -> str:
        if kind == "payment":
            return r"\N" if self.invitations[n][9] else str(self.user_id(w))
        if kind == "refund" or self.rng.random() < 0.3:
            return str(self.ctx.secretary_id)
        return r"\N"

    def rows_transactions(self):
        tenant = self.ctx.tenant_id
        for k, (when, _o, _s, kind, w, _amount, n, _b) in enumerate(self.txs):
            yield (
                f"{self.tx0 + k}\t{kind}\t{self._memo(kind, w, n)}\t{ts(when)}\t"
                f"{self._created_by(kind, w, n)}\t{tenant}"
            )

    def rows_lines(self):
        """Lines in `ledger_post` order: debit first, then credit."""
        tenant, line = self.ctx.tenant_id, self._take_ids("payments_ledgerline", 2 * len(self.txs))
        for k, (when, _o, _s, kind, w, amount, n, after) in enumerate(self.txs):
            tx, at, wallet = self.tx0 + k, ts(when), self.wallet0 + w
            activity = self.activity0 + self.invitations[n][0] if n >= 0 else None
            if kind == "top_up":
                pair = (
                    ("bank", -amount, None, None, None),
                    ("wallet", amount, None, wallet, after),
                )
            elif kind == "payment":
                pair = (
                    ("wallet", -amount, None, wallet, after),
                    ("income", amount, activity, None, None),
                )
            else:
                pair = (
                    ("refunds", -amount, activity, None, None),
                    ("wallet", amount, None, wallet, after),
                )
            for account, cents, act, wal, bal in pair:
                yield (
                    f"{line}\t{account}\t{cents}\t{null(bal)}\t{at}\t{null(act)}\t{tenant}\t{tx}\t"
                    f"{null(wal)}"
                )
                line += 1

    # --- recovery requests and messages ----------------------------------------------------
    def _mails_and_requests(self) -> None:
        s, rng, now = self.sizes, self.rng, self.ctx.now
        self.requests = []  # (created, outcome, event kind, reason, person or None, by email)
        weights = [w for _o, w, _k, _r in OUTCOMES]
        for _ in range(s.requests):
            # A year of requests, denser in the last fortnight (the start of term).
            age = rng.uniform(0, 14 * DAY) if rng.random() < 0.15 else rng.uniform(0, 365 * DAY)
            outcome, _w, event, reason = rng.choices(OUTCOMES, weights)[0]
            person = None if outcome == "no_account" else rng.randrange(s.parents)
            self.requests.append((now - age, outcome, event, reason, person, rng.random() < 0.5))
        self.reset_mail = {}  # request index → message index
        self.mails = []  # (created, template, person, sensitive, status)
        for r, (created, outcome, *_rest, person, _e) in enumerate(self.requests):
            if outcome in ("mail_sent", "completed") and len(self.mails) < s.messages:
                self.reset_mail[r] = len(self.mails)
                self.mails.append(
                    (created + 2, "recovery/identifier/email/reset_link", person, True)
                )
        templates, weights = zip(*PAYMENT_MAILS, strict=True)
        while len(self.mails) < s.messages:
            template = rng.choices(templates, weights)[0]
            self.mails.append(
                (now - rng.uniform(0, 330 * DAY), f"payments/email/{template}",
                 rng.randrange(s.payers), False)
            )  # fmt: skip
        self.message0 = self._take_ids("outbox_message", len(self.mails))
        self.request0 = self._take_ids("recovery_recoveryrequest", len(self.requests))

    def rows_messages(self):
        rng, tenant = self.rng, self.ctx.tenant_id
        for k, (created, template, person, sensitive) in enumerate(self.mails):
            first, last, email, _j = self.people[person]
            failed = rng.random() < 0.03
            subject = "Réinitialisation de votre mot de passe" if sensitive else "Paiements"
            body = "" if sensitive else f"Bonjour {first} {last}, un message de l'école."
            sent = ts(None if failed else created + rng.uniform(1, 30))
            error = "SMTP 550: mailbox unavailable" if failed else ""
            yield (
                f"{self.message0 + k}\temail\t{template}\t{email}\t{subject}\t{body}\t\t"
                f"{'t' if sensitive else 'f'}\t{'t' if sensitive and not failed else 'f'}\t"
                f"{'failed' if failed else 'sent'}\t{ts(created)}\t{ts(created)}\t"
                f"{6 if failed else 1}\t{error}\t{ts(created + 1)}\t{ts(created)}\t{sent}\t"
                f"{ts(created)}\t{tenant}\t{self.user_id(person)}"
            )

    def _ip(self, r: int) -> str:
        return f"81.{r * 7 % 200 + 20}.{r * 13 % 250}.{r % 250 + 1}"

    def rows_requests(self):
        ctx, rng = self.ctx, self.rng
        for r, (created, outcome, _event, reason, person, by_email) in enumerate(self.requests):
            method = "email" if by_email else "identifier"
            if person is None:
                login = f"inconnu{r}@example.be" if by_email else f"inconnu.{r}"
                user = r"\N"
            else:
                first, last, email, _j = self.people[person]
                login = email if by_email else f"{ascii_slug(first)}.{ascii_slug(last)}.p{person}"
                user = str(self.user_id(person))
            mail = self.reset_mail.get(r)
            yield (
                f"{self.request0 + r}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\t"
                f"identifier\t{method}\t{login}\t{self._ip(r % 5000)}\t{outcome}\t{reason}\t"
                f"{ts(created)}\t{ts(created + 1)}\t\\N\t"
                f"{null(None if mail is None else self.message0 + mail)}\t{ctx.tenant_id}\t{user}"
            )

    def rows_events(self):
        events = []
        for r, (created, outcome, event, reason, person, _e) in enumerate(self.requests):
            events.append((r, event, "mail_sent" if event == "link_sent" else outcome, reason,
                           person, created + 1))  # fmt: skip
            if outcome == "completed":
                events.append((r, "password_reset", "completed", "", person, created + 900))
        first = self._take_ids("recovery_recoveryevent", len(events))
        for k, (r, kind, outcome, detail, person, at) in enumerate(events):
            user = r"\N" if person is None else self.user_id(person)
            yield (
                f"{first + k}\tidentifier\t{kind}\t{outcome}\t{detail}\t{self._ip(r % 5000)}\t"
                f"{ts(at)}\t\\N\t{self.ctx.tenant_id}\t{user}\t{self.request0 + r}"
            )
