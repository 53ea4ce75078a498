//! Property: the fast response encoders — direct writing of typed resources
//! (`GET /Users/{id}`, `GET /Groups/{id}`) and stored user bodies copied into list answers
//! (`GET /Users?filter=…`) — produce exactly what the general path produces (typed → JSON value
//! → `$ref`/`meta` fill → projection → bytes), for arbitrary users and groups
//! ([RFC 7644 §3.4.1](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.1),
//! [§3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)).
//!
//! The general path is forced with `excludedAttributes` naming an attribute the resource does
//! not have (`x509Certificates` for users, `externalId`-free groups): the projection is then the
//! default one, computed by the schema-driven code instead of the direct writer.

use super::server_support::*;
use proptest::prelude::*;
use scimitar::server::ScimServer;
use serde_json::{Map, Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Text with what needs escaping in JSON, non-ASCII, and plain words.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .@-]{1,12}",
        "\\PC{1,10}",
        Just("quote\"back\\slash\u{1}\u{7f}é😀".to_owned()),
        Just("</script>\n\t\r".to_owned()),
    ]
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn multi(kinds: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop::collection::vec((text(), prop::sample::select(kinds), any::<bool>()), 0..3).prop_map(
        |items| {
            Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, (value, kind, primary))| {
                        let mut o = json!({"value": value, "type": kind});
                        if primary && i == 0 {
                            o["primary"] = json!(true);
                        }
                        o
                    })
                    .collect(),
            )
        },
    )
}

/// Unknown attributes a client may send: kept and returned.
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("zz[a-z]{1,5}", value, 0..3).prop_map(|m| m.into_iter().collect())
}

prop_compose! {
    fn user_body()(
        user_name in "[a-z0-9]{1,12}",
        display in opt(text()),
        nick in opt(text()),
        title in opt(text()),
        active in opt(any::<bool>()),
        given in opt(text()),
        family in opt(text()),
        external in opt(text()),
        emails in multi(&["work", "home", "other"]),
        phones in multi(&["work", "mobile", "fax"]),
        department in opt(text()),
        manager in opt("[0-9a-f]{4,8}"),
        extra in extra(),
    ) -> Value {
        let mut o = Map::new();
        o.insert("userName".into(), json!(format!("{user_name}@example.com")));
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                o.insert(k.into(), v);
            }
        };
        put("displayName", display.map(Value::String));
        put("nickName", nick.map(Value::String));
        put("title", title.map(Value::String));
        put("active", active.map(Value::Bool));
        put("externalId", external.map(Value::String));
        if given.is_some() || family.is_some() {
            let mut name = Map::new();
            if let Some(g) = given { name.insert("givenName".into(), json!(g)); }
            if let Some(f) = family { name.insert("familyName".into(), json!(f)); }
            o.insert("name".into(), Value::Object(name));
        }
        o.insert("emails".into(), emails);
        o.insert("phoneNumbers".into(), phones);
        if department.is_some() || manager.is_some() {
            let mut ent = Map::new();
            if let Some(d) = department { ent.insert("department".into(), json!(d)); }
            if let Some(m) = manager { ent.insert("manager".into(), json!(m)); }
            o.insert(ENTERPRISE.into(), Value::Object(ent));
        }
        for (k, v) in extra {
            o.insert(k, v);
        }
        Value::Object(o)
    }
}

/// Whether the answer is a 200 and its body.
async fn get_ok(s: &ScimServer, path: &str) -> Value {
    let a = Call::get(path).send(s).await;
    assert_eq!(a.status, 200, "{path}: {:?}", a.body);
    a.body
}

async fn check_user(s: &ScimServer, body: Value) -> Result<(), TestCaseError> {
    let created = Call::post("/Users", body.clone()).send(s).await;
    prop_assert_eq!(
        created.status.as_u16(),
        201,
        "{:?} -> {:?}",
        body,
        created.body
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let general = get_ok(
        s,
        &format!("/Users/{id}?excludedAttributes=x509Certificates"),
    )
    .await;
    let direct = get_ok(s, &format!("/Users/{id}")).await;
    prop_assert_eq!(&direct, &general, "direct encoding differs for {:?}", body);
    prop_assert_eq!(
        &created.body,
        &general,
        "the create answer differs for {:?}",
        body
    );
    let listed = get_ok(s, &format!("/Users?filter=id+eq+%22{id}%22")).await;
    prop_assert_eq!(
        &listed["Resources"][0],
        &general,
        "stored body differs for {:?}",
        body
    );
    Ok(())
}

async fn check_group(
    s: &ScimServer,
    name: String,
    members: Vec<String>,
) -> Result<(), TestCaseError> {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let body = json!({"displayName": name, "members": members});
    let created = Call::post("/Groups", body.clone()).send(s).await;
    prop_assert_eq!(
        created.status.as_u16(),
        201,
        "{:?} -> {:?}",
        body,
        created.body
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let general = get_ok(s, &format!("/Groups/{id}?excludedAttributes=externalId")).await;
    let direct = get_ok(s, &format!("/Groups/{id}")).await;
    prop_assert_eq!(&direct, &general, "direct encoding differs for {:?}", body);
    let listed = get_ok(s, &format!("/Groups?filter=id+eq+%22{id}%22")).await;
    prop_assert_eq!(
        &listed["Resources"][0],
        &general,
        "list answer differs for {:?}",
        body
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn fast_encoders_equal_the_general_path(
        users in prop::collection::vec(user_body(), 1..4),
        group_name in text().prop_map(|t| format!("G {t}")),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let s = server().await;
            let mut ids = Vec::new();
            for (i, mut u) in users.into_iter().enumerate() {
                // distinct userNames within one case
                let name = format!("{i}-{}", u["userName"].as_str().unwrap());
                u["userName"] = json!(name);
                check_user(&s, u).await?;
                let found = get_ok(&s, &format!("/Users?filter=userName+eq+%22{name}%22")).await;
                ids.push(found["Resources"][0]["id"].as_str().unwrap().to_owned());
            }
            // users read again once they are group members: `groups` written by each path
            check_group(&s, group_name, ids.clone()).await?;
            for id in &ids {
                let general = get_ok(&s, &format!("/Users/{id}?excludedAttributes=x509Certificates")).await;
                prop_assert_eq!(&get_ok(&s, &format!("/Users/{id}")).await, &general);
                let listed = get_ok(&s, &format!("/Users?filter=id+eq+%22{id}%22")).await;
                prop_assert_eq!(&listed["Resources"][0], &general);
            }
            Ok(())
        })?;
    }
}

/// The comparison above is between two different encoders: the forced general path writes its
/// keys in another order than the direct writer, so equal values are not a tautology.
#[tokio::test]
async fn the_forced_path_is_the_general_one() {
    let s = server().await;
    let body = json!({"userName": "order@example.com", "displayName": "D", "active": true});
    let id = Call::post("/Users", body).send(&s).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let direct = Call::get(&format!("/Users/{id}")).send(&s).await;
    let general = Call::get(&format!("/Users/{id}?excludedAttributes=x509Certificates"))
        .send(&s)
        .await;
    assert_eq!(direct.body, general.body);
    assert_ne!(
        direct.raw, general.raw,
        "both answers came from one encoder"
    );
}
