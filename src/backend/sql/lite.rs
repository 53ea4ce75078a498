//! SQLite reads in the calling task: a small pool of `rusqlite` connections (`query_only`) to the
//! same file (WAL: readers never wait for the writer), each statement prepared once per
//! connection. `sqlx` runs every SQLite connection on a worker thread and hands each statement
//! over to it and the rows back; for an indexed read that hand-off cost more than the read
//! (half the CPU of a `userName eq` lookup went to waking threads). Writes still go through
//! `sqlx` and the group-committing writer task
//! ([RFC 7644 §3.4](https://www.rfc-editor.org/rfc/rfc7644#section-3.4)).
//!
//! A read blocks the task's thread for as long as SQLite takes: microseconds for the indexed
//! lookups, up to the scan limit's worth of rows for a filter the indexes cannot answer (the
//! memory backend does the same work in the task too).

use super::exec::{Arg, Cells};
use super::rows::CONFLICT;
use crate::backend::BackendError;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, ToSql};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Read-only connections to one SQLite file, opened on demand and kept for reuse.
pub(crate) struct LiteReaders {
    path: PathBuf,
    busy_timeout: Duration,
    mmap_bytes: u64,
    idle: Mutex<Vec<Connection>>,
    /// The most idle connections kept (more may be open while many reads run at once).
    keep: usize,
}

impl std::fmt::Debug for LiteReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteReaders")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl LiteReaders {
    /// Readers of the file at `path` (which the `sqlx` pool has opened and migrated); one is
    /// opened now, so a file that cannot be read fails at start.
    pub(crate) fn open(
        path: &Path,
        busy_timeout: Duration,
        mmap_bytes: u64,
        keep: usize,
    ) -> Result<LiteReaders, rusqlite::Error> {
        let readers = LiteReaders {
            path: path.to_owned(),
            busy_timeout,
            mmap_bytes,
            idle: Mutex::new(Vec::new()),
            keep: keep.max(1),
        };
        let first = readers.connect()?;
        if let Ok(mut idle) = readers.idle.lock() {
            idle.push(first);
        }
        Ok(readers)
    }

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        // Opened read-write but `query_only`: a read-only connection cannot recreate the WAL
        // index (`-shm`) should every other connection to the file have closed.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(self.busy_timeout)?;
        conn.pragma_update(None, "query_only", true)?;
        // `PRAGMA mmap_size` answers a row, so it is read rather than executed
        conn.query_row(
            &format!("PRAGMA mmap_size = {}", self.mmap_bytes),
            [],
            |_| Ok(()),
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// An idle connection, or a new one; [`give_back`](Self::give_back) it after the read (a
    /// read abandoned half-way just closes its connection).
    pub(crate) fn take(&self) -> Result<Connection, BackendError> {
        match self.idle.lock().ok().and_then(|mut v| v.pop()) {
            Some(c) => Ok(c),
            None => self.connect().map_err(lite_err),
        }
    }

    /// Keeps `conn` for the next read, unless enough are idle.
    pub(crate) fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.keep
        {
            idle.push(conn);
        }
    }
}

/// A `rusqlite` error as a backend error: a busy file is the retryable 503 of a conflict (as
/// from `sqlx`), anything else 500 with the cause kept for the logs.
pub(crate) fn lite_err(e: rusqlite::Error) -> BackendError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            BackendError::unavailable(CONFLICT, Some(Duration::from_secs(1)))
        }
        _ => BackendError::internal(e),
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef as SqlRef};
        Ok(match *self {
            Arg::Text(s) => ToSqlOutput::Borrowed(SqlRef::Text(s.as_bytes())),
            Arg::Int(n) => ToSqlOutput::Owned(SqlValue::Integer(n)),
        })
    }
}

/// Runs `sql` with `args` (`$1` is the first) and decodes every row.
pub(crate) fn rows<T>(
    conn: &mut Connection,
    sql: &str,
    args: &[Arg<'_>],
    decode: impl Fn(&dyn Cells) -> Result<T, BackendError>,
) -> Result<Vec<T>, BackendError> {
    let mut stmt = conn.prepare_cached(sql).map_err(lite_err)?;
    // `$n` names a parameter that SQLite numbers in order of first appearance; every
    // statement here names $1, $2, … in that order, so the positions are the numbers.
    let mut rows = stmt
        .query(rusqlite::params_from_iter(args.iter()))
        .map_err(lite_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(lite_err)? {
        out.push(decode(&LiteRow(row))?);
    }
    Ok(out)
}

struct LiteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl LiteRow<'_, '_> {
    fn value(&self, i: usize) -> Result<ValueRef<'_>, BackendError> {
        self.0.get_ref(i).map_err(lite_err)
    }
}

fn mismatch(i: usize, want: &str) -> BackendError {
    BackendError::internal_msg(format!("column {i} is not {want}"))
}

impl Cells for LiteRow<'_, '_> {
    fn text(&self, i: usize) -> Result<String, BackendError> {
        self.opt_text(i)?.ok_or_else(|| mismatch(i, "text"))
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, BackendError> {
        match self.value(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(|s| Some(s.to_owned()))
                .map_err(|_| mismatch(i, "UTF-8 text")),
            _ => Err(mismatch(i, "text")),
        }
    }
    fn int(&self, i: usize) -> Result<i64, BackendError> {
        self.opt_int(i)?.ok_or_else(|| mismatch(i, "an integer"))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, BackendError> {
        match self.value(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(n) => Ok(Some(n)),
            _ => Err(mismatch(i, "an integer")),
        }
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>, BackendError> {
        match self.value(i)? {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            _ => Err(mismatch(i, "a blob")),
        }
    }
    fn width(&self) -> usize {
        self.0.as_ref().column_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("scimitar-lite-{name}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
        }
        let c = Connection::open(&p).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (a TEXT, n INTEGER, o TEXT, b BLOB);
             INSERT INTO t VALUES ('x', 1, NULL, x'0102'), ('y', 2, 'z', x'');",
        )
        .unwrap();
        p
    }

    #[test]
    fn dollar_parameters_bind_by_number_and_cells_decode() {
        let p = file("params");
        let readers = LiteReaders::open(&p, Duration::from_secs(1), 1 << 20, 2).unwrap();
        let mut c = readers.take().unwrap();
        // $1 twice, then $2: positions are the numbers
        let got = rows(
            &mut c,
            "SELECT a, n, o, b FROM t WHERE (a = $1 OR o = $1 OR n = $2) ORDER BY a",
            &[Arg::Text("x"), Arg::Int(2)],
            |r| Ok((r.text(0)?, r.int(1)?, r.opt_text(2)?, r.blob(3)?, r.width())),
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                ("x".to_owned(), 1, None, vec![1, 2], 4),
                ("y".to_owned(), 2, Some("z".to_owned()), vec![], 4)
            ]
        );
        // a NULL is no text, a text no integer: errors, not panics
        let bad = rows(
            &mut c,
            "SELECT o FROM t WHERE a = $1",
            &[Arg::Text("x")],
            |r| r.text(0),
        );
        assert!(bad.unwrap_err().is_internal());
        readers.give_back(c);
    }

    #[test]
    fn readers_cannot_write_and_see_each_commit() {
        let p = file("ro");
        let readers = LiteReaders::open(&p, Duration::from_secs(1), 1 << 20, 2).unwrap();
        let mut c = readers.take().unwrap();
        assert!(c.execute("DELETE FROM t", []).is_err(), "query_only");
        let writer = Connection::open(&p).unwrap();
        writer
            .execute("INSERT INTO t VALUES ('w', 3, NULL, NULL)", [])
            .unwrap();
        let n = rows(&mut c, "SELECT COUNT(*) FROM t", &[], |r| r.int(0)).unwrap();
        assert_eq!(n, vec![3]);
    }
}
