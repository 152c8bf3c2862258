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
