#!/usr/bin/env python3
"""Crash test: the example server on SQLite is killed with SIGKILL in the middle of a stream of
creates, PATCHes, group member adds and key mints; after each restart every acknowledged (2xx)
write is there with the acknowledged content, and the store opens without repair.

Usage: crash_test.py EXAMPLE_BINARY [ROUNDS]

Each round starts the server on the same SQLite file, streams writes from several threads and
kills the server after a different delay. Each thread writes its own users one request at a time,
so at most one write per user is in flight at the kill; that write may or may not have landed, and
both outcomes are accepted (nothing else is). After the kill, SQLite's own `PRAGMA
integrity_check` must say "ok", and the restarted server must serve every acknowledged write:
users equal to the last acknowledged representation, every acknowledged group member present, and
every acknowledged minted key accepted. Only the standard library is used.
"""

import os
import random
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_server import (  # noqa: E402
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    ExampleServer,
    Failed,
    call,
)

KEY = "scimitar-crash-test-key-0123456789abcdef"
ADMIN = "scimitar-crash-test-admin-0123456789abcdef"
WRITERS = 6
KILL_AFTER = [0.4, 1.1, 2.0, 3.2, 0.7, 1.6]


class Ledger:
    """What the server acknowledged, and the one write per user that may be in flight."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}  # id -> last acknowledged representation
        self.pending_patch = {}  # id -> displayName of the unacknowledged PATCH
        self.members = set()  # acknowledged member ids of the group
        self.pending_members = set()  # member adds sent but not acknowledged
        self.keys = []  # acknowledged minted secrets
        self.unexpected = []  # non-2xx answers (a bug: nothing here should be refused)


def user_body(name, n):
    return {
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": name,
        "externalId": f"crash-{n}",
        "active": True,
        "displayName": name.split("@")[0],
        "name": {"givenName": "Crash", "familyName": f"Test{n}"},
        "emails": [{"primary": True, "type": "work", "value": name}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "QA"},
    }


def writer(server, ledger, group_id, round_no, worker, stop):
    """Create a user, add it to the group, PATCH it three times; repeat until the server dies."""
    n = 0
    try:
        while not stop.is_set():
            n += 1
            name = f"crash{round_no}-{worker}-{n}@contoso.com"
            status, body = call("POST", f"{server.base}/Users", KEY, user_body(name, n))
            if status != 201:
                ledger.unexpected.append(f"POST /Users {status}: {body}")
                continue
            uid = body["id"]
            with ledger.lock:
                ledger.users[uid] = body
                ledger.pending_members.add(uid)
            add = {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}],
            }
            status, body = call("PATCH", f"{server.base}/Groups/{group_id}", KEY, add)
            if status not in (200, 204):
                ledger.unexpected.append(f"PATCH /Groups member add {status}: {body}")
                continue
            with ledger.lock:
                ledger.members.add(uid)
            # The membership shows in the user's `groups` (and may move its meta): take the
            # user's state again; until then it stays "pending" for the user comparison.
            status, body = call("GET", f"{server.base}/Users/{uid}", KEY)
            if status != 200:
                ledger.unexpected.append(f"GET /Users/{uid} {status}: {body}")
                continue
            with ledger.lock:
                ledger.users[uid] = body
                ledger.pending_members.discard(uid)
            for version in range(3):
                display = f"{name} v{version}"
                patch = {
                    "schemas": [PATCH_SCHEMA],
                    "Operations": [
                        {"op": "Replace", "path": "displayName", "value": display},
                        {"op": "Replace", "path": "title", "value": f"title {version}"},
                    ],
                }
                with ledger.lock:
                    ledger.pending_patch[uid] = display
                status, body = call("PATCH", f"{server.base}/Users/{uid}", KEY, patch)
                if status != 200:
                    ledger.unexpected.append(f"PATCH /Users {status}: {body}")
                    break
                with ledger.lock:
                    ledger.users[uid] = body
                    ledger.pending_patch.pop(uid, None)
    except OSError:
        return  # the server was killed


def minter(server, ledger, round_no, stop):
    url = f"{server.root}/admin/tenants/crash-keys/keys"
    try:
        while not stop.is_set():
            status, body = call("POST", url, ADMIN, {"label": f"round {round_no}"})
            if status != 201:
                ledger.unexpected.append(f"POST admin key {status}: {body}")
                return
            with ledger.lock:
                ledger.keys.append(body["secret"])
            time.sleep(0.1)
    except OSError:
        return


def integrity(db_path):
    if not os.path.exists(db_path):
        raise Failed(f"the SQLite file {db_path} does not exist (is the store SQLite?)")
    connection = sqlite3.connect(db_path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    if result != [("ok",)]:
        raise Failed(f"PRAGMA integrity_check after the kill: {result}")


def without(body, *names):
    return {k: v for k, v in body.items() if k not in names}


def verify(server, ledger, group_id):
    missing, changed, current = [], [], {}
    for uid, acked in ledger.users.items():
        status, body = call("GET", f"{server.base}/Users/{uid}", KEY)
        if status != 200:
            missing.append(f"{uid} ({acked['userName']}): GET {status}")
            continue
        current[uid] = body
        pending = ledger.pending_patch.get(uid)
        if pending is not None and body.get("displayName") == pending:
            continue  # the in-flight PATCH landed: also a correct outcome
        if uid in ledger.pending_members:
            # The in-flight member add may have landed: `groups` and meta may differ.
            same = without(body, "groups", "meta") == without(acked, "groups", "meta")
        else:
            same = body == acked
        if not same:
            changed.append(f"{uid}: acknowledged {acked}\n    now {body}")
    if missing or changed:
        raise Failed(
            f"{len(missing)} acknowledged users missing, {len(changed)} changed:\n  "
            + "\n  ".join((missing + changed)[:10])
        )
    status, group = call("GET", f"{server.base}/Groups/{group_id}", KEY)
    if status != 200:
        raise Failed(f"the group is gone: GET {status} {group}")
    members = {m["value"] for m in group.get("members", [])}
    lost = ledger.members - members
    extra = members - ledger.members - ledger.pending_members
    if lost or extra:
        raise Failed(f"group members: {len(lost)} acknowledged adds lost, {len(extra)} unknown")
    # What is there now is durable and was checked: it is the baseline of the next round.
    ledger.users.update(current)
    ledger.members = members
    ledger.pending_patch.clear()
    ledger.pending_members.clear()
    for secret in ledger.keys:
        status, body = call("GET", f"{server.base}/Users?count=1", secret)
        if status != 200:
            raise Failed(f"an acknowledged minted key is refused after the crash: {status} {body}")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) == 3 else 4
    server = ExampleServer(binary, {}, name="crash")
    db_path = os.path.join(server.workdir, "crash.db")
    server.env.update(
        {
            "SCIM_DATABASE_URL": f"sqlite://{db_path}",
            "SCIM_KEY": KEY,
            "SCIM_ADMIN_TOKEN": ADMIN,
            "SCIM_BASE_URL": server.base,
        }
    )
    ledger = Ledger()
    try:
        server.start()
        group = {"schemas": [GROUP_SCHEMA], "displayName": "crash test group"}
        status, body = call("POST", f"{server.base}/Groups", KEY, group)
        if status != 201:
            raise Failed(f"creating the group: {status} {body}")
        group_id = body["id"]
        for round_no in range(1, rounds + 1):
            delay = KILL_AFTER[(round_no - 1) % len(KILL_AFTER)] * random.uniform(0.8, 1.2)
            stop = threading.Event()
            threads = [
                threading.Thread(target=writer, args=(server, ledger, group_id, round_no, w, stop))
                for w in range(WRITERS)
            ]
            threads.append(threading.Thread(target=minter, args=(server, ledger, round_no, stop)))
            for thread in threads:
                thread.start()
            time.sleep(delay)
            server.kill()
            stop.set()
            for thread in threads:
                thread.join()
            if ledger.unexpected:
                raise Failed("refused writes before the kill:\n  " + "\n  ".join(ledger.unexpected[:10]))
            integrity(db_path)
            in_flight = len(ledger.pending_patch) + len(ledger.pending_members)
            server.start()
            verify(server, ledger, group_id)
            print(
                f"ok     round {round_no}: killed after {delay:.2f}s; {len(ledger.users)} users, "
                f"{len(ledger.members)} members, {len(ledger.keys)} keys acknowledged so far, "
                f"all there after restart ({in_flight} writes were in flight)"
            )
        server.stop()
    except Failed as failure:
        print(f"FAILED {failure}\n--- server log\n{server.log()}")
        server.kill()
        return 1
    print("crash test: all rounds passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
