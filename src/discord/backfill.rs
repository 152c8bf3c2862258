//! After a reconnect with a new session, the messages Discord did not replay, read back from the
//! channels: those still young enough are considered like any message, the others counted.
//!
//! serenity 0.12 replaces a connection whose heartbeat went unacknowledged with a new session
//! (it cannot resume it), and Discord delivers nothing of the gap to a new session. The bot
//! remembers the last message it saw in each watched place (channel or thread), and reads what
//! came after.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, GetMessages, MessageId};

use super::{lock, server, suggest, Data};

use crate::time;

/// How far back places are remembered: a place quiet for longer is read back only if it is a
/// watched channel. Longer than any gap serenity leaves (two heartbeats and a restart, under 2
/// minutes).
const PLACES_KEPT_MS: u64 = time::HOUR_MS;
/// Discord's largest page of messages: a gap with more in one place keeps only the newest.
const PAGE: u8 = 100;
/// Places read back at most, one request each: Discord's global limit is 50 requests a second, and
/// the read-back should not take the bot's whole budget.
const MAX_PLACES: usize = 40;

/// The last message seen in each watched place, and whether a new session still has to read back.
#[derive(Default)]
pub struct Seen {
    last: Mutex<HashMap<u64, u64>>,
    owed: AtomicBool,
}

impl Seen {
    /// A new session started: read back once the server's channels are known again.
    pub fn owe_catch_up(&self) {
        self.owed.store(true, Ordering::SeqCst);
    }

    /// Whether a read-back is owed; true only once per new session.
    pub fn take_catch_up(&self) -> bool {
        self.owed.swap(false, Ordering::SeqCst)
    }

    pub fn saw(&self, channel: u64, message: u64) {
        let mut last = lock(&self.last);
        let newest = last.entry(channel).or_default();
        *newest = (*newest).max(message);
        if last.len() > 1_000 {
            let cutoff = time::now_ms().saturating_sub(PLACES_KEPT_MS);
            last.retain(|_, id| time::created_ms(*id) >= cutoff);
        }
    }

    fn last(&self, channel: u64) -> Option<u64> {
        lock(&self.last).get(&channel).copied()
    }

    fn places(&self) -> Vec<u64> {
        lock(&self.last).keys().copied().collect()
    }
}

/// What was read back after a reconnect.
#[derive(Debug, Default)]
struct Caught {
    read: usize,
    considered: usize,
    too_old: usize,
    failed_places: usize,
}

/// Reads back what each watched place received since the last message seen there (a watched
/// channel without one: since the bot started), and considers what is young enough to answer.
pub async fn catch_up(ctx: &serenity::Context, data: &Data) {
    // The watched channels first, then the threads by their latest message.
    let mut places: Vec<u64> = Vec::new();
    for guild in ctx.cache.guilds() {
        if let Some(cached) = ctx.cache.guild(guild) {
            places.extend(
                data.channels
                    .iter()
                    .filter_map(|configured| server::configured_channel(&cached, configured))
                    .map(|channel| channel.get()),
            );
        }
    }
    let mut seen = data.seen.places();
    seen.sort_unstable_by_key(|&place| std::cmp::Reverse(data.seen.last(place)));
    for place in seen {
        if !places.contains(&place) {
            places.push(place);
        }
    }
    let skipped = places.len().saturating_sub(MAX_PLACES);
    places.truncate(MAX_PLACES);
    let now = time::now_ms();
    let started = time::first_id_at(data.started_ms);
    let mut caught = Caught::default();
    for place in places {
        let after = data.seen.last(place).unwrap_or(started);
        let request = GetMessages::new()
            .after(MessageId::new(after.max(1)))
            .limit(PAGE);
        let mut page = match ChannelId::new(place).messages(ctx, request).await {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(
                    channel = place,
                    "could not read back a channel after the reconnect: {}",
                    super::retry::describe(&error)
                );
                caught.failed_places += 1;
                continue;
            }
        };
        // Newest first from Discord; considered in the order they were sent.
        page.sort_unstable_by_key(|m| m.id);
        for mut message in page {
            caught.read += 1;
            if time::created_ms(message.id.get()) + data.max_delay.as_millis() as u64 <= now {
                caught.too_old += 1;
                data.seen.saw(place, message.id.get());
                continue;
            }
            complete(ctx, &mut message);
            caught.considered += 1;
            suggest::suggest(ctx, data, &message).await;
        }
    }
    tracing::info!(
        read = caught.read,
        considered = caught.considered,
        too_old = caught.too_old,
        places_unreadable = caught.failed_places,
        places_skipped = skipped,
        "read back the messages sent while the connection was down; those older than [suggest] max_delay_secs are not answered"
    );
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
mod tests {
    use super::*;

    #[test]
    fn the_newest_message_of_a_place_is_kept() {
        let seen = Seen::default();
        seen.saw(1, 10);
        seen.saw(1, 7);
        seen.saw(2, 3);
        assert_eq!(seen.last(1), Some(10));
        assert_eq!(seen.places().len(), 2);
    }
}
