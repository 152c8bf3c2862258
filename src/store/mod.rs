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

#[cfg(test)]
mod contract;
pub mod postgres;
mod resilient;
pub mod sqlite;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::memory::{Memory, MemoryError};
pub use resilient::Resilient;
use writer::Writer;

/// A text's SHA-256, the key of its cached vector.
pub type TextHash = [u8; 32];

/// The key of `text`'s cached vector.
pub fn text_hash(text: &str) -> TextHash {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

fn vector_to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn vector_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Longest message text kept, in characters: enough to learn from and to recognise a question,
/// short enough that the store never becomes an archive of the channel.
pub const TEXT_MAX_CHARS: usize = 500;

/// How a suggestion was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Unasked, in a watched channel.
    Auto,
    /// On request, with `/faq`.
    Faq,
    /// By a moderator's "Answer with FAQ".
    Link,
}

impl Shown {
    pub fn as_str(self) -> &'static str {
        match self {
            Shown::Auto => "auto",
            Shown::Faq => "faq",
            Shown::Link => "link",
        }
    }
}

/// What became of a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Solved,
    NotIt,
    Dismissed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Solved => "solved",
            Outcome::NotIt => "not-it",
            Outcome::Dismissed => "dismissed",
        }
    }
}

/// An event to record; written in the background.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An entry was shown.
    Shown {
        at_ms: u64,
        how: Shown,
        guild: Option<GuildId>,
        channel: ChannelId,
        /// The message it answers, if any.
        message: Option<MessageId>,
        /// Who it was for: the asker, or the member `/faq` named.
        user: Option<UserId>,
        entry: String,
        /// The matcher's confidence, for unasked suggestions.
        score: Option<f32>,
        /// The bot's post.
        reply: MessageId,
    },
    /// Feedback on the post `reply`.
    Outcome { reply: MessageId, outcome: Outcome },
    /// A message in a watched channel that no entry answered.
    Unmatched {
        at_ms: u64,
        guild: Option<GuildId>,
        channel: ChannelId,
        message: MessageId,
        user: UserId,
        text: String,
    },
}

/// A message taught as an example of an entry: positive from a moderator's link, negative from
/// "Not it".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The server it was taught in: only that server's matcher learns from it. `None`: taught
    /// before the store kept servers apart, or offline (`faqbot examples import`); the bot's one
    /// server adopts such examples at start.
    pub guild: Option<GuildId>,
    pub entry: String,
    pub text: String,
    pub positive: bool,
    pub at_ms: u64,
    /// The member's message, where it is, and its author.
    pub channel: Option<ChannelId>,
    pub message: Option<MessageId>,
    pub author: Option<UserId>,
    /// The bot's reply that showed the entry, and who taught it.
    pub reply: Option<MessageId>,
    pub by: Option<UserId>,
    /// Learned from the channel's history (a staff member's past reply), not from a link made
    /// through the bot.
    pub from_history: bool,
}

/// How far a channel's history was read: everything from `oldest` to `newest` (message ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRead {
    pub newest: MessageId,
    pub oldest: MessageId,
}

/// How one entry was shown and received within a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryStats {
    pub entry: String,
    pub auto: u64,
    pub faq: u64,
    pub link: u64,
    pub solved: u64,
    pub not_it: u64,
    pub dismissed: u64,
}

impl EntryStats {
    pub fn shown(&self) -> u64 {
        self.auto + self.faq + self.link
    }

    /// Solved among the suggestions that got a verdict; `None` before any verdict.
    pub fn helpful_rate(&self) -> Option<f64> {
        helpful_rate(self.solved, self.not_it + self.dismissed)
    }
}

/// One day's unasked suggestions and their verdicts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayStats {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub suggestions: u64,
    pub solved: u64,
    /// Not it or dismissed.
    pub unhelpful: u64,
}

impl DayStats {
    pub fn helpful_rate(&self) -> Option<f64> {
        helpful_rate(self.solved, self.unhelpful)
    }
}

fn helpful_rate(solved: u64, unhelpful: u64) -> Option<f64> {
    let rated = solved + unhelpful;
    (rated > 0).then(|| solved as f64 / rated as f64)
}

/// What `/faq-admin stats` and `faqbot stats` show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Most shown first.
    pub entries: Vec<EntryStats>,
    /// Oldest first, days without suggestions left out.
    pub days: Vec<DayStats>,
    /// The most frequent messages that matched nothing: (an example of the text, how often).
    pub unmatched: Vec<(String, u64)>,
}

/// What `faqbot forget` removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub events: usize,
    pub examples: usize,
    pub unmatched: usize,
}

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or set up.
    #[error("cannot open the database {path}: {reason} (check [store] path and that its folder is writable)")]
    Open { path: String, reason: String },
    /// The database was written by a newer faqbot and is left alone.
    #[error("the database {path} was written by a newer faqbot (schema {found}, this one knows {known}): upgrade faqbot, or point [store] path at another file")]
    Newer {
        path: String,
        found: usize,
        known: usize,
    },
    /// A query failed (locked, full disk, unwritable).
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
    /// The servers the store holds anything of (examples, what was shown, unmatched messages).
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

/// Opens (or creates) the store at its configured location: a file path or a `sqlite:PATH` URL,
/// the embedded SQLite database; a `postgres://` (or `postgresql://`) URL, a PostgreSQL database
/// that several bot processes share. The one place that picks a backend: nothing outside
/// `store/` names one.
pub fn open(location: &Path) -> Result<Arc<dyn Backend>> {
    if let Some(url) = postgres_url(location) {
        return Ok(Arc::new(postgres::Postgres::open(url)?));
    }
    let Some(file) = sqlite_file(location) else {
        let text = location.to_string_lossy();
        let scheme = text.split_once("://").map_or("", |(scheme, _)| scheme);
        return Err(StoreError::Open {
            path: text.to_string(),
            reason: format!(
                "faqbot has no {scheme} store; give a file path, a sqlite: URL or a postgres:// URL"
            ),
        });
    };
    Ok(Arc::new(sqlite::Sqlite::open(&file)?))
}

/// The configured location as it may be shown in the log: a URL without its password.
pub fn describe(location: &Path) -> String {
    match postgres_url(location) {
        Some(url) => postgres::redacted(url),
        None => location.display().to_string(),
    }
}

/// The configured location if it is a PostgreSQL URL.
pub fn postgres_url(location: &Path) -> Option<&str> {
    let text = location.to_str()?;
    (text.starts_with("postgres://") || text.starts_with("postgresql://")).then_some(text)
}

/// The SQLite file a configured store location names: a path as it is, a `sqlite:PATH` URL
/// without its scheme; `None` for a URL of another scheme (another backend's).
pub fn sqlite_file(location: &Path) -> Option<PathBuf> {
    let Some(text) = location.to_str() else {
        return Some(location.to_path_buf());
    };
    if let Some(path) = text.strip_prefix("sqlite:") {
        return Some(PathBuf::from(path.trim_start_matches("//")));
    }
    (!text.contains("://")).then(|| location.to_path_buf())
}

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
}

/// Runs synchronous store work where it may block: directly on a plain thread, through
/// `block_in_place` on a worker of a multi-threaded runtime (the runtime's other tasks go on), on
/// a thread of its own beside a single-threaded one (a test's). The PostgreSQL client needs it
/// anywhere a runtime runs, since it runs a runtime of its own for each call.
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(work)
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => work(),
    }
}

/// A random id for one opening of a store, one run of the bot: random enough to tell two
/// processes apart, without a dependency for it.
fn run_id() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish() as i64
}

/// Unmatched messages are grouped by their first this many characters, lowercased.
const KEY_CHARS: usize = 100;

/// The grouping key of an unmatched message: lowercase words, first characters only.
fn unmatched_key(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|w| w.to_lowercase()).collect();
    words.join(" ").chars().take(KEY_CHARS).collect()
}

/// Cuts a message text to what the store keeps.
pub fn cut_text(text: &str) -> String {
    match text.char_indices().nth(TEXT_MAX_CHARS) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// Logs an error at most once a minute, counting the ones it held back.
pub struct Throttle {
    state: std::sync::Mutex<(Option<std::time::Instant>, u64)>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

impl Throttle {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

    pub fn new() -> Self {
        Throttle {
            state: std::sync::Mutex::new((None, 0)),
        }
    }

    /// Calls `log` with the number of errors held back since the last line, if a minute passed.
    pub fn error(&self, log: impl FnOnce(u64)) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        if state
            .0
            .is_some_and(|last| now.duration_since(last) < Self::EVERY)
        {
            state.1 += 1;
            return;
        }
        let held_back = std::mem::take(&mut state.1);
        state.0 = Some(now);
        drop(state);
        log(held_back);
    }

    /// Forgets the last error, so the next one is logged at once; true if there was one.
    pub fn recovered(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let had = state.0.is_some();
        *state = (None, 0);
        had
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_store_opens_from_a_path_or_a_sqlite_url_and_refuses_other_schemes() {
        let dir = std::env::temp_dir().join(format!("faqbot-store-open-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("by-url.db");
        let url = format!("sqlite:{}", file.display());
        open(Path::new(&url)).unwrap();
        assert!(file.exists(), "sqlite:PATH opens the file at PATH");
        open(&dir.join("by-path.db")).unwrap();
        assert!(dir.join("by-path.db").exists());
        let error = open(Path::new("mysql://db.example/faqbot"))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("no mysql store"), "{error}");
        assert_eq!(
            sqlite_file(Path::new("sqlite:///var/lib/faqbot.db")),
            Some(PathBuf::from("/var/lib/faqbot.db"))
        );
        assert_eq!(sqlite_file(Path::new("postgres://db/faqbot")), None);
        // What the log shows of a location: never a password.
        let shown = describe(Path::new("postgres://bot:s3cret@db:5432/faqbot"));
        assert_eq!(shown, "postgres://bot:***@db:5432/faqbot");
        assert_eq!(describe(Path::new("faqbot.db")), "faqbot.db");
        assert_eq!(error.lines().count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
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
