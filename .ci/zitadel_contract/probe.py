#!/usr/bin/env python3
"""Drives every RPC of a running Zitadel double once, so that its recording holds one sample of
every message the double can answer (and the requests as a Zitadel client would send them).

Usage: probe.py ZITADEL_URL PAT VERSION   (VERSION: v4.0, v4.1, v4.6 or v4.13)

The recording is then checked by check_proto.mjs and check_client.py. Each call's expected HTTP
status is asserted, so the probe also fails if the double's semantics drift. Standard library only.
"""

import base64
import json
import sys
import urllib.error
import urllib.request


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    url, pat, version = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    minor = int(version.split(".")[1])
    failures = []

    def call(procedure, body, want):
        request = urllib.request.Request(
            f"{url}/{procedure}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {pat}",
                "Content-Type": "application/json",
                "Connect-Protocol-Version": "1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        if status != want:
            failures.append(f"{procedure} {json.dumps(body)}: status {status}, expected {want}: {raw[:300]!r}")
        return json.loads(raw) if raw else {}

    users = "zitadel.user.v2.UserService"
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    external = [{"key": "urn:zitadel:scim:externalId", "value": b64("obj-probe-1")}]
    human = {
        "profile": {"givenName": "Probe", "familyName": "User", "displayName": "Probe User",
                    "nickName": "probe", "preferredLanguage": "en", "gender": "GENDER_DIVERSE"},
        "email": {"email": "probe@example.com", "isVerified": True},
        "phone": {"phone": "+41791234567", "isVerified": True},
        "idpLinks": [{"idpId": "idp-org-a", "userId": "obj-probe-1", "userName": "probe@example.com"}],
    }
    create = {"organizationId": "org-a", "userId": "probe-1", "username": "probe@example.com", "human": human}
    if minor >= 13:
        create["metadata"] = external
    else:
        human["metadata"] = external
    call(f"{users}/CreateUser", create, 200)
    call(f"{users}/CreateUser", create, 400)
    call(f"{users}/AddHumanUser", {
        "userId": "probe-2", "username": "probe2@example.com", "organization": {"orgId": "org-a"},
        "profile": {"givenName": "Probe", "familyName": "Two"},
        "email": {"email": "probe2@example.com", "isVerified": True},
        "metadata": [{"key": "urn:zitadel:scim:title", "value": b64("Engineer")}],
    }, 200)
    call(f"{users}/GetUserByID", {"userId": "probe-1"}, 200)
    call(f"{users}/GetUserByID", {"userId": "nobody"}, 404)
    queries = [{"organizationIdQuery": {"organizationId": "org-a"}}, {"typeQuery": {"type": "TYPE_HUMAN"}},
               {"orQuery": {"queries": [
                   {"userNameQuery": {"userName": "PROBE@example.com", "method": "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE"}},
                   {"emailQuery": {"emailAddress": "probe", "method": "TEXT_QUERY_METHOD_STARTS_WITH"}},
                   {"notQuery": {"query": {"inUserIdsQuery": {"userIds": ["x"]}}}}]}}]
    if minor >= 1:
        queries.append({"andQuery": {"queries": [
            {"metadataKeyFilter": {"key": "urn:zitadel:scim:externalId", "method": "TEXT_FILTER_METHOD_EQUALS"}},
            {"metadataValueFilter": {"value": b64("obj-probe-1"), "method": "BYTE_FILTER_METHOD_EQUALS"}}]}})
    call(f"{users}/ListUsers", {"query": {"offset": "0", "limit": 100, "asc": True},
                                "sortingColumn": "USER_FIELD_NAME_CREATION_DATE", "queries": queries}, 200)
    call(f"{users}/ListUsers", {"query": {"limit": 1001}}, 400)
    update = {"userId": "probe-1", "username": "probe.one@example.com",
              "human": {"profile": {"familyName": "Updated"}, "email": {"email": "probe.one@example.com", "isVerified": True},
                        "phone": {"phone": ""}}}
    if minor >= 13:
        update["metadata"] = [{"key": "urn:zitadel:scim:title", "value": b64("Lead")}]
    call(f"{users}/UpdateUser", update, 200)
    call(f"{users}/UpdateUser", {"userId": "probe-1", "username": "PROBE2@example.com"}, 409)
    call(f"{users}/SetUserMetadata", {"userId": "probe-1", "metadata": [{"key": "urn:zitadel:scim:locale", "value": b64("de-CH")}]}, 200)
    call(f"{users}/ListUserMetadata", {"userId": "probe-1", "pagination": {"limit": 100},
                                       "filters": [{"keyFilter": {"key": "urn:zitadel:scim:", "method": "TEXT_FILTER_METHOD_STARTS_WITH"}}]}, 200)
    call(f"{users}/DeleteUserMetadata", {"userId": "probe-1", "keys": ["urn:zitadel:scim:locale"]}, 200)
    call(f"{users}/DeleteUserMetadata", {"userId": "probe-1", "keys": ["urn:zitadel:scim:locale"]}, 404)
    call(f"{users}/AddIDPLink", {"userId": "probe-2", "idpLink": {"idpId": "idp-org-a", "userId": "obj-probe-2", "userName": "probe2"}}, 200)
    call(f"{users}/AddIDPLink", {"userId": "probe-2", "idpLink": {"idpId": "idp-org-a", "userId": "obj-probe-1", "userName": "x"}}, 409)
    call(f"{users}/ListIDPLinks", {"userId": "probe-2", "query": {"limit": 10}}, 200)
    call(f"{users}/RemoveIDPLink", {"userId": "probe-2", "idpId": "idp-org-a", "linkedUserId": "obj-probe-2"}, 200)
    call(f"{users}/DeactivateUser", {"userId": "probe-2"}, 200)
    call(f"{users}/DeactivateUser", {"userId": "probe-2"}, 400)
    call(f"{users}/ReactivateUser", {"userId": "probe-2"}, 200)
    call("zitadel.org.v2.OrganizationService/ListOrganizations",
         {"query": {"limit": 10}, "queries": [{"idQuery": {"id": "org-a"}}]}, 200)
    call("zitadel.settings.v2.SettingsService/GetActiveIdentityProviders", {"ctx": {"orgId": "org-a"}}, 200)
    call("zitadel.project.v2beta.ProjectService/ListProjectRoles",
         {"projectId": "project-org-a", "pagination": {"limit": 10}, "filters": [{"roleKeyFilter": {"key": "scim", "method": "TEXT_FILTER_METHOD_STARTS_WITH"}}]}, 200)
    for api, user_filter in [("v2beta", {"userId": {"id": "probe-1"}}), ("v2", {"inUserIds": {"ids": ["probe-1"]}})]:
        service = f"zitadel.authorization.{api}.AuthorizationService"
        if api == "v2" and minor < 6:
            call(f"{service}/ListAuthorizations", {}, 404)
            continue
        created = call(f"{service}/CreateAuthorization", {"userId": "probe-1", "projectId": "project-org-a",
                                                          "organizationId": "org-a", "roleKeys": ["scim-user"]}, 200)
        call(f"{service}/UpdateAuthorization", {"id": created.get("id", ""), "roleKeys": ["scim-user", "scim-admin"]}, 200)
        call(f"{service}/ListAuthorizations", {"pagination": {"limit": 10}, "filters": [user_filter, {"projectId": {"id": "project-org-a"}}]}, 200)
        call(f"{service}/DeleteAuthorization", {"id": created.get("id", "")}, 200)
    call("zitadel.group.v2.GroupService/ListGroups", {}, 404)
    call(f"{users}/DeleteUser", {"userId": "probe-1"}, 200)
    call(f"{users}/DeleteUser", {"userId": "probe-2"}, 200)
    call(f"{users}/DeleteUser", {"userId": "probe-2"}, 404)
    for f in failures:
        print("FAILED", f)
    print(f"probe {version}: {len(failures)} unexpected statuses")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
