//! The bot's channel messages: sent within Discord's published limits, and retried through rate
//! limits and outages until they are too late to help.
//!
//! With `api_base` set, serenity's own rate limiter is off (it would bypass the proxy), so the bot
//! must hold itself to Discord's limits: at most 5 messages per 5 s in a channel and 50 requests
//! per second in all. It waits for a free slot before each post, so it never sends into a window
//! it knows to be full. A 429 (someone else used the window) and a 5xx or a lost connection (an
//! outage) are retried with waits that double up to 8 s; a 4xx other than 429 is final. Without
//! `api_base`, serenity's rate limiter does the same in front of this one, which only ever asks
//! for less.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage, Message};

/// Discord's published limits for a bot's messages. Each window is counted a little longer than
/// Discord counts it: requests take varying time to arrive, and a window measured from the sending
/// side would otherwise end a few milliseconds before Discord's.
const CHANNEL_MESSAGES: usize = 5;
const CHANNEL_WINDOW: Duration = Duration::from_millis(5_250);
const GLOBAL_REQUESTS: usize = 50;
const GLOBAL_WINDOW: Duration = Duration::from_millis(1_250);
/// Waits between attempts start here and double up to the cap.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const RETRY_AT_MOST: Duration = Duration::from_secs(8);

/// The windows of recent posts, and what retrying cost.
#[derive(Default)]
pub struct Sender {
    channels: Mutex<HashMap<u64, VecDeque<Instant>>>,
    global: Mutex<VecDeque<Instant>>,
    retries: AtomicU64,
    given_up: AtomicU64,
}

/// Why a post was not made.
#[derive(Debug)]
pub enum NotSent {
    /// Discord refused it for good (a 4xx other than 429); retrying would not help.
    Refused(serenity::Error),
    /// It was still failing when it became too late to help.
    TooLate {
        attempts: u32,
        last: serenity::Error,
    },
}

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotSent::Refused(error) => write!(f, "{}", describe(error)),
            NotSent::TooLate { attempts, last } => write!(
                f,
                "gave up after {attempts} attempts, too late to help: {}",
                describe(last)
            ),
        }
    }
}

impl std::error::Error for NotSent {}

/// An error with the HTTP status and the route, when there is one.
pub fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            let path = response
                .url
                .split_once("/api/v10")
                .map_or(response.url.as_str(), |(_, path)| path);
            format!(
                "HTTP {} on {} {path}: {}",
                response.status_code.as_u16(),
                response.method,
                response.error.message
            )
        }
        other => other.to_string(),
    }
}

/// Whether trying again later may succeed: rate limits, server errors and lost connections.
pub fn worth_retrying(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            status == 429 || (500..600).contains(&status)
        }
        serenity::Error::Http(serenity::HttpError::Request(_)) => true,
        _ => false,
    }
}

/// Drops the times older than `window`; the wait until a slot frees if `limit` are left.
fn wait_in(sent: &mut VecDeque<Instant>, limit: usize, window: Duration, now: Instant) -> Duration {
    while sent
        .front()
        .is_some_and(|at| now.duration_since(*at) >= window)
    {
        sent.pop_front();
    }
    if sent.len() < limit {
        Duration::ZERO
    } else {
        sent.front().map_or(Duration::ZERO, |at| {
            window.saturating_sub(now.duration_since(*at))
        })
    }
}

impl Sender {
    /// Posts `message` in `channel`, retrying until `deadline`.
    pub async fn post(
        &self,
        ctx: &serenity::Context,
        channel: ChannelId,
        message: CreateMessage,
        deadline: Instant,
    ) -> Result<Message, NotSent> {
        let mut wait = FIRST_RETRY;
        let mut attempts = 0;
        loop {
            self.slot(channel.get()).await;
            attempts += 1;
            let error = match channel.send_message(ctx, message.clone()).await {
                Ok(sent) => return Ok(sent),
                Err(error) => error,
            };
            if !worth_retrying(&error) {
                return Err(NotSent::Refused(error));
            }
            if Instant::now() + wait > deadline {
                self.given_up.fetch_add(1, Ordering::Relaxed);
                return Err(NotSent::TooLate {
                    attempts,
                    last: error,
                });
            }
            self.retries.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                attempt = attempts,
                retry_in_ms = wait.as_millis() as u64,
                "posting failed, will retry: {}",
                describe(&error)
            );
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RETRY_AT_MOST);
        }
    }

    /// Waits until both the channel's window and the global one have room, and takes a slot.
    async fn slot(&self, channel: u64) {
        loop {
            let wait = {
                let now = Instant::now();
                let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
                let mut global = self.global.lock().unwrap_or_else(|p| p.into_inner());
                let sent = channels.entry(channel).or_default();
                let wait = wait_in(sent, CHANNEL_MESSAGES, CHANNEL_WINDOW, now).max(wait_in(
                    &mut global,
                    GLOBAL_REQUESTS,
                    GLOBAL_WINDOW,
                    now,
                ));
                if wait.is_zero() {
                    sent.push_back(now);
                    global.push_back(now);
                    // Windows of quiet channels are dropped, so the map stays small.
                    channels.retain(|_, sent| !sent.is_empty());
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Retries made, and posts given up as too late, since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.retries.load(Ordering::Relaxed),
            self.given_up.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_waits_for_its_oldest_slot() {
        let start = Instant::now();
        let mut sent: VecDeque<Instant> = (0..5)
            .map(|n| start + Duration::from_millis(n * 100))
            .collect();
        let now = start + Duration::from_millis(1000);
        let window = Duration::from_secs(5);
        assert_eq!(wait_in(&mut sent, 5, window, now), Duration::from_secs(4));
        // Once the oldest is out of the window, there is room again.
        let later = start + Duration::from_millis(5050);
        assert_eq!(wait_in(&mut sent, 5, window, later), Duration::ZERO);
        assert_eq!(sent.len(), 4);
    }
}
