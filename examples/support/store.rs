//! Where the example keeps its data and its keys: `SCIM_DATABASE_URL` chooses the store.
//!
//! | `SCIM_DATABASE_URL` | store |
//! |---|---|
//! | unset | SQLite file `scimitar.db` in the working directory, created on first start |
//! | `sqlite://PATH` | SQLite file `PATH` (created if missing) |
//! | `postgres://USER:PASSWORD@HOST[:PORT]/DB` | PostgreSQL: several replicas may share it |
//! | `memory:` | in process memory; `SCIM_SNAPSHOT` may name a JSON file kept across clean restarts |
//!
//! With a SQL store the users, groups and keys (minted at start, over `/admin`, or `SCIM_KEY`)
//! all live in the database, so they survive restarts and crashes. `SCIM_SNAPSHOT` is only for
//! `memory:`; setting it with a SQL store is a start-up error (the database is durable itself).
//! `SCIM_DATABASE_CONNECTIONS` sets the SQL pool's size (default: `SqlOptions::new`'s, 8).

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

use scimitar::auth::{ApiKeyStore, MemoryKeyStore};
use scimitar::backend::sql::{SqlBackend, SqlOptions};
use scimitar::backend::{IdentityBackend, MemoryBackend};

/// The store used when `SCIM_DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://scimitar.db";

/// The identity backend and the key store of the example, from one configuration.
pub struct Store {
    /// Users and groups.
    pub backend: Arc<dyn IdentityBackend>,
    /// SCIM keys, in the same store.
    pub keys: Arc<dyn ApiKeyStore>,
    /// What the banner says, password redacted.
    pub description: String,
    /// `memory:` only: the backend and the snapshot file written on shutdown.
    memory: Option<(Arc<MemoryBackend>, Option<PathBuf>)>,
}

impl Store {
    /// Opens the store that `database_url` (the value of `SCIM_DATABASE_URL`, `None` when unset)
    /// `snapshot` (`SCIM_SNAPSHOT`) and `connections` (`SCIM_DATABASE_CONNECTIONS`) name; every
    /// error names the setting.
    pub async fn open(
        database_url: Option<String>,
        snapshot: Option<PathBuf>,
        connections: Option<String>,
    ) -> Result<Store, Box<dyn Error>> {
        let url = database_url.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if url == "memory:" {
            return Self::memory(snapshot);
        }
        if let Some(path) = snapshot {
            return Err(format!(
                "SCIM_SNAPSHOT={}: a snapshot is only for SCIM_DATABASE_URL=memory:; the SQL store \
                 {} is durable itself (unset SCIM_SNAPSHOT)",
                path.display(),
                redact(&url)
            )
            .into());
        }
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if !known.iter().any(|scheme| url.starts_with(scheme)) {
            return Err(format!(
                "SCIM_DATABASE_URL={}: expected sqlite://PATH, postgres://USER:PASSWORD@HOST/DB or memory:",
                redact(&url)
            )
            .into());
        }
        // The error names SCIM_DATABASE_URL and the cause (unreachable, login, unwritable file,
        // a schema from a newer version).
        let mut options = SqlOptions::new(&url);
        if let Some(n) = connections {
            let n = n
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    format!("SCIM_DATABASE_CONNECTIONS={n}: expected a number from 1 to 1000")
                })?;
            options = options.with_max_connections(n);
        }
        let sql = SqlBackend::connect_with(options).await?;
        let kind = if url.starts_with("sqlite:") {
            "SQLite"
        } else {
            "PostgreSQL"
        };
        Ok(Store {
            keys: Arc::new(sql.key_store()),
            backend: Arc::new(sql),
            description: format!("{kind} store {}", redact(&url)),
            memory: None,
        })
    }

    fn memory(snapshot: Option<PathBuf>) -> Result<Store, Box<dyn Error>> {
        let backend = Arc::new(MemoryBackend::new());
        if let Some(path) = snapshot.as_ref().filter(|p| p.exists()) {
            backend
                .restore(path)
                .map_err(|e| format!("SCIM_SNAPSHOT={}: {e}", path.display()))?;
        }
        let description = match &snapshot {
            Some(path) => format!(
                "in-memory store (snapshot {}, written on shutdown)",
                path.display()
            ),
            None => "in-memory store (lost when the process stops)".to_owned(),
        };
        Ok(Store {
            backend: backend.clone(),
            keys: Arc::new(MemoryKeyStore::new()),
            description,
            memory: Some((backend, snapshot)),
        })
    }

    /// `memory:` with `SCIM_SNAPSHOT`: writes the snapshot; called after the server stopped.
    pub fn shutdown(&self) -> Result<(), Box<dyn Error>> {
        if let Some((backend, Some(path))) = &self.memory {
            backend.snapshot(path)?;
            println!("snapshot written to {}", path.display());
        }
        Ok(())
    }
}

/// The URL as it may be printed: any password replaced by `***`.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                format!("{}://***", parsed.scheme())
            }
        }
        Ok(_) => url.to_owned(),
        // Unparsable: keep the scheme and what follows the credentials, if any.
        Err(_) => match (url.split_once("://"), url.rsplit_once('@')) {
            (Some((scheme, _)), Some((_, host))) => format!("{scheme}://***@{host}"),
            _ => url.to_owned(),
        },
    }
}
