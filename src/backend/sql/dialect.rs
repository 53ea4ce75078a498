//! The few places where SQLite and PostgreSQL need different SQL text: row locks, the write
//! transaction, the larger of two values, pragmas and the embedded migrations. Everything else
//! (placeholders `$1…`, `ON CONFLICT`, `RETURNING`) is written once for both.

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// How much of a SQLite file reads map into memory (a lookup then copies no page through a
/// system call; writes still go through the WAL and its `fsync`).
pub(crate) const SQLITE_MMAP_BYTES: u64 = 1 << 30;

/// The SQL database a [`SqlBackend`](super::SqlBackend) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite (embedded, one writer at a time).
    Sqlite,
    /// PostgreSQL (or a compatible engine), row-level locks.
    Postgres,
}

impl Dialect {
    /// The dialect a `SCIM_DATABASE_URL` names, from its scheme.
    pub(crate) fn of_url(url: &str) -> Option<Dialect> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// What ends a `SELECT` that locks the rows it reads for the rest of the transaction
    /// (SQLite: nothing, its write transaction already excludes every other writer).
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// What ends a `SELECT` that keeps the rows it reads from being deleted until commit.
    pub(crate) fn for_share(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR SHARE",
        }
    }

    /// The statement that starts a write transaction. SQLite takes the write lock at once
    /// (`IMMEDIATE`), so a transaction never fails half-way for want of it.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// The scalar function that returns the larger of its arguments.
    pub(crate) fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// A column of `scim_users` rows: the user's direct groups as a JSON array of
    /// `{"value", "display"}` in group id order (SQL `NULL` or `[]` when none), so a lookup
    /// reads a user and its `groups` in one statement.
    pub(crate) fn user_groups(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "(SELECT json_group_array(json_object('value', m.group_id, 'display', g.display_name) \
                 ORDER BY m.group_id) FROM scim_group_members m JOIN scim_groups g \
                 ON g.tenant = m.tenant AND g.id = m.group_id \
                 WHERE m.tenant = scim_users.tenant AND m.member_id = scim_users.id)"
            }
            Dialect::Postgres => {
                "(SELECT json_agg(json_build_object('value', m.group_id, 'display', g.display_name) \
                 ORDER BY m.group_id)::text FROM scim_group_members m JOIN scim_groups g \
                 ON g.tenant = m.tenant AND g.id = m.group_id \
                 WHERE m.tenant = scim_users.tenant AND m.member_id = scim_users.id)"
            }
        }
    }

    /// Statements run on every new connection: SQLite is durable (WAL, `synchronous=FULL`:
    /// an acknowledged write survives a crash), checks foreign keys, waits for a busy
    /// database and reads a file through `mmap`; PostgreSQL keeps its durable defaults.
    pub(crate) fn session_setup(self, in_memory: bool, busy_timeout: Duration) -> Vec<String> {
        match self {
            Dialect::Sqlite => {
                let mut v = vec![
                    format!("PRAGMA busy_timeout = {}", busy_timeout.as_millis()),
                    "PRAGMA foreign_keys = ON".to_owned(),
                    "PRAGMA synchronous = FULL".to_owned(),
                ];
                if !in_memory {
                    v.insert(1, "PRAGMA journal_mode = WAL".to_owned());
                    // reads map the file instead of copying pages through read(2)
                    v.push(format!("PRAGMA mmap_size = {SQLITE_MMAP_BYTES}"));
                }
                v
            }
            Dialect::Postgres => Vec::new(),
        }
    }

    /// The embedded, versioned migrations of this dialect.
    pub(crate) fn migrations(self) -> Vec<Migration> {
        let files: &[(i64, &str, &str)] = match self {
            Dialect::Sqlite => &[
                (
                    1,
                    "identities",
                    include_str!("../../../migrations/sqlite/0001_identities.sql"),
                ),
                (
                    2,
                    "resources",
                    include_str!("../../../migrations/sqlite/0002_resources.sql"),
                ),
                (
                    3,
                    "keyset_indexes",
                    include_str!("../../../migrations/sqlite/0003_keyset_indexes.sql"),
                ),
            ],
            Dialect::Postgres => &[
                (
                    1,
                    "identities",
                    include_str!("../../../migrations/postgres/0001_identities.sql"),
                ),
                (
                    2,
                    "resources",
                    include_str!("../../../migrations/postgres/0002_resources.sql"),
                ),
                (
                    3,
                    "keyset_indexes",
                    include_str!("../../../migrations/postgres/0003_keyset_indexes.sql"),
                ),
            ],
        };
        files
            .iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    Cow::Borrowed(*d),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect()
    }
}

/// The migrations compiled into this binary, as a `sqlx` migration source (no database and no
/// migration directory needed at run time).
#[derive(Debug)]
pub(crate) struct Embedded(pub(crate) Dialect);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move { Ok(self.0.migrations()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(Dialect::of_url("sqlite://x.db"), Some(Dialect::Sqlite));
        assert_eq!(Dialect::of_url("sqlite::memory:"), Some(Dialect::Sqlite));
        assert_eq!(
            Dialect::of_url("postgres://u:p@h/db"),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            Dialect::of_url("PostgreSQL://h/db"),
            Some(Dialect::Postgres)
        );
        assert_eq!(Dialect::of_url("mysql://h/db"), None);
        assert_eq!(Dialect::of_url("memory:"), None);
    }

    #[test]
    fn dialect_differences() {
        assert_eq!(Dialect::Sqlite.for_update(), "");
        assert_eq!(Dialect::Postgres.for_update(), " FOR UPDATE");
        assert_eq!(Dialect::Postgres.for_share(), " FOR SHARE");
        assert_eq!(Dialect::Sqlite.begin_write(), "BEGIN IMMEDIATE");
        assert_eq!(Dialect::Postgres.greatest(), "GREATEST");
        let s = Dialect::Sqlite.session_setup(false, Duration::from_secs(5));
        assert!(s.contains(&"PRAGMA journal_mode = WAL".to_owned()));
        assert!(s.contains(&"PRAGMA synchronous = FULL".to_owned()));
        assert!(s.contains(&"PRAGMA busy_timeout = 5000".to_owned()));
        let m = Dialect::Sqlite.session_setup(true, Duration::from_secs(1));
        assert!(!m.iter().any(|p| p.contains("WAL")));
        assert!(
            Dialect::Postgres
                .session_setup(false, Duration::ZERO)
                .is_empty()
        );
    }

    #[test]
    fn migrations_are_embedded_for_both() {
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            let m = d.migrations();
            assert_eq!(m.first().map(|m| m.version), Some(1));
            assert!(m[0].sql.contains("scim_group_members"));
            assert_eq!(m.get(1).map(|m| m.version), Some(2));
            assert!(m[1].sql.contains("scim_resource_unique"));
        }
        assert!(
            Dialect::Postgres.migrations()[0].sql.contains("BYTEA")
                && Dialect::Sqlite.migrations()[0]
                    .sql
                    .contains("WITHOUT ROWID")
        );
    }
}
