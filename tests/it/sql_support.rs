//! Databases for the SQL backend tests: a fresh SQLite file per test, and a fresh PostgreSQL
//! database per test when `SCIM_TEST_POSTGRES_URL` is set (the CI always sets it; without
//! it the PostgreSQL half of each test says it was skipped).

use scimitar::backend::sql::{SqlBackend, SqlOptions};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

/// A SQLite file that is removed (with its WAL files) when dropped.
pub struct TempDb {
    pub path: PathBuf,
}

#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
impl TempDb {
    pub fn new() -> Self {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "scimitar-sql-{}-{n}-{nanos}.db",
            std::process::id()
        ));
        TempDb { path }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A URL of a fresh, empty PostgreSQL database, or `None` (and a note) when
/// `SCIM_TEST_POSTGRES_URL` is unset.
#[cfg(feature = "postgres")]
pub async fn pg_url(test: &str) -> Option<String> {
    use sqlx::Connection;
    let Ok(base) = std::env::var("SCIM_TEST_POSTGRES_URL") else {
        eprintln!("{test}: PostgreSQL part skipped (SCIM_TEST_POSTGRES_URL is not set)");
        return None;
    };
    let name = format!(
        "scim_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&name);
    Some(url.to_string())
}

/// The databases a test runs on: SQLite (a temp file), and PostgreSQL when configured.
pub struct Dbs {
    pub backends: Vec<(&'static str, SqlBackend)>,
    _files: Vec<TempDb>,
}

pub async fn dbs(test: &str, options: impl Fn(String) -> SqlOptions) -> Dbs {
    let _ = test;
    let mut backends = Vec::new();
    #[cfg_attr(not(feature = "sqlite"), allow(unused_mut))]
    let mut files = Vec::new();
    #[cfg(feature = "sqlite")]
    {
        let f = TempDb::new();
        let b = SqlBackend::connect_with(options(f.url())).await.unwrap();
        backends.push(("sqlite", b));
        files.push(f);
    }
    #[cfg(feature = "postgres")]
    if let Some(url) = pg_url(test).await {
        let b = SqlBackend::connect_with(options(url)).await.unwrap();
        backends.push(("postgres", b));
    }
    Dbs {
        backends,
        _files: files,
    }
}

/// The databases with the default options.
pub async fn default_dbs(test: &str) -> Dbs {
    dbs(test, SqlOptions::new).await
}
