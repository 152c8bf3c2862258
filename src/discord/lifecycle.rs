//! Starting and stopping: waiting until Discord (or `api_base`) answers before connecting, and
//! letting the handlers under way finish when asked to stop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;

/// How long a stop waits for what was received to be answered, and for the client to close.
pub(super) const DRAIN_FOR: Duration = Duration::from_secs(5);
/// Waits between attempts to reach Discord double up to this.
const RETRY_AT_MOST: Duration = Duration::from_secs(60);

/// Whether Discord (or the configured `api_base`) answers: asks for the gateway URL until it does,
/// saying so in one sentence each time, with waits that double up to a minute. False when asked to
/// stop first.
pub(super) async fn reachable(
    http: &serenity::Http,
    where_: &str,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    let mut wait = Duration::from_secs(1);
    loop {
        if *stop.borrow() {
            return false;
        }
        let attempt = tokio::select! {
            attempt = http.get_gateway() => attempt,
            _ = stopped(stop) => return false,
        };
        match attempt {
            Ok(_) => return true,
            Err(error) => {
                tracing::warn!(
                    "cannot reach Discord at {where_} ({}); retrying in {} s",
                    short_error(&error),
                    wait.as_secs()
                );
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped(stop) => return false,
        }
        wait = (wait * 2).min(RETRY_AT_MOST);
    }
}

/// Completes once a stop is asked for (or the sender is gone).
pub(super) async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other await.
    let _ = stop.wait_for(|stopped| *stopped).await.map(|_| ());
}

/// An HTTP failure in a few words: the status, or the innermost cause of a transport error.
fn short_error(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            format!("HTTP {}", response.status_code)
        }
        other => {
            let mut cause: &dyn std::error::Error = other;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            cause.to_string()
        }
    }
}

/// Handlers of received events still running, so that a stop can let them finish.
#[derive(Clone, Default)]
pub(super) struct InFlight {
    count: Arc<std::sync::atomic::AtomicUsize>,
    draining: Arc<std::sync::atomic::AtomicBool>,
    /// Commands poise runs, by invocation: counted from their check until they end.
    commands: Arc<std::sync::Mutex<std::collections::HashMap<u64, InFlightGuard>>>,
}

impl InFlight {
    /// Counts a handler until the guard drops; `None` while draining: no new work is taken.
    pub(super) fn enter(&self) -> Option<InFlightGuard> {
        use std::sync::atomic::Ordering;
        if self.draining.load(Ordering::SeqCst) {
            return None;
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        Some(InFlightGuard(self.count.clone()))
    }

    /// Counts a command from its check on; false while draining: it is not run.
    pub(super) fn start_command(&self, invocation: u64) -> bool {
        let Some(guard) = self.enter() else {
            return false;
        };
        super::lock(&self.commands).insert(invocation, guard);
        true
    }

    /// A command ended, well or not.
    pub(super) fn end_command(&self, invocation: u64) {
        super::lock(&self.commands).remove(&invocation);
    }

    /// Stops taking new work and waits up to `limit` for the handlers running to finish.
    pub(super) async fn drain(&self, limit: Duration) {
        use std::sync::atomic::Ordering;
        self.draining.store(true, Ordering::SeqCst);
        let until = Instant::now() + limit;
        while self.count.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let left = self.count.load(Ordering::SeqCst);
        if left > 0 {
            tracing::warn!(
                handlers = left,
                "stopping with handlers still running: their work is lost"
            );
        }
    }
}

pub(super) struct InFlightGuard(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
