//! The conformance kit (`scimitar::testkit`) against the SQL backend and its key store: on
//! SQLite (a fresh file per backend) and on PostgreSQL when `SCIM_TEST_POSTGRES_URL` is set (a
//! fresh schema per backend; the CI always sets it).

#[cfg(feature = "sqlite")]
use super::sql_support::TempDb;
use scimitar::auth::ApiKeyStore;
use scimitar::backend::IdentityBackend;
use scimitar::backend::sql::SqlBackend;
use scimitar::testkit;
use std::sync::{Arc, Mutex};

/// Fresh SQLite backends, each on its own file, removed when the factory is dropped.
#[derive(Default)]
#[cfg(feature = "sqlite")]
struct Sqlite {
    files: Mutex<Vec<TempDb>>,
}

#[cfg(feature = "sqlite")]
impl Sqlite {
    async fn fresh(&self) -> SqlBackend {
        let db = TempDb::new();
        let backend = SqlBackend::connect(&db.url()).await.unwrap();
        self.files.lock().unwrap().push(db);
        backend
    }
}

#[cfg(feature = "sqlite")]
#[async_trait::async_trait]
impl testkit::BackendFactory for Sqlite {
    async fn backend(&self) -> Arc<dyn IdentityBackend> {
        Arc::new(self.fresh().await)
    }
}

#[cfg(feature = "sqlite")]
#[async_trait::async_trait]
impl testkit::KeyStoreFactory for Sqlite {
    async fn key_store(&self) -> Arc<dyn ApiKeyStore> {
        Arc::new(self.fresh().await.key_store())
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backend_passes_the_whole_kit() {
    if let Err(failure) = testkit::check_backend(&Sqlite::default()).await {
        panic!("{failure}");
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_key_store_passes_the_kit() {
    if let Err(failure) = testkit::check_key_store(&Sqlite::default()).await {
        panic!("{failure}");
    }
}

/// Fresh PostgreSQL backends, each in its own schema of the test database (creating a schema
/// is far cheaper than a database, and the model check asks for many backends).
#[cfg(feature = "postgres")]
struct Postgres {
    base: url::Url,
    test: &'static str,
    n: std::sync::atomic::AtomicUsize,
}

#[cfg(feature = "postgres")]
impl Postgres {
    fn from_env(test: &'static str) -> Option<Self> {
        let Ok(base) = std::env::var("SCIM_TEST_POSTGRES_URL") else {
            eprintln!("{test}: skipped (SCIM_TEST_POSTGRES_URL is not set)");
            return None;
        };
        Some(Postgres {
            base: url::Url::parse(&base).unwrap(),
            test,
            n: Default::default(),
        })
    }

    async fn fresh(&self) -> SqlBackend {
        use sqlx::Connection;
        let n = self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let schema = format!("kit_{}_{}_{n}", self.test, std::process::id());
        let mut conn = sqlx::PgConnection::connect(self.base.as_str())
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut url = self.base.clone();
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={schema}"));
        SqlBackend::connect(url.as_str()).await.unwrap()
    }
}

#[cfg(feature = "postgres")]
#[async_trait::async_trait]
impl testkit::BackendFactory for Postgres {
    async fn backend(&self) -> Arc<dyn IdentityBackend> {
        Arc::new(self.fresh().await)
    }
}

#[cfg(feature = "postgres")]
#[async_trait::async_trait]
impl testkit::KeyStoreFactory for Postgres {
    async fn key_store(&self) -> Arc<dyn ApiKeyStore> {
        Arc::new(self.fresh().await.key_store())
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend_passes_the_whole_kit() {
    let Some(pg) = Postgres::from_env("backend") else {
        return;
    };
    if let Err(failure) = testkit::check_backend(&pg).await {
        panic!("{failure}");
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_key_store_passes_the_kit() {
    let Some(pg) = Postgres::from_env("keys") else {
        return;
    };
    if let Err(failure) = testkit::check_key_store(&pg).await {
        panic!("{failure}");
    }
}
