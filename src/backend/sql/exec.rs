//! Where a read runs: on a pooled `sqlx` connection, or (SQLite files) on a `rusqlite`
//! connection in the calling task, without the hand-off to a `sqlx` worker thread. The SQL
//! text, its `$n` parameters and the row decoding are the same either way
//! ([RFC 7644 §3.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4) reads).

use super::rows::db_err;
use crate::backend::BackendError;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A bound parameter of a read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

/// The columns of one result row, by position.
pub(crate) trait Cells {
    fn text(&self, i: usize) -> Result<String, BackendError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, BackendError>;
    fn int(&self, i: usize) -> Result<i64, BackendError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, BackendError>;
    fn blob(&self, i: usize) -> Result<Vec<u8>, BackendError>;
    /// How many columns the row has.
    fn width(&self) -> usize;
}

impl Cells for AnyRow {
    fn text(&self, i: usize) -> Result<String, BackendError> {
        self.try_get(i).map_err(db_err)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, BackendError> {
        self.try_get(i).map_err(db_err)
    }
    fn int(&self, i: usize) -> Result<i64, BackendError> {
        self.try_get(i).map_err(db_err)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, BackendError> {
        self.try_get(i).map_err(db_err)
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>, BackendError> {
        self.try_get(i).map_err(db_err)
    }
    fn width(&self) -> usize {
        self.len()
    }
}

/// A connection to read from.
pub(crate) enum Db<'c> {
    /// A `sqlx` connection: PostgreSQL, SQLite in memory, and reads inside a write
    /// transaction.
    Any(&'c mut AnyConnection),
    /// A read-only SQLite connection used in the calling task (see [`super::lite`]).
    #[cfg(feature = "sqlite")]
    Lite(&'c mut rusqlite::Connection),
}

impl Db<'_> {
    /// Every row `sql` answers, each decoded by `decode`.
    pub(crate) async fn rows<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        decode: impl Fn(&dyn Cells) -> Result<T, BackendError> + Send,
    ) -> Result<Vec<T>, BackendError> {
        match self {
            Db::Any(conn) => {
                let mut q = sqlx::query(sql);
                for a in args {
                    q = match *a {
                        Arg::Text(s) => q.bind(s),
                        Arg::Int(n) => q.bind(n),
                    };
                }
                let rows = q.fetch_all(&mut **conn).await.map_err(db_err)?;
                rows.iter().map(|r| decode(r)).collect()
            }
            #[cfg(feature = "sqlite")]
            Db::Lite(conn) => super::lite::rows(conn, sql, args, decode),
        }
    }

    /// The first row `sql` answers, if any.
    pub(crate) async fn first<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        decode: impl Fn(&dyn Cells) -> Result<T, BackendError> + Send,
    ) -> Result<Option<T>, BackendError> {
        Ok(self.rows(sql, args, decode).await?.into_iter().next())
    }
}

/// Runs `$body` with `$conn` a `&mut` [`Db`] to read from, taken from `$inner` (an
/// `Inner`): on a SQLite file a read-only connection used in this task, else a pooled
/// `sqlx` connection. Evaluates to `$body`'s result (returns it from the enclosing function on
/// the SQLite path).
macro_rules! in_read {
    ($inner:expr, $conn:ident => $body:expr) => {{
        #[cfg(feature = "sqlite")]
        if let Some(readers) = &$inner.readers {
            let mut lite = readers.take()?;
            let r = {
                let $conn = &mut $crate::backend::sql::exec::Db::Lite(&mut lite);
                $body.await
            };
            readers.give_back(lite);
            return r;
        }
        let mut pooled = $inner
            .pool
            .acquire()
            .await
            .map_err($crate::backend::sql::rows::db_err)?;
        let $conn = &mut $crate::backend::sql::exec::Db::Any(&mut *pooled);
        $body.await
    }};
}
pub(crate) use in_read;
