//! Many writers at once on one group, one user and one `userName`, through
//! `ScimServer::handle` from tasks of a multi-thread runtime: every acknowledged change is in
//! the final state exactly once, a writer whose `If-Match` lost gets 412
//! ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)), and a taken
//! `userName` gets 409 `uniqueness` ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).

use super::failure::{Outcome, Step, ensure};
use super::harness::{Answer, Bench, Tenant, at, filter_query, patch_body};
use super::{BackendFactory, Failure};
use http::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Barrier;

/// Writers per race.
const WRITERS: usize = 16;

/// The distinct single-valued string attributes the user race patches, one per writer.
const ATTRIBUTES: [&str; WRITERS] = [
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "name.givenName",
    "name.familyName",
    "name.middleName",
    "name.honorificPrefix",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
];

/// Runs the three concurrency checks, each on a fresh backend
/// ([RFC 7644 §3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
pub async fn check_concurrency<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    check_concurrent_group_members(factory).await?;
    check_concurrent_user_patches(factory).await?;
    check_uniqueness_race(factory).await
}

/// Fails unless the current runtime runs tasks on several threads.
fn multi_thread(check: &'static str) -> Result<(), Failure> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => Ok(()),
        _ => Err(Failure::new(
            check,
            "the concurrency checks need a multi-thread tokio runtime, where writers really \
             run at once: use #[tokio::test(flavor = \"multi_thread\")]",
        )),
    }
}

/// Runs `task(i)` for `0..n` on spawned tasks that start together; their outputs in order.
async fn race<T, Fut>(n: usize, task: impl Fn(usize) -> Fut) -> Outcome<Vec<T>>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, work) = (barrier.clone(), task(i));
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.step("a writer task")?);
    }
    Ok(out)
}

async fn create_user(bench: &Bench, user_name: &str) -> Outcome<String> {
    let body = json!({"userName": user_name});
    bench.create("/Users", &body).await?.str_at("/id")
}

/// Sends one PATCH as tenant A, with `If-Match` when given.
async fn patch(
    bench: Bench,
    path: String,
    ops: Value,
    if_match: Option<String>,
) -> Outcome<Answer> {
    let headers: Vec<(&str, &str)> = if_match.iter().map(|v| ("If-Match", v.as_str())).collect();
    bench
        .call(
            Tenant::A,
            Method::PATCH,
            &path,
            Some(&patch_body(ops)),
            &headers,
        )
        .await
}

/// Many writers add and remove members of one group at once (check `concurrent_group_members`).
///
/// Without `If-Match`: 16 members are removed while 16 new users are each added twice; each
/// PATCH succeeds or gets 412 (a backend that gives up under contention), and the group ends
/// with exactly the acknowledged changes, each member once (a lost add, a lost remove or a
/// duplicate member fails), and each user's `groups` agrees. With `If-Match` of
/// one version: exactly one writer wins, the others get 412, and only the winner's member is
/// added ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2),
/// [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
pub async fn check_concurrent_group_members<F: BackendFactory + ?Sized>(
    factory: &F,
) -> Result<(), Failure> {
    const CHECK: &str = "concurrent_group_members";
    multi_thread(CHECK)?;
    group_members(factory)
        .await
        .map_err(|e| Failure::new(CHECK, e))
}

async fn group_members<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let bench = Bench::new(factory).await?;
    let mut old = Vec::new();
    let mut new = Vec::new();
    for i in 0..WRITERS {
        old.push(create_user(&bench, &format!("old-member-{i}")).await?);
        new.push(create_user(&bench, &format!("new-member-{i}")).await?);
    }
    let members: Vec<Value> = old.iter().map(|id| json!({"value": id})).collect();
    let body = json!({"displayName": "Contended", "members": members});
    let group = bench.create("/Groups", &body).await?;
    let gid = group.str_at("/id")?;
    let path = format!("/Groups/{gid}");

    let answers = race(3 * WRITERS, |i| {
        let (bench, path) = (bench.clone(), path.clone());
        let ops = match (i % 3, new.get(i / 3), old.get(i / 3)) {
            (2, _, Some(id)) => {
                json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}])
            }
            (_, Some(id), _) => json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
            _ => json!([]),
        };
        patch(bench, path, ops, None)
    })
    .await?;
    // what was acknowledged is applied; a writer refused with 412 changed nothing
    let mut want: BTreeSet<String> = old.iter().cloned().collect();
    let mut acknowledged = 0;
    for (i, a) in answers.into_iter().enumerate() {
        let a = a?;
        let (remove, id) = match i % 3 {
            2 => (true, old.get(i / 3)),
            _ => (false, new.get(i / 3)),
        };
        match (a.status, id) {
            (200 | 204, Some(id)) => {
                acknowledged += 1;
                if remove {
                    want.remove(id);
                } else {
                    want.insert(id.clone());
                }
            }
            (412, _) => {}
            _ => {
                return Err(format!(
                    "{} without If-Match: status {} {}",
                    a.what, a.status, a.body
                ));
            }
        }
    }
    ensure!(
        acknowledged > 0,
        "all {} concurrent member changes were refused",
        3 * WRITERS
    );
    let got = bench.get_ok(&path).await?;
    let listed: Vec<String> = got.values_of("members");
    let distinct: BTreeSet<String> = listed.iter().cloned().collect();
    ensure!(
        distinct == want && listed.len() == want.len(),
        "after {WRITERS} concurrent removes and {} concurrent adds ({acknowledged} acknowledged) \
         the group has {} members ({} distinct); expected the acknowledged changes exactly \
         once: lost or duplicated updates. Members: {listed:?}, expected {want:?}",
        2 * WRITERS,
        listed.len(),
        distinct.len()
    );
    for id in old.iter().chain(&new) {
        let user = bench.get_ok(&format!("/Users/{id}")).await?;
        let groups = at(&user.body, "groups").as_array().map_or(0, Vec::len);
        let member = usize::from(want.contains(id));
        ensure!(
            groups == member,
            "user {id} lists {groups} groups after the race; expected {member}"
        );
    }

    // one version, many writers: one wins, the rest 412
    let version = got.str_at("/meta/version")?;
    let mut late = Vec::new();
    for i in 0..WRITERS {
        late.push(create_user(&bench, &format!("late-member-{i}")).await?);
    }
    let answers = race(WRITERS, |i| {
        let ops = json!([{"op": "add", "path": "members", "value": [{"value": late.get(i)}]}]);
        patch(bench.clone(), path.clone(), ops, Some(version.clone()))
    })
    .await?;
    let mut winners = Vec::new();
    for (i, a) in answers.into_iter().enumerate() {
        let a = a?;
        match a.status {
            200 | 204 => winners.push(late.get(i).step("late")?.clone()),
            412 => {}
            s => return Err(format!("{} with If-Match: status {s} {}", a.what, a.body)),
        }
    }
    ensure!(
        winners.len() == 1,
        "{} of {WRITERS} PATCHes with the same If-Match {version} succeeded; exactly one may, \
         the others must get 412",
        winners.len()
    );
    let got = bench.get_ok(&path).await?;
    let listed: BTreeSet<String> = got.values_of("members").into_iter().collect();
    let want: BTreeSet<String> = want.into_iter().chain(winners.iter().cloned()).collect();
    ensure!(
        listed == want,
        "after the If-Match race the members are {listed:?}; expected the earlier ones and the \
         one winner {winners:?}"
    );
    Ok(())
}

/// Many writers PATCH distinct attributes of one user at once (check
/// `concurrent_user_patches`).
///
/// Without `If-Match`: each PATCH succeeds or gets 412, and the user ends with exactly the
/// acknowledged values (a read-modify-write that loses a concurrent write fails). With `If-Match` of one version: exactly one wins, the
/// others get 412, and only the winner's attribute is set
/// ([RFC 7644 §3.5.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2),
/// [§3.14](https://www.rfc-editor.org/rfc/rfc7644#section-3.14)).
pub async fn check_concurrent_user_patches<F: BackendFactory + ?Sized>(
    factory: &F,
) -> Result<(), Failure> {
    const CHECK: &str = "concurrent_user_patches";
    multi_thread(CHECK)?;
    user_patches(factory)
        .await
        .map_err(|e| Failure::new(CHECK, e))
}

/// The value writer `i` sets, and where it lands in the user's JSON.
fn attribute_value(i: usize) -> String {
    format!("kit-value-{i}")
}

fn value_at(user: &Value, attribute: &str) -> Option<String> {
    let (container, name) = match attribute.rsplit_once(':') {
        Some((urn, name)) => (user.get(urn)?, name),
        None => (user, attribute),
    };
    let mut here = container;
    for part in name.split('.') {
        here = here.get(part)?;
    }
    here.as_str().map(str::to_owned)
}

async fn user_patches<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let bench = Bench::new(factory).await?;
    for with_if_match in [false, true] {
        let id = create_user(&bench, &format!("contended-{with_if_match}")).await?;
        let path = format!("/Users/{id}");
        let before = bench.get_ok(&path).await?;
        let version = before.str_at("/meta/version")?;
        let answers = race(WRITERS, |i| {
            let ops = json!([{
                "op": "replace",
                "path": ATTRIBUTES.get(i).copied().unwrap_or("displayName"),
                "value": attribute_value(i),
            }]);
            patch(
                bench.clone(),
                path.clone(),
                ops,
                with_if_match.then(|| version.clone()),
            )
        })
        .await?;
        let mut acknowledged = Vec::new();
        for (i, a) in answers.into_iter().enumerate() {
            let a = a?;
            match a.status {
                200 | 204 => acknowledged.push(i),
                412 => {}
                s => {
                    return Err(format!(
                        "{} (If-Match: {with_if_match}): status {s} {}",
                        a.what, a.body
                    ));
                }
            }
        }
        // one version named by all: exactly one may win; none named: at least one must
        let fits = if with_if_match {
            acknowledged.len() == 1
        } else {
            !acknowledged.is_empty()
        };
        ensure!(
            fits,
            "{} of {WRITERS} concurrent PATCHes of distinct attributes succeeded (If-Match of \
             one version: {with_if_match}); expected {}, the others 412",
            acknowledged.len(),
            if with_if_match {
                "exactly one"
            } else {
                "at least one"
            }
        );
        let after = bench.get_ok(&path).await?;
        for (i, attribute) in ATTRIBUTES.iter().enumerate() {
            let got = value_at(&after.body, attribute);
            let set = acknowledged.contains(&i);
            ensure!(
                got.as_deref() == set.then(|| attribute_value(i)).as_deref(),
                "after concurrent PATCHes (If-Match: {with_if_match}) {attribute} is {got:?}; \
                 the PATCH that set it was {}: a lost or phantom update. User: {}",
                if set {
                    "acknowledged"
                } else {
                    "refused with 412"
                },
                after.body
            );
        }
    }
    Ok(())
}

/// Many writers claim one `userName` at once (check `uniqueness_race`): of 16 concurrent
/// creates (in varying case) exactly one gets 201 and the rest 409 `uniqueness`; of 16 users
/// renamed to one new name at once exactly one gets 200 and the rest 409; a filter then finds
/// one user ([RFC 7644 §3.3](https://www.rfc-editor.org/rfc/rfc7644#section-3.3),
/// [RFC 7643 §4.1.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1)).
pub async fn check_uniqueness_race<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    const CHECK: &str = "uniqueness_race";
    multi_thread(CHECK)?;
    uniqueness(factory)
        .await
        .map_err(|e| Failure::new(CHECK, e))
}

/// Of `answers`, exactly one has `won` and the rest are 409 `uniqueness`.
fn one_winner(answers: Vec<Outcome<Answer>>, won: u16, what: &str) -> Outcome {
    let mut winners = 0;
    for a in answers {
        let a = a?;
        if a.status == won {
            winners += 1;
        } else {
            ensure!(
                a.status == 409 && at(&a.body, "scimType") == "uniqueness",
                "{what}: {} got {} {}, expected {won} or 409 uniqueness",
                a.what,
                a.status,
                a.body
            );
        }
    }
    ensure!(
        winners == 1,
        "{what}: {winners} of {WRITERS} writers won; exactly one may"
    );
    Ok(())
}

async fn count(bench: &Bench, user_name: &str) -> Outcome<u64> {
    let path = format!(
        "/Users?{}",
        filter_query(&format!("userName eq \"{user_name}\""))
    );
    bench.get_ok(&path).await?.total()
}

async fn uniqueness<F: BackendFactory + ?Sized>(factory: &F) -> Outcome {
    let bench = Bench::new(factory).await?;
    let answers = race(WRITERS, |i| {
        let bench = bench.clone();
        let name = if i % 2 == 0 {
            "race@example.com"
        } else {
            "RACE@example.COM"
        };
        async move {
            let body = json!({"userName": name});
            bench
                .call(Tenant::A, Method::POST, "/Users", Some(&body), &[])
                .await
        }
    })
    .await?;
    one_winner(answers, 201, "concurrent creates of one userName")?;
    let n = count(&bench, "race@example.com").await?;
    ensure!(
        n == 1,
        "after the create race, {n} users are named race@example.com"
    );

    let mut ids = Vec::new();
    for i in 0..WRITERS {
        ids.push(create_user(&bench, &format!("renamed-{i}")).await?);
    }
    let answers = race(WRITERS, |i| {
        let bench = bench.clone();
        let path = format!("/Users/{}", ids.get(i).map_or("", String::as_str));
        async move {
            let body = json!({"userName": "Claimed@example.com"});
            bench
                .call(Tenant::A, Method::PUT, &path, Some(&body), &[])
                .await
        }
    })
    .await?;
    one_winner(answers, 200, "concurrent renames to one userName")?;
    let n = count(&bench, "claimed@example.com").await?;
    ensure!(
        n == 1,
        "after the rename race, {n} users are named claimed@example.com"
    );
    Ok(())
}
