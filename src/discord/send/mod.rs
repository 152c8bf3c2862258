//! The bot's channel messages: sent within Discord's published limits, and retried through rate
//! limits and outages until they are too late to help.
//!
//! With `api_base` set, serenity's own rate limiter is off (it would bypass the proxy), so the bot
//! must hold itself to Discord's limits. It keeps to the published ones (at most 5 messages per
//! 5 s in a channel, 50 requests per second in all) and to what each response announces (a
//! window's `X-RateLimit-Remaining` and `Reset-After`, which may be stricter, see
//! [`super::ratelimit`]), so it never sends into a window it knows to be full. A 429 (someone
//! else used the window) waits as long as it says; a 5xx or a lost connection (an outage) waits
//! 0.5 s, doubling up to 8 s; a 4xx other than 429 is final. Without `api_base`, serenity's rate
//! limiter reads the same headers in front of this one, which only ever asks for less.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateMessage, Message};

use super::ratelimit::{Announced, Headers, Turn};
use super::retry::{self, describe, worth_retrying, Backoff};

/// Discord's largest page of messages, for every read of a channel's messages.
pub(super) const PAGE: u8 = 100;

/// Discord's published limits for a bot's messages. Discord counts a request when it arrives,
/// which the bot cannot see: only that it was after the request left and before its answer came.
/// So a request holds its slot while under way, and its window is counted from its answer (the
/// latest it can have arrived): requests delayed on their way (a loaded machine, a slow network)
/// and then arriving together cannot fill Discord's window twice. Each window is also counted a
/// little longer than Discord's, for the difference between the two clocks' pace and Discord's
/// own bookkeeping.
const CHANNEL_MESSAGES: usize = 5;
const CHANNEL_WINDOW: Duration = Duration::from_millis(5_250);
const GLOBAL_WINDOW: Duration = Duration::from_millis(1_250);
/// A post not answered within this is taken for lost and retried (with the same nonce, so that
/// Discord does not create it twice if it arrived after all).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The windows of recent posts, and what retrying cost.
pub struct Sender {
    channels: Mutex<HashMap<u64, Window>>,
    global: Mutex<Window>,
    /// Wakes the requests waiting for a window whose every slot is under way.
    freed: tokio::sync::Notify,
    /// Requests this process may make per global window: its share of the bot's global limit
    /// (the whole of it when one process runs every shard).
    global_requests: usize,
    /// What the last responses said about their windows.
    announced: Announced,
    /// Wakes the posts waiting for a response to say how much room their window has.
    answered: tokio::sync::Notify,
    /// The HTTP client of posts made without serenity's rate limiter, whose responses' headers
    /// serenity would not show.
    client: reqwest::Client,
    retries: AtomicU64,
    given_up: AtomicU64,
}

impl Default for Sender {
    fn default() -> Self {
        Sender::with_share(crate::config::shards::GLOBAL_REQUESTS_PER_SEC)
    }
}

impl Sender {
    /// A sender that makes at most `requests_per_sec` requests a second, its process's share of
    /// Discord's global limit.
    pub fn with_share(requests_per_sec: u32) -> Sender {
        Sender {
            channels: Mutex::default(),
            global: Mutex::default(),
            freed: tokio::sync::Notify::new(),
            global_requests: requests_per_sec.max(1) as usize,
            announced: Announced::default(),
            answered: tokio::sync::Notify::new(),
            client: reqwest::Client::default(),
            retries: AtomicU64::default(),
            given_up: AtomicU64::default(),
        }
    }
}

/// What retrying cost since start.
#[derive(Debug, Clone, Copy)]
pub struct Retried {
    /// Calls tried again.
    pub retries: u64,
    /// Posts given up as too late to help.
    pub given_up: u64,
}

/// A turn taken in a channel's window: given back when dropped before its answer was recorded
/// (a request that could not be built, or a post abandoned as the bot stops), so that the window
/// does not wait for an answer that never comes.
struct Taken<'a> {
    sender: &'a Sender,
    channel: u64,
    ended: bool,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.sender.announced.cancel(self.channel);
            self.sender.answered.notify_waiters();
        }
    }
}

/// The waits between the attempts of one request: a 429's own, else an outage's, which double.
struct Waits {
    outage: Duration,
}

impl Default for Waits {
    fn default() -> Self {
        Waits {
            outage: Backoff::CHANNEL.first,
        }
    }
}

impl Waits {
    /// Waits before the next attempt after `error` (as long as `retry_after` says, when a 429
    /// said); false, without waiting, when that would be past `deadline`. A retry is counted and
    /// said in the log.
    async fn wait(
        &mut self,
        sender: &Sender,
        what: &str,
        error: &serenity::Error,
        retry_after: Option<Duration>,
        deadline: Instant,
    ) -> bool {
        let pause = retry_after.unwrap_or(self.outage);
        if Instant::now() + pause > deadline {
            return false;
        }
        sender.retries.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            retry_in_ms = pause.as_millis() as u64,
            "{what} failed, will retry: {}",
            describe(error)
        );
        tokio::time::sleep(pause).await;
        if retry_after.is_none() {
            self.outage = Backoff::CHANNEL.next(self.outage);
        }
        true
    }
}

/// One failed attempt, and how long Discord asked to wait before the next.
struct Failed {
    error: serenity::Error,
    retry_after: Option<Duration>,
}

/// Why a post was not made.
#[derive(Debug)]
pub enum NotSent {
    /// Discord refused it for good (a 4xx other than 429); retrying would not help.
    Refused(serenity::Error),
    /// It was still failing, or its channel's window still full, when it became too late to
    /// help; `last` is the last failure, if an attempt was made.
    TooLate {
        attempts: u32,
        last: Option<serenity::Error>,
    },
}

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotSent::Refused(error) => write!(f, "{}", describe(error)),
            NotSent::TooLate {
                attempts,
                last: Some(last),
            } => write!(
                f,
                "gave up after {attempts} attempts, too late to help: {}",
                describe(last)
            ),
            NotSent::TooLate {
                attempts,
                last: None,
            } => write!(
                f,
                "gave up after {attempts} attempts: the channel's rate limit would have held it until too late to help"
            ),
        }
    }
}

impl std::error::Error for NotSent {}

/// `message` with a nonce Discord enforces: a retry of a post whose answer was lost (a timeout, a
/// 502 after Discord took it) returns the message posted instead of posting it twice. `key` is
/// the same for every attempt of one post and different for every post (at most 24 characters).
pub fn once(message: CreateMessage, key: String) -> CreateMessage {
    message
        .nonce(serenity::Nonce::String(key))
        .enforce_nonce(true)
}

/// The requests of one window by Discord's published limits: those answered, by the time of their
/// answer, and those still under way.
#[derive(Debug, Default)]
struct Window {
    answered: VecDeque<Instant>,
    under_way: usize,
}

/// When a window has room for one more request.
#[derive(Debug, PartialEq, Eq)]
enum Room {
    Now,
    After(Duration),
    /// Every slot is held by a request under way: its answer frees one.
    WhenAnswered,
}

impl Window {
    /// Drops the answers older than `window`, and says when `limit` allows one more request.
    fn room(&mut self, limit: usize, window: Duration, now: Instant) -> Room {
        while self
            .answered
            .front()
            .is_some_and(|at| now.duration_since(*at) >= window)
        {
            self.answered.pop_front();
        }
        if self.answered.len() + self.under_way < limit {
            Room::Now
        } else {
            match self.answered.front() {
                Some(at) => Room::After(window.saturating_sub(now.duration_since(*at))),
                None => Room::WhenAnswered,
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.answered.is_empty() && self.under_way == 0
    }
}

/// The later of two waits for room.
fn later(a: Room, b: Room) -> Room {
    match (a, b) {
        (Room::WhenAnswered, _) | (_, Room::WhenAnswered) => Room::WhenAnswered,
        (Room::After(a), Room::After(b)) => Room::After(a.max(b)),
        (Room::After(wait), Room::Now) | (Room::Now, Room::After(wait)) => Room::After(wait),
        (Room::Now, Room::Now) => Room::Now,
    }
}

/// A slot held in the global window (and a channel's) by a request under way: dropped when its
/// answer came (or it was not sent), it counts the request from that moment on.
#[must_use = "the slot is counted from when it is dropped: hold it until the request is answered"]
pub(crate) struct Slot<'a> {
    sender: &'a Sender,
    channel: Option<u64>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut channels = self
            .sender
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut global = self.sender.global.lock().unwrap_or_else(|p| p.into_inner());
        let windows = self
            .channel
            .and_then(|channel| channels.get_mut(&channel))
            .into_iter()
            .chain(std::iter::once(&mut *global));
        for window in windows {
            window.under_way = window.under_way.saturating_sub(1);
            window.answered.push_back(now);
        }
        drop((channels, global));
        self.sender.freed.notify_waiters();
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
        // Its own loop, not `retry::until`: each attempt first waits for a turn in the channel's
        // window, and a 429 says how long to wait.
        let mut waits = Waits::default();
        let mut attempts = 0;
        loop {
            let Ok(slot) = self.ready(ctx, channel.get(), deadline).await else {
                self.given_up.fetch_add(1, Ordering::Relaxed);
                return Err(NotSent::TooLate {
                    attempts,
                    last: None,
                });
            };
            attempts += 1;
            let outcome = self.attempt(ctx, channel, &message).await;
            drop(slot);
            let Failed { error, retry_after } = match outcome {
                Ok(sent) => return Ok(sent),
                Err(failed) => failed,
            };
            if !worth_retrying(&error) {
                return Err(NotSent::Refused(error));
            }
            if !waits
                .wait(self, "posting", &error, retry_after, deadline)
                .await
            {
                self.given_up.fetch_add(1, Ordering::Relaxed);
                return Err(NotSent::TooLate {
                    attempts,
                    last: Some(error),
                });
            }
        }
    }

    /// Waits for a turn by what the responses announced (when no rate limiter of serenity's does)
    /// and a slot by the published limits; `Err` when that would be after `deadline`.
    async fn ready(
        &self,
        ctx: &serenity::Context,
        channel: u64,
        deadline: Instant,
    ) -> Result<Slot<'_>, ()> {
        let own_limits = ctx.http.ratelimiter.is_none();
        if own_limits {
            self.turn(channel, deadline).await?;
        }
        let slot = self.slot(Some(channel), deadline).await;
        if slot.is_err() && own_limits {
            self.announced.cancel(channel);
        }
        slot
    }

    /// Waits until what the last responses announced lets a post go in `channel`, and takes
    /// that turn; `Err` when that would be after `deadline`.
    async fn turn(&self, channel: u64, deadline: Instant) -> Result<(), ()> {
        loop {
            // Made before looking, so that an answer arriving in between is not missed.
            let answered = self.answered.notified();
            match self.announced.begin(channel, Instant::now()) {
                Turn::Go => return Ok(()),
                Turn::WaitFor(wait) if Instant::now() + wait > deadline => return Err(()),
                Turn::WaitFor(wait) => tokio::time::sleep(wait).await,
                Turn::WaitForAnswer => {
                    if tokio::time::timeout_at(deadline.into(), answered)
                        .await
                        .is_err()
                    {
                        return Err(());
                    }
                }
            }
        }
    }

    /// One attempt at posting. Through serenity when its rate limiter is on (it reads the
    /// headers itself); else as serenity would send it, reading the rate-limit headers here.
    async fn attempt(
        &self,
        ctx: &serenity::Context,
        channel: ChannelId,
        message: &CreateMessage,
    ) -> Result<Message, Failed> {
        let failed = |error| Failed {
            error,
            retry_after: None,
        };
        if ctx.http.ratelimiter.is_some() {
            return channel
                .send_message(ctx, message.clone())
                .await
                .map_err(failed);
        }
        // Given back if the post is not sent, or abandoned before its answer.
        let mut turn = Taken {
            sender: self,
            channel: channel.get(),
            ended: false,
        };
        let request = self
            .request(ctx, channel, message)
            .map_err(|error| failed(*error))?;
        let response = request.send().await;
        turn.ended = true;
        let answer = response.as_ref().ok().map(|response| {
            let headers = Headers::read(|name| response.headers().get(name)?.to_str().ok());
            let refused = response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS;
            (headers, refused)
        });
        self.announced.end(
            channel.get(),
            answer
                .as_ref()
                .map(|(headers, refused)| (headers, *refused)),
            Instant::now(),
        );
        self.answered.notify_waiters();
        let response = response.map_err(|e| failed(serenity::HttpError::Request(e).into()))?;
        let (headers, refused) = answer.unwrap_or_default();
        if !response.status().is_success() {
            let error =
                serenity::http::ErrorResponse::from_response(response, reqwest::Method::POST).await;
            return Err(Failed {
                error: serenity::HttpError::UnsuccessfulRequest(error).into(),
                retry_after: if refused {
                    headers.wait_after_429()
                } else {
                    None
                },
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| failed(serenity::HttpError::Request(e).into()))?;
        serde_json::from_slice(&bytes).map_err(|e| failed(e.into()))
    }

    /// The request serenity would send for `message`, to the proxy it was given.
    fn request(
        &self,
        ctx: &serenity::Context,
        channel: ChannelId,
        message: &CreateMessage,
    ) -> Result<reqwest::RequestBuilder, Box<serenity::Error>> {
        let body = serde_json::to_vec(message).map_err(|e| Box::new(e.into()))?;
        let route = serenity::http::Route::ChannelMessages {
            channel_id: channel,
        };
        let request = serenity::http::Request::new(route, serenity::http::LightMethod::Post)
            .body(Some(body))
            .build(&self.client, ctx.http.token(), ctx.http.proxy.as_deref())
            .map_err(Box::new)?;
        Ok(request.timeout(REQUEST_TIMEOUT))
    }

    /// Waits until the global window, and `channel`'s if given, have room by Discord's published
    /// limits, and takes a slot, held until the request is answered; `Err` when that would be
    /// after `deadline`.
    async fn slot(&self, channel: Option<u64>, deadline: Instant) -> Result<Slot<'_>, ()> {
        loop {
            // Made before looking, so that a slot freed in between is not missed.
            let freed = self.freed.notified();
            let room = {
                let now = Instant::now();
                let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
                let mut global = self.global.lock().unwrap_or_else(|p| p.into_inner());
                // Windows of quiet channels are dropped, so the map stays small.
                channels.retain(|_, window| !window.is_empty());
                let mut window = channel.map(|channel| channels.entry(channel).or_default());
                let room = later(
                    window.as_mut().map_or(Room::Now, |window| {
                        window.room(CHANNEL_MESSAGES, CHANNEL_WINDOW, now)
                    }),
                    global.room(self.global_requests, GLOBAL_WINDOW, now),
                );
                if room == Room::Now {
                    if let Some(window) = window {
                        window.under_way += 1;
                    }
                    global.under_way += 1;
                    return Ok(Slot {
                        sender: self,
                        channel,
                    });
                }
                room
            };
            match room {
                Room::After(wait) if Instant::now() + wait > deadline => return Err(()),
                Room::After(wait) => tokio::time::sleep(wait).await,
                Room::WhenAnswered | Room::Now => {
                    if tokio::time::timeout_at(deadline.into(), freed)
                        .await
                        .is_err()
                    {
                        return Err(());
                    }
                }
            }
        }
    }

    /// Runs `call` (an edit, a deletion, a read, an interaction's answer) until it succeeds,
    /// fails for good, or the next try would be after `deadline`, waiting as `backoff` says; each
    /// retry is counted.
    pub async fn retrying<T, F, Fut>(
        &self,
        what: &str,
        deadline: Instant,
        backoff: Backoff,
        call: F,
    ) -> Result<T, serenity::Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, serenity::Error>>,
    {
        retry::until(what, deadline, backoff, &self.retries, call).await
    }

    /// A read made in numbers (the read-back of many places, a channel's history): `GET route`
    /// with `params`, as serenity sends it, its JSON answer turned into `T` (with `guild_id` set
    /// on each object when `guild` is given, as serenity does for members and roles). Each attempt
    /// first takes room in the global window, so that reading never takes the room that posts
    /// need; it goes through this sender's own client, so that a 429's `Retry-After` (or
    /// `X-RateLimit-Reset-After`) is waited out before the next attempt, which serenity's errors
    /// do not show. An outage's waits double as `backoff` says; a 4xx other than 429 is final.
    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        http: &serenity::Http,
        what: &str,
        deadline: Instant,
        route: serenity::http::Route<'_>,
        params: Option<Vec<(&'static str, String)>>,
        guild: Option<u64>,
    ) -> Result<T, serenity::Error> {
        let mut waits = Waits::default();
        loop {
            // Past the deadline the request goes anyway: its failure, if any, ends the retries.
            let slot = self.slot(None, deadline).await;
            let request = serenity::http::Request::new(route, serenity::http::LightMethod::Get)
                .params(params.clone())
                .build(&self.client, http.token(), http.proxy.as_deref())?
                .timeout(REQUEST_TIMEOUT);
            let response = request.send().await;
            drop(slot);
            let (error, retry_after) = match response {
                Ok(response) if response.status().is_success() => {
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|e| serenity::Error::from(serenity::HttpError::Request(e)))?;
                    let mut value: serde_json::Value = serde_json::from_slice(&bytes)?;
                    if let Some(guild) = guild {
                        with_guild(&mut value, guild);
                    }
                    return Ok(serde_json::from_value(value)?);
                }
                Ok(response) => {
                    let refused = response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS;
                    let headers = Headers::read(|name| response.headers().get(name)?.to_str().ok());
                    let error = serenity::http::ErrorResponse::from_response(
                        response,
                        reqwest::Method::GET,
                    )
                    .await;
                    let retry_after = refused.then(|| headers.wait_after_429()).flatten();
                    (
                        serenity::HttpError::UnsuccessfulRequest(error).into(),
                        retry_after,
                    )
                }
                Err(error) => (serenity::HttpError::Request(error).into(), None),
            };
            if !worth_retrying(&error)
                || !waits.wait(self, what, &error, retry_after, deadline).await
            {
                return Err(error);
            }
        }
    }

    /// Discord's clock, as the `Date` header of its answer to `GET /gateway` tells it (to the
    /// second; the middle of that second is taken), and this host's at the middle of the
    /// request, in Unix ms; `None` when either cannot be read.
    pub async fn clocks(&self, http: &serenity::Http) -> Option<(u64, u64)> {
        let request = serenity::http::Request::new(
            serenity::http::Route::Gateway,
            serenity::http::LightMethod::Get,
        )
        .build(&self.client, http.token(), http.proxy.as_deref())
        .ok()?
        .timeout(REQUEST_TIMEOUT);
        let sent = crate::time::now_ms();
        let response = request.send().await.ok()?;
        let local = sent + (crate::time::now_ms() - sent) / 2;
        let date = response.headers().get("date")?.to_str().ok()?;
        let discord = httpdate::parse_http_date(date)
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_millis() as u64;
        Some((local, discord + 500))
    }

    /// Retries made, and posts given up as too late, since start.
    pub fn counts(&self) -> Retried {
        Retried {
            retries: self.retries.load(Ordering::Relaxed),
            given_up: self.given_up.load(Ordering::Relaxed),
        }
    }
}

/// Sets `guild_id` on the object `value`, or on each object of the array `value`.
fn with_guild(value: &mut serde_json::Value, guild: u64) {
    let objects: Vec<&mut serde_json::Value> = match value {
        serde_json::Value::Array(items) => items.iter_mut().collect(),
        other => vec![other],
    };
    for object in objects {
        if let Some(map) = object.as_object_mut() {
            map.insert("guild_id".to_owned(), guild.to_string().into());
        }
    }
}

#[cfg(test)]
mod tests;
