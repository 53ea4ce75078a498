//! Filling a SQLite file for the benches: users (and a group of them) written straight into
//! the SQL backend's tables in large transactions, much faster than one durable create each.
//! Shared by `benches/sql.rs` and `benches/cursor.rs` (`#[path]` module).

use scimitar::backend::UserBody;
use scimitar::resource::User;
use sqlx::{Connection, SqliteConnection};

/// The id of the group [`fill`] writes.
pub const GROUP_ID: &str = "00000000-0000-4000-8000-000000000001";

/// The id [`fill`] gives user `i`.
pub fn user_id(i: usize) -> String {
    format!("5d48a0a8-e3e5-4a0b-9f67-{i:012}")
}

/// Writes `n` users (`user(i)`, with id [`user_id`]`(i)`) of `tenant` and a group of
/// `min(n, group_members)` of them straight into the tables, in large transactions.
pub async fn fill(
    url: &str,
    tenant: &str,
    n: usize,
    user: fn(usize) -> User,
    group_members: usize,
) {
    let mut conn = SqliteConnection::connect(url).await.expect("open");
    let now = chrono::Utc::now().timestamp_micros();
    const BATCH: usize = 100;
    let mut i = 0;
    while i < n {
        let mut tx = conn.begin().await.expect("begin");
        let end = (i + 50_000).min(n);
        while i < end {
            let k = BATCH.min(end - i);
            let mut sql = String::from(
                "INSERT INTO scim_users (tenant, id, user_name, external_id, version, created, modified, body) VALUES ",
            );
            for j in 0..k {
                if j > 0 {
                    sql.push(',');
                }
                let p = j * 5;
                sql.push_str(&format!(
                    "('{tenant}', ${}, ${}, ${}, 1, ${}, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 4,
                    p + 5
                ));
            }
            let mut q = sqlx::query(&sql);
            for j in i..i + k {
                let mut u = user(j);
                let body = UserBody::encode(&mut u).expect("encode");
                q = q
                    .bind(user_id(j))
                    .bind(u.user_name.to_lowercase())
                    .bind(u.external_id.clone())
                    .bind(now)
                    .bind(body.as_str().to_owned());
            }
            q.execute(&mut *tx).await.expect("insert users");
            i += k;
        }
        tx.commit().await.expect("commit");
    }
    let mut tx = conn.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO scim_groups (tenant, id, display_name, display_folded, external_id, version, created, modified, body) \
         VALUES ($1, $2, 'Sales', 'sales', NULL, 1, $3, $3, $4)",
    )
    .bind(tenant)
    .bind(GROUP_ID)
    .bind(now)
    .bind(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales"}"#)
    .execute(&mut *tx)
    .await
    .expect("group");
    for chunk in (0..n.min(group_members)).collect::<Vec<_>>().chunks(300) {
        let mut sql = String::from(
            "INSERT INTO scim_group_members (tenant, group_id, member_id, kind, display) VALUES ",
        );
        for (j, _) in chunk.iter().enumerate() {
            if j > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('{tenant}', '{GROUP_ID}', ${}, 'User', NULL)",
                j + 1
            ));
        }
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = q.bind(user_id(*m));
        }
        q.execute(&mut *tx).await.expect("members");
    }
    tx.commit().await.expect("commit");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .expect("checkpoint");
    conn.close().await.expect("close");
}
