//! Bad `SCIM_DATABASE_URL`s fail at connect with a message naming the setting and the cause,
//! passwords redacted; a database migrated by a newer version is refused and left untouched;
//! data survives closing and reopening the file.

#[cfg(feature = "sqlite")]
use super::sql_support::TempDb;
#[cfg(feature = "sqlite")]
use scimitar::auth::{Context, Principal};
#[cfg(feature = "sqlite")]
use scimitar::backend::IdentityBackend;
use scimitar::backend::sql::{SqlBackend, SqlConfigError};
#[cfg(feature = "sqlite")]
use scimitar::query::Selection;
#[cfg(feature = "sqlite")]
use scimitar::resource::User;

async fn refused(url: &str) -> SqlConfigError {
    match SqlBackend::connect(url).await {
        Ok(_) => panic!("{url} was accepted"),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("SCIM_DATABASE_URL="), "{msg}");
            e
        }
    }
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    let e = refused("mysql://u:hunter2@localhost/db").await;
    assert!(matches!(e, SqlConfigError::InvalidUrl { .. }), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(matches!(
        refused("memory:").await,
        SqlConfigError::InvalidUrl { .. }
    ));
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn unwritable_sqlite_paths_are_refused() {
    // a path below a regular file can never be created
    let f = TempDb::new();
    std::fs::write(&f.path, b"not a directory").unwrap();
    let e = refused(&format!("sqlite://{}/scim.db", f.path.display())).await;
    assert!(matches!(e, SqlConfigError::Unwritable { .. }), "{e}");
    // a file that is not a database is refused too, and left as it was
    let e = refused(&f.url()).await;
    assert!(e.to_string().contains("SCIM_DATABASE_URL"), "{e}");
    assert_eq!(std::fs::read(&f.path).unwrap(), b"not a directory");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn data_survives_reopening_and_a_newer_schema_is_refused() {
    use sqlx::Connection;
    let f = TempDb::new();
    let c = Context::new("t", Principal::new("test"));
    let b = SqlBackend::connect(&f.url()).await.unwrap();
    let id = b
        .create_user(&c, User::new("kept"))
        .await
        .unwrap()
        .id
        .unwrap();
    b.close().await;
    let b = SqlBackend::connect(&f.url()).await.unwrap();
    assert_eq!(
        b.get_user(&c, &id, &Selection::all())
            .await
            .unwrap()
            .user_name,
        "kept"
    );
    b.close().await;
    // a newer version of the crate applied migration 9999
    let mut conn = sqlx::SqliteConnection::connect(&f.url()).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, X'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let e = refused(&f.url()).await;
    assert!(
        matches!(e, SqlConfigError::NewerSchema { version: 9999, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("newer"), "{e}");
    let mut conn = sqlx::SqliteConnection::connect(&f.url()).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM scim_users")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1, "the data was touched");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_login_and_reachability_errors() {
    let e = refused("postgres://scim:hunter2@127.0.0.1:1/scim").await;
    assert!(matches!(e, SqlConfigError::Unreachable { .. }), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let Ok(base) = std::env::var("SCIM_TEST_POSTGRES_URL") else {
        eprintln!("postgres_login: PostgreSQL part skipped (SCIM_TEST_POSTGRES_URL is not set)");
        return;
    };
    let mut url = url::Url::parse(&base).unwrap();
    url.set_username("no_such_role_scimitar").unwrap();
    url.set_password(Some("wrong-password")).unwrap();
    let e = refused(url.as_str()).await;
    assert!(matches!(e, SqlConfigError::Login { .. }), "{e}");
    assert!(!e.to_string().contains("wrong-password"), "{e}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_in_memory_works_and_is_private_to_its_backend() {
    let c = Context::new("t", Principal::new("test"));
    let a = SqlBackend::connect("sqlite::memory:").await.unwrap();
    let b = SqlBackend::connect("sqlite::memory:").await.unwrap();
    let id = a
        .create_user(&c, User::new("only-in-a"))
        .await
        .unwrap()
        .id
        .unwrap();
    let same = a.clone();
    assert_eq!(
        same.get_user(&c, &id, &Selection::all())
            .await
            .unwrap()
            .user_name,
        "only-in-a"
    );
    assert!(b.get_user(&c, &id, &Selection::all()).await.is_err());
}
