//! The Discord layer: connects the bot with serenity and poise, and translates events into calls
//! of the layers above (the service, lookup, render). Nothing else lives here.
//!
//! - `commands`: `/faq` with autocomplete, `/faq-admin`, and the "Answer with FAQ" message command,
//!   one file each;
//! - `events`: the gateway's events, dispatched by kind to the files below;
//! - `suggest`: a message in a watched place considered, answered and recorded (live and read back);
//! - `component`: clicks on the buttons and menus the bot posted;
//! - `modal`: the moderators' search form;
//! - `forged`: interactions the bot cannot read (forged options, unknown subcommands), answered;
//! - `link`: a moderator's link of an entry to a member's message;
//! - `server`: what the serenity cache says about a channel or member, as policy types;
//! - `convert`: a rendered post as serenity's builders;
//! - `send`: channel posts within Discord's limits, retried through rate limits and outages;
//! - `retry`: the one retry policy: what is tried again, how long to wait, until when;
//! - `ratelimit`: what Discord's responses announce about rate limits, and the turns they allow;
//! - `history`: reading a server's past over REST, for learning from it;
//! - `backfill`: reading back what a new gateway session missed, at start and after a reconnect;
//! - `processes`: what a process shares with the bot's other processes (its turn to identify,
//!   what they teach);
//! - `run`: the run of the bot, from opening its services to its stop, and the errors that end it;
//! - `lifecycle`: connecting once Discord answers, and stopping after the work under way.

mod backfill;
mod commands;
mod component;
mod convert;
mod digest;
mod events;
mod forged;
mod framework;
pub mod history;
pub use commands::register;
pub use run::{intents, run, start, start_observed, RunError, RunningBot};
mod lifecycle;
mod link;
mod modal;
mod processes;
mod ratelimit;
mod retry;
mod run;
mod send;
mod server;
mod suggest;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;

use crate::ids::GuildId;
use crate::service::{Servers, Service, Verdict};
use lifecycle::InFlight;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Context<'a> = poise::Context<'a, Data, Error>;

/// What every handler shares.
pub struct Data {
    /// The served servers, each with its own service.
    servers: Arc<Servers>,
    /// Whether to leave servers that are not served.
    leave_unserved: bool,
    /// The servers not served that the log named already, so that each is named once.
    unserved_seen: Mutex<std::collections::HashSet<u64>>,
    started: Instant,
    /// Who wants to know each decision about a message (the demo, tests).
    verdicts: Option<Verdicts>,
    /// Handlers running, for a stop that lets them finish.
    in_flight: InFlight,
    /// Posts within Discord's limits, with retries (shared with the weekly digest's task).
    sender: Arc<send::Sender>,
    /// How long after a question its unasked answer may still be posted.
    max_delay: Duration,
    /// Each shard's gateway session: a READY with another one is a reconnect that Discord does
    /// not replay the missed events of.
    sessions: Mutex<std::collections::HashMap<u32, String>>,
    /// Whether other processes run the bot's other shards: a place this one's servers do not
    /// hold is theirs to read back.
    shards_elsewhere: bool,
    /// Whether what a new session missed is still to be read back.
    catch_up: backfill::ReadBackOwed,
    /// When the bot started, wall clock (ms): after a reconnect, a watched place that nothing
    /// was noted in is read back to here.
    started_ms: u64,
    /// Whether the weekly digest's task was started (once the servers are known, once a run).
    digest_started: std::sync::atomic::AtomicBool,
    /// Becomes true when a stop is asked for: the tasks of the run end with it.
    stop: tokio::sync::watch::Receiver<bool>,
}

/// Where the bot tells its decisions about messages.
pub type Verdicts = tokio::sync::mpsc::UnboundedSender<Verdict>;

impl Data {
    /// The service of the server an event came from; `None` when the bot does not serve it (or
    /// the event came from no server).
    async fn service(
        &self,
        guild: Option<serenity::GuildId>,
    ) -> Result<Option<Arc<Service>>, Error> {
        let Some(guild) = guild.map(|g| GuildId(g.get())) else {
            return Ok(None);
        };
        if let Some(service) = self.servers.open_already(guild) {
            return Ok(Some(service));
        }
        let servers = self.servers.clone();
        Ok(blocking(move || servers.get(guild)).await??)
    }
}

/// Runs work that may touch the database (or read files) off the async worker threads: the one
/// way the Discord layer calls the store, so a slow disk or database never stalls the gateway.
/// `Err` only when the work panicked.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(work).await
}

/// Locks a mutex, surviving a panic in another handler: the state it guards stays usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
