//! What a new gateway session missed, read back from the channels: at start (the downtime of a
//! restart, a crash, a deploy) and after a reconnect that Discord did not resume. Messages still
//! young enough are considered like any message; older ones are counted.
//!
//! Discord delivers nothing of a gap to a new session. The memory notes each message the bot
//! takes up, with its place (channel or thread) and whether its answer finished, so each watched
//! place is read from its newest message noted, or from the oldest whose answer another run
//! began and did not finish (it was killed, or its drain ran out of time): taken over once that
//! run's lease is over, read again then if it was not yet. Answer-once keys keep a message from
//! being answered twice; a reply of the bot found in the place finishes its question without a
//! post, and the post's nonce makes Discord return, not repeat, one it already took.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use futures_util::StreamExt;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, MessageId};

use super::{lock, server, suggest, Data};

use crate::ids;
use crate::memory::PlaceSeen;
use crate::time;

/// Pages read at most in one place: with `max_delay_secs` bounding the window, more would be a
/// flood that nobody should be answered in long after.
const MAX_PAGES: usize = 10;
/// How far back a place is read from its newest message noted: what came after it is answered
/// if young enough and counted if not; beyond this it is not even read.
const COUNTED_BACK_MS: u64 = time::HOUR_MS;
/// Places read back and answered at once.
const PLACES_AT_ONCE: usize = 16;
/// How long one read may be retried through an outage or a rate limit.
const READ_FOR: Duration = Duration::from_secs(30);
/// How long after another process's lease ends its answers are read back: a little later than
/// the lease, so that the store's clock has surely passed it too.
const LEASE_MARGIN: Duration = Duration::from_millis(500);

/// Why a read-back is owed, if one is.
#[derive(Default)]
pub struct ReadBackOwed(AtomicU8);

/// Why the bot reads back: it started, the gateway gave it a new session, or another process's
/// lease on answers it began is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Start,
    Reconnect,
    TakeOver,
}

impl From<Why> for ReadBackOwed {
    fn from(why: Why) -> ReadBackOwed {
        let owed = ReadBackOwed::default();
        owed.owe(why);
        owed
    }
}

impl ReadBackOwed {
    /// A new session started: read back once the server's channels are known.
    pub fn owe(&self, why: Why) {
        let code = match why {
            Why::Start => 1,
            Why::Reconnect => 2,
            Why::TakeOver => 3,
        };
        self.0.store(code, Ordering::SeqCst);
    }

    /// A shard's first session: a read-back at start is owed, unless one after a reconnect
    /// already is (it reads back from the bot's start, which covers it).
    pub fn owe_start(&self) {
        let _ = self
            .0
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Whether a read-back is owed, and why; `Some` only once per new session.
    pub fn take(&self) -> Option<Why> {
        match self.0.swap(0, Ordering::SeqCst) {
            1 => Some(Why::Start),
            2 => Some(Why::Reconnect),
            3 => Some(Why::TakeOver),
            _ => None,
        }
    }
}

/// What was read back.
#[derive(Debug, Default)]
struct Caught {
    places: usize,
    read: usize,
    considered: usize,
    too_old: usize,
    replied_before: usize,
    failed_places: usize,
}

impl Caught {
    fn add(&mut self, other: Caught) {
        self.read += other.read;
        self.considered += other.considered;
        self.too_old += other.too_old;
        self.replied_before += other.replied_before;
        self.failed_places += other.failed_places;
    }
}

/// A place to read, and the message to read after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    id: u64,
    after: u64,
}

/// Reads back what each watched place received since the bot last took up a message there, and
/// considers what is young enough to answer. Answers another process began and holds by its lease
/// (a rolling restart's overlap, or a process killed moments ago) are its own: once the lease is
/// over, the places are read again and what it left is taken over.
pub async fn catch_up(ctx: &serenity::Context, data: &Data, mut why: Why) {
    while let Some(held) = catch_up_once(ctx, data, why).await {
        tracing::info!(
            held_secs = held.as_secs_f64(),
            "another running process holds answers it began; reading back again when its lease ends, to take over what it leaves"
        );
        tokio::select! {
            _ = tokio::time::sleep(held + LEASE_MARGIN) => why = Why::TakeOver,
            _ = data.in_flight.stopping() => return,
        }
    }
}

/// One read-back of every watched place; how long another process still holds answers it began
/// there, if it does for any that may still be answered.
async fn catch_up_once(ctx: &serenity::Context, data: &Data, why: Why) -> Option<Duration> {
    let now = time::now_ms();
    let max_delay_ms = data.max_delay.as_millis() as u64;
    let counted_back = now.saturating_sub(COUNTED_BACK_MS);
    // A place nothing was noted in: read from what may still be answered, or after a reconnect
    // from the bot's start (what came since is counted at least).
    let unnoted = time::first_id_at(
        now.saturating_sub(max_delay_ms)
            .min(data.started_ms)
            .max(counted_back),
    );
    // What the memory noted, read off the async runtime; then the cache, here.
    let servers = data.servers.clone();
    let noted = super::blocking(move || servers.places(COUNTED_BACK_MS))
        .await
        .unwrap_or_default();
    let young = time::first_id_at(now.saturating_sub(max_delay_ms)).saturating_sub(1);
    let held = noted
        .iter()
        .filter(|noted| noted.unfinished.is_some_and(|m| m > young))
        .filter_map(|noted| noted.held_for_ms)
        .max()
        .map(Duration::from_millis);
    let noted = noted
        .iter()
        .map(|noted| (noted.place, noted_start(noted, young, counted_back)))
        .collect();
    let places = places(ctx, data, unnoted, noted);
    let caught = Mutex::new(Caught {
        places: places.len(),
        ..Caught::default()
    });
    // Places side by side (each one's messages in order, as they were sent), so that one busy
    // place's posts, held by its rate limit, do not hold up the others.
    futures_util::stream::iter(places)
        .for_each_concurrent(PLACES_AT_ONCE, |place| {
            let caught = &caught;
            async move {
                let counted = catch_up_place(ctx, data, place, max_delay_ms).await;
                lock(caught).add(counted);
            }
        })
        .await;
    let caught = caught.into_inner().unwrap_or_else(|p| p.into_inner());
    let said = match why {
        Why::Start => "read back what the watched places received while the bot was not running",
        Why::Reconnect => {
            "read back the messages sent while the connection was down (Discord does not replay them to a new session)"
        }
        Why::TakeOver => "read back what another process's answers left, now that its lease is over",
    };
    tracing::info!(
        places = caught.places,
        read = caught.read,
        considered = caught.considered,
        too_old = caught.too_old,
        replied_before = caught.replied_before,
        places_unreadable = caught.failed_places,
        "{said}; those older than [suggest] max_delay_secs are not answered"
    );
    held
}

/// Reads back one place and considers its messages in order; what it counted.
async fn catch_up_place(
    ctx: &serenity::Context,
    data: &Data,
    place: Place,
    max_delay_ms: u64,
) -> Caught {
    let mut caught = Caught::default();
    // A stop gives the read up: nothing of it was noted, so the next start reads it again.
    let read = tokio::select! {
        read = read(ctx, data, place) => read,
        _ = data.in_flight.stopping() => None,
    };
    let Some(mut messages) = read else {
        caught.failed_places += 1;
        return caught;
    };
    messages.sort_unstable_by_key(|m| m.id);
    let me = ctx.cache.current_user().id;
    // Questions the bot already replied to (its reply is in the same place).
    let replied: HashSet<MessageId> = messages
        .iter()
        .filter(|m| m.author.id == me)
        .filter_map(|m| m.message_reference.as_ref()?.message_id)
        .collect();
    for mut message in messages {
        caught.read += 1;
        if message.author.id == me {
            continue;
        }
        if replied.contains(&message.id) {
            caught.replied_before += 1;
            let (servers, replied) = (data.servers.clone(), ids::MessageId(message.id.get()));
            let _ = super::blocking(move || servers.replied_before(replied)).await;
            continue;
        }
        if time::created_ms(message.id.get()) + max_delay_ms <= time::now_ms() {
            caught.too_old += 1;
            continue;
        }
        complete(ctx, &mut message);
        caught.considered += 1;
        suggest::suggest(ctx, data, &message).await;
    }
    caught
}

/// The places to read back and where to start in each: the watched channels and their active
/// threads (from the server's cache) from `unnoted`, and the places the
/// memory noted messages in since `noted_since_ms` from the newest noted there (or the oldest an
/// earlier run left unfinished). A place whose last message (as the cache knows it) is not newer
/// than where reading would start is left out: it has nothing new.
fn places(
    ctx: &serenity::Context,
    data: &Data,
    unnoted: u64,
    noted: HashMap<u64, u64>,
) -> Vec<Place> {
    let mut after: HashMap<u64, u64> = HashMap::new();
    let mut last_message: HashMap<u64, Option<u64>> = HashMap::new();
    for guild in ctx.cache.guilds() {
        let Some(settings) = data.servers.settings(ids::GuildId(guild.get())) else {
            continue;
        };
        let Some(cached) = ctx.cache.guild(guild) else {
            continue;
        };
        let watched: Vec<ChannelId> = settings
            .suggest
            .channels
            .iter()
            .filter_map(|configured| server::configured_channel(&cached, configured))
            .collect();
        for channel in &watched {
            let last = cached.channels.get(channel).and_then(|c| c.last_message_id);
            last_message.insert(channel.get(), last.map(|id| id.get()));
        }
        for thread in &cached.threads {
            if thread
                .parent_id
                .is_some_and(|parent| watched.contains(&parent))
            {
                last_message.insert(thread.id.get(), thread.last_message_id.map(|id| id.get()));
            }
        }
    }
    for place in last_message.keys() {
        after.insert(*place, unnoted);
    }
    after.extend(noted);
    let mut places: Vec<Place> = after
        .into_iter()
        .filter(|(id, after)| match last_message.get(id) {
            Some(last) => last.is_none_or(|last| last > *after),
            // Unknown to the cache (a thread since archived, say): read it to be sure, unless
            // other processes run other shards: then it is likely one of their servers'.
            None => !data.shards_elsewhere,
        })
        .map(|(id, after)| Place { id, after })
        .collect();
    // The oldest gaps first: their questions are the nearest to being too late.
    places.sort_unstable_by_key(|place| place.after);
    places
}

/// Where reading a noted place starts (its messages after this id): after the newest message noted
/// there, or before the oldest an earlier run left unfinished; but never after `young`, the last id
/// before the messages still young enough to answer. Handlers finish out of order (each event is
/// its own task), so a message older than the newest noted may not have been taken when the run
/// stopped; the answer-once claims keep what was taken from being answered twice. Never before
/// what the read-back counts (`counted_ms`).
fn noted_start(noted: &PlaceSeen, young: u64, counted_ms: u64) -> u64 {
    let from = match noted.unfinished {
        Some(unfinished) => noted.newest.min(unfinished.saturating_sub(1)),
        None => noted.newest,
    };
    from.min(young).max(time::first_id_at(counted_ms))
}

/// The messages of `place` after its start, page by page, within the global rate limit; `None`
/// when it cannot be read (said in the log).
async fn read(
    ctx: &serenity::Context,
    data: &Data,
    place: Place,
) -> Option<Vec<serenity::Message>> {
    let mut messages = Vec::new();
    let mut after = place.after;
    for _ in 0..MAX_PAGES {
        let params = vec![
            ("after", after.max(1).to_string()),
            ("limit", super::send::PAGE.to_string()),
        ];
        let route = serenity::http::Route::ChannelMessages {
            channel_id: ChannelId::new(place.id),
        };
        let page: Result<Vec<serenity::Message>, _> = data
            .sender
            .get(
                &ctx.http,
                "reading back a channel",
                Instant::now() + READ_FOR,
                route,
                Some(params),
                None,
            )
            .await;
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(
                    channel = place.id,
                    "could not read back a channel: {}",
                    super::retry::describe(&error)
                );
                return None;
            }
        };
        let full = page.len() == usize::from(super::send::PAGE);
        after = page.iter().map(|m| m.id.get()).max().unwrap_or(after);
        messages.extend(page);
        if !full {
            return Some(messages);
        }
    }
    tracing::warn!(
        channel = place.id,
        read = messages.len(),
        "a place received more than can be read back; the newest are left unread"
    );
    Some(messages)
}

/// Gives a message read over REST what the gateway would have: its server, and its author's
/// membership (roles, from the cache), which moderator rules need.
fn complete(ctx: &serenity::Context, message: &mut serenity::Message) {
    let channel = message.channel_id;
    for id in ctx.cache.guilds() {
        let Some(guild) = ctx.cache.guild(id) else {
            continue;
        };
        let holds =
            guild.channels.contains_key(&channel) || guild.threads.iter().any(|t| t.id == channel);
        if !holds {
            continue;
        }
        message.guild_id = Some(id);
        if message.member.is_none() && !message.author.bot {
            let roles = guild
                .members
                .get(&message.author.id)
                .map(|m| m.roles.clone())
                .unwrap_or_default();
            let member = serde_json::json!({ "roles": roles });
            message.member = serde_json::from_value(member).ok().map(Box::new);
        }
        return;
    }
}

#[cfg(test)]
mod tests;
