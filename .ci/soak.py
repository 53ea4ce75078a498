#!/usr/bin/env python3
"""Soak test: mixed Entra ID provisioning traffic against the example server for a fixed time;
prints throughput, latency percentiles, errors and the server's resident memory over time, and
fails on any error or when memory keeps growing after the warm-up.

Usage: soak.py EXAMPLE_BINARY [STORE]     (STORE: sqlite (default), memory, postgres)

Environment (defaults in brackets):
  SOAK_SECONDS [60]    how long the traffic runs
  SOAK_CLIENTS [8]     concurrent clients (keep-alive connections, one thread each)
  SOAK_PROCESSES [2]   client processes the clients are spread over (Python threads share one
                       core per process)
  SOAK_USERS [2000]    users created before the run (and 20 groups)
  SOAK_SAMPLE [5]      seconds between two samples of the server's resident memory (VmRSS)
  SOAK_WARMUP [SOAK_SECONDS/6, at least 5]  seconds of traffic before memory is judged

The mix follows what Entra ID sends in an incremental cycle (see tests/data/clients/): mostly
lookups by userName and by externalId (a tenth of them for users that do not exist, as Entra's
"Test connection" and first checks do), reads by id, Entra's multi-operation user PATCH (replace
displayName, title, work email, family name, department; disabling and re-enabling), creates of
full Entra users, deletes of users created earlier in the run (as many as creates, so the data
set keeps its size), group member adds and removes in Entra's form (answered 204) and group
lookups by displayName with `excludedAttributes=members`. Each client owns a slice of the users,
so it knows every answer to expect: any other status is an error.

Memory is "flat" when, after the warm-up, the highest sample of the last third of the run is at
most 1.2 times the highest sample of the first third plus 16 MiB: a leak of a fixed amount per
request grows in proportion to the traffic and fails this; caches that fill once do not.

The HTTP client is Python's standard library (http.client, keep-alive), spread over processes;
nothing to install.
"""

import multiprocessing
import os
import random
import sys
import threading
import time
import urllib.parse
import uuid
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_server import (  # noqa: E402
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    Client,
    ExampleServer,
    Failed,
    fresh_postgres_database,
    process_rss_kib,
)

KEY = "scimitar-soak-test-key-0123456789abcdef0123"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUPS = 20
# (operation, weight in percent)
MIX = [
    ("lookup userName", 40),
    ("lookup externalId", 15),
    ("get user", 8),
    ("patch user", 12),
    ("create user", 5),
    ("delete user", 5),
    ("member change", 12),
    ("lookup group", 3),
]
EXPECT = {
    "lookup userName": 200,
    "lookup externalId": 200,
    "get user": 200,
    "patch user": 200,
    "create user": 201,
    "delete user": 204,
    "member change": 204,
    "lookup group": 200,
}
FLAT_FACTOR, FLAT_SLACK_KIB = 1.2, 16 * 1024


def entra_user(tag):
    """A user as Entra ID's default attribute mapping creates it."""
    object_id = str(uuid.uuid4())
    user_name = f"{tag}@contoso.com"
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": object_id,
        "userName": user_name,
        "active": True,
        "displayName": tag.replace(".", " ").title(),
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"givenName": tag.split(".")[0], "familyName": tag.split(".")[-1]},
        "addresses": [{"type": "work", "country": "US", "locality": "Redmond", "primary": False}],
        "phoneNumbers": [{"type": "work", "value": "+1 425 555 0100"}],
        ENTERPRISE: {"department": "Engineering", "employeeNumber": str(random.randint(1, 10**6))},
    }


def filter_query(attribute, value):
    """Entra's encoding: spaces as '+', quotes and '@' percent-encoded."""
    return urllib.parse.quote_plus(f'{attribute} eq "{value}"')


def seed(server, users, threads=8):
    """Creates `users` users and GROUPS groups; returns ([(id, userName, externalId)], [group ids])."""
    made = [None] * users
    errors = []

    def create(t):
        client = Client(server.base, KEY)
        try:
            for n in range(t, users, threads):
                body = entra_user(f"seed.user{n}")
                status, _, user = client.request("POST", "/Users", body)
                if status != 201:
                    errors.append(f"seeding user {n}: {status} {user}")
                    return
                made[n] = (user["id"], body["userName"], body["externalId"])
        finally:
            client.close()

    workers = [threading.Thread(target=create, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise Failed(errors[0])
    client = Client(server.base, KEY)
    groups = []
    try:
        for g in range(GROUPS):
            body = {"schemas": [GROUP_SCHEMA], "displayName": f"Soak Group {g}", "externalId": str(uuid.uuid4())}
            status, _, group = client.request("POST", "/Groups", body)
            if status != 201:
                raise Failed(f"seeding group {g}: {status} {group}")
            groups.append(group["id"])
    finally:
        client.close()
    return made, groups


def data_set(server, groups):
    """What the store holds, to read the memory figures against: users and group memberships."""
    client = Client(server.base, KEY)
    try:
        status, _, listed = client.request("GET", "/Users?count=0")
        if status != 200:
            raise Failed(f"counting users: {status} {listed}")
        members = 0
        for gid in groups:
            status, _, group = client.request("GET", f"/Groups/{gid}?attributes=members")
            if status != 200:
                raise Failed(f"reading group {gid}: {status} {group}")
            members += len(group.get("members") or [])
    finally:
        client.close()
    return f"{listed['totalResults']} users, {members} memberships in {len(groups)} groups"


class Traffic(threading.Thread):
    """One client: Entra-shaped requests on its own slice of the users until `end_at`."""

    def __init__(self, base, number, users, groups, end_at):
        super().__init__(name=f"client-{number}")
        self.client = Client(base, KEY)
        self.number = number
        self.users = users  # [(id, userName, externalId)], this client's slice of the seed
        self.groups = groups
        self.end_at = end_at
        self.created = deque()
        self.members = {}  # (group index) -> set of user ids this client added
        self.random = random.Random(number)
        self.latency = {name: [] for name, _ in MIX}
        self.per_second = {}
        self.errors = []
        self.error_count = 0
        self.serial = 0

    def run(self):
        names = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]
        try:
            while time.time() < self.end_at:
                name = self.random.choices(names, weights)[0]
                self.one(name)
        finally:
            self.client.close()

    def one(self, name):
        rnd = self.random
        method, path, body, expect = "GET", None, None, EXPECT[name]
        after = None
        if name == "lookup userName":
            user_name = rnd.choice(self.users)[1] if rnd.random() < 0.9 else f"{uuid.uuid4()}@contoso.com"
            path = f"/Users?filter={filter_query('userName', user_name)}"
        elif name == "lookup externalId":
            external = rnd.choice(self.users)[2] if rnd.random() < 0.9 else str(uuid.uuid4())
            path = f"/Users?filter={filter_query('externalId', external)}"
        elif name == "get user":
            path = f"/Users/{rnd.choice(self.users)[0]}"
        elif name == "patch user":
            uid = rnd.choice(self.users)[0]
            method, path = "PATCH", f"/Users/{uid}"
            n = rnd.randrange(10**6)
            if rnd.random() < 0.2:
                ops = [{"op": "Replace", "path": "active", "value": rnd.choice(["False", "True"])}]
            else:
                ops = [
                    {"op": "Replace", "path": "displayName", "value": f"Soak User {n}"},
                    {"op": "Replace", "path": "title", "value": rnd.choice(["Engineer", "Manager", "Director"])},
                    {"op": "Replace", "path": 'emails[type eq "work"].value', "value": f"soak{n}@contoso.com"},
                    {"op": "Replace", "path": "name.familyName", "value": f"Family{n}"},
                    {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": f"Dept {n % 50}"},
                ]
            body = {"schemas": [PATCH_SCHEMA], "Operations": ops}
        elif name == "create user" or (name == "delete user" and not self.created):
            name, expect = "create user", 201
            self.serial += 1
            body = entra_user(f"soak{self.number}.user{self.serial}.{uuid.uuid4().hex[:8]}")
            method, path = "POST", "/Users"
            after = "created"
        elif name == "delete user":
            method, path = "DELETE", f"/Users/{self.created.popleft()}"
        elif name == "member change":
            g = rnd.randrange(len(self.groups))
            inside = self.members.setdefault(g, set())
            uid = rnd.choice(self.users)[0]
            op = "Remove" if uid in inside else "Add"
            method, path = "PATCH", f"/Groups/{self.groups[g]}"
            body = {"schemas": [PATCH_SCHEMA], "Operations": [{"op": op, "path": "members", "value": [{"$ref": None, "value": uid}]}]}
            (inside.discard if op == "Remove" else inside.add)(uid)
        else:  # lookup group
            g = rnd.randrange(GROUPS)
            path = f"/Groups?filter={filter_query('displayName', f'Soak Group {g}')}&excludedAttributes=members"
        started = time.perf_counter()
        try:
            status, _, answer = self.client.request(method, path, body)
        except Exception as error:  # a connection error counts as an error, and the run goes on
            status, answer = None, f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        self.latency[name].append(elapsed)
        second = int(time.time())
        self.per_second[second] = self.per_second.get(second, 0) + 1
        if status != expect:
            self.error_count += 1
            if len(self.errors) < 10:
                self.errors.append(f"{name} {method} {path}: {status} (expected {expect}) {str(answer)[:300]}")
            return
        if name.startswith("lookup") and not isinstance(answer, dict):
            self.error_count += 1
            return
        if after == "created":
            self.created.append(answer["id"])


def client_process(base, numbers, slices, groups, end_at, results):
    threads = [Traffic(base, n, s, groups, end_at) for n, s in zip(numbers, slices)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latency, per_second, errors, count = {}, {}, [], 0
    for t in threads:
        for name, values in t.latency.items():
            latency.setdefault(name, []).extend(values)
        for second, n in t.per_second.items():
            per_second[second] = per_second.get(second, 0) + n
        errors += t.errors
        count += t.error_count
    results.put((latency, per_second, errors, count))


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def flat_verdict(samples, warmup):
    """(flat?, explanation) from [(seconds since start, KiB)] samples taken after `warmup`."""
    judged = [kib for at, kib in samples if at >= warmup and kib is not None]
    if len(judged) < 3:
        return False, f"only {len(judged)} samples after the {warmup:.0f} s warm-up: run longer"
    third = max(1, len(judged) // 3)
    first, last = max(judged[:third]), max(judged[-third:])
    limit = first * FLAT_FACTOR + FLAT_SLACK_KIB
    verdict = last <= limit
    return verdict, (
        f"highest of the last third {last} KiB {'<=' if verdict else '>'} "
        f"{FLAT_FACTOR} x highest of the first third after warm-up {first} KiB + {FLAT_SLACK_KIB // 1024} MiB = {limit:.0f} KiB"
    )


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    store = sys.argv[2] if len(sys.argv) == 3 else "sqlite"
    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    clients = int(os.environ.get("SOAK_CLIENTS", "8"))
    processes = max(1, min(clients, int(os.environ.get("SOAK_PROCESSES", "2"))))
    users = int(os.environ.get("SOAK_USERS", "2000"))
    sample = float(os.environ.get("SOAK_SAMPLE", "5"))
    warmup = float(os.environ.get("SOAK_WARMUP", str(max(5.0, seconds / 6))))
    if users < clients:
        print("SOAK_USERS must be at least SOAK_CLIENTS", file=sys.stderr)
        return 2

    env = {"SCIM_KEY": KEY, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
    if store == "memory":
        env["SCIM_DATABASE_URL"] = "memory:"
    elif store == "postgres":
        url = os.environ.get("SCIM_TEST_POSTGRES_URL")
        if not url:
            print("postgres: SCIM_TEST_POSTGRES_URL is not set (run under .ci/postgres)")
            return 1
        env["SCIM_DATABASE_URL"] = fresh_postgres_database(url, "scimitar_soak_test")
    elif store != "sqlite":
        print(f"unknown store {store}: sqlite, memory or postgres", file=sys.stderr)
        return 2
    server = ExampleServer(binary, env, name=f"soak-{store}")
    if store == "sqlite":
        server.env["SCIM_DATABASE_URL"] = f"sqlite://{server.workdir}/soak.db"
    try:
        server.start()
        started = time.monotonic()
        made, groups = seed(server, users)
        print(f"seeded {users} users and {GROUPS} groups on {store} in {time.monotonic() - started:.1f} s")
        pid = server.process.pid
        load_before = os.getloadavg()
        rss_before = process_rss_kib(pid)

        slices = [made[c::clients] for c in range(clients)]
        numbers = list(range(clients))
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        start_at = time.time() + 0.5
        end_at = start_at + seconds
        procs = [
            context.Process(
                target=client_process,
                args=(server.base, numbers[p::processes], slices[p::processes], groups, end_at, results),
            )
            for p in range(processes)
        ]
        for p in procs:
            p.start()
        samples = []
        time.sleep(max(0.0, start_at - time.time()))
        next_sample = start_at
        while time.time() < end_at + 0.05:
            now = time.time()
            if now >= next_sample:
                samples.append((now - start_at, process_rss_kib(pid)))
                next_sample += sample
            time.sleep(min(0.2, max(0.0, next_sample - time.time())))
        samples.append((time.time() - start_at, process_rss_kib(pid)))
        outcomes = [results.get(timeout=seconds + 120) for _ in procs]
        for p in procs:
            p.join()
        load_after = os.getloadavg()
        if server.process.poll() is not None:
            raise Failed(f"the server exited during the soak ({server.process.returncode})")
        data = data_set(server, groups)
    except Failed as failure:
        print(f"FAILED {failure}\n--- server log\n{server.log()}")
        server.stop()
        return 1
    finally:
        server.stop()

    latency, per_second, errors, error_count = {}, {}, [], 0
    for lat, sec, errs, count in outcomes:
        for name, values in lat.items():
            latency.setdefault(name, []).extend(values)
        for s, n in sec.items():
            per_second[s] = per_second.get(s, 0) + n
        errors += errs
        error_count += count
    every = sorted(v for values in latency.values() for v in values)
    total = len(every)
    print(
        f"\nsoak on {store}: {seconds:.0f} s, {clients} clients in {processes} processes (Python http.client, "
        f"keep-alive), {users} seeded users, {GROUPS} groups"
    )
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(f"requests {total}, throughput {total / seconds:.0f} req/s, errors {error_count}")
    print(f"latency all: p50 {percentile(every, 50) * 1000:.2f} ms, p99 {percentile(every, 99) * 1000:.2f} ms, "
          f"max {every[-1] * 1000 if every else float('nan'):.2f} ms")
    print(f"{'operation':<18} {'count':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, _ in MIX:
        values = sorted(latency.get(name, []))
        print(f"{name:<18} {len(values):>8} {percentile(values, 50) * 1000:>8.2f} {percentile(values, 99) * 1000:>8.2f}")
    seconds_seen = sorted(per_second)
    if len(seconds_seen) > 2:
        inner = [per_second[s] for s in seconds_seen[1:-1]]
        print(f"req/s per whole second: min {min(inner)}, median {sorted(inner)[len(inner) // 2]}, max {max(inner)}")
    print(f"data set after the run: {data}")
    print(f"server RSS before the traffic (after seeding): {rss_before} KiB")
    print("RSS samples (s: KiB): " + ", ".join(f"{at:.0f}: {kib}" for at, kib in samples))
    flat, why = flat_verdict(samples, warmup)
    print(f"memory after the {warmup:.0f} s warm-up: {'flat' if flat else 'GROWING'} ({why})")
    for e in errors:
        print(f"error: {e}")
    ok = error_count == 0 and flat and total > 0
    print("soak: passed" if ok else "soak: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
