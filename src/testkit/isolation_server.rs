//! Tenant isolation through the server: `.search` and every request with tenant B's key find,
//! read and change nothing of tenant A's
//! ([RFC 7644 §3.4.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.3),
//! [RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).

use super::failure::{Outcome, ensure};
use super::harness::{Answer, Tenant, at, filter_query, patch_body};
use super::isolation::{A_EXTERNAL, A_NAME, World, world};
use super::{BackendFactory, Failure};
use http::Method;
use serde_json::{Value, json};

async fn search(w: &World, path: &str, filter: Option<&str>) -> Outcome<Answer> {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "count": 100
    });
    if let (Some(f), Some(o)) = (filter, body.as_object_mut()) {
        o.insert("filter".into(), Value::from(f));
    }
    w.bench
        .call(Tenant::B, Method::POST, path, Some(&body), &[])
        .await?
        .expect(200)
}

/// `POST /.search`, `/Users/.search` and `/Groups/.search` with tenant B's key find only
/// B's resources, with and without filters (check `isolation_by_search`;
/// [RFC 7644 §3.4.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.3)).
pub async fn check_isolation_by_search<F: BackendFactory + ?Sized>(
    factory: &F,
) -> Result<(), Failure> {
    by_search(factory)
        .await
        .map_err(|e| Failure::new("isolation_by_search", e))
}

async fn by_search<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let w = world(factory).await?;
    let mine = [w.b_user.clone(), w.b_group.clone()];
    let cases: [(&str, Option<String>, &[String]); 7] = [
        ("/.search", None, &mine),
        (
            "/.search",
            Some(format!("id eq \"{}\" or id eq \"{}\"", w.user, w.group)),
            &[],
        ),
        ("/Users/.search", None, &mine[..1]),
        (
            "/Users/.search",
            Some(format!("userName eq \"{A_NAME}\"")),
            &[],
        ),
        (
            "/Users/.search",
            Some(format!("externalId eq \"{A_EXTERNAL}\"")),
            &[],
        ),
        ("/Groups/.search", None, &mine[1..]),
        (
            "/Groups/.search",
            Some(format!("members.value eq \"{}\"", w.user)),
            &[],
        ),
    ];
    for (path, filter, want) in cases {
        let a = search(&w, path, filter.as_deref()).await?;
        let got = a.ids();
        ensure!(
            got == want && a.total()? == want.len() as u64,
            "tenant B: POST {path} {filter:?} gives {} (ids {got:?}), expected only B's {want:?}",
            at(&a.body, "totalResults")
        );
    }
    Ok(())
}

/// Through the server, tenant B's key gets 404 for every request on tenant A's user and
/// group (GET, PUT, PATCH, DELETE), empty lists for A's names, and A's resources stay
/// unchanged (check `isolation_by_key`;
/// [RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
pub async fn check_isolation_by_key<F: BackendFactory + ?Sized>(
    factory: &F,
) -> Result<(), Failure> {
    by_key(factory)
        .await
        .map_err(|e| Failure::new("isolation_by_key", e))
}

async fn by_key<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let w = world(factory).await?;
    let a = &w.bench;
    let user_path = format!("/Users/{}", w.user);
    let group_path = format!("/Groups/{}", w.group);
    let before_user = a.get_ok(&user_path).await?;
    let before_group = a.get_ok(&group_path).await?;
    let put_user = json!({"userName": "taken-over@example.com"});
    let put_group = json!({"displayName": "taken over", "members": []});
    let patch =
        patch_body(json!([{"op": "replace", "path": "displayName", "value": "taken over"}]));
    let members = patch_body(json!([{"op": "remove", "path": "members"}]));
    let requests: [(Method, &str, Option<&Value>); 8] = [
        (Method::GET, &user_path, None),
        (Method::PUT, &user_path, Some(&put_user)),
        (Method::PATCH, &user_path, Some(&patch)),
        (Method::GET, &group_path, None),
        (Method::PUT, &group_path, Some(&put_group)),
        (Method::PATCH, &group_path, Some(&members)),
        (Method::DELETE, &user_path, None),
        (Method::DELETE, &group_path, None),
    ];
    for (method, path, body) in requests {
        let got = a.call(Tenant::B, method.clone(), path, body, &[]).await?;
        ensure!(
            got.status == 404 && at(&got.body, "status") == "404",
            "tenant B's key: {method} {path} gave {} {}, expected a SCIM 404",
            got.status,
            got.body
        );
    }
    for query in [
        format!(
            "/Users?{}",
            filter_query(&format!("userName eq \"{A_NAME}\""))
        ),
        format!("/Users?{}", filter_query(&format!("id eq \"{}\"", w.user))),
        format!("/Groups?{}", filter_query("displayName eq \"Group of A\"")),
    ] {
        let got = a
            .call(Tenant::B, Method::GET, &query, None, &[])
            .await?
            .expect(200)?;
        ensure!(
            got.total()? == 0,
            "tenant B's key: GET {query} found {}",
            got.body
        );
    }
    let after_user = a.get_ok(&user_path).await?;
    let after_group = a.get_ok(&group_path).await?;
    ensure!(
        after_user.body == before_user.body,
        "tenant B's key changed tenant A's user: {}",
        after_user.body
    );
    ensure!(
        after_group.body == before_group.body,
        "tenant B's key changed tenant A's group: {}",
        after_group.body
    );
    Ok(())
}
