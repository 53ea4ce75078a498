#!/usr/bin/env python3
"""Runs the scim2-tester conformance checks against a running SCIM server.

Usage: tester.py BASE_URL BEARER_TOKEN

Every check must end as SUCCESS, COMPLIANT, ACCEPTABLE or SKIPPED. A check ending as DEVIATION,
ERROR or CRITICAL fails the run, unless it is on ALLOWED below: each entry there is a check that
cannot pass for a reason the RFCs give, and README.md ("Conformance") lists the same entries with
the same reasons. An allowed entry that no longer fails is reported, so the list stays short.
"""

import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

# (check title, resource type or None, text the failure reason contains, RFC reason).
# Keep in sync with README.md, section "Conformance".
ALLOWED: list[tuple[str, str | None, str, str]] = []

PASSING = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}


def allowed(result) -> tuple[str, str | None, str, str] | None:
    for entry in ALLOWED:
        title, resource_type, reason, _why = entry
        if (
            result.title == title
            and result.resource_type == resource_type
            and reason in (result.reason or "")
        ):
            return entry
    return None


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, token = sys.argv[1], sys.argv[2]
    http = Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    client = SyncSCIMClient(http)
    results = check_server(client)

    passed = failed = excused = 0
    used = set()
    for result in results:
        where = f" [{result.resource_type}]" if result.resource_type else ""
        line = f"{result.status.name:<10} {result.title}{where}: {result.reason or ''}"
        if result.status in PASSING:
            passed += 1
            print(line)
            continue
        entry = allowed(result)
        if entry is not None:
            excused += 1
            used.add(entry)
            print(f"{line}\n           allowed: {entry[3]}")
            continue
        failed += 1
        print(f"{line}  <-- FAILED")
        if result.data is not None:
            print(f"           data: {str(result.data)[:2000]}")

    for entry in ALLOWED:
        if entry not in used:
            print(f"note: allowed failure no longer seen, remove it: {entry[:3]}")

    if not results:
        print("scim2-tester ran no check")
        return 1
    print(f"scim2-tester: {passed} passed, {failed} failed, {excused} allowed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
