#!/usr/bin/env python3
"""End-to-end check of SCIM key management over /admin against the running example server.

Usage: admin_check.py ROOT_URL ADMIN_TOKEN DEFAULT_TENANT_KEY

An admin mints a key for a new tenant, the key works for SCIM and sees only its own tenant, the
key list never shows secrets, and a revoked key is refused. Only the standard library is used.
"""

import json
import sys
import urllib.error
import urllib.request


class Failed(Exception):
    pass


def call(method, url, token=None, body=None):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/scim+json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw) if raw else None)


def expect(what, got, want):
    if got != want:
        raise Failed(f"{what}: expected {want!r}, got {got!r}")
    print(f"ok     {what}")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    root, admin, default_key = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    scim = f"{root}/scim/v2"
    keys = f"{root}/admin/tenants/acme-admin-check/keys"
    created = None
    try:
        status, _ = call("POST", keys, body={"label": "entra"})
        expect("minting without the admin token is 401", status, 401)
        status, _ = call("POST", keys, token=default_key, body={"label": "entra"})
        expect("a SCIM key is not an admin token (401)", status, 401)

        status, minted = call("POST", keys, token=admin, body={"label": "entra"})
        expect("the admin mints a key (201)", status, 201)
        secret, key_id = minted.get("secret"), minted.get("id")
        if not secret or not key_id:
            raise Failed(f"mint answer lacks secret or id: {minted}")

        status, listed = call("GET", keys, token=admin)
        expect("the admin lists the tenant's keys (200)", status, 200)
        ids = [k.get("id") for k in listed.get("keys", [])]
        expect("the list names the minted key", key_id in ids, True)
        expect("the list shows no secret", any("secret" in k for k in listed["keys"]), False)

        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "tenant.isolation@contoso.com",
        }
        status, body = call("POST", f"{scim}/Users", token=default_key, body=user)
        expect("the default tenant creates a user (201)", status, 201)
        created = body["id"]

        lookup = f"{scim}/Users?filter=userName+eq+%22tenant.isolation%40contoso.com%22"
        status, body = call("GET", lookup, token=secret)
        expect("the minted key works for SCIM (200)", status, 200)
        expect("it does not find the other tenant's user", body.get("totalResults"), 0)
        status, _ = call("GET", f"{scim}/Users/{created}", token=secret)
        expect("nor read it by id (404)", status, 404)
        status, _ = call("DELETE", f"{scim}/Users/{created}", token=secret)
        expect("nor delete it by id (404)", status, 404)

        status, _ = call("DELETE", f"{keys}/{key_id}", token=admin)
        expect("the admin revokes the key (204)", status, 204)
        status, _ = call("GET", lookup, token=secret)
        expect("the revoked key is refused (401)", status, 401)
        status, _ = call("DELETE", f"{keys}/{key_id}", token=admin)
        expect("revoking it again is 404", status, 404)
    except Failed as failure:
        print(f"FAILED {failure}")
        return 1
    finally:
        if created is not None:
            call("DELETE", f"{scim}/Users/{created}", token=default_key)
    print("key management: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
