//! A Discord emulator on 127.0.0.1: the gateway (WebSocket) and the REST API a poise bot uses,
//! for the end-to-end tests and `faqbot demo`.
//!
//! It speaks the real protocol, so the whole serenity stack runs against it: HELLO, IDENTIFY,
//! READY and GUILD_CREATE, heartbeats, dispatches, RECONNECT (op 7) with RESUME, and fatal close
//! codes; and sharding: each IDENTIFY names its shard, each server's events go to the shard
//! `(id >> 22) % total` (direct messages to shard 0), IDENTIFYs may be held to Discord's pace
//! ([`Options::identify_every`]). The REST side enforces Discord's limits with 400 errors, and works
//! out who each post would ping. Test code drives it as the people of the emulated servers
//! ([`world`]) and watches what the bot does through [`Watcher`].
//!
//! Files: `acts` (what the server's people do), `faults` (what goes wrong on Discord's side),
//! `events` (what the bot did, and the watcher), `gateway` and `rest` (the two protocols), and
//! here the emulator's shared state and its start.

mod acts;
mod events;
mod faults;
mod gateway;
pub mod limits;
pub mod protocol;
mod rest;
mod snowflake;
pub mod world;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

pub use acts::Sent;
pub use events::{Event, Post, Via, Watcher};
pub use limits::Pings;
use world::World;

/// How the emulator behaves.
#[derive(Debug, Clone)]

pub struct Options {
    /// The only token it accepts.
    pub token: String,
    /// Close every IDENTIFY with this code (4004: bad token, 4014: intent not allowed).
    pub refuse_identify: Option<u16>,
    /// Answer each new channel message this much later: a slow Discord, so that posts are in
    /// flight for a while.
    pub post_delay: Option<Duration>,
    /// Enforce Discord's limit of 5 messages per 5 s in a channel with 429s (on by default).
    pub rate_limits: bool,
    /// The heartbeat interval HELLO asks for (Discord's is 41.25 s).
    pub heartbeat: Duration,
    /// Refuse an IDENTIFY sent sooner than this after the last one accepted, with an invalid
    /// session (op 9), as Discord does beyond a bot's `max_concurrency` (one per 5 s). Off by
    /// default: tests that restart the bot at once do not wait for it.
    pub identify_every: Option<Duration>,
    /// Discord's clock this much behind the host's: its ids and its `Date` header say so, as
    /// when the bot's host clock runs fast.
    pub clock_behind: Duration,
    /// Return the earlier message for a nonce used again with `enforce_nonce`, as Discord does for
    /// a few minutes (on by default). Off, every post is new: what a client posts twice shows,
    /// whatever its nonces.
    pub fold_nonces: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            // A bot token's shape (three dot-separated parts): faqbot refuses anything else.
            token: "ZW11bGF0ZWQ.emulated.token".to_owned(),
            refuse_identify: None,
            post_delay: None,
            rate_limits: true,
            heartbeat: Duration::from_millis(41_250),
            identify_every: None,
            clock_behind: Duration::ZERO,
            fold_nonces: true,
        }
    }
}

/// Which session a queued dispatch is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum To {
    /// The session of the shard that the server (if any) belongs to.
    Guild(Option<u64>),
    /// One session only (its READY and GUILD_CREATEs).
    Session(String),
}

/// Shard `id` of `total`, as a session identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub id: u64,
    pub total: u64,
}

impl Shard {
    /// Discord's routing: a server's events go to shard `(guild_id >> 22) % total`; what belongs
    /// to no server (direct messages) to shard 0.
    pub fn of(guild: Option<u64>, total: u64) -> u64 {
        guild.map_or(0, |guild| (guild >> 22) % total.max(1))
    }

    /// Whether a dispatch queued for `to` is this session's (`session`).
    fn receives(&self, session: &str, to: &To) -> bool {
        match to {
            To::Guild(guild) => Shard::of(*guild, self.total) == self.id,
            To::Session(only) => only == session,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Control {
    Reconnect,
    Close(u16),
}

struct Interaction {
    id: u64,
    channel: u64,
    created: Instant,
    responded: bool,
    /// The message a component was used on.
    source: Option<u64>,
    /// The message the response created (for a component: the message it is on).
    original: Option<u64>,
    /// Whether a deferred answer will be private.
    deferred_ephemeral: bool,
    /// Who used it, and the command's name (empty for components): what Discord shows on the
    /// answer's message as its `interaction`.
    user: u64,
    name: String,
}

/// What the server side shares between the gateway, the REST API and the test's handle.
struct State {
    options: Options,
    ws_url: String,
    world: Mutex<World>,
    seq: AtomicU64,
    /// Every dispatch with its sequence number and whom it is for, for resuming sessions.
    outbox: Mutex<Vec<(u64, To, Value)>>,
    latest: watch::Sender<u64>,
    control: broadcast::Sender<Control>,
    /// The live sessions, by id: the shard each runs.
    sessions: Mutex<HashMap<String, Shard>>,
    /// When the last IDENTIFY was accepted.
    last_identify: Mutex<Option<Instant>>,
    events: Mutex<Vec<Event>>,
    event_count: watch::Sender<usize>,
    interactions: Mutex<HashMap<String, Interaction>>,
    /// While set, every REST call fails with 503, as in a Discord outage.
    outage: std::sync::atomic::AtomicBool,
    /// Per channel, when its recent messages were created: Discord's per-channel rate limit.
    channel_windows: Mutex<HashMap<u64, std::collections::VecDeque<Instant>>>,
    /// How many messages a channel's window holds (Discord may lower a bucket's limit; the
    /// headers say so).
    channel_limit: std::sync::atomic::AtomicUsize,
    /// Per channel, until when the last response announced its window exhausted.
    announced: Mutex<HashMap<u64, Instant>>,
    /// Gateway connections opened so far; each is known by its number.
    connections: AtomicU64,
    /// The connection that went silent (0: none).
    stalled: AtomicU64,
    /// Nonces of new messages sent with `enforce_nonce`: the message and when.
    nonces: Mutex<HashMap<String, (u64, Instant)>>,
    /// New messages still to post but answer with 502, as if the answer were lost.
    lose_answers: std::sync::atomic::AtomicUsize,
    /// When the latest reads were answered: Discord's global limit.
    reads: Mutex<std::collections::VecDeque<Instant>>,
    /// Reads still to refuse with a 429 ([`Emulator::refuse_reads`]), how long each says to wait,
    /// and until when the last refusal asked to wait.
    read_refusals: Mutex<(usize, Duration, Option<Instant>)>,
}

/// Locks a mutex, surviving a panic elsewhere (a test that failed must not hang the others).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    fn record(&self, event: Event) {
        let mut events = lock(&self.events);
        events.push(event);
        self.event_count.send_replace(events.len());
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Queues a dispatch for the session of the shard its server belongs to (shard 0 for what
    /// belongs to no server, as direct messages).
    fn dispatch(&self, kind: &str, data: Value) {
        let guild = data.get("guild_id").map(id_field).filter(|&id| id != 0);
        let mut outbox = lock(&self.outbox);
        let seq = self.next_seq();
        let payload = json!({"op": 0, "s": seq, "t": kind, "d": data});
        outbox.push((seq, To::Guild(guild), payload));
        self.latest.send_replace(seq);
    }

    /// Queues READY and a GUILD_CREATE per server for a new session; returns the sequence number
    /// before them.
    fn start_session(&self, session: &str, ready: Value, guilds: Vec<Value>) -> u64 {
        let mut outbox = lock(&self.outbox);
        let cursor = self.seq.load(Ordering::SeqCst);
        let frames = std::iter::once(("READY", ready))
            .chain(guilds.into_iter().map(|guild| ("GUILD_CREATE", guild)));
        for (kind, data) in frames {
            let seq = self.next_seq();
            let payload = json!({"op": 0, "s": seq, "t": kind, "d": data});
            outbox.push((seq, To::Session(session.to_owned()), payload));
        }
        self.latest.send_replace(self.seq.load(Ordering::SeqCst));
        cursor
    }

    fn new_id(&self) -> u64 {
        lock(&self.world).new_id()
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    state: Arc<State>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Emulator {
    /// Starts an emulator on a free port of 127.0.0.1.
    pub async fn start(options: Options) -> std::io::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let behind_ms = options.clock_behind.as_millis() as u64;
        let state = Arc::new(State {
            options,
            ws_url: format!("ws://{addr}/ws"),
            world: Mutex::new(World::behind(behind_ms)),
            seq: AtomicU64::new(0),
            outbox: Mutex::new(Vec::new()),
            latest: watch::channel(0).0,
            control: broadcast::channel(16).0,
            sessions: Mutex::new(HashMap::new()),
            last_identify: Mutex::new(None),
            events: Mutex::new(Vec::new()),
            event_count: watch::channel(0).0,
            interactions: Mutex::new(HashMap::new()),
            outage: std::sync::atomic::AtomicBool::new(false),
            channel_windows: Mutex::new(HashMap::new()),
            channel_limit: std::sync::atomic::AtomicUsize::new(rest::CHANNEL_MESSAGES),
            announced: Mutex::new(HashMap::new()),
            connections: AtomicU64::new(0),
            stalled: AtomicU64::new(0),
            nonces: Mutex::new(HashMap::new()),
            lose_answers: std::sync::atomic::AtomicUsize::new(0),
            reads: Mutex::new(std::collections::VecDeque::new()),
            read_refusals: Mutex::new((0, Duration::ZERO, None)),
        });
        let app = rest::router(state.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!("emulator stopped: {error}");
            }
        });
        Ok(Emulator {
            state,
            addr,
            server,
        })
    }

    /// The origin to give the bot as `api_base`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn token(&self) -> &str {
        &self.state.options.token
    }

    /// Follows what the bot does from now on.
    pub fn watch(&self) -> Watcher {
        Watcher {
            state: self.state.clone(),
            cursor: lock(&self.state.events).len(),
        }
    }

    /// Follows what the bot did from the start.
    pub fn watch_from_start(&self) -> Watcher {
        Watcher {
            state: self.state.clone(),
            cursor: 0,
        }
    }

    /// Everything the bot did so far.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.state.events).clone()
    }

    /// A stored message (the bot's or a user's).
    pub fn message(&self, id: u64) -> Option<Value> {
        lock(&self.state.world).messages.get(&id).cloned()
    }

    /// The bot's post as it is now (edits applied), or `None` once it is deleted.
    pub fn current(&self, post: &Post) -> Option<Post> {
        let message = self.message(post.id)?;
        Some(Post {
            message,
            ..post.clone()
        })
    }
}

/// An id written as a JSON string (Discord's way) or number.
fn id_field(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.parse().unwrap_or(0),
        other => other.as_u64().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests;
