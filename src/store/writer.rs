//! The thread that writes events: callers hand over a [`Record`] and return at once.
//!
//! Records are written in batches (one transaction each: a burst costs one commit, not one per
//! event). While the database refuses writes (locked, disk full, file unwritable) the batch is
//! kept and retried every second, the error logged at most once a minute; only past
//! [`MAX_PENDING`] waiting records are the oldest given up, counted and logged. Once an hour the
//! thread deletes what is older than the configured keep time, and the working memory (claims,
//! threads seen, messages answered) past its use, kept or not.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Backend, Record, Throttle};
use crate::time::now_ms;

/// Records written in one transaction at most.
const BATCH: usize = 1_000;
/// Records kept while the database is unusable: hours of a busy server's events, a few MB.
const MAX_PENDING: usize = 100_000;
/// Records handed over and not yet taken by the writer: the thread takes them all each time it
/// wakes, so the queue fills only while a call hangs (a database that holds a statement); past
/// this the newest are given up, counted and logged, rather than memory growing without end. Counted
/// beside an unbounded channel: a bounded one would allocate all its slots up front (12 MB).
const QUEUE_BOUND: usize = MAX_PENDING;
const RETRY_EVERY: Duration = Duration::from_secs(1);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

enum Message {
    Record(Record),
    /// Answered once everything sent before it was written or failed once.
    Flush(SyncSender<()>),
}

pub(super) struct Writer {
    sender: Mutex<Option<Sender<Message>>>,
    /// Records handed over and not yet taken by the thread, and how many may be.
    queued: Arc<AtomicUsize>,
    bound: usize,
    thread: Mutex<Option<JoinHandle<()>>>,
    dropped: Arc<AtomicU64>,
    /// Says when records are given up because the queue is full, at most once a minute.
    overflowing: Throttle,
}

impl Writer {
    /// Starts the writer; with `keep_ms`, it prunes every hour (0: events kept, working memory
    /// pruned), without, never.
    pub(super) fn start(backend: Arc<dyn Backend>, keep_ms: Option<u64>) -> Writer {
        Writer::start_bounded(backend, keep_ms, QUEUE_BOUND)
    }

    fn start_bounded(backend: Arc<dyn Backend>, keep_ms: Option<u64>, bound: usize) -> Writer {
        let (sender, receiver) = mpsc::channel();
        let dropped = Arc::new(AtomicU64::new(0));
        let queued = Arc::new(AtomicUsize::new(0));
        let thread = std::thread::Builder::new()
            .name("faqbot-store".into())
            .spawn({
                let (dropped, queued) = (dropped.clone(), queued.clone());
                move || run(&*backend, &receiver, keep_ms, &dropped, &queued)
            })
            .expect("a thread for the store");
        Writer {
            sender: Mutex::new(Some(sender)),
            queued,
            bound,
            thread: Mutex::new(Some(thread)),
            dropped,
            overflowing: Throttle::new(),
        }
    }

    /// Hands `record` over without waiting: a full queue gives it up (counted), never blocks.
    pub(super) fn send(&self, record: Record) {
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.bound {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            self.overflowing.error(|held_back| {
                tracing::error!(
                    held_back,
                    "the store's writer is stuck in a database call and its queue is full: events are given up"
                )
            });
            return;
        }
        let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        let sent = sender
            .as_ref()
            .is_some_and(|sender| sender.send(Message::Record(record)).is_ok());
        if !sent {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::error!("the store's writer has stopped; an event was not recorded");
        }
    }

    pub(super) fn flush(&self) {
        let (done, wait) = mpsc::sync_channel(1);
        let sent = {
            let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
            sender
                .as_ref()
                .is_some_and(|s| s.send(Message::Flush(done)).is_ok())
        };
        if sent {
            let _ = wait.recv();
        }
    }

    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Writer {
    /// Closes the channel and waits for the thread to write what is queued.
    fn drop(&mut self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

fn run(
    backend: &dyn Backend,
    receiver: &Receiver<Message>,
    keep_ms: Option<u64>,
    dropped: &AtomicU64,
    queued: &AtomicUsize,
) {
    let mut pending: VecDeque<Record> = VecDeque::new();
    let mut flushes: Vec<SyncSender<()>> = Vec::new();
    let throttle = Throttle::new();
    let mut last_prune: Option<Instant> = None;
    let mut open = true;
    while open || !pending.is_empty() {
        // Wait for work; while writes fail, wake up to retry.
        let first = if pending.is_empty() {
            receiver.recv_timeout(PRUNE_EVERY)
        } else {
            receiver.recv_timeout(RETRY_EVERY)
        };
        let mut take = |message: Message| match message {
            Message::Record(record) => {
                queued.fetch_sub(1, Ordering::SeqCst);
                pending.push_back(record);
            }
            Message::Flush(done) => flushes.push(done),
        };
        match first {
            Ok(message) => {
                take(message);
                while let Ok(message) = receiver.try_recv() {
                    take(message);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
        if pending.len() > MAX_PENDING {
            let over = pending.len() - MAX_PENDING;
            pending.drain(..over);
            dropped.fetch_add(over as u64, Ordering::Relaxed);
            tracing::error!(
                dropped = over,
                "the database has refused writes for too long: gave up the oldest events"
            );
        }
        let failed = write_pending(backend, &mut pending, &throttle);
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
        if failed && !open {
            // Shutting down with a database that still refuses: say what is lost, and stop.
            dropped.fetch_add(pending.len() as u64, Ordering::Relaxed);
            tracing::error!(
                dropped = pending.len(),
                "shutting down while the database refuses writes: these events are lost"
            );
            return;
        }
        // Working memory (claims, threads seen, messages answered) is pruned whatever is kept of
        // the statistics: it would otherwise grow by a row per message forever.
        let Some(keep_ms) = keep_ms else { continue };
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            let now = now_ms();
            let events_before = if keep_ms == 0 {
                0
            } else {
                now.saturating_sub(keep_ms)
            };
            if let Err(error) = backend.prune(events_before, now) {
                tracing::warn!("could not delete old events: {error}; will try again in an hour");
            }
            last_prune = Some(Instant::now());
        }
    }
}

/// Writes what is pending in batches; true when the database refused (the rest stays pending).
fn write_pending(
    backend: &dyn Backend,
    pending: &mut VecDeque<Record>,
    throttle: &Throttle,
) -> bool {
    while !pending.is_empty() {
        let size = pending.len().min(BATCH);
        let batch: Vec<Record> = pending.iter().take(size).cloned().collect();
        match backend.write(&batch) {
            Ok(()) => {
                pending.drain(..size);
                if throttle.recovered() {
                    tracing::info!("the database accepts writes again");
                }
            }
            Err(error) => {
                let waiting = pending.len();
                throttle.error(|held_back| {
                    tracing::error!(
                        waiting,
                        held_back,
                        "cannot record events: {error}; keeping them and retrying every second"
                    )
                });
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, MessageId, UserId};
    use crate::store::sqlite::Sqlite;

    fn unmatched(n: u64) -> Record {
        Record::Unmatched {
            at_ms: 1,
            guild: None,
            channel: ChannelId(1),
            message: MessageId(n),
            user: UserId(2),
            text: format!("question {n}"),
        }
    }

    /// While the writer hangs in a database call, a full queue gives records up at once,
    /// counted, instead of the caller waiting or memory growing.
    #[test]
    fn a_full_queue_gives_records_up_without_blocking_and_counts_them() {
        let dir = std::env::temp_dir().join(format!("faqbot-writer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("faqbot.db");
        let backend: Arc<dyn Backend> = Arc::new(Sqlite::open(&path).unwrap());
        // Another connection holds the database: each write waits out the busy timeout.
        let locker = rusqlite::Connection::open(&path).unwrap();
        locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let writer = Writer::start_bounded(backend, None, 10);
        writer.send(unmatched(0));
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        for n in 1..=100 {
            writer.send(unmatched(n));
        }
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "sending never waits"
        );
        // Ten fit in the queue (nine when the first is still in it).
        let dropped = writer.dropped();
        assert!((80..=91).contains(&dropped), "{dropped}");
        locker.execute_batch("COMMIT").unwrap();
        drop(writer);
        let stats = Sqlite::open(&path).unwrap().stats(None, 0, 200).unwrap();
        assert_eq!(
            stats.unmatched.len() as u64,
            101 - dropped,
            "the rest is written"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
