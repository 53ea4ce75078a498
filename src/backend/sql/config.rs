//! Opening the database: the options, the pool, the embedded migrations, and the errors a bad
//! `SCIM_DATABASE_URL` gives at start (never at the first request, never by touching data).

use super::dialect::{Dialect, Embedded};
use crate::backend::{DEFAULT_MAX_RESULTS, DEFAULT_SCAN_LIMIT};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::time::Duration;

/// The environment variable the examples read the database URL from; every
/// [`SqlConfigError`] names it.
pub const DATABASE_URL_VAR: &str = "SCIM_DATABASE_URL";

/// How to open a [`SqlBackend`](super::SqlBackend): the URL, the pool and the list bounds
/// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2) `maxResults`,
/// `tooMany`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqlOptions {
    /// `sqlite://PATH` (the file is created when missing), `sqlite::memory:`, or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub url: String,
    /// The most connections the pool opens (SQLite in memory: always 1). On SQLite the writes
    /// of the process share one of them at a time (group commit) and the reads use the rest;
    /// on PostgreSQL each is a transaction committing in parallel, so a write-heavy load gains
    /// from more (BENCHMARKS.md: 32 against 8 for concurrent creates).
    pub max_connections: u32,
    /// How long a request waits for a connection, and SQLite for a lock held by another
    /// process, before it fails with 503.
    pub busy_timeout: Duration,
    /// The most resources an unindexed filter or a sort may examine (`tooMany` beyond).
    pub scan_limit: usize,
    /// `filter.maxResults`: the most resources in one list answer.
    pub max_results: usize,
    /// Group members may be user ids this store does not hold (users kept elsewhere, e.g. in
    /// Zitadel, by a backend that checks them itself); they are members of kind `User`.
    pub foreign_members: bool,
}

impl SqlOptions {
    /// The defaults for `url`: 8 connections, 5 s busy timeout, [`DEFAULT_SCAN_LIMIT`] and
    /// [`DEFAULT_MAX_RESULTS`].
    pub fn new(url: impl Into<String>) -> Self {
        SqlOptions {
            url: url.into(),
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            scan_limit: DEFAULT_SCAN_LIMIT,
            max_results: DEFAULT_MAX_RESULTS,
            foreign_members: false,
        }
    }

    /// Group members may be user ids this store does not hold (any id of up to 200 bytes: a
    /// UUID, stored lower-case, or any other string, stored and matched as written, such as
    /// Zitadel's numeric ids): the companion store of a backend whose users live elsewhere
    /// and which checks members itself (as
    /// [`MemoryBackend::with_foreign_members`](crate::backend::MemoryBackend::with_foreign_members)).
    pub fn with_foreign_members(mut self) -> Self {
        self.foreign_members = true;
        self
    }

    /// With another pool size (at least 1).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// With another busy timeout.
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// With other list bounds (`max_results` at least 1).
    pub fn with_limits(mut self, max_results: usize, scan_limit: usize) -> Self {
        self.max_results = max_results.max(1);
        self.scan_limit = scan_limit;
        self
    }
}

/// Why a [`SqlBackend`](super::SqlBackend) could not start. Every message names the setting
/// (`SCIM_DATABASE_URL`, with any password replaced by `***`) and the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlConfigError {
    /// The URL is not one this backend understands.
    #[error(
        "{DATABASE_URL_VAR}={url}: {reason} (expected sqlite://PATH, sqlite::memory: or postgres://USER:PASSWORD@HOST/DB)"
    )]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database server could not be reached (refused, unknown host, timeout, TLS).
    #[error("{DATABASE_URL_VAR}={url}: cannot reach the database: {cause}")]
    Unreachable {
        /// The URL, password redacted.
        url: String,
        /// The driver's message.
        cause: String,
    },
    /// The server refused the credentials or the database name.
    #[error("{DATABASE_URL_VAR}={url}: the database refused the login: {cause}")]
    Login {
        /// The URL, password redacted.
        url: String,
        /// The server's message.
        cause: String,
    },
    /// The SQLite file cannot be created, opened or written.
    #[error("{DATABASE_URL_VAR}={url}: cannot open the SQLite database for writing: {cause}")]
    Unwritable {
        /// The URL.
        url: String,
        /// The driver's message.
        cause: String,
    },
    /// The database was migrated by a newer version of this crate: this binary refuses to
    /// start rather than run against a schema it does not know (no data was touched).
    #[error(
        "{DATABASE_URL_VAR}={url}: the database schema is at migration {version}, which this version of scimitar does not know (it was upgraded by a newer version); refusing to start, nothing was changed"
    )]
    NewerSchema {
        /// The URL, password redacted.
        url: String,
        /// The applied migration this binary does not know.
        version: i64,
    },
    /// The schema could not be created or upgraded.
    #[error("{DATABASE_URL_VAR}={url}: cannot migrate the database schema: {cause}")]
    Migration {
        /// The URL, password redacted.
        url: String,
        /// The cause.
        cause: String,
    },
}

/// The URL as it may be shown: the password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            if u.set_password(Some("***")).is_ok() {
                u.to_string()
            } else {
                format!("{}://***", u.scheme())
            }
        }
        Ok(u) => u.to_string(),
        Err(_) => match url.split_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => url.to_owned(),
        },
    }
}

/// Whether a SQLite URL names an in-memory database.
fn sqlite_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The SQLite URL with `mode=rwc` (create the file when missing) unless a mode is given.
fn sqlite_create(url: &str) -> String {
    if sqlite_in_memory(url) || url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

fn classify(dialect: Dialect, url: &str, e: sqlx::Error) -> SqlConfigError {
    let url = redact(url);
    let cause = e.to_string();
    if let Some(db) = e.as_database_error() {
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        return match dialect {
            // 28P01 invalid_password, 28000 invalid_authorization, 3D000 invalid_catalog_name
            Dialect::Postgres if code.starts_with("28") || code == "3D000" => {
                SqlConfigError::Login { url, cause }
            }
            // SQLITE_CANTOPEN (14), SQLITE_READONLY (8), SQLITE_PERM (3), SQLITE_IOERR (10)
            Dialect::Sqlite => SqlConfigError::Unwritable { url, cause },
            Dialect::Postgres => SqlConfigError::Migration { url, cause },
        };
    }
    match e {
        sqlx::Error::Configuration(_) => SqlConfigError::InvalidUrl { url, reason: cause },
        _ if dialect == Dialect::Sqlite => SqlConfigError::Unwritable { url, cause },
        _ => SqlConfigError::Unreachable { url, cause },
    }
}

/// The read-only connections of a SQLite file (none for PostgreSQL or SQLite in memory),
/// opened after the pool has created and migrated the file.
#[cfg(feature = "sqlite")]
pub(crate) fn readers(
    opts: &SqlOptions,
    dialect: Dialect,
) -> Result<Option<super::lite::LiteReaders>, SqlConfigError> {
    let url = opts.url.trim();
    if dialect != Dialect::Sqlite || sqlite_in_memory(url) {
        return Ok(None);
    }
    let unreadable = |cause: String| SqlConfigError::Unwritable {
        url: redact(url),
        cause,
    };
    let parsed =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| unreadable(e.to_string()))?;
    super::lite::LiteReaders::open(
        parsed.get_filename(),
        opts.busy_timeout,
        super::dialect::SQLITE_MMAP_BYTES,
        usize::try_from(opts.max_connections).unwrap_or(8),
    )
    .map(Some)
    .map_err(|e| unreadable(e.to_string()))
}

/// Opens the pool with the session setup of the dialect and runs the embedded migrations.
pub(crate) async fn open(opts: &SqlOptions) -> Result<(AnyPool, Dialect), SqlConfigError> {
    let url = opts.url.trim();
    let dialect = Dialect::of_url(url).ok_or_else(|| SqlConfigError::InvalidUrl {
        url: redact(url),
        reason: "unsupported scheme".to_owned(),
    })?;
    sqlx::any::install_default_drivers();
    let (connect_url, in_memory) = match dialect {
        Dialect::Sqlite => (sqlite_create(url), sqlite_in_memory(url)),
        Dialect::Postgres => (url.to_owned(), false),
    };
    let connect = AnyConnectOptions::from_str(&connect_url)
        .map_err(|e| classify(dialect, url, e))?
        .disable_statement_logging();
    let setup = dialect.session_setup(in_memory, opts.busy_timeout);
    let mut pool = AnyPoolOptions::new()
        .max_connections(if in_memory { 1 } else { opts.max_connections })
        .acquire_timeout(opts.busy_timeout.max(Duration::from_secs(1)))
        // No ping before handing out a connection: it is one more round trip per statement
        // (on SQLite a hand-off to the connection's worker thread and back), as costly as an
        // indexed read. A connection that broke fails its statement instead (503, retried by
        // the client) and the pool drops it.
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            let setup = setup.clone();
            Box::pin(async move {
                for s in &setup {
                    conn.execute(s.as_str()).await?;
                }
                Ok(())
            })
        });
    if in_memory {
        // the database lives as long as its one connection
        pool = pool
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let pool = pool
        .connect_with(connect)
        .await
        .map_err(|e| classify(dialect, url, e))?;
    let migrator =
        Migrator::new(Embedded(dialect))
            .await
            .map_err(|e| SqlConfigError::Migration {
                url: redact(url),
                cause: e.to_string(),
            })?;
    migrator.run(&pool).await.map_err(|e| match e {
        MigrateError::VersionMissing(version) => SqlConfigError::NewerSchema {
            url: redact(url),
            version,
        },
        MigrateError::Execute(inner) => classify(dialect, url, inner),
        other => SqlConfigError::Migration {
            url: redact(url),
            cause: other.to_string(),
        },
    })?;
    Ok((pool, dialect))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let r = redact("postgres://scim:hunter2@db.example:5432/scim");
        assert!(!r.contains("hunter2"), "{r}");
        assert!(r.contains("***") && r.contains("db.example"), "{r}");
        assert_eq!(redact("sqlite://data/scim.db"), "sqlite://data/scim.db");
        assert!(!redact("not a url:hunter2@x").contains("hunter2"));
        let e = SqlConfigError::Login {
            url: redact("postgres://a:secret@h/d"),
            cause: "password authentication failed".into(),
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with("SCIM_DATABASE_URL=") && !msg.contains("secret"),
            "{msg}"
        );
    }

    #[test]
    fn sqlite_files_are_created_memory_is_not() {
        assert_eq!(sqlite_create("sqlite://x.db"), "sqlite://x.db?mode=rwc");
        assert_eq!(
            sqlite_create("sqlite://x.db?cache=shared"),
            "sqlite://x.db?cache=shared&mode=rwc"
        );
        assert_eq!(
            sqlite_create("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(sqlite_create("sqlite::memory:"), "sqlite::memory:");
        assert!(sqlite_in_memory("sqlite::memory:"));
    }

    #[test]
    fn options_builders() {
        let o = SqlOptions::new("sqlite::memory:")
            .with_max_connections(0)
            .with_limits(0, 7)
            .with_busy_timeout(Duration::from_millis(10));
        assert_eq!(o.max_connections, 1);
        assert_eq!(o.max_results, 1);
        assert_eq!(o.scan_limit, 7);
        assert_eq!(o.busy_timeout, Duration::from_millis(10));
    }
}
