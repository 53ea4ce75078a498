#!/usr/bin/env python3
"""Replica test: two example servers on one PostgreSQL database behave as one service.

Usage: replica_test.py EXAMPLE_BINARY POSTGRES_URL

On a fresh database (created next to the one POSTGRES_URL names), starts two example processes
configured with the same public base URL, then:
1. replays the recorded Entra ID and Okta traffic (tests/data/clients/) with the requests
   alternating between the two (.ci/replay.py with two base URLs);
2. adds members to one group concurrently through both (several threads each): no add is lost,
   and both replicas answer the same member list;
3. a key minted over /admin through one replica works on the other, and once revoked through
   one it is refused by the other on its very next request.
Only the standard library is used.
"""

import glob
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_server import (  # noqa: E402
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    ExampleServer,
    Failed,
    call,
    fresh_postgres_database,
)

KEY = "scimitar-replica-test-key-0123456789abcdef"
ADMIN = "scimitar-replica-test-admin-0123456789abcdef"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREADS_PER_REPLICA = 4
MEMBERS_PER_THREAD = 15


def ok(what):
    print(f"ok     {what}")


def replays(a, b):
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "clients", "*.json")))
    if not files:
        raise Failed("no recorded client traffic in tests/data/clients")
    replay = os.path.join(ROOT, ".ci", "replay.py")
    result = subprocess.run([sys.executable, replay, f"{a.base},{b.base}", KEY, *files])
    if result.returncode != 0:
        raise Failed("the replays alternating between the replicas failed (see above)")
    ok(f"{len(files)} client replays pass with requests alternating between the replicas")


def concurrent_member_adds(a, b):
    status, group = call("POST", f"{a.base}/Groups", KEY, {"schemas": [GROUP_SCHEMA], "displayName": "replicas"})
    if status != 201:
        raise Failed(f"creating the group: {status} {group}")
    gid = group["id"]
    plan = []  # (replica, user ids) per thread
    for t in range(THREADS_PER_REPLICA * 2):
        replica = (a, b)[t % 2]
        ids = []
        for m in range(MEMBERS_PER_THREAD):
            name = f"replica-member-{t}-{m}@contoso.com"
            status, user = call("POST", f"{replica.base}/Users", KEY, {"schemas": [USER_SCHEMA], "userName": name})
            if status != 201:
                raise Failed(f"creating {name}: {status} {user}")
            ids.append(user["id"])
        plan.append((replica, ids))
    errors = []

    def adder(replica, ids):
        for uid in ids:
            patch = {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}],
            }
            status, body = call("PATCH", f"{replica.base}/Groups/{gid}", KEY, patch)
            if status not in (200, 204):
                errors.append(f"{replica.name}: member add {status}: {body}")

    threads = [threading.Thread(target=adder, args=step) for step in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise Failed(f"{len(errors)} concurrent member adds refused:\n  " + "\n  ".join(errors[:10]))
    expected = {uid for _, ids in plan for uid in ids}
    for replica in (a, b):
        status, group = call("GET", f"{replica.base}/Groups/{gid}", KEY)
        if status != 200:
            raise Failed(f"{replica.name}: GET group {status} {group}")
        members = {m["value"] for m in group.get("members", [])}
        if members != expected:
            raise Failed(
                f"{replica.name}: {len(expected - members)} of {len(expected)} concurrent adds lost, "
                f"{len(members - expected)} unknown members"
            )
    ok(f"{len(expected)} concurrent member adds through both replicas: none lost, both agree")


def key_revocation(a, b):
    keys = "/admin/tenants/replica-keys/keys"
    status, minted = call("POST", a.root + keys, ADMIN, {"label": "replica test"})
    if status != 201:
        raise Failed(f"minting through {a.name}: {status} {minted}")
    secret, key_id = minted["secret"], minted["id"]
    status, body = call("GET", f"{b.base}/Users?count=1", secret)
    if status != 200:
        raise Failed(f"a key minted through {a.name} is refused by {b.name}: {status} {body}")
    ok("a key minted through one replica works on the other")
    status, listed = call("GET", b.root + keys, ADMIN)
    if status != 200 or key_id not in [k.get("id") for k in listed.get("keys", [])]:
        raise Failed(f"{b.name} does not list the key minted through {a.name}: {status} {listed}")
    ok("the other replica lists it")
    status, body = call("DELETE", f"{a.root}{keys}/{key_id}", ADMIN)
    if status != 204:
        raise Failed(f"revoking through {a.name}: {status} {body}")
    status, body = call("GET", f"{b.base}/Users?count=1", secret)
    if status != 401:
        raise Failed(f"a key revoked through {a.name} is still accepted by {b.name}: {status}")
    ok("a key revoked through one replica is refused by the other on its next request")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, url = os.path.abspath(sys.argv[1]), sys.argv[2]
    database = fresh_postgres_database(url, "scimitar_replica_test")
    a = ExampleServer(binary, {}, name="replica-a")
    b = ExampleServer(binary, {}, name="replica-b", workdir=a.workdir)
    for server in (a, b):
        server.env.update(
            {
                "SCIM_DATABASE_URL": database,
                "SCIM_KEY": KEY,
                "SCIM_ADMIN_TOKEN": ADMIN,
                "SCIM_BASE_URL": a.base,  # one public URL, as behind a load balancer
            }
        )
    try:
        a.start()
        b.start()
        ok(f"two replicas on one PostgreSQL database: {a.root} and {b.root}")
        replays(a, b)
        concurrent_member_adds(a, b)
        key_revocation(a, b)
    except Failed as failure:
        print(f"FAILED {failure}")
        for server in (a, b):
            print(f"--- {server.name} log\n{server.log()}")
        return 1
    finally:
        a.stop()
        b.stop()
    print("replica test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
