//! The SQL key store, shared by every process on one database: a key minted through one
//! `SqlBackend` verifies through another, and a revoke through one is refused by the other on
//! its very next request; only hashes are stored.

use scimitar::auth::{ApiKeyStore, Secret, TenantId};
use scimitar::backend::sql::SqlBackend;

async fn pair(url: &str) -> (SqlBackend, SqlBackend) {
    (
        SqlBackend::connect(url).await.unwrap(),
        SqlBackend::connect(url).await.unwrap(),
    )
}

async fn revoke_on_one_is_refused_by_the_other(db: &str, url: &str) {
    let (a, b) = pair(url).await;
    let (ka, kb) = (a.key_store(), b.key_store());
    let t = TenantId::new("org-1");
    let (info, secret) = ka.mint(&t, Some("entra")).await.unwrap();
    let seen = kb.verify(secret.expose()).await.unwrap().unwrap();
    assert_eq!(
        (seen.id.as_str(), seen.tenant.as_str()),
        (info.id.as_str(), "org-1"),
        "{db}"
    );
    assert_eq!(seen.label.as_deref(), Some("entra"));
    assert!(seen.last_used.is_some(), "{db}");
    // a forged secret with the right id fails, and so does an unknown one
    assert!(
        kb.verify(&format!("{}x", secret.expose()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(kb.verify("scimk_nope.nope").await.unwrap().is_none());
    // another tenant cannot revoke it; its own tenant can, through the other process
    assert!(!kb.revoke(&TenantId::new("org-2"), &info.id).await.unwrap());
    assert_eq!(kb.list(&t).await.unwrap().len(), 1);
    assert!(kb.revoke(&t, &info.id).await.unwrap(), "{db}");
    assert!(ka.verify(secret.expose()).await.unwrap().is_none(), "{db}");
    assert!(kb.verify(secret.expose()).await.unwrap().is_none(), "{db}");
    assert!(ka.list(&t).await.unwrap().is_empty());

    // a configured key: idempotent for its tenant, 409 for another
    let configured = Secret::new("configured-key");
    let k1 = ka.insert_known(&t, None, &configured).await.unwrap();
    let k2 = kb.insert_known(&t, None, &configured).await.unwrap();
    assert_eq!(k1.id, k2.id, "{db}");
    let e = kb
        .insert_known(&TenantId::new("org-2"), None, &configured)
        .await
        .unwrap_err();
    assert_eq!(e.status().as_u16(), 409);
    assert!(ka.insert_known(&t, None, &Secret::new("")).await.is_err());
    let long = "x".repeat(scimitar::auth::MAX_LABEL_LEN + 1);
    assert_eq!(
        ka.mint(&t, Some(&long))
            .await
            .unwrap_err()
            .status()
            .as_u16(),
        400
    );
    // oldest first
    let (second, _) = ka.mint(&t, None).await.unwrap();
    let listed: Vec<String> = kb
        .list(&t)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(listed, [k1.id.clone(), second.id], "{db}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_keys_are_shared_between_processes() {
    let f = super::sql_support::TempDb::new();
    revoke_on_one_is_refused_by_the_other("sqlite", &f.url()).await;
    // the secret itself is nowhere in the file
    let bytes = std::fs::read(&f.path).unwrap();
    let wal = std::fs::read(format!("{}-wal", f.path.display())).unwrap_or_default();
    let hay = [bytes, wal].concat();
    assert!(
        !hay.windows(14).any(|w| w == b"configured-key"),
        "a secret was stored in clear"
    );
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_keys_are_shared_between_replicas() {
    if let Some(url) = super::sql_support::pg_url("postgres_keys").await {
        revoke_on_one_is_refused_by_the_other("postgres", &url).await;
    }
}
