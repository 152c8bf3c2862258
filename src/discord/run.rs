//! Running the bot: opening the servers' services and the store, connecting to the gateway
//! once Discord answers, and stopping after the work under way; and the errors that stop it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::{GatewayIntents, HttpBuilder};

use super::lifecycle::{self, reachable, stopped, InFlight, CLOSE_FOR};
use super::{backfill, forged, framework, lock, processes, send, Data, Verdicts};
use crate::config::{Config, Token};
use crate::faq::LoadError;
use crate::second_opinion::{Loading, SecondOpinion};
use crate::service::{Servers, ServiceError, Shared, Verdict};
use crate::store::{self, Store};
use crate::time;

/// Why the bot stopped with an error; each prints as one sentence saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}", faq_error(.0))]
    Faq(LoadError),
    #[error("{0}")]
    Store(store::StoreError),
    #[error("Discord refused the token (close code 4004): copy the token again from the Developer Portal's Bot page into DISCORD_TOKEN")]
    BadToken,
    #[error("Discord refused the MESSAGE CONTENT intent (close code 4014): enable it on the Developer Portal's Bot page, under Privileged Gateway Intents")]
    IntentNotEnabled,
    #[error(
        "Discord refused the gateway intents (close code 4013): please report this as a faqbot bug"
    )]
    InvalidIntents,
    #[error("could not set up the bot's commands: {0}")]
    Setup(#[source] Box<serenity::Error>),
    /// The model's files are there but wrong or unloadable.
    #[error("{0}")]
    Model(crate::model::ModelError),
    #[error("lost the connection to Discord: {0}")]
    Discord(#[source] Box<serenity::Error>),
    /// A task of the bot's own ended by a panic or a cancellation.
    #[error("{what} failed: {source}")]
    Task {
        what: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },
}

/// A FAQ that stops the bot at start, said for an operator who knows the config, not `--faq`.
fn faq_error(error: &LoadError) -> String {
    match error {
        LoadError::Read { path, error } => {
            format!("cannot read FAQ file {path}: {error} (the config's `faq` key names it)")
        }
        LoadError::Invalid(problems) => {
            let mut said =
                "the FAQ file is not valid; fix these and run `faqbot check`:".to_owned();
            for problem in problems {
                said += &format!("\n{problem}");
            }
            said
        }
    }
}

/// The intents the bot needs: servers and their channels, messages, and their text (privileged).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// Runs the bot until `shutdown` completes (then it closes the connection cleanly and returns
/// `Ok`) or a fatal error.
pub async fn run(
    config: Config,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    run_observed(config, token, shutdown, None).await
}

/// [`run`], telling `verdicts` what it decided about each message.
async fn run_observed(
    config: Config,
    token: Token,
    shutdown: impl Future<Output = ()> + Send + 'static,
    verdicts: Option<Verdicts>,
) -> Result<(), RunError> {
    let servers = open_servers(&config).await?;
    let store = servers.store().clone();
    say_what_is_served(&config, &servers);
    // One signal, watched at every stage: a stop request is honoured connected or not.
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let data = shared_data(&config, servers.clone(), verdicts, stop.clone());
    let in_flight = data.in_flight.clone();
    let (http, where_) = http(&config, &token);
    let _following = processes::follow_teaching(servers.clone());
    let lease = processes::Lease::hold(servers.clone()).await;

    // serenity falls back to Discord's own gateway when the gateway URL cannot be fetched: wait
    // until it can, so a configured proxy or emulator is never bypassed.
    if !reachable(&http, &where_, &mut stop).await {
        tracing::info!("stopped before connecting");
        return Ok(());
    }
    lifecycle::measure_skew(&http, &data.sender).await;

    let setup_failure: Arc<Mutex<Option<serenity::Error>>> = Arc::default();
    let shards = config.discord.shards;
    let mut client = client(http, data, shards, setup_failure.clone()).await?;
    if let Some(shards) = shards {
        if !processes::identify_turn(&servers, shards, &mut stop).await {
            tracing::info!("stopped before connecting");
            return Ok(());
        }
    }
    let drain_for = Duration::from_secs(config.discord.drain_secs);
    let result = serve(&mut client, shards, &mut stop, &in_flight, drain_for).await;
    // What was recorded before the stop is written before the process exits.
    let _ = super::blocking(move || store.flush()).await;
    lease.end().await;
    if let Some(reason) = lock(&setup_failure).take() {
        return Err(RunError::Setup(Box::new(reason)));
    }
    result.map_err(RunError::from)
}

/// Says in the log what the bot serves, and that suggestions are off when no channel is watched.
fn say_what_is_served(config: &Config, servers: &Servers) {
    tracing::info!(
        faq = %config.faq.display(),
        store = %store::describe(&config.store.path),
        served = %match servers.listed() {
            Some(ids) => format!("{} listed server(s)", ids.len()),
            None => "every server the bot is in".to_owned(),
        },
        "FAQ loaded"
    );
    if config.suggest.channels.is_empty() && config.servers.iter().all(|s| s.channels.is_none()) {
        tracing::info!("no [suggest] channels: /faq works, automatic suggestions are off");
    }
}

/// What every handler of this run shares.
fn shared_data(
    config: &Config,
    servers: Arc<Servers>,
    verdicts: Option<Verdicts>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Data {
    Data {
        servers,
        leave_unserved: config.discord.leave_unserved,
        unserved_seen: Mutex::default(),
        started: Instant::now(),
        verdicts,
        in_flight: InFlight::default(),
        sender: Arc::new(send::Sender::with_share(
            config.discord.global_requests_per_sec(),
        )),
        max_delay: Duration::from_secs(config.suggest.max_delay_secs),
        sessions: Mutex::default(),
        shards_elsewhere: config.discord.shards.is_some_and(|s| !s.all()),
        // Every start owes one: the first READY's GUILD_CREATE may be handled before its READY.
        catch_up: backfill::ReadBackOwed::from(backfill::Why::Start),
        started_ms: time::now_ms(),
        digest_started: Default::default(),
        stop,
    }
}

/// The serenity client with the bot's framework and handlers, not yet connected.
async fn client(
    http: serenity::Http,
    data: Data,
    shards: Option<crate::config::Shards>,
    setup_failure: Arc<Mutex<Option<serenity::Error>>>,
) -> Result<serenity::Client, RunError> {
    // The commands are registered once for the whole bot, by the process that runs shard 0.
    let register = shards.is_none_or(|s| s.has_first());
    if !register {
        tracing::info!(
            "commands are registered by the process that runs shard 0 (or `faqbot register`)"
        );
    }
    let listed = data.servers.listed().map(<[u64]>::to_vec);
    let framework = framework::framework(data, listed, register, setup_failure);
    serenity::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .raw_event_handler(forged::Unreadable)
        .await
        .map_err(|error| RunError::Discord(Box::new(error)))
}

/// Connects and serves until the client ends or a stop is asked for; then lets what was
/// received before the stop be handled (up to `drain_for`) and closes the connection.
async fn serve(
    client: &mut serenity::Client,
    shards: Option<crate::config::Shards>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    in_flight: &InFlight,
    drain_for: Duration,
) -> Result<(), serenity::Error> {
    let manager = client.shard_manager.clone();
    let start = async {
        match shards {
            // serenity's range end is included: shards first..=last.
            Some(shards) => {
                client
                    .start_shard_range(shards.first..shards.last, shards.total)
                    .await
            }
            None => client.start().await,
        }
    };
    tokio::pin!(start);
    tokio::select! {
        result = &mut start => result,
        _ = stopped(stop) => {
            tracing::info!(
                drain_secs = drain_for.as_secs(),
                "shutting down: handling what was received before the stop"
            );
            let drained = in_flight.drain(drain_for).await;
            if drained.left == 0 {
                tracing::info!(taken = drained.taken, "drained: everything received before the stop was handled");
            } else {
                tracing::warn!(
                    taken = drained.taken,
                    left = drained.left,
                    "the drain time ([discord] drain_secs) ran out: the answers left are taken up at the next start"
                );
            }
            manager.shutdown_all().await;
            // Not connected (still retrying), the client may not return on its own.
            tokio::time::timeout(CLOSE_FOR, &mut start).await.unwrap_or(Ok(()))
        }
    }
}

/// The HTTP client for the configured API (Discord's, or a proxy or emulator), and its origin.
pub(super) fn http(config: &Config, token: &Token) -> (serenity::Http, String) {
    let origin = config
        .discord
        .api_base
        .clone()
        .unwrap_or_else(|| "https://discord.com".to_owned());
    let http = match &config.discord.api_base {
        // A proxy or the emulator: serenity's own rate limiter would bypass it (crates/emulator/README.md).
        Some(base) => HttpBuilder::new(token.expose())
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => HttpBuilder::new(token.expose()).build(),
    };
    (http, origin)
}

impl From<serenity::Error> for RunError {
    /// The gateway's refusals that an operator can fix get their own message.
    fn from(error: serenity::Error) -> RunError {
        match error {
            serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => {
                RunError::BadToken
            }
            serenity::Error::Gateway(serenity::GatewayError::DisallowedGatewayIntents) => {
                RunError::IntentNotEnabled
            }
            serenity::Error::Gateway(serenity::GatewayError::InvalidGatewayIntents) => {
                RunError::InvalidIntents
            }
            other => RunError::Discord(Box::new(other)),
        }
    }
}

/// Opens the store and loads every FAQ the config names with what each server learned: off the
/// runtime, both read files.
async fn open_servers(config: &Config) -> Result<Arc<Servers>, RunError> {
    let config = config.clone();
    let opened = super::blocking(move || {
        let store_config = &config.store;
        let store =
            Store::open(&store_config.path, store_config.keep_days).map_err(RunError::Store)?;
        let memory = Arc::new(store.memory());
        let model_dir = &config.matcher.model.dir;
        let opinion = match SecondOpinion::load(model_dir).map_err(RunError::Model)? {
            Loading::Ready(opinion) => Some(Arc::new(opinion)),
            Loading::Absent => None,
        };
        let service_error = |error| match error {
            ServiceError::Faq(error) => RunError::Faq(error),
            ServiceError::Store(error) => RunError::Store(error),
        };
        let shared = Shared::new(store, memory, opinion, store_config.max_examples_per_entry)
            .map_err(service_error)?;
        // Said once every FAQ loaded: a broken one is the first thing said.
        let servers = Servers::open(&config, shared, time::now_ms()).map_err(service_error)?;
        match servers.second_opinion() {
            Some(opinion) => {
                tracing::info!("the model's second opinion is on ({})", opinion.model());
            }
            None => tracing::info!(
                "words alone decide: run `faqbot model fetch` for the model's second opinion (no model files in {})",
                crate::model::files::folder(model_dir)
            ),
        }
        Ok::<_, RunError>(servers)
    })
    .await
    .map_err(|source| RunError::Task {
        what: "the start-up task",
        source,
    })?;
    Ok(Arc::new(opened?))
}

/// A bot started with [`start`], for tests and the demo.
pub struct RunningBot {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<Result<(), RunError>>,
}

impl RunningBot {
    /// Asks the bot to shut down and waits for it.
    pub async fn stop(mut self) -> Result<(), RunError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.finished().await
    }

    /// Waits until the bot stops on its own.
    pub async fn finished(&mut self) -> Result<(), RunError> {
        match (&mut self.handle).await {
            Ok(result) => result,
            Err(source) => Err(RunError::Task {
                what: "the bot task",
                source,
            }),
        }
    }
}

/// Starts the bot on the current runtime.
pub fn start(config: Config, token: Token) -> RunningBot {
    start_with(config, token, None)
}

/// Starts the bot on the current runtime; it tells the receiver what it decided about each message
/// in a watched place, so a test or the demo can wait for a decision instead of for silence.
pub fn start_observed(
    config: Config,
    token: Token,
) -> (RunningBot, tokio::sync::mpsc::UnboundedReceiver<Verdict>) {
    let (verdicts, receiver) = tokio::sync::mpsc::unbounded_channel();
    (start_with(config, token, Some(verdicts)), receiver)
}

fn start_with(config: Config, token: Token, verdicts: Option<Verdicts>) -> RunningBot {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let handle = tokio::spawn(run_observed(config, token, shutdown, verdicts));
    RunningBot {
        stop: Some(stop),
        handle,
    }
}
