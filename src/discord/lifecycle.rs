//! Starting and stopping: waiting until Discord (or `api_base`) answers before connecting, and
//! letting the handlers under way finish when asked to stop.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

// Tokio's clock, which a test can pause and move on.
use tokio::time::Instant;

use poise::serenity_prelude as serenity;

/// How long a stop waits for the client to close once the drain is over.
pub(super) const CLOSE_FOR: Duration = Duration::from_secs(5);
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

/// Past this difference between this host's clock and Discord's, Discord's ids are read through
/// it and the log says so: the `Date` header tells Discord's time to the second, and within a
/// couple of seconds an age is as good as posting makes it anyway.
const SKEW_CORRECTED_MS: u64 = 2_000;

/// Measures how far this host's clock is from Discord's, and when it is more than
/// [`SKEW_CORRECTED_MS`], reads Discord's ids through the difference from now on (a host a
/// minute fast would find every question too old to answer) and says so.
pub(super) async fn measure_skew(http: &serenity::Http, sender: &super::send::Sender) {
    let Some((local, discord)) = sender.clocks(http).await else {
        tracing::info!("could not read Discord's clock: message ages are taken by this host's");
        return;
    };
    let skew = local as i64 - discord as i64;
    if skew.unsigned_abs() <= SKEW_CORRECTED_MS {
        return;
    }
    tracing::warn!(
        skew_ms = skew,
        "this host's clock is {} s {} Discord's: message ages are corrected by it; set the host's time (NTP)",
        skew.unsigned_abs() / 1_000,
        if skew > 0 { "ahead of" } else { "behind" }
    );
    crate::time::set_skew_ms(skew);
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

/// How long the gateway must bring nothing from before the stop for a drain to count it as
/// having delivered all it had: events queued in the socket arrive within milliseconds, and one
/// from after the stop ends the wait at once.
const QUIET: Duration = Duration::from_millis(500);
/// How long a drain that finds nothing running waits for a change before it ends: a handler
/// serenity has spawned but not yet started shows up within it.
const SETTLE: Duration = Duration::from_millis(20);
/// Handlers at once past which the memory freed when the last one ends is given back to the
/// system: a burst of hundreds of messages leaves megabytes that the allocator would keep.
const GIVE_BACK_AFTER: usize = 64;

/// Handlers of received events still running, and the stop: events from before it are handled,
/// later ones left for the next start's read-back.
#[derive(Clone, Default)]
pub(super) struct InFlight(Arc<Shared>);

#[derive(Default)]
struct Shared {
    count: AtomicUsize,
    /// The most handlers at once since memory was last given back.
    high: AtomicUsize,
    /// Unix ms of the stop; 0 while running.
    cut_ms: AtomicU64,
    /// An event from after the stop came: the gateway has delivered everything from before it.
    after_stop_seen: AtomicBool,
    /// Handlers started since the stop.
    taken: AtomicUsize,
    /// When the last event from before the stop came.
    last_taken: std::sync::Mutex<Option<Instant>>,
    /// Wakes the work that gives up when the bot stops (a read-back's reads).
    stop: tokio::sync::Notify,
    /// Wakes a drain: once stopping, a handler started or ended, or an event from after the stop
    /// came.
    changed: tokio::sync::Notify,
    /// Commands poise runs, by invocation: counted from their check until they end.
    commands: std::sync::Mutex<std::collections::HashMap<u64, InFlightGuard>>,
}

/// What a drain did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Drained {
    /// Handlers of events from before the stop that started during the drain.
    pub taken: usize,
    /// Handlers still running when the drain time ran out: their work is left to the next start.
    pub left: usize,
}

impl InFlight {
    /// Counts a handler of an event made at `made_ms` (Unix ms; `None` for events without a
    /// time) until the guard drops. `None` once stopping, for events from after the stop and
    /// those without a time: they are not handled.
    pub(super) fn enter(&self, made_ms: Option<u64>) -> Option<InFlightGuard> {
        let shared = &self.0;
        let cut = shared.cut_ms.load(Ordering::SeqCst);
        if cut != 0 {
            match made_ms {
                Some(made) if made <= cut => {
                    shared.taken.fetch_add(1, Ordering::SeqCst);
                    *super::lock(&shared.last_taken) = Some(Instant::now());
                }
                Some(_) => {
                    shared.after_stop_seen.store(true, Ordering::SeqCst);
                    shared.changed.notify_one();
                    return None;
                }
                None => return None,
            }
        }
        let running = shared.count.fetch_add(1, Ordering::SeqCst) + 1;
        shared.high.fetch_max(running, Ordering::Relaxed);
        if cut != 0 {
            shared.changed.notify_one();
        }
        Some(InFlightGuard(self.clone()))
    }

    /// Counts a command from its check on; false once stopping, for a command made after the
    /// stop: it is not run.
    pub(super) fn start_command(&self, invocation: u64) -> bool {
        let Some(guard) = self.enter(Some(crate::time::created_ms(invocation))) else {
            return false;
        };
        super::lock(&self.0.commands).insert(invocation, guard);
        true
    }

    /// Completes once the bot is stopping: work that a later start redoes anyway (a read-back)
    /// gives up then instead of holding the stop.
    pub(super) async fn stopping(&self) {
        loop {
            let woken = self.0.stop.notified();
            if self.0.cut_ms.load(Ordering::SeqCst) != 0 {
                return;
            }
            woken.await;
        }
    }

    /// A command ended, well or not.
    pub(super) fn end_command(&self, invocation: u64) {
        super::lock(&self.0.commands).remove(&invocation);
    }

    /// Stops taking events made from now on, and waits up to `limit` until every one from before
    /// has been handled: none is running, and the gateway has delivered all it had (an event
    /// from after the stop came, or none for [`QUIET`]).
    pub(super) async fn drain(&self, limit: Duration) -> Drained {
        let shared = &self.0;
        let began = Instant::now();
        shared
            .cut_ms
            .store(crate::time::now_ms().max(1), Ordering::SeqCst);
        shared.stop.notify_waiters();
        let until = began + limit;
        loop {
            // A change between this read and the wait is not lost: notify_one keeps a permit
            // when no one waits yet.
            let changed = shared.changed.notified();
            let now = Instant::now();
            if now >= until {
                break;
            }
            let quiet_at = super::lock(&shared.last_taken).unwrap_or(began) + QUIET;
            let delivered = shared.after_stop_seen.load(Ordering::SeqCst) || now >= quiet_at;
            let idle = shared.count.load(Ordering::SeqCst) == 0;
            let wake_at = match (delivered, idle) {
                (true, true) => now + SETTLE,
                (false, true) => quiet_at,
                (_, false) => until,
            };
            let woken = tokio::select! {
                _ = changed => true,
                _ = tokio::time::sleep_until(wake_at.min(until)) => false,
            };
            if delivered && idle && !woken {
                break;
            }
        }
        Drained {
            taken: shared.taken.load(Ordering::SeqCst),
            left: shared.count.load(Ordering::SeqCst),
        }
    }
}

pub(super) struct InFlightGuard(InFlight);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let shared = &self.0 .0;
        let last = shared.count.fetch_sub(1, Ordering::SeqCst) == 1;
        if shared.cut_ms.load(Ordering::SeqCst) != 0 {
            shared.changed.notify_one();
        }
        if last && shared.high.load(Ordering::Relaxed) >= GIVE_BACK_AFTER {
            shared.high.store(0, Ordering::Relaxed);
            give_back_memory();
        }
    }
}

/// Returns the heap's free pages to the system, off the async workers. glibc keeps what a burst
/// freed (its per-thread arenas and fragments between live blocks) as resident memory until
/// asked; other allocators give memory back on their own.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn_blocking(|| {
            // SAFETY: malloc_trim only releases free memory of the allocator; safe at any time.
            unsafe { libc::malloc_trim(0) };
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_drain_handles_what_came_before_the_stop_and_refuses_the_rest() {
        let in_flight = InFlight::default();
        let before = crate::time::now_ms() - 1_000;
        let running = in_flight.enter(Some(before)).expect("taken while running");
        let drain = {
            let in_flight = in_flight.clone();
            tokio::spawn(async move { in_flight.drain(Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Queued before the stop: still handled. Made after it, or without a time: refused.
        let late = in_flight
            .enter(Some(before + 500))
            .expect("from before the stop");
        tokio::time::timeout(Duration::from_secs(1), in_flight.stopping())
            .await
            .expect("the stop is told");
        assert!(in_flight.enter(None).is_none());
        assert!(in_flight
            .enter(Some(crate::time::now_ms() + 1_000))
            .is_none());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!drain.is_finished(), "two handlers still run");
        drop(running);
        drop(late);
        let drained = drain.await.unwrap();
        assert_eq!(drained, Drained { taken: 1, left: 0 });
    }

    #[tokio::test(start_paused = true)]
    async fn a_drain_ends_when_the_last_handler_ends_not_at_its_next_look() {
        let in_flight = InFlight::default();
        let running = in_flight.enter(Some(crate::time::now_ms() - 1_000));
        let drain = {
            let in_flight = in_flight.clone();
            tokio::spawn(async move {
                let drained = in_flight.drain(Duration::from_secs(3_600)).await;
                (drained, Instant::now())
            })
        };
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(!drain.is_finished(), "a handler still runs");
        // The gateway has delivered all it had: an event from after the stop came.
        assert!(in_flight
            .enter(Some(crate::time::now_ms() + 60_000))
            .is_none());
        let ended = Instant::now();
        drop(running);
        let (drained, finished) = drain.await.unwrap();
        assert_eq!(drained, Drained { taken: 0, left: 0 });
        // On the paused clock: woken by the end, then one settle, not a look every so often.
        assert_eq!(finished - ended, SETTLE);
    }

    #[tokio::test]
    async fn a_drain_gives_up_after_its_limit_and_counts_what_is_left() {
        let in_flight = InFlight::default();
        let _stuck = in_flight.enter(Some(crate::time::now_ms()));
        let drained = in_flight.drain(Duration::from_millis(100)).await;
        assert_eq!(drained, Drained { taken: 0, left: 1 });
    }
}
