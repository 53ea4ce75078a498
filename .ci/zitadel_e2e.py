#!/usr/bin/env python3
"""End-to-end checks of the Zitadel example server against the Zitadel double (.ci/zitadel).

Usage:
  zitadel_e2e.py isolation SCIM_BASE KEY_A KEY_B
      a user made with org A's key is invisible and untouchable with org B's key (by id, by
      filter, by .search), and lands in Zitadel in org A with its IdP link and externalId;
  zitadel_e2e.py remember SCIM_BASE KEY FILE      creates a user, writes its id to FILE
  zitadel_e2e.py recall SCIM_BASE KEY FILE        finds that user again (by id and by
      userName and externalId filters) and deletes it: run across a SCIM server restart;
  zitadel_e2e.py users DOUBLE_URL PAT ORG...      prints the number of users per org in the
      double (its state, not a lagging list), one "org count" line each.

Standard library only. The exit code is 1 when a check fails.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request



class Failed(Exception):
    pass


def call(method, url, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/scim+json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw) if raw else None)


def expect(what, got, want):
    if got != want:
        raise Failed(f"{what}: expected {want!r}, got {got!r}")
    print(f"ok     {what}")


def user(name, external_id):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": external_id,
        "name": {"givenName": "Iso", "familyName": "Lation"},
        "emails": [{"value": name, "type": "work", "primary": True}],
        "active": True,
    }


def find(base, key, attribute, value):
    query = urllib.parse.quote(f'{attribute} eq "{value}"')
    status, body = call("GET", f"{base}/Users?filter={query}", key)
    return status, (body or {}).get("totalResults")


def isolation(base, key_a, key_b):
    name, external = "isolation.check@contoso.com", "0b1d2c3e-0000-4000-8000-15014710c001"
    status, created = call("POST", f"{base}/Users", key_a, user(name, external))
    expect("org A creates a user (201)", status, 201)
    uid = created["id"]
    try:
        expect("org A finds it by userName", find(base, key_a, "userName", name), (200, 1))
        expect("org A finds it by externalId", find(base, key_a, "externalId", external), (200, 1))
        expect("org B does not find it by userName", find(base, key_b, "userName", name), (200, 0))
        expect("org B does not find it by externalId", find(base, key_b, "externalId", external), (200, 0))
        status, body = call("POST", f"{base}/Users/.search", key_b,
                            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                             "filter": f'userName eq "{name}"'})
        expect("org B's .search does not find it", (status, (body or {}).get("totalResults")), (200, 0))
        expect("org B cannot read it by id (404)", call("GET", f"{base}/Users/{uid}", key_b)[0], 404)
        patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations": [{"op": "replace", "path": "active", "value": False}]}
        expect("org B cannot patch it (404)", call("PATCH", f"{base}/Users/{uid}", key_b, patch)[0], 404)
        expect("org B cannot delete it (404)", call("DELETE", f"{base}/Users/{uid}", key_b)[0], 404)
        status, body = call("GET", f"{base}/Users/{uid}", key_a)
        expect("org A still reads it, active", (status, (body or {}).get("active")), (200, True))
    finally:
        expect("org A deletes it (204)", call("DELETE", f"{base}/Users/{uid}", key_a)[0], 204)


def remember(base, key, path):
    name, external = "restart.check@contoso.com", "0b1d2c3e-0000-4000-8000-7e57a27c0001"
    status, created = call("POST", f"{base}/Users", key, user(name, external))
    expect("a user is created before the restart (201)", status, 201)
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"id": created["id"], "userName": name, "externalId": external}, out)


def recall(base, key, path):
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    expect("after the restart the key still works and reads the user by id",
           call("GET", f"{base}/Users/{saved['id']}", key)[0], 200)
    # ListUsers may lag behind writes in Zitadel: the backend must still find the user.
    expect("and finds it by userName", find(base, key, "userName", saved["userName"]), (200, 1))
    expect("and by externalId", find(base, key, "externalId", saved["externalId"]), (200, 1))
    expect("and deletes it (204)", call("DELETE", f"{base}/Users/{saved['id']}", key)[0], 204)
    expect("and then no longer finds it by userName", find(base, key, "userName", saved["userName"]), (200, 0))
    expect("nor by externalId", find(base, key, "externalId", saved["externalId"]), (200, 0))


def users(double_url, pat, orgs):
    for org in orgs:
        status, body = call("GET", f"{double_url}/__double/users?org={urllib.parse.quote(org)}", pat)
        if status != 200:
            raise Failed(f"the double's user list for {org}: status {status}")
        print(org, len(body))


def main():
    args = sys.argv[1:]
    try:
        if len(args) == 4 and args[0] == "isolation":
            isolation(args[1].rstrip("/"), args[2], args[3])
        elif len(args) == 4 and args[0] in ("remember", "recall"):
            (remember if args[0] == "remember" else recall)(args[1].rstrip("/"), args[2], args[3])
        elif len(args) >= 4 and args[0] == "users":
            users(args[1].rstrip("/"), args[2], args[3:])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Failed as failure:
        print(f"FAILED {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
