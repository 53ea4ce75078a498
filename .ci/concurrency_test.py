#!/usr/bin/env python3
"""Concurrency test: many writers change ONE user and ONE group at once through the example
server; every acknowledged change is in the final state exactly once, and every refusal is a 412.

Usage: concurrency_test.py EXAMPLE_BINARY [STORE ...]     (STORE: sqlite, memory, postgres;
       default sqlite and memory, plus postgres when SCIM_TEST_POSTGRES_URL is set)

Environment: CONCURRENCY_WRITERS (default 8), CONCURRENCY_OPS (operations per writer, default
1000), CONCURRENCY_MODES ("plain if-match" by default).

Each writer alternates user and group operations, each one PATCH request that changes only what
that writer owns, so every acknowledged change is visible in the final state:
- user: `replace` of an attribute only this writer writes (displayName, title, an enterprise
  attribute, ...) with a value never used before; `add` of an email value never used before;
  `remove` by `emails[value eq "..."]` of one of its own emails added two adds earlier;
- group: Entra's `add members` of a user never added before; `remove` of one of its own members
  added two adds earlier (Entra's value-list form and the RFC's `members[value eq "..."]` form
  alternate); half of them are answered 204 (Entra's form), half ask for `attributes=members`.
Every value is added once and removed at most once, so a lost update cannot be hidden by a later
change to the same value.

Two modes, each on a fresh user and group:
- plain: no `If-Match`; every answer must be 2xx. Every body answered is checked against what had
  been acknowledged before the request was sent: no value whose removal was acknowledged is back,
  no value whose add was acknowledged (and whose removal was not yet sent) is missing, the
  replaced attributes never go back to an older value, no value appears twice.
- if-match: every PATCH carries the `If-Match` of the writer's last answer; a 412 is the only
  refusal allowed, the writer then re-reads (GET) and retries. A 412 must not have applied the
  change (the re-read shows it absent), and a success must be exactly the state the writer had
  read plus its own change (nothing else can have happened in between), with a new ETag.
Finally the user and the group are read: every acknowledged add is there exactly once, every
acknowledged removal is gone, each replaced attribute holds its writer's last acknowledged value,
and nothing else is there. Only the standard library is used.
"""

import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_server import (  # noqa: E402
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    Client,
    ExampleServer,
    Failed,
    fresh_postgres_database,
)

KEY = "scimitar-concurrency-test-key-0123456789abcdef"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# The attribute each writer owns: (PATCH path, how to read it from a user body).
SLOTS = [
    ("displayName", ("displayName",)),
    ("nickName", ("nickName",)),
    ("title", ("title",)),
    ("userType", ("userType",)),
    ("name.givenName", ("name", "givenName")),
    ("name.familyName", ("name", "familyName")),
    (f"{ENTERPRISE}:employeeNumber", (ENTERPRISE, "employeeNumber")),
    (f"{ENTERPRISE}:costCenter", (ENTERPRISE, "costCenter")),
    (f"{ENTERPRISE}:organization", (ENTERPRISE, "organization")),
    (f"{ENTERPRISE}:division", (ENTERPRISE, "division")),
    (f"{ENTERPRISE}:department", (ENTERPRISE, "department")),
    ("name.middleName", ("name", "middleName")),
]
EMAIL = re.compile(r"^w(\d+)-e(\d+)@concurrency\.test$")
SLOT_VALUE = re.compile(r"^w(\d+)-s(\d+)$")
MAX_ATTEMPTS = 2000  # If-Match retries of one operation before the test calls it starvation


def email(w, k):
    return f"w{w}-e{k}@concurrency.test"


def plan(ops):
    """One writer's operations, alternating user and group: ("slot", j), ("add", k),
    ("remove", k) on the user and ("madd", k), ("mremove", k) on the group. After two adds, each
    removal takes away the value added two adds earlier, so each value is added once and removed
    at most once and the resources stay small. Returns (steps, members needed)."""
    steps = []
    slots = 0
    counts = {"user": [0, 0], "group": [0, 0]}  # adds, removals
    for i in range(ops):
        if i % 8 == 0:
            steps.append(("slot", slots))
            slots += 1
            continue
        side = "user" if i % 2 == 0 else "group"
        adds, removes = counts[side]
        add, remove = ("add", "remove") if side == "user" else ("madd", "mremove")
        if adds < 2 or removes >= adds - 1:
            steps.append((add, adds))
            counts[side][0] += 1
        else:
            steps.append((remove, removes))
            counts[side][1] += 1
    return steps, counts["group"][0]


class Ledger:
    """What was acknowledged and sent, per writer, as prefix counts (each writer is sequential and
    adds and removes its values in order)."""

    def __init__(self, writers):
        self.lock = threading.Lock()
        self.slot = [-1] * writers  # last acknowledged slot value
        self.added = [0] * writers  # emails 0..added-1 acknowledged
        self.removed = [0] * writers  # emails 0..removed-1 removal acknowledged
        self.remove_sent = [0] * writers  # removal of 0..remove_sent-1 sent
        self.madded = [0] * writers
        self.mremoved = [0] * writers
        self.mremove_sent = [0] * writers
        self.failures = []
        self.stop = threading.Event()
        self.requests = 0
        self.refused = 0  # 412s

    def fail(self, message):
        with self.lock:
            self.failures.append(message)
        self.stop.set()

    def snapshot(self):
        with self.lock:
            return (list(self.slot), list(self.added), list(self.removed), list(self.madded), list(self.mremoved))


def pick(body, path):
    node = body
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def user_view(body):
    """(slot index per writer or None, {writer: [email indices]}, unknown values)."""
    slots = {}
    for w, (_, path) in enumerate(SLOTS):
        value = pick(body, path)
        m = SLOT_VALUE.match(value) if isinstance(value, str) else None
        slots[w] = int(m.group(2)) if m and int(m.group(1)) == w else (None if value is None else value)
    emails, unknown = {}, []
    for item in body.get("emails") or []:
        m = EMAIL.match(item.get("value", ""))
        if m:
            emails.setdefault(int(m.group(1)), []).append(int(m.group(2)))
        else:
            unknown.append(item.get("value"))
    return slots, emails, unknown


def group_view(body, owner):
    """({writer: [member indices]}, unknown member ids)."""
    members, unknown = {}, []
    for item in body.get("members") or []:
        found = owner.get(item.get("value"))
        if found is None:
            unknown.append(item.get("value"))
        else:
            members.setdefault(found[0], []).append(found[1])
    return members, unknown


def check_values(what, writers, seen, acked_before, removed_before, remove_sent_now):
    """Values of each writer in one answer against what was acknowledged before the request."""
    problems = []
    for w in range(writers):
        values = seen.get(w, [])
        if len(values) != len(set(values)):
            problems.append(f"{what} of writer {w} appear twice: {sorted(values)}")
        present = set(values)
        back = sorted(k for k in present if k < removed_before[w])
        if back:
            problems.append(f"{what} of writer {w} whose removal was acknowledged are back: {back}")
        missing = sorted(k for k in range(remove_sent_now[w], acked_before[w]) if k not in present)
        if missing:
            problems.append(f"acknowledged {what} of writer {w} missing: {missing}")
    return problems


def expected_after(slots, emails, members, w, step):
    """The view after writer w's step, from the view before it (If-Match mode)."""
    kind, n = step
    slots, emails, members = dict(slots), {k: sorted(v) for k, v in emails.items()}, dict(members)
    if kind == "slot":
        slots[w] = n
    elif kind == "add":
        emails[w] = sorted(emails.get(w, []) + [n])
    elif kind == "remove":
        emails[w] = sorted(k for k in emails.get(w, []) if k != n)
    elif kind == "madd":
        members[w] = sorted(members.get(w, []) + [n])
    elif kind == "mremove":
        members[w] = sorted(k for k in members.get(w, []) if k != n)
    return slots, {k: v for k, v in emails.items() if v}, {k: v for k, v in members.items() if v}


def normal(view):
    return {k: sorted(v) for k, v in view.items() if v}


class Writer(threading.Thread):
    def __init__(self, w, server, ledger, writers, steps, uid, gid, pool, owner, if_match):
        super().__init__(name=f"writer-{w}")
        self.w, self.ledger, self.writers, self.steps = w, ledger, writers, steps
        self.uid, self.gid, self.pool, self.owner = uid, gid, pool, owner
        self.if_match = if_match
        self.client = Client(server.base, KEY)
        self.requests = 0
        self.refused = 0
        # If-Match mode: the last version read of each resource and its view.
        self.user_etag = self.group_etag = None
        self.user_state = None  # (slots, emails)
        self.group_state = None  # members

    def send(self, method, path, body=None, headers=None):
        self.requests += 1
        return self.client.request(method, path, body, headers)

    def request_for(self, step):
        kind, n = step
        w = self.w
        if kind == "slot":
            op = {"op": "replace", "path": SLOTS[w][0], "value": f"w{w}-s{n}"}
            return f"/Users/{self.uid}", op
        if kind == "add":
            op = {"op": "add", "path": "emails", "value": [{"value": email(w, n), "type": "other"}]}
            return f"/Users/{self.uid}", op
        if kind == "remove":
            return f"/Users/{self.uid}", {"op": "remove", "path": f'emails[value eq "{email(w, n)}"]'}
        member = self.pool[w][n]
        if kind == "madd":
            op = {"op": "Add", "path": "members", "value": [{"$ref": None, "value": member}]}
        elif n % 2 == 0:
            op = {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": member}]}
        else:
            op = {"op": "remove", "path": f'members[value eq "{member}"]'}
        query = "?attributes=members" if n % 2 == 1 else ""
        return f"/Groups/{self.gid}{query}", op

    def mark_sent(self, step):
        kind, n = step
        with self.ledger.lock:
            if kind == "remove":
                self.ledger.remove_sent[self.w] = n + 1
            elif kind == "mremove":
                self.ledger.mremove_sent[self.w] = n + 1

    def mark_acked(self, step):
        kind, n = step
        led, w = self.ledger, self.w
        with led.lock:
            if kind == "slot":
                led.slot[w] = n
            elif kind == "add":
                led.added[w] = n + 1
            elif kind == "remove":
                led.removed[w] = n + 1
            elif kind == "madd":
                led.madded[w] = n + 1
            else:
                led.mremoved[w] = n + 1

    def check_answer(self, step, snap, body):
        """An answer's body against the acknowledgements before the request (both modes)."""
        slots_before, added, removed, madded, mremoved = snap
        with self.ledger.lock:
            remove_sent, mremove_sent = list(self.ledger.remove_sent), list(self.ledger.mremove_sent)
        kind, n = step
        problems = []
        if kind in ("slot", "add", "remove"):
            slots, emails, unknown = user_view(body)
            if unknown:
                problems.append(f"unknown emails {unknown}")
            for v in range(self.writers):
                seen = slots.get(v)
                if slots_before[v] >= 0 and not (isinstance(seen, int) and seen >= slots_before[v]):
                    problems.append(f"writer {v}'s attribute went back: {seen!r} < acknowledged {slots_before[v]}")
            if kind == "slot" and slots.get(self.w) != n:
                problems.append(f"own replace not in the answer: {slots.get(self.w)!r} != {n}")
            own = set(emails.get(self.w, []))
            if (kind == "add" and n not in own) or (kind == "remove" and n in own):
                problems.append(f"own {kind} of email {n} not in the answer")
            problems += check_values("emails", self.writers, emails, added, removed, remove_sent)
        elif body is not None:
            members, unknown = group_view(body, self.owner)
            if unknown:
                problems.append(f"unknown members {unknown}")
            own = set(members.get(self.w, []))
            if (kind == "madd" and n not in own) or (kind == "mremove" and n in own):
                problems.append(f"own {kind} of member {n} not in the answer")
            problems += check_values("members", self.writers, members, madded, mremoved, mremove_sent)
        for p in problems:
            self.ledger.fail(f"writer {self.w} after {kind} {n}: {p}")

    def run(self):
        try:
            for step in self.steps:
                if self.ledger.stop.is_set():
                    return
                if self.if_match:
                    self.conditional(step)
                else:
                    self.plain(step)
        except Failed as failure:
            self.ledger.fail(f"writer {self.w}: {failure}")
        except Exception as error:  # a connection error: the server died or hung
            self.ledger.fail(f"writer {self.w}: {type(error).__name__}: {error}")
        finally:
            self.client.close()
            with self.ledger.lock:
                self.ledger.requests += self.requests
                self.ledger.refused += self.refused

    def plain(self, step):
        path, op = self.request_for(step)
        snap = self.ledger.snapshot()
        self.mark_sent(step)
        status, _, body = self.send("PATCH", path, {"schemas": [PATCH_SCHEMA], "Operations": [op]})
        if status not in (200, 204):
            raise Failed(f"{step[0]} {step[1]}: {status} {body}")
        self.mark_acked(step)
        if body is not None:
            self.check_answer(step, snap, body)

    def reread(self, user):
        path = f"/Users/{self.uid}" if user else f"/Groups/{self.gid}"
        status, headers, body = self.send("GET", path)
        if status != 200 or "etag" not in headers:
            raise Failed(f"re-reading {path}: {status} {headers.get('etag')} {body}")
        if user:
            slots, emails, _ = user_view(body)
            self.user_etag, self.user_state = headers["etag"], (slots, normal(emails))
        else:
            members, _ = group_view(body, self.owner)
            self.group_etag, self.group_state = headers["etag"], normal(members)

    def conditional(self, step):
        kind, n = step
        user = kind in ("slot", "add", "remove")
        path, op = self.request_for(step)
        for _ in range(MAX_ATTEMPTS):
            if (self.user_etag if user else self.group_etag) is None:
                self.reread(user)
            etag = self.user_etag if user else self.group_etag
            if user:
                slots, emails = self.user_state
                want = expected_after(slots, emails, {}, self.w, step)
            else:
                want = expected_after({}, {}, self.group_state, self.w, step)
            snap = self.ledger.snapshot()
            self.mark_sent(step)
            status, headers, body = self.send(
                "PATCH", path, {"schemas": [PATCH_SCHEMA], "Operations": [op]}, {"If-Match": etag}
            )
            if status == 412:
                self.refused += 1
                if not isinstance(body, dict) or str(body.get("status")) != "412":
                    raise Failed(f"{kind} {n}: the 412 is not a SCIM error: {body}")
                self.reread(user)
                self.check_not_applied(step)
                continue
            if status not in (200, 204):
                raise Failed(f"{kind} {n} with If-Match {etag}: {status} {body}")
            new = headers.get("etag")
            if not new or new == etag:
                raise Failed(f"{kind} {n}: the answer's ETag {new!r} is not a new version of {etag!r}")
            self.mark_acked(step)
            if body is not None:
                self.check_answer(step, snap, body)
            if user:
                slots, emails, _ = user_view(body)
                got = (slots, normal(emails))
                if got != (want[0], want[1]):
                    raise Failed(f"{kind} {n} succeeded with If-Match {etag} but the answer is not the state read plus this change:\n  read + change {want[:2]}\n  answered {got}")
                self.user_etag, self.user_state = new, got
            else:
                if body is not None:
                    members, _ = group_view(body, self.owner)
                    if normal(members) != want[2]:
                        raise Failed(f"{kind} {n} succeeded with If-Match {etag} but the members are not those read plus this change:\n  read + change {want[2]}\n  answered {normal(members)}")
                self.group_etag, self.group_state = new, want[2]
            return
        raise Failed(f"{kind} {n}: still 412 after {MAX_ATTEMPTS} attempts (starvation)")

    def check_not_applied(self, step):
        kind, n = step
        if kind in ("slot", "add", "remove"):
            slots, emails = self.user_state
            own = emails.get(self.w, [])
            applied = (
                (kind == "slot" and slots.get(self.w) == n)
                or (kind == "add" and n in own)
                or (kind == "remove" and n not in own)
            )
        else:
            own = self.group_state.get(self.w, [])
            applied = (kind == "madd" and n in own) or (kind == "mremove" and n not in own)
        if applied:
            raise Failed(f"{kind} {n} was answered 412 but the re-read shows it applied")


def final_check(client, ledger, writers, uid, gid, owner):
    problems = []
    status, _, user = client.request("GET", f"/Users/{uid}")
    if status != 200:
        raise Failed(f"final GET user: {status} {user}")
    slots, emails, unknown = user_view(user)
    if unknown:
        problems.append(f"user has unknown emails {unknown}")
    for w in range(writers):
        want = ledger.slot[w] if ledger.slot[w] >= 0 else None
        if slots.get(w) != want:
            problems.append(f"writer {w}'s attribute is {slots.get(w)!r}, last acknowledged {want!r}")
        got = sorted(emails.get(w, []))
        want = list(range(ledger.removed[w], ledger.added[w]))
        if got != want:
            problems.append(f"writer {w}'s emails are {got}, acknowledged {want}")
    status, _, group = client.request("GET", f"/Groups/{gid}")
    if status != 200:
        raise Failed(f"final GET group: {status} {group}")
    members, unknown = group_view(group, owner)
    if unknown:
        problems.append(f"group has unknown members {unknown}")
    total = 0
    for w in range(writers):
        got = sorted(members.get(w, []))
        want = list(range(ledger.mremoved[w], ledger.madded[w]))
        total += len(want)
        if got != want:
            problems.append(f"writer {w}'s members are {got}, acknowledged {want}")
    if problems:
        raise Failed("final state:\n  " + "\n  ".join(problems[:20]))
    adds = sum(ledger.added) + sum(ledger.madded)
    removes = sum(ledger.removed) + sum(ledger.mremoved)
    return f"{adds} adds, {removes} removals, {writers} attributes all as acknowledged ({total} members left)"


def create_pool(server, writers, size):
    """size users per writer, created by `writers` threads; returns (pool, owner of each id)."""
    pool = [[None] * size for _ in range(writers)]
    errors = []

    def create(w):
        client = Client(server.base, KEY)
        try:
            for k in range(size):
                body = {"schemas": [USER_SCHEMA], "userName": f"member-{w}-{k}@concurrency.test"}
                status, _, user = client.request("POST", "/Users", body)
                if status != 201:
                    errors.append(f"creating member {w}-{k}: {status} {user}")
                    return
                pool[w][k] = user["id"]
        finally:
            client.close()

    threads = [threading.Thread(target=create, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise Failed(errors[0])
    owner = {pool[w][k]: (w, k) for w in range(writers) for k in range(size)}
    return pool, owner


def run_mode(server, mode, writers, ops, pool, owner, plans):
    client = Client(server.base, KEY)
    try:
        status, _, user = client.request(
            "POST", "/Users", {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": f"contended-{mode}@concurrency.test"}
        )
        if status != 201:
            raise Failed(f"creating the user: {status} {user}")
        status, _, group = client.request(
            "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"contended-{mode}"}
        )
        if status != 201:
            raise Failed(f"creating the group: {status} {group}")
        ledger = Ledger(writers)
        threads = [
            Writer(w, server, ledger, writers, plans[w], user["id"], group["id"], pool, owner, mode == "if-match")
            for w in range(writers)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        if ledger.failures:
            raise Failed(f"{mode}: {len(ledger.failures)} failures:\n  " + "\n  ".join(ledger.failures[:10]))
        summary = final_check(client, ledger, writers, user["id"], group["id"], owner)
    finally:
        client.close()
    print(
        f"ok     {mode}: {writers} writers x {ops} operations in {elapsed:.1f} s, {ledger.requests} requests "
        f"({ledger.requests / elapsed:.0f}/s), {ledger.refused} answered 412 and retried; {summary}"
    )


def run_store(binary, store, writers, ops, modes):
    env = {"SCIM_KEY": KEY, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
    if store == "memory":
        env["SCIM_DATABASE_URL"] = "memory:"
    elif store == "postgres":
        url = os.environ.get("SCIM_TEST_POSTGRES_URL")
        if not url:
            raise Failed("postgres: SCIM_TEST_POSTGRES_URL is not set (run under .ci/postgres)")
        env["SCIM_DATABASE_URL"] = fresh_postgres_database(url, "scimitar_concurrency_test")
    server = ExampleServer(binary, env, name=f"concurrency-{store}")
    if store == "sqlite":
        server.env["SCIM_DATABASE_URL"] = f"sqlite://{server.workdir}/concurrency.db"
    plans = [plan(ops) for _ in range(writers)]
    pool_size = max(p[1] for p in plans)
    try:
        server.start()
        started = time.monotonic()
        pool, owner = create_pool(server, writers, pool_size)
        print(f"ok     {store}: {writers * pool_size} member users created in {time.monotonic() - started:.1f} s")
        for mode in modes:
            run_mode(server, mode, writers, ops, pool, owner, [p[0] for p in plans])
    except Failed:
        print(f"--- {server.name} log\n{server.log()}")
        raise
    finally:
        server.stop()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    stores = sys.argv[2:] or (["sqlite", "memory"] + (["postgres"] if os.environ.get("SCIM_TEST_POSTGRES_URL") else []))
    writers = int(os.environ.get("CONCURRENCY_WRITERS", "8"))
    ops = int(os.environ.get("CONCURRENCY_OPS", "1000"))
    modes = os.environ.get("CONCURRENCY_MODES", "plain if-match").split()
    if not 1 <= writers <= len(SLOTS):
        print(f"CONCURRENCY_WRITERS must be 1..{len(SLOTS)}", file=sys.stderr)
        return 2
    failed = False
    for store in stores:
        try:
            run_store(binary, store, writers, ops, modes)
        except Failed as failure:
            print(f"FAILED {store}: {failure}")
            failed = True
    if failed:
        return 1
    print("concurrency test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
