//! Group commit for SQLite: one writer task runs the write transactions of every request of
//! this process, several to a database transaction, and answers each only after the commit
//! that made it durable.
//!
//! SQLite has one writer at a time and, in WAL mode with `synchronous=FULL`, pays one `fsync`
//! per commit (2.6–4.5 ms on the disk of the benchmarks in BENCHMARKS.md). Committing each
//! request alone caps durable writes at a few hundred a second whatever the CPU; committing the
//! writes that queued up during the previous `fsync` together makes that `fsync` cover all of
//! them. Each write runs inside its own `SAVEPOINT`, so a write that fails (404, 409, 412…)
//! is undone alone and the others of its batch still commit; the batch runs the writes in the
//! order they arrived, so the result is the one of running them one after the other.
//!
//! Nothing is acknowledged before its commit returned: a write whose batch fails to commit gets
//! that error (503 when the database was busy), never a success. A request dropped by its
//! client still runs to the end (as it would have on the database), so a write is never
//! half-done.

use super::rows::CONFLICT;
use crate::backend::BackendError;
use sqlx::{AnyConnection, AnyPool, Executor};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most writes one transaction commits (bounds the latency of the first of them).
const MAX_BATCH: usize = 256;

/// A boxed future borrowing the transaction's connection.
pub(crate) type ConnFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// A write as the writer task runs it: on the transaction's connection, answered later.
pub(crate) type Work<T> = Box<
    dyn for<'c> FnOnce(&'c mut AnyConnection) -> ConnFuture<'c, Result<T, BackendError>> + Send,
>;

/// A queued write of any result type.
trait Job: Send {
    /// Runs the write; what it gives is answered once the batch's commit is known.
    fn run<'c>(self: Box<Self>, conn: &'c mut AnyConnection) -> ConnFuture<'c, Box<dyn Reply>>;
    /// Answers without running (the batch could not start or was broken before it).
    fn fail(self: Box<Self>, e: BackendError);
}

/// A write that ran, waiting for its batch's commit.
trait Reply: Send {
    /// Whether the write succeeded (its changes are to be kept).
    fn ok(&self) -> bool;
    /// Answers the request: its own error if it failed, else the commit's outcome.
    fn send(self: Box<Self>, commit: Result<(), BackendError>);
}

struct Typed<T> {
    work: Work<T>,
    reply: oneshot::Sender<Result<T, BackendError>>,
}

struct Ran<T> {
    result: Result<T, BackendError>,
    reply: oneshot::Sender<Result<T, BackendError>>,
}

impl<T: Send + 'static> Job for Typed<T> {
    fn run<'c>(self: Box<Self>, conn: &'c mut AnyConnection) -> ConnFuture<'c, Box<dyn Reply>> {
        let Typed { work, reply } = *self;
        Box::pin(async move {
            let result = work(conn).await;
            Box::new(Ran { result, reply }) as Box<dyn Reply>
        })
    }

    fn fail(self: Box<Self>, e: BackendError) {
        // the request may be gone; then nobody waits for the answer
        let _ = self.reply.send(Err(e));
    }
}

impl<T: Send + 'static> Reply for Ran<T> {
    fn ok(&self) -> bool {
        self.result.is_ok()
    }

    fn send(self: Box<Self>, commit: Result<(), BackendError>) {
        let answer = match (self.result, commit) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
            (Ok(v), Ok(())) => Ok(v),
        };
        let _ = self.reply.send(answer);
    }
}

type Queue = mpsc::UnboundedSender<Box<dyn Job>>;

/// The sending side of the writer task. The task ends when the writer is dropped; if it ever
/// stopped (a panicking write), the next write starts a new one.
pub(crate) struct Writer {
    pool: AnyPool,
    queue: Mutex<Queue>,
}

impl Writer {
    /// Starts the writer task of `pool` on the current tokio runtime.
    pub(crate) fn start(pool: AnyPool) -> Writer {
        let queue = Mutex::new(spawn(pool.clone()));
        Writer { pool, queue }
    }

    fn queue(&self) -> Queue {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.is_closed() {
            *q = spawn(self.pool.clone());
        }
        q.clone()
    }

    /// Runs `work` in a write transaction (shared with other writes) and answers once that
    /// transaction is committed.
    pub(crate) async fn write<T: Send + 'static>(&self, work: Work<T>) -> Result<T, BackendError> {
        let (reply, answer) = oneshot::channel();
        self.queue()
            .send(Box::new(Typed { work, reply }))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn spawn(pool: AnyPool) -> Queue {
    let (queue, jobs) = mpsc::unbounded_channel();
    tokio::spawn(run(pool, jobs));
    queue
}

fn stopped() -> BackendError {
    BackendError::unavailable(
        "the database writer has stopped",
        Some(Duration::from_secs(1)),
    )
}

/// Why a batch's transaction could not start, run or commit: every write of it gets this.
#[derive(Debug)]
struct BatchFailure {
    /// 503: another process holds the write lock past the busy timeout, or the pool or the
    /// file is unavailable; `None`: 500.
    unavailable: Option<&'static str>,
    cause: String,
}

impl BatchFailure {
    fn of(e: &sqlx::Error) -> BatchFailure {
        let code = e.as_database_error().and_then(|d| d.code());
        let unavailable = match e {
            _ if code.is_some_and(|c| matches!(&*c, "5" | "6" | "261" | "262" | "517")) => {
                Some(CONFLICT)
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::WorkerCrashed => Some("the database is unavailable"),
            _ => None,
        };
        BatchFailure {
            unavailable,
            cause: e.to_string(),
        }
    }

    /// The answer of each write of the batch (a 500's detail, for the logs, is the cause).
    fn error(&self) -> BackendError {
        match self.unavailable {
            Some(detail) => BackendError::unavailable(detail, Some(Duration::from_secs(1))),
            None => {
                BackendError::internal_msg(format!("the write transaction failed: {}", self.cause))
            }
        }
    }
}

async fn run(pool: AnyPool, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        commit_batch(&pool, batch, &mut jobs).await;
    }
}

/// Runs `batch` (and the writes that arrive while it runs, up to [`MAX_BATCH`]) in one
/// transaction and answers them all after its commit.
async fn commit_batch(
    pool: &AnyPool,
    batch: Vec<Box<dyn Job>>,
    more: &mut mpsc::UnboundedReceiver<Box<dyn Job>>,
) {
    let mut tx = match pool.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            let failure = BatchFailure::of(&e);
            return batch.into_iter().for_each(|j| j.fail(failure.error()));
        }
    };
    // A lone write needs no savepoint: if it fails, the whole transaction is rolled back.
    let alone = batch.len() == 1 && more.is_empty();
    let mut replies: Vec<Box<dyn Reply>> = Vec::with_capacity(batch.len());
    let mut pending = batch;
    let mut broken: Option<BatchFailure> = None;
    loop {
        for job in pending.drain(..) {
            if let Some(f) = &broken {
                job.fail(f.error());
                continue;
            }
            if !alone && let Err(e) = (&mut *tx).execute("SAVEPOINT w").await {
                let f = BatchFailure::of(&e);
                job.fail(f.error());
                broken = Some(f);
                continue;
            }
            let reply = job.run(&mut tx).await;
            if !alone {
                let end = if reply.ok() {
                    "RELEASE w"
                } else {
                    "ROLLBACK TO w; RELEASE w"
                };
                if let Err(e) = (&mut *tx).execute(end).await {
                    broken = Some(BatchFailure::of(&e));
                }
            }
            replies.push(reply);
        }
        if alone || broken.is_some() {
            break;
        }
        // the writes that queued while this batch ran share its commit
        while replies.len() + pending.len() < MAX_BATCH {
            match more.try_recv() {
                Ok(j) => pending.push(j),
                Err(_) => break,
            }
        }
        if pending.is_empty() {
            break;
        }
    }
    let commit = match broken {
        Some(f) => {
            // a statement ended or broke the transaction: nothing of this batch is kept
            let _ = tx.rollback().await;
            Err(f)
        }
        None if alone && !replies.iter().all(|r| r.ok()) => {
            let _ = tx.rollback().await;
            Ok(())
        }
        None => tx.commit().await.map_err(|e| BatchFailure::of(&e)),
    };
    for reply in replies {
        reply.send(commit.as_ref().map(|_| ()).map_err(BatchFailure::error));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;
    use sqlx::any::AnyPoolOptions;
    use std::sync::Arc;

    async fn table() -> (AnyPool, std::path::PathBuf) {
        sqlx::any::install_default_drivers();
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("scimitar-writer-{}-{n}.db", std::process::id()));
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        (pool, path)
    }

    /// Inserts `x`; fails after the insert when `fail`, so only a rollback can undo it.
    fn insert(x: i64, fail: bool) -> Work<i64> {
        Box::new(move |c| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (x) VALUES ($1)")
                    .bind(x)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| BackendError::uniqueness(e.to_string()))?;
                if fail {
                    return Err(BackendError::invalid_value("refused after writing"));
                }
                Ok(x)
            })
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_keeps_the_writes_that_succeeded_and_only_those() {
        let (pool, path) = table().await;
        let writer = Arc::new(Writer::start(pool.clone()));
        let mut tasks = tokio::task::JoinSet::new();
        // 0..300: every third fails after writing; every fifth repeats the value before it, so
        // of such a pair (in whatever order the runtime submits them) one write is a 409
        for i in 0..300_i64 {
            let writer = writer.clone();
            let (x, fail) = if i % 5 == 4 {
                (i - 1, false)
            } else {
                (i, i % 3 == 0)
            };
            tasks.spawn(async move { (i, writer.write(insert(x, fail)).await) });
        }
        let mut kept = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (i, r) = joined.unwrap();
            match r {
                Ok(x) => kept.push(x),
                Err(e) => assert!(
                    i % 3 == 0 || i % 5 == 3 || i % 5 == 4,
                    "{i}: {}",
                    e.detail()
                ),
            }
        }
        kept.sort_unstable();
        let rows = sqlx::query("SELECT x FROM t ORDER BY x")
            .fetch_all(&pool)
            .await
            .unwrap();
        let stored: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(stored, kept, "exactly the acknowledged writes are stored");
        // a repeated value is written by one of its two writers (the repeat never fails on
        // purpose); any other value exactly when its writer did not fail
        let expected: Vec<i64> = (0..300_i64)
            .filter(|i| i % 5 == 3 || (i % 5 != 4 && i % 3 != 0))
            .collect();
        assert_eq!(stored, expected);
        pool.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lone_failing_write_leaves_nothing() {
        let (pool, path) = table().await;
        let writer = Writer::start(pool.clone());
        assert!(writer.write(insert(7, true)).await.is_err());
        assert_eq!(writer.write(insert(8, false)).await.unwrap(), 8);
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
        pool.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
