//! API keys in SQL: the [`ApiKeyStore`] every replica shares. Only SHA-256 hashes are stored;
//! `verify` reads the database on every request, so a key revoked through one replica is
//! refused by all of them on their next request; `lastUsed` is written at most once a minute
//! per key ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2),
//! [RFC 6750](https://www.rfc-editor.org/rfc/rfc6750)).

use super::Inner;
use super::exec::{Arg, Cells, in_read};
use super::rows::{db_err, is_unique_violation};
use crate::auth::secret::{self, KeyHash, Secret};
use crate::auth::{ApiKeyStore, KeyInfo, MAX_LABEL_LEN, TenantId};
use crate::backend::BackendError;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;

/// How long a `lastUsed` stays good enough before a request writes a new one (seconds).
const LAST_USED_EVERY: i64 = 60;

/// The SQL [`ApiKeyStore`] of a [`SqlBackend`](super::SqlBackend): keys in the same database
/// as the identities, shared by every process that opens it
/// ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2)).
///
/// `verify` costs one indexed read (plus, at most once a minute per key, one write of
/// `lastUsed`): there is no cache, so a revoke takes effect everywhere at once.
#[derive(Clone)]
pub struct SqlKeyStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqlKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlKeyStore")
            .field("dialect", &self.inner.dialect)
            .finish_non_exhaustive()
    }
}

fn check_label(label: Option<&str>) -> Result<Option<String>, BackendError> {
    match label {
        Some(l) if l.chars().count() > MAX_LABEL_LEN => Err(BackendError::invalid_value(format!(
            "label longer than {MAX_LABEL_LEN} characters"
        ))),
        Some(l) => Ok(Some(l.to_owned())),
        None => Ok(None),
    }
}

/// A stored key: its info and its hash.
struct Stored {
    info: KeyInfo,
    hash: KeyHash,
}

const COLUMNS: &str = "id, tenant, label, created, last_used, hash";

fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

fn stored(row: &dyn Cells) -> Result<Stored, BackendError> {
    let hash: Vec<u8> = row.blob(5)?;
    let hash: [u8; 32] = hash
        .try_into()
        .map_err(|_| BackendError::internal_msg("stored key hash is not 32 bytes"))?;
    let last: Option<i64> = row.opt_int(4)?;
    let tenant: String = row.text(1)?;
    Ok(Stored {
        info: KeyInfo {
            id: row.text(0)?,
            tenant: TenantId::new(tenant),
            label: row.opt_text(2)?,
            created: time(row.int(3)?),
            last_used: last.and_then(|s| Utc.timestamp_opt(s, 0).single()),
        },
        hash: KeyHash::from_bytes(hash),
    })
}

impl SqlKeyStore {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        SqlKeyStore { inner }
    }

    async fn find(&self, id: &str) -> Result<Option<Stored>, BackendError> {
        let sql = format!("SELECT {COLUMNS} FROM scim_api_keys WHERE id = $1");
        in_read!(self.inner, c => c.first(&sql, &[Arg::Text(id)], stored))
    }

    /// Inserts a key; `false` when the id is taken.
    async fn insert(
        &self,
        id: &str,
        tenant: &TenantId,
        label: Option<&str>,
        hash: &KeyHash,
        created: DateTime<Utc>,
    ) -> Result<bool, BackendError> {
        let args = Arc::new((
            id.to_owned(),
            tenant.as_str().to_owned(),
            label.map(str::to_owned),
            hash.as_bytes().to_vec(),
            created.timestamp_micros(),
        ));
        self.inner
            .write_one(move |c| {
                let args = args.clone();
                Box::pin(async move {
                    let (id, tenant, label, hash, created) = &*args;
                    let r = sqlx::query(
                        "INSERT INTO scim_api_keys (id, tenant, label, hash, created) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(tenant)
                    .bind(label)
                    .bind(hash)
                    .bind(*created)
                    .execute(&mut *c)
                    .await;
                    match r {
                        Ok(_) => Ok(true),
                        Err(e) if is_unique_violation(&e) => Ok(false),
                        Err(e) => Err(db_err(e)),
                    }
                })
            })
            .await
    }
}

fn info(id: &str, tenant: &TenantId, label: Option<String>, created: DateTime<Utc>) -> KeyInfo {
    KeyInfo {
        id: id.to_owned(),
        tenant: tenant.clone(),
        label,
        created: time(created.timestamp_micros()),
        last_used: None,
    }
}

#[async_trait]
impl ApiKeyStore for SqlKeyStore {
    async fn mint(
        &self,
        tenant: &TenantId,
        label: Option<&str>,
    ) -> Result<(KeyInfo, Secret), BackendError> {
        let label = check_label(label)?;
        let (id, secret) = secret::generate();
        let created = Utc::now();
        if !self
            .insert(&id, tenant, label.as_deref(), &secret.hash(), created)
            .await?
        {
            // 96 random bits collided: refuse rather than overwrite.
            return Err(BackendError::internal_msg("key id collision"));
        }
        Ok((info(&id, tenant, label, created), secret))
    }

    async fn insert_known(
        &self,
        tenant: &TenantId,
        label: Option<&str>,
        secret: &Secret,
    ) -> Result<KeyInfo, BackendError> {
        let label = check_label(label)?;
        if secret.expose().is_empty() {
            return Err(BackendError::invalid_value("empty key"));
        }
        let id = secret::key_id_of(secret.expose());
        let hash = secret.hash();
        // Insert unless present; a concurrent insert of the same key is found on the re-read.
        for _ in 0..2 {
            if let Some(existing) = self.find(&id).await? {
                if existing.hash.ct_eq(&hash) && existing.info.tenant == *tenant {
                    return Ok(existing.info);
                }
                return Err(BackendError::uniqueness("key already in use"));
            }
            let created = Utc::now();
            if self
                .insert(&id, tenant, label.as_deref(), &hash, created)
                .await?
            {
                return Ok(info(&id, tenant, label, created));
            }
        }
        Err(BackendError::uniqueness("key already in use"))
    }

    async fn verify(&self, secret: &str) -> Result<Option<KeyInfo>, BackendError> {
        let id = secret::key_id_of(secret);
        let hash = KeyHash::of(secret);
        let found = self.find(&id).await?;
        // Compare against a fixed hash when the id is unknown, so a miss costs what a wrong
        // secret costs.
        let stored_hash = found
            .as_ref()
            .map_or_else(|| KeyHash::from_bytes([0x5a; 32]), |s| s.hash);
        let matches = stored_hash.ct_eq(&hash);
        let Some(mut key) = found.filter(|_| matches) else {
            return Ok(None);
        };
        let now = Utc::now().timestamp();
        let stale = key
            .info
            .last_used
            .is_none_or(|t| t.timestamp() <= now - LAST_USED_EVERY);
        if stale {
            let key_id = id.clone();
            self.inner
                .write_one(move |c| {
                    let key_id = key_id.clone();
                    Box::pin(async move {
                        sqlx::query(
                            "UPDATE scim_api_keys SET last_used = $2 \
                             WHERE id = $1 AND (last_used IS NULL OR last_used <= $3)",
                        )
                        .bind(key_id)
                        .bind(now)
                        .bind(now - LAST_USED_EVERY)
                        .execute(&mut *c)
                        .await
                        .map_err(db_err)
                    })
                })
                .await?;
            key.info.last_used = Utc.timestamp_opt(now, 0).single();
        }
        Ok(Some(key.info))
    }

    async fn list(&self, tenant: &TenantId) -> Result<Vec<KeyInfo>, BackendError> {
        let sql =
            format!("SELECT {COLUMNS} FROM scim_api_keys WHERE tenant = $1 ORDER BY created, id");
        let args = [Arg::Text(tenant.as_str())];
        in_read!(self.inner, c => c.rows(&sql, &args, |r| stored(r).map(|s| s.info)))
    }

    async fn revoke(&self, tenant: &TenantId, key_id: &str) -> Result<bool, BackendError> {
        let (tenant, key_id) = (tenant.as_str().to_owned(), key_id.to_owned());
        self.inner
            .write_one(move |c| {
                let (tenant, key_id) = (tenant.clone(), key_id.clone());
                Box::pin(async move {
                    let r = sqlx::query("DELETE FROM scim_api_keys WHERE tenant = $1 AND id = $2")
                        .bind(tenant)
                        .bind(key_id)
                        .execute(&mut *c)
                        .await
                        .map_err(db_err)?;
                    Ok(r.rows_affected() > 0)
                })
            })
            .await
    }
}
