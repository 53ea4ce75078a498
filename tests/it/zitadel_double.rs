//! The Zitadel double's semantics, exercised over HTTP exactly as a client sees them
//! (RELEASED.md §3, §4: ids, codes, lag, state machine, faults, counters).

use std::time::Duration;

use scimitar::zitadel_double::{DoubleConfig, Faults, ZitadelDouble, ZitadelVersion};
use serde_json::{Value, json};

const USERS: &str = "zitadel.user.v2.UserService";

struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    fn new(double: &ZitadelDouble) -> Self {
        Client {
            http: reqwest::Client::new(),
            url: double.url(),
            token: double.pat(),
        }
    }

    async fn raw(&self, procedure: &str, body: &str, token: Option<&str>) -> (u16, String) {
        let mut req = self
            .http
            .post(format!("{}/{procedure}", self.url))
            .header("Content-Type", "application/json")
            .header("Connect-Protocol-Version", "1")
            .body(body.to_owned());
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    async fn call(&self, procedure: &str, body: Value) -> (u16, Value) {
        let (status, text) = self
            .raw(procedure, &body.to_string(), Some(&self.token))
            .await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn user(&self, method: &str, body: Value) -> (u16, Value) {
        self.call(&format!("{USERS}/{method}"), body).await
    }
}

fn human(org: &str, id: &str, username: &str) -> Value {
    json!({
        "organizationId": org,
        "userId": id,
        "username": username,
        "human": {
            "profile": {"givenName": "Ada", "familyName": "Lovelace"},
            "email": {"email": format!("{id}@example.com"), "isVerified": true},
        },
    })
}

fn error_id(body: &Value) -> &str {
    body["details"][0]["debug"]["id"].as_str().unwrap_or("")
}

async fn start(version: ZitadelVersion) -> (ZitadelDouble, Client) {
    let double = ZitadelDouble::start(DoubleConfig::default().with_version(version))
        .await
        .unwrap();
    let client = Client::new(&double);
    (double, client)
}

#[tokio::test]
async fn create_is_idempotent_by_id_and_usernames_are_unique_case_insensitively() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    let (status, body) = c
        .user("CreateUser", human("org-a", "u1", "Ada@Example.com"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "u1");

    let (status, body) = c.user("CreateUser", human("org-a", "u1", "other")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("failed_precondition"))
    );
    assert_eq!(error_id(&body), "COMMAND-7yiox1isql");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .ends_with("(COMMAND-7yiox1isql)")
    );

    let (status, body) = c
        .user("CreateUser", human("org-b", "u2", "ada@example.COM"))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_exists"))
    );
    assert_eq!(error_id(&body), "V3-DKcYh");

    let (status, body) = c.user("GetUserByID", json!({"userId": "u1"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["state"], "USER_STATE_ACTIVE");
    assert_eq!(body["user"]["details"]["resourceOwner"], "org-a");
    assert_eq!(
        body["user"]["human"]["profile"]["displayName"],
        "Ada Lovelace"
    );

    // Deleting frees the username; a second delete is not_found.
    assert_eq!(c.user("DeleteUser", json!({"userId": "u1"})).await.0, 200);
    let (status, body) = c.user("DeleteUser", json!({"userId": "u1"})).await;
    assert_eq!((status, error_id(&body)), (404, "COMMAND-bd4ir1mblj"));
    let (status, body) = c.user("GetUserByID", json!({"userId": "u1"})).await;
    assert_eq!((status, error_id(&body)), (404, "QUERY-Dfbg2"));
    assert_eq!(
        c.user("CreateUser", human("org-b", "u2", "ADA@example.com"))
            .await
            .0,
        200
    );
    assert_eq!(double.users("org-b").len(), 1);
    assert!(double.users("org-a").is_empty());
    double.shutdown().await;
}

#[tokio::test]
async fn every_call_is_authenticated_and_bodies_are_strict() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    let get = format!("{USERS}/GetUserByID");
    let (status, body) = c.raw(&get, r#"{"userId":"x"}"#, None).await;
    assert_eq!(status, 401);
    assert!(body.contains("unauthenticated"));
    let (status, body) = c.raw(&get, r#"{"userId":"x"}"#, Some("nope")).await;
    assert_eq!(status, 401);
    assert!(body.contains("AUTH-7fs1e"));

    let (status, body) = c
        .user("GetUserByID", json!({"userId": "x", "bogus": 1}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_argument"))
    );
    assert!(body.get("details").is_none());
    let mut create = human("org-a", "u1", "ada");
    create["human"]["profile"]["middleName"] = json!("x");
    assert_eq!(c.user("CreateUser", create).await.0, 400);
    let mut create = human("org-a", "u1", "ada");
    create["human"]["profile"]["givenName"] = json!("");
    assert_eq!(c.user("CreateUser", create).await.0, 400);

    // No released v4 has a group service.
    let (status, body) = c
        .call("zitadel.group.v2.GroupService/ListGroups", json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("unimplemented"))
    );
    double.shutdown().await;
}

#[tokio::test]
async fn metadata_shapes_and_filters_follow_the_version() {
    let (double, c) = start(ZitadelVersion::V4_0).await;
    let mut create = human("org-a", "u1", "ada");
    create["metadata"] = json!([{"key": "k", "value": "dg=="}]);
    let (status, body) = c.user("CreateUser", create.clone()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_argument"))
    );
    let filter = json!({"queries": [{"metadataKeyFilter": {"key": "k"}}]});
    assert_eq!(c.user("ListUsers", filter.clone()).await.0, 400);

    double.set_version(ZitadelVersion::V4_1);
    assert_eq!(c.user("ListUsers", filter).await.0, 200);
    assert_eq!(c.user("CreateUser", create.clone()).await.0, 400);

    double.set_version(ZitadelVersion::V4_13);
    let mut both = create.clone();
    both["human"]["metadata"] = json!([{"key": "k", "value": "dg=="}]);
    assert_eq!(c.user("CreateUser", both).await.0, 400);
    assert_eq!(c.user("CreateUser", create).await.0, 200);
    double.shutdown().await;
}

#[tokio::test]
async fn anded_metadata_filters_match_one_row() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    let mut create = human("org-a", "u1", "ada");
    // externalId = "obj-1", title = "obj-2"
    create["metadata"] = json!([
        {"key": "urn:zitadel:scim:externalId", "value": "b2JqLTE="},
        {"key": "urn:zitadel:scim:title", "value": "b2JqLTI="},
    ]);
    assert_eq!(c.user("CreateUser", create).await.0, 200);
    let lookup = |value: &str| {
        json!({"queries": [
            {"organizationIdQuery": {"organizationId": "org-a"}},
            {"andQuery": {"queries": [
                {"metadataKeyFilter": {"key": "urn:zitadel:scim:externalId", "method": "TEXT_FILTER_METHOD_EQUALS"}},
                {"metadataValueFilter": {"value": value, "method": "BYTE_FILTER_METHOD_EQUALS"}},
            ]}},
        ]})
    };
    let (_, hit) = c.user("ListUsers", lookup("b2JqLTE=")).await;
    assert_eq!(hit["details"]["totalResult"], "1");
    assert_eq!(hit["result"][0]["userId"], "u1");
    // The value exists, but on another key: not the same row, no match.
    let (_, miss) = c.user("ListUsers", lookup("b2JqLTI=")).await;
    assert!(miss.get("result").is_none(), "{miss}");
    // Another org sees nothing.
    let mut other = lookup("b2JqLTE=");
    other["queries"][0]["organizationIdQuery"]["organizationId"] = json!("org-b");
    assert!(c.user("ListUsers", other).await.1.get("result").is_none());
    double.shutdown().await;
}

#[tokio::test]
async fn list_users_lags_while_get_user_by_id_is_current() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    double.set_faults(Faults::default().with_list_users_lag(Duration::from_millis(300)));
    assert_eq!(
        c.user("CreateUser", human("org-a", "u1", "ada")).await.0,
        200
    );
    let by_name = json!({"queries": [{"userNameQuery": {"userName": "ADA", "method": "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE"}}]});
    assert!(
        c.user("ListUsers", by_name.clone())
            .await
            .1
            .get("result")
            .is_none()
    );
    assert_eq!(c.user("GetUserByID", json!({"userId": "u1"})).await.0, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, listed) = c.user("ListUsers", by_name.clone()).await;
    assert_eq!(listed["result"][0]["userId"], "u1");
    // A delete is seen late too.
    assert_eq!(c.user("DeleteUser", json!({"userId": "u1"})).await.0, 200);
    assert_eq!(
        c.user("ListUsers", by_name).await.1["details"]["totalResult"],
        "1"
    );
    double.shutdown().await;
}

#[tokio::test]
async fn deactivate_and_reactivate_refuse_repeats() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    assert_eq!(
        c.user("CreateUser", human("org-a", "u1", "ada")).await.0,
        200
    );
    let (status, body) = c.user("ReactivateUser", json!({"userId": "u1"})).await;
    assert_eq!((status, error_id(&body)), (400, "COMMAND-s5qqcz97hf"));
    assert_eq!(
        c.user("DeactivateUser", json!({"userId": "u1"})).await.0,
        200
    );
    let (status, body) = c.user("DeactivateUser", json!({"userId": "u1"})).await;
    assert_eq!((status, error_id(&body)), (400, "COMMAND-5gunjw0cd7"));
    let (_, got) = c.user("GetUserByID", json!({"userId": "u1"})).await;
    assert_eq!(got["user"]["state"], "USER_STATE_INACTIVE");
    assert_eq!(
        c.user("ReactivateUser", json!({"userId": "u1"})).await.0,
        200
    );
    let (status, body) = c.user("DeactivateUser", json!({"userId": "nobody"})).await;
    assert_eq!((status, error_id(&body)), (404, "COMMAND-5gp2p62iin"));
    double.shutdown().await;
}

#[tokio::test]
async fn update_is_partial_and_a_no_op_keeps_the_sequence() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    let mut create = human("org-a", "u1", "ada");
    create["human"]["phone"] = json!({"phone": "+41791234567", "isVerified": true});
    assert_eq!(c.user("CreateUser", create).await.0, 200);
    assert_eq!(
        c.user("CreateUser", human("org-a", "u2", "bob")).await.0,
        200
    );
    let seq = |v: &Value| v["user"]["details"]["sequence"].clone();
    let before = c.user("GetUserByID", json!({"userId": "u1"})).await.1;

    let noop = json!({"userId": "u1", "human": {"profile": {"givenName": "Ada"}}});
    assert_eq!(c.user("UpdateUser", noop).await.0, 200);
    let after = c.user("GetUserByID", json!({"userId": "u1"})).await.1;
    assert_eq!(seq(&before), seq(&after));

    let remove_phone = json!({"userId": "u1", "human": {"phone": {"phone": ""}}});
    assert_eq!(c.user("UpdateUser", remove_phone).await.0, 200);
    let after = c.user("GetUserByID", json!({"userId": "u1"})).await.1;
    assert!(after["user"]["human"].get("phone").is_none());
    assert_ne!(seq(&before), seq(&after));

    let taken = json!({"userId": "u1", "username": "BOB"});
    let (status, body) = c.user("UpdateUser", taken).await;
    assert_eq!((status, error_id(&body)), (409, "V3-DKcYh"));
    let (status, body) = c.user("UpdateUser", json!({"userId": "zz"})).await;
    assert_eq!((status, error_id(&body)), (404, "COMMAND-ugjs0upun6"));
    double.shutdown().await;
}

#[tokio::test]
async fn metadata_and_links_have_zitadels_errors() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    assert_eq!(
        c.user("CreateUser", human("org-a", "u1", "ada")).await.0,
        200
    );
    assert_eq!(
        c.user("CreateUser", human("org-a", "u2", "bob")).await.0,
        200
    );
    let set = json!({"userId": "u1", "metadata": [{"key": "a", "value": "eA=="}]});
    assert_eq!(c.user("SetUserMetadata", set).await.0, 200);
    let (_, listed) = c.user("ListUserMetadata", json!({"userId": "u1"})).await;
    assert_eq!(listed["metadata"][0]["value"], "eA==");
    let (status, body) = c
        .user(
            "DeleteUserMetadata",
            json!({"userId": "u1", "keys": ["a", "zz"]}),
        )
        .await;
    assert_eq!((status, error_id(&body)), (404, "META-2nnds"));
    let (status, body) = c
        .user("SetUserMetadata", json!({"userId": "u1", "metadata": []}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("failed_precondition"))
    );
    let missing = json!({"userId": "nobody", "metadata": [{"key": "a", "value": "eA=="}]});
    let (status, body) = c.user("SetUserMetadata", missing).await;
    assert_eq!((status, error_id(&body)), (400, "COMMAND-uXHNj"));

    let link = |user: &str| json!({"userId": user, "idpLink": {"idpId": "idp-org-a", "userId": "OBJ-1", "userName": "ada"}});
    assert_eq!(c.user("AddIDPLink", link("u1")).await.0, 200);
    let (status, body) = c.user("AddIDPLink", link("u2")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_exists"))
    );
    let (status, body) = c.user("AddIDPLink", link("nobody")).await;
    assert_eq!((status, error_id(&body)), (400, "COMMAND-vzktar7b7f"));
    let (_, links) = c.user("ListIDPLinks", json!({"userId": "u1"})).await;
    assert_eq!(links["result"][0]["userId"], "OBJ-1");
    // Deleting the user frees the link.
    assert_eq!(c.user("DeleteUser", json!({"userId": "u1"})).await.0, 200);
    assert_eq!(c.user("AddIDPLink", link("u2")).await.0, 200);
    double.shutdown().await;
}

#[tokio::test]
async fn paging_uses_zitadels_defaults_and_limits() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    for i in 0..3 {
        let id = format!("u{i}");
        assert_eq!(c.user("CreateUser", human("org-a", &id, &id)).await.0, 200);
    }
    let (status, body) = c.user("ListUsers", json!({"query": {"limit": 1001}})).await;
    assert_eq!((status, error_id(&body)), (400, "QUERY-4M0fs"));
    let page = json!({"query": {"offset": "1", "limit": 1, "asc": true}, "sortingColumn": "USER_FIELD_NAME_USER_NAME"});
    let (_, body) = c.user("ListUsers", page).await;
    assert_eq!(body["details"]["totalResult"], "3");
    assert_eq!(body["result"].as_array().unwrap().len(), 1);
    assert_eq!(body["result"][0]["username"], "u1");
    double.shutdown().await;
}

#[tokio::test]
async fn authorizations_by_version() {
    let (double, c) = start(ZitadelVersion::V4_0).await;
    assert_eq!(
        c.user("CreateUser", human("org-a", "u1", "ada")).await.0,
        200
    );
    let v2 = "zitadel.authorization.v2.AuthorizationService";
    let beta = "zitadel.authorization.v2beta.AuthorizationService";
    let grant = json!({"userId": "u1", "projectId": "project-org-a", "organizationId": "org-a", "roleKeys": ["scim-user"]});
    assert_eq!(
        c.call(&format!("{v2}/CreateAuthorization"), grant.clone())
            .await
            .0,
        404
    );
    let (status, created) = c
        .call(&format!("{beta}/CreateAuthorization"), grant.clone())
        .await;
    assert_eq!(status, 200, "{created}");
    let (status, body) = c
        .call(&format!("{beta}/CreateAuthorization"), grant.clone())
        .await;
    assert_eq!((status, error_id(&body)), (409, "V3-DKcYh"));
    let (_, listed) = c
        .call(
            &format!("{beta}/ListAuthorizations"),
            json!({"filters": [{"userId": {"id": "u1"}}]}),
        )
        .await;
    assert_eq!(listed["authorizations"][0]["roles"][0], "scim-user");

    double.set_version(ZitadelVersion::V4_6);
    let (_, listed) = c
        .call(
            &format!("{v2}/ListAuthorizations"),
            json!({"filters": [{"inUserIds": {"ids": ["u1"]}}]}),
        )
        .await;
    assert_eq!(listed["authorizations"][0]["roles"][0]["key"], "scim-user");
    let bad_role = json!({"userId": "u1", "projectId": "project-org-a", "organizationId": "org-a", "roleKeys": ["nope"]});
    assert_eq!(
        c.call(&format!("{v2}/CreateAuthorization"), bad_role)
            .await
            .0,
        400
    );
    let twice = json!({"userId": "u1", "projectId": "project-org-a", "organizationId": "org-a", "roleKeys": ["scim-user", "scim-user"]});
    let (status, body) = c.call(&format!("{v2}/CreateAuthorization"), twice).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_argument"))
    );
    let id = created["id"].clone();
    assert_eq!(
        c.call(&format!("{v2}/DeleteAuthorization"), json!({"id": id}))
            .await
            .0,
        200
    );
    assert_eq!(
        c.call(&format!("{v2}/DeleteAuthorization"), json!({"id": id}))
            .await
            .0,
        200
    );
    // Deleting a user removes its authorizations.
    assert_eq!(
        c.call(&format!("{v2}/CreateAuthorization"), grant).await.0,
        200
    );
    assert_eq!(c.user("DeleteUser", json!({"userId": "u1"})).await.0, 200);
    let (_, listed) = c.call(&format!("{v2}/ListAuthorizations"), json!({})).await;
    assert!(listed.get("authorizations").is_none());
    double.shutdown().await;
}

#[tokio::test]
async fn orgs_idps_and_roles_are_discoverable() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    double.add_org("org-c");
    double.add_idp("org-c", "idp-off", "Old", false);
    double.add_project_role("org-c", "project-org-c", "viewer");
    let (_, orgs) = c
        .call(
            "zitadel.org.v2.OrganizationService/ListOrganizations",
            json!({"queries": [{"idQuery": {"id": "org-c"}}]}),
        )
        .await;
    assert_eq!(orgs["result"][0]["id"], "org-c");
    let (_, idps) = c
        .call(
            "zitadel.settings.v2.SettingsService/GetActiveIdentityProviders",
            json!({"ctx": {"orgId": "org-c"}}),
        )
        .await;
    assert_eq!(idps["identityProviders"].as_array().unwrap().len(), 1);
    assert_eq!(idps["identityProviders"][0]["id"], "idp-org-c");
    let (_, roles) = c
        .call(
            "zitadel.project.v2beta.ProjectService/ListProjectRoles",
            json!({"projectId": "project-org-c"}),
        )
        .await;
    assert_eq!(roles["pagination"]["totalResult"], "3");
    double.shutdown().await;
}

#[tokio::test]
async fn faults_answer_429_with_and_without_a_body_and_calls_are_counted() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    double.set_faults(Faults::default().with_rate_429(1.0).with_seed(3));
    let mut bodies = 0;
    for _ in 0..20 {
        let (status, text) = c
            .raw(
                &format!("{USERS}/GetUserByID"),
                r#"{"userId":"x"}"#,
                Some(&c.token),
            )
            .await;
        assert_eq!(status, 429);
        if text.contains("resource_exhausted") {
            bodies += 1;
        }
    }
    assert!(
        bodies > 0 && bodies < 20,
        "{bodies} of 20 had a Connect body"
    );
    assert_eq!(double.calls()[&format!("{USERS}/GetUserByID")], 20);
    double.reset_calls();
    double.set_faults(Faults::default());
    assert_eq!(c.user("GetUserByID", json!({"userId": "x"})).await.0, 404);
    assert_eq!(double.calls().len(), 1);
    double.shutdown().await;
}

fn assertion(key_file: &Value, aud: &str, iat_offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let user = key_file["userId"].as_str().unwrap();
    let claims = json!({"iss": user, "sub": user, "aud": aud, "iat": now + iat_offset, "exp": now + iat_offset + 600});
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key_file["keyId"].as_str().unwrap().to_owned());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_file["key"].as_str().unwrap().as_bytes())
        .unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn exchange(c: &Client, assertion: &str, scope: &str) -> (u16, Value) {
    let form = format!(
        "grant_type={}&scope={}&assertion={assertion}",
        "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        scope.replace(' ', "%20").replace(':', "%3A"),
    );
    let resp = c
        .http
        .post(format!("{}/oauth/v2/token", c.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn jwt_profile_tokens_work_like_zitadels() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    let key_file: Value = serde_json::from_str(&double.key_file_json()).unwrap();
    assert_eq!(key_file["type"], "serviceaccount");
    let scope = "openid urn:zitadel:iam:org:project:id:zitadel:aud";
    let (status, token) = exchange(&c, &assertion(&key_file, &double.url(), 0), scope).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert!(token["expires_in"].as_u64().unwrap() > 0);
    let at = token["access_token"].as_str().unwrap();
    let get = format!("{USERS}/GetUserByID");
    assert_eq!(c.raw(&get, r#"{"userId":"x"}"#, Some(at)).await.0, 404);

    // Without the API audience scope the token is no good for the APIs.
    let (_, token) = exchange(&c, &assertion(&key_file, &double.url(), 0), "openid").await;
    let at = token["access_token"].as_str().unwrap();
    assert_eq!(c.raw(&get, r#"{"userId":"x"}"#, Some(at)).await.0, 401);
    // Wrong audience, stale iat.
    let (status, body) = exchange(&c, &assertion(&key_file, "http://elsewhere", 0), scope).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = exchange(&c, &assertion(&key_file, &double.url(), -7200), scope).await;
    assert_eq!(status, 400);
    // Tokens expire.
    double.set_token_lifetime(Duration::from_millis(0));
    let (_, token) = exchange(&c, &assertion(&key_file, &double.url(), 0), scope).await;
    let at = token["access_token"].as_str().unwrap();
    assert_eq!(c.raw(&get, r#"{"userId":"x"}"#, Some(at)).await.0, 401);
    assert_eq!(double.calls()["oauth/v2/token"], 5);
    double.shutdown().await;
}

#[tokio::test]
async fn the_control_surface_mirrors_the_rust_api() {
    let (double, c) = start(ZitadelVersion::V4_13).await;
    assert_eq!(
        c.user("CreateUser", human("org-a", "u1", "ada")).await.0,
        200
    );
    let get = |path: &str, token: &str| {
        c.http
            .get(format!("{}/__double/{path}", c.url))
            .header("Authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(get("users?org=org-a", "nope").await.unwrap().status(), 401);
    let users: Value = get("users?org=org-a", &c.token)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users, Value::from(double.users("org-a")));
    assert_eq!(users[0]["userId"], "u1");
    let resp = c
        .http
        .post(format!("{}/__double/faults", c.url))
        .header("Authorization", format!("Bearer {}", c.token))
        .body(r#"{"rate429":1.0,"seed":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(c.user("GetUserByID", json!({"userId": "u1"})).await.0, 429);
    let calls: Value = get("calls", &c.token).await.unwrap().json().await.unwrap();
    assert_eq!(calls[format!("{USERS}/GetUserByID")], 1);
    double.shutdown().await;
}
