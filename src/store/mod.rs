//! The bot's memory on disk: what it showed and how it was received, the examples moderators
//! taught it, cooldown claims and threads seen, so that nothing is forgotten on restart.
//!
//! [`Store`] is a handle (cheap to clone) over a [`Backend`]: embedded SQLite for one process
//! ([`sqlite::Sqlite`]), or PostgreSQL shared by several ([`postgres::Postgres`]); the behaviour
//! both must show is one contract test suite (`contract`). Events
//! that nobody waits for ([`Record`]) go to a writer thread (`writer`) so that recording never
//! delays a reply; the writer batches them, retries while the database is locked or the disk is
//! full, and says so in the log at most once a minute. Everything else is a short synchronous
//! call, made off the async runtime by the caller.
//!
//! Files: `records` (what is kept, and the statistics read back), `location` (a configured
//! location to its backend), `codec` (hashes and vectors as bytes), `blocking` (store work from
//! async code), `throttle` (an error said once a minute), `resilient` (the memory that falls back
//! while the database fails), `writer`; here, the [`Backend`] trait and the [`Store`] handle.

mod blocking;
mod codec;
#[cfg(test)]
mod contract;
mod location;
pub mod postgres;
mod records;
mod resilient;
pub mod sqlite;
mod throttle;
mod writer;

use std::path::Path;
use std::sync::Arc;

use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::memory::{Memory, MemoryError};
pub(crate) use blocking::off_runtime;
pub use codec::{text_hash, TextHash};
use codec::{vector_from_bytes, vector_to_bytes};
pub use location::{describe, open, postgres_url, sqlite_file};
use records::unmatched_key;
pub use records::{
    cut_text, may_be_a_question, DayStats, EntryStats, Example, Forgotten, HistoryRead, Outcome,
    Record, Shown, StaffPage, Stats, Unmatched, QUESTION_MIN_CHARS, TEXT_MAX_CHARS,
};
pub use resilient::Resilient;
pub use throttle::Throttle;
use writer::Writer;

/// What to check when the database at `path` cannot be opened: a file's folder, or a server.
fn open_hint(path: &str) -> &'static str {
    if postgres_url(Path::new(path)).is_some() {
        "check [store] path, that the server runs and that the user may connect"
    } else {
        "check [store] path and that its folder is writable"
    }
}

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or set up.
    #[error("cannot open the database {path}: {reason} ({})", open_hint(path))]
    Open { path: String, reason: String },
    /// The database was written by a newer faqbot and is left alone.
    #[error("the database {path} was written by a newer faqbot (schema {found}, this one knows {known}): upgrade faqbot, or point [store] path at another file")]
    Newer {
        path: String,
        found: usize,
        known: usize,
    },
    /// A query failed (locked, full disk, unwritable): the database's words, and its error.
    #[error("database error: {message}")]
    Database {
        message: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store cannot be used for a reason of its own (all connections busy, closing).
    #[error("database error: {0}")]
    Query(String),
}

impl From<StoreError> for MemoryError {
    fn from(error: StoreError) -> Self {
        MemoryError(error.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Where the bot's records live. One implementation per database.
pub trait Backend: Memory {
    /// Writes a batch of events at once (one transaction).
    fn write(&self, records: &[Record]) -> Result<()>;
    /// Adds an example; past `cap` examples of its entry in its server taught the same way
    /// (links, or "Not it"), the oldest ones are dropped.
    fn add_example(&self, example: &Example, cap: usize) -> Result<()>;
    /// Adds examples in one transaction, each unless its message is already taught as its entry
    /// the same way; at most `cap` per server, entry and way stay (the newest). Returns how many
    /// were added.
    fn add_examples(&self, examples: &[Example], cap: usize) -> Result<usize>;
    /// How far a channel's history was read, if it was.
    fn history_read(&self, channel: ChannelId) -> Result<Option<HistoryRead>>;
    fn set_history_read(&self, channel: ChannelId, read: HistoryRead) -> Result<()>;
    /// Removes `guild`'s positive examples linked by the bot's post `id` or taught from the
    /// member's message `id`; returns what was removed.
    fn remove_link(&self, guild: GuildId, id: MessageId) -> Result<Vec<Example>>;
    /// A number that grows whenever what the matcher learns from changes (examples added or
    /// removed, a FAQ reload noted): a process sharing the store reloads when it moves.
    fn teaching_version(&self) -> Result<u64>;
    /// The servers whose teaching changed after `version`, each once.
    fn taught_since(&self, version: u64) -> Result<Vec<GuildId>>;
    /// Whether other processes may share this database: then, while it is unreachable, claims
    /// fail closed rather than fall back to this process's memory.
    fn shared(&self) -> bool {
        false
    }
    /// Notes that the FAQ was reloaded in `guild`, for the other processes sharing the store.
    fn note_reload(&self, guild: GuildId) -> Result<()>;
    /// Takes the next turn to identify `shards` shards with Discord's gateway, which allows one
    /// IDENTIFY per `every_ms` across all of a bot's processes; returns how long to wait before
    /// the first (the others follow `every_ms` apart, as serenity paces its own shards).
    fn identify_turn(&self, shards: u32, every_ms: u64) -> Result<u64>;
    /// Every example taught in `guild` (`None`: those of no server yet), oldest first.
    fn examples(&self, guild: Option<GuildId>) -> Result<Vec<Example>>;
    /// The servers the store holds anything of (examples, what was shown, unmatched messages,
    /// staff answers with a page).
    fn servers(&self) -> Result<Vec<GuildId>>;
    /// Gives every example and event that belongs to no server (written before the store kept
    /// servers apart) to `guild`; returns how many examples it took.
    fn adopt(&self, guild: GuildId) -> Result<usize>;
    /// The model's cached vectors of texts, by their hash; `None` where none is cached.
    fn vectors(&self, model: &str, hashes: &[TextHash]) -> Result<Vec<Option<Vec<f32>>>>;
    /// Caches the model's vectors of texts.
    fn save_vectors(&self, model: &str, vectors: &[(TextHash, Vec<f32>)]) -> Result<()>;
    /// Statistics of `guild`'s events (`None`: those of no server) since `since_ms`; `top` bounds
    /// the unmatched list.
    fn stats(&self, guild: Option<GuildId>, since_ms: u64, top: usize) -> Result<Stats>;
    /// `guild`'s questions that matched nothing (`None`: those of no server) since `since_ms`,
    /// oldest first.
    fn unmatched(&self, guild: Option<GuildId>, since_ms: u64) -> Result<Vec<Unmatched>>;
    /// `guild`'s staff answers since `since_ms` that linked a page no entry linked then, oldest
    /// first.
    fn staff_pages(&self, guild: Option<GuildId>, since_ms: u64) -> Result<Vec<StaffPage>>;
    /// Takes `guild`'s gaps digest of `week` (weeks since the Unix epoch): true once per server
    /// and week, in whichever process asks first, so that restarts and other processes do not
    /// post it again.
    fn claim_digest(&self, guild: GuildId, week: u64) -> Result<bool>;
    /// Removes everything recorded about `user`, in every server.
    fn forget(&self, user: UserId) -> Result<Forgotten>;
    /// Deletes events, unmatched messages and memory older than `before_ms`, and expired claims.
    fn prune(&self, before_ms: u64, now_ms: u64) -> Result<()>;
}

/// A handle to the store; clones share it. Dropping the last one flushes what is queued.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    writer: Arc<Writer>,
}

/// How long events are kept when nothing is configured: half a year of statistics.
pub const DEFAULT_KEEP_DAYS: u64 = 180;

impl Store {
    /// Opens (or creates) the store at `location` (see [`open`]) and starts its writer.
    pub fn open(location: &Path, keep_days: u64) -> Result<Store> {
        Ok(Store::with_backend(open(location)?, keep_days))
    }

    /// A store over any backend, pruning every hour the events older than `keep_days` (0: keep
    /// them all) and working memory past its use.
    pub fn with_backend(backend: Arc<dyn Backend>, keep_days: u64) -> Store {
        Store::with_writer(backend, Some(crate::time::days_ms(keep_days)))
    }

    /// Opens the store at `location` and never prunes it: for callers with a clock of their own
    /// (tests, benchmarks), whose claims would look expired by the real one.
    pub fn open_unpruned(location: &Path) -> Result<Store> {
        Ok(Store::with_writer(open(location)?, None))
    }

    fn with_writer(backend: Arc<dyn Backend>, keep_ms: Option<u64>) -> Store {
        let writer = Writer::start(backend.clone(), keep_ms);
        Store {
            backend,
            writer: Arc::new(writer),
        }
    }

    /// Records an event in the background: returns at once.
    pub fn record(&self, record: Record) {
        self.writer.send(record);
    }

    /// Waits until every event recorded so far has been written or has failed once.
    pub fn flush(&self) {
        self.writer.flush();
    }

    /// Events given up on (the queue overflowed while the database was unusable).
    pub fn dropped(&self) -> u64 {
        self.writer.dropped()
    }

    /// The memory the suggestion policy uses. While the database is unusable, a database of
    /// this process alone falls back to this process's memory; a shared one fails closed (no
    /// claim is won, so the bot stays quiet rather than answer what another process answers).
    pub fn memory(&self) -> Resilient {
        if self.shared() {
            Resilient::fail_closed(self.backend.clone())
        } else {
            Resilient::new(self.backend.clone())
        }
    }

    /// Whether other processes may share this store.
    pub fn shared(&self) -> bool {
        self.backend.shared()
    }

    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The backend for work that outlives a borrow (moved to a blocking thread).
    pub fn shared_backend(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }
}

/// What `faqbot gaps` groups: `guild`'s questions since `since_ms` that matched nothing, and the
/// messages whose suggestion a member or moderator called "Not it" (the FAQ answered them wrong),
/// oldest first.
pub fn unanswered(
    backend: &dyn Backend,
    guild: Option<GuildId>,
    since_ms: u64,
) -> Result<Vec<Unmatched>> {
    let mut asked = backend.unmatched(guild, since_ms)?;
    let vetoed = backend.examples(guild)?.into_iter().filter_map(|e| {
        let (false, Some(channel), Some(message), Some(user)) =
            (e.positive, e.channel, e.message, e.author)
        else {
            return None;
        };
        (e.at_ms >= since_ms && e.guild == guild).then_some(Unmatched {
            at_ms: e.at_ms,
            channel,
            message,
            user,
            text: e.text,
        })
    });
    asked.extend(vetoed);
    asked.sort_by_key(|a| (a.at_ms, a.message));
    Ok(asked)
}

/// A random id for one opening of a store, one run of the bot: random enough to tell two
/// processes apart, without a dependency for it.
fn run_id() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_error_says_what_to_check_for_its_kind_of_store() {
        let open = |path: &str| {
            StoreError::Open {
                path: path.into(),
                reason: "refused".into(),
            }
            .to_string()
        };
        assert!(open("faqbot.db").contains("its folder is writable"));
        let postgres = open("postgres://bot:***@db/faqbot");
        assert!(postgres.contains("that the server runs"), "{postgres}");
        assert!(!postgres.contains("folder"), "{postgres}");
    }

    #[test]
    fn the_throttle_logs_once_a_minute_and_again_after_recovery() {
        let throttle = Throttle::new();
        let mut logged = Vec::new();
        for _ in 0..3 {
            throttle.error(|held_back| logged.push(held_back));
        }
        assert_eq!(logged, [0]);
        assert!(throttle.recovered());
        assert!(!throttle.recovered());
        throttle.error(|held_back| logged.push(held_back));
        assert_eq!(logged, [0, 0]);
    }

    #[test]
    fn recorded_events_reach_the_database_after_a_flush() {
        let dir = std::env::temp_dir().join(format!("faqbot-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open_unpruned(&dir.join("faqbot.db")).unwrap();
        assert!(!store.shared(), "a SQLite file is this process's alone");
        for reply in 0..1_500 {
            store.record(Record::Shown {
                at_ms: 1_000 + reply,
                how: Shown::Faq,
                guild: None,
                channel: ChannelId(1),
                message: None,
                user: None,
                entry: "cost".into(),
                score: None,
                reply: MessageId(reply),
            });
        }
        store.flush();
        let stats = store.backend().stats(None, 0, 10).unwrap();
        assert_eq!(stats.entries[0].faq, 1_500);
        assert_eq!(store.dropped(), 0);
    }

    /// `keep_days = 0` keeps the statistics forever, but the working memory (a row per message)
    /// is pruned all the same.
    #[test]
    fn working_memory_is_pruned_even_when_statistics_are_kept_forever() {
        let dir = std::env::temp_dir().join(format!("faqbot-store-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("faqbot.db");
        let long_ago = 1_000;
        {
            let db = sqlite::Sqlite::open(&path).unwrap();
            db.answer_once(7, Some(1), long_ago).unwrap();
            db.finish(7).unwrap();
            db.see_thread(8, long_ago).unwrap();
        }
        let store = Store::open(&path, 0).unwrap();
        store.record(Record::Unmatched {
            at_ms: long_ago,
            guild: None,
            channel: ChannelId(1),
            message: MessageId(9),
            user: UserId(3),
            text: "an old question, kept".into(),
        });
        drop(store);
        let db = sqlite::Sqlite::open(&path).unwrap();
        assert!(
            db.places(u64::MAX, 0).unwrap().is_empty(),
            "answered messages pruned"
        );
        assert_eq!(db.see_thread(8, 2_000), Ok(true), "threads seen pruned");
        assert_eq!(
            db.stats(None, 0, 10).unwrap().unmatched.len(),
            1,
            "statistics kept"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn texts_are_cut_to_the_stored_length() {
        let long = "é".repeat(TEXT_MAX_CHARS + 10);
        assert_eq!(cut_text(&long).chars().count(), TEXT_MAX_CHARS);
        assert_eq!(cut_text("short"), "short");
    }
}
