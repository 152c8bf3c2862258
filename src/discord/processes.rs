//! What a process shares with the bot's other processes through the store: its turn to identify
//! with Discord's gateway, and what the others teach the matcher.

use std::sync::Arc;
use std::time::Duration;

use super::blocking;
use super::lifecycle::stopped;
use crate::service::Servers;
use crate::store;

/// How far apart the bot's IDENTIFYs are sent across its processes: Discord allows one per 5 s
/// (for bots whose `max_concurrency` is 1), and half a second more absorbs how long connecting
/// takes before each is sent.
const IDENTIFY_EVERY_MS: u64 = 5_500;

/// Waits for this process's turn to identify its shards, taken in the store that every process
/// shares, so that processes started together do not identify faster than Discord allows; false
/// when the process is stopped first. A store that cannot be asked lets it go at once.
pub(super) async fn identify_turn(
    servers: &Arc<Servers>,
    shards: crate::config::Shards,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    let servers = servers.clone();
    let turn = blocking(move || {
        servers
            .store()
            .backend()
            .identify_turn(shards.count(), IDENTIFY_EVERY_MS)
    })
    .await;
    let wait = match turn {
        Ok(Ok(wait)) => Duration::from_millis(wait),
        Ok(Err(error)) => {
            tracing::warn!("cannot take a turn to identify in the store: {error}; identifying now");
            Duration::ZERO
        }
        Err(_) => Duration::ZERO,
    };
    tracing::info!(
        shards = %shards,
        wait_ms = wait.as_millis() as u64,
        "identifying with Discord in this process's turn"
    );
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = stopped(stop) => false,
    }
}

/// A background task that ends with the run that started it.
pub(super) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How often the store is asked whether another process taught the matcher: well within the 2 s
/// a moderator may wait to see a link work in every process, for one tiny query a time.
const TEACHING_POLL: Duration = Duration::from_millis(500);

/// Reloads the matcher whenever another process sharing the store teaches it, until the returned
/// guard is dropped.
pub(super) fn follow_teaching(servers: Arc<Servers>) -> AbortOnDrop {
    AbortOnDrop(tokio::spawn(follow(servers)))
}

async fn follow(servers: Arc<Servers>) {
    let mut tick = tokio::time::interval(TEACHING_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let failing = store::Throttle::new();
    loop {
        tick.tick().await;
        let servers = servers.clone();
        match blocking(move || servers.follow_teaching()).await {
            Ok(Ok(0)) => {
                failing.recovered();
            }
            Ok(Ok(reloaded)) => {
                failing.recovered();
                tracing::info!(servers = reloaded, "what the matcher learns from changed in the store (another process, or a command): reloaded");
            }
            Ok(Err(error)) => failing.error(|held_back| {
                tracing::warn!(
                    held_back,
                    "cannot check the store for what other processes taught: {error}"
                )
            }),
            Err(_) => return,
        }
    }
}

/// How long a run's lease on the answers it began lasts: what a process killed mid-answer left is
/// taken over this long after at the latest, while a live process's answers are never taken.
const LEASE: Duration = Duration::from_secs(10);
/// How often the lease is renewed: four times a lease, so that a slow or failed renewal or two
/// (a busy database) does not let it lapse.
const LEASE_RENEWAL: Duration = Duration::from_millis(2_500);

/// This run's lease in the store, renewed until [`Lease::end`].
pub(super) struct Lease {
    servers: Arc<Servers>,
    /// Set once the lease ends: a renewal already under way must not bring it back.
    ended: Arc<std::sync::Mutex<bool>>,
    _renewing: AbortOnDrop,
}

impl Lease {
    /// Takes the lease before the run takes up any message, and renews it from then on.
    pub(super) async fn hold(servers: Arc<Servers>) -> Lease {
        let ended = Arc::new(std::sync::Mutex::new(false));
        renew(&servers, &ended, &store::Throttle::new()).await;
        let renewing = tokio::spawn({
            let (servers, ended) = (servers.clone(), ended.clone());
            async move {
                let failing = store::Throttle::new();
                let mut tick = tokio::time::interval(LEASE_RENEWAL);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    renew(&servers, &ended, &failing).await;
                }
            }
        });
        Lease {
            servers,
            ended,
            _renewing: AbortOnDrop(renewing),
        }
    }

    /// The run is over: another takes over at once whatever it left unfinished.
    pub(super) async fn end(self) {
        let (servers, ended) = (self.servers.clone(), self.ended.clone());
        let result = blocking(move || {
            let mut ended = super::lock(&ended);
            *ended = true;
            servers.store().backend().end_lease(crate::time::now_ms())
        })
        .await;
        if let Ok(Err(error)) = result {
            tracing::warn!("cannot end this run's lease in the store: {error}; another process takes over what it left when the lease runs out");
        }
    }
}

async fn renew(
    servers: &Arc<Servers>,
    ended: &Arc<std::sync::Mutex<bool>>,
    failing: &store::Throttle,
) {
    let (servers, ended) = (servers.clone(), ended.clone());
    let result = blocking(move || {
        let ended = super::lock(&ended);
        if *ended {
            return Ok(());
        }
        let now = crate::time::now_ms();
        servers
            .store()
            .backend()
            .hold_lease(LEASE.as_millis() as u64, now)
    })
    .await;
    match result {
        Ok(Ok(())) => {
            failing.recovered();
        }
        Ok(Err(error)) => failing.error(|held_back| {
            tracing::warn!(
                held_back,
                "cannot renew this run's lease in the store: {error}; if it runs out, another process may take over answers this one began"
            )
        }),
        Err(_) => {}
    }
}
