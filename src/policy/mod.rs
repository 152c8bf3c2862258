//! Whether the bot may speak here and now: watched channels and threads, who wrote the message,
//! cooldowns, and how often a member may aim `/faq` at someone.
//!
//! No Discord types and no clock: the Discord layer describes the message with plain ids and
//! names, and passes the time in, so the rules can be tested with a fake clock.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::config::{Named, SuggestConfig, ThreadMode};
use crate::memory::{Claim, Memory, MemoryError};

/// A channel by id and name.
#[derive(Debug, Clone, Copy)]
pub struct Channel<'a> {
    pub id: u64,
    pub name: &'a str,
}

/// Where a message was posted.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    Channel(Channel<'a>),
    /// A thread or forum post; its parent is `None` when it could not be found out.
    Thread {
        id: u64,
        parent: Option<Channel<'a>>,
    },
    /// A direct message or anything outside a server.
    Elsewhere,
}

/// A role by id and name.
#[derive(Debug, Clone, Copy)]
pub struct Role<'a> {
    pub id: u64,
    pub name: &'a str,
}

/// The member who did something.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    pub roles: &'a [Role<'a>],
    /// Whether the member has the Manage Messages permission, where Discord tells.
    pub manages_messages: bool,
}

/// A message, as far as the policy cares.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub id: u64,
    pub place: Place<'a>,
    /// A bot, a webhook or the bot itself.
    pub from_bot: bool,
    /// `None` outside a server.
    pub member: Option<Member<'a>>,
}

/// Why the bot stays quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    FromBot,
    FromModerator,
    NotWatched,
    /// A later message of a thread while only first messages are answered.
    LaterInThread,
    /// The message was answered before (it arrived twice).
    AlreadyAnswered,
}

/// Who counts as a moderator: members with one of the configured roles or, when none are
/// configured, members with the Manage Messages permission.
#[derive(Debug, Clone, Default)]
pub struct Moderators {
    roles: Vec<Named>,
}

impl Moderators {
    pub fn new(roles: &[String]) -> Self {
        Moderators {
            roles: roles.iter().map(|role| Named::parse(role)).collect(),
        }
    }

    pub fn includes(&self, member: &Member<'_>) -> bool {
        if self.roles.is_empty() {
            return member.manages_messages;
        }
        member
            .roles
            .iter()
            .any(|role| self.roles.iter().any(|named| named.is(role.id, role.name)))
    }
}

/// The suggestion rules. What they must remember lives in a [`Memory`], passed in.
#[derive(Debug)]
pub struct Policy {
    channels: Vec<Named>,
    cooldown_ms: u64,
    threads: ThreadMode,
    moderators: Moderators,
    /// Unix ms when the bot started: threads created before it may have had messages unseen.
    started_ms: u64,
    aiming: Aiming,
}

/// How often each member may aim `/faq` at someone: in this process's memory, since a server's
/// commands all reach the one process that runs its shard.
#[derive(Debug)]
struct Aiming {
    every_ms: u64,
    /// member → when they last aimed (Unix ms).
    last: Mutex<HashMap<u64, u64>>,
}

/// Past this many members remembered, those whose wait is over are forgotten.
const AIMERS_KEPT: usize = 1_000;

impl Policy {
    pub fn new(config: &SuggestConfig, moderators: Moderators, started_ms: u64) -> Self {
        Policy {
            channels: config.channels.iter().map(|c| Named::parse(c)).collect(),
            cooldown_ms: config.cooldown_secs.saturating_mul(1000),
            threads: config.threads,
            moderators,
            started_ms,
            aiming: Aiming {
                every_ms: config.aimed_cooldown_secs.saturating_mul(1000),
                last: Mutex::default(),
            },
        }
    }

    /// Who counts as a moderator here.
    pub fn moderators(&self) -> &Moderators {
        &self.moderators
    }

    /// Whether `member` may aim `/faq` at someone now; moderators always may. `Err` is how many
    /// ms are left to wait. A yes is noted: the next aim counts from now.
    pub fn aim(&self, member: u64, moderator: bool, now_ms: u64) -> Result<(), u64> {
        let every = self.aiming.every_ms;
        if moderator || every == 0 {
            return Ok(());
        }
        let mut last = self.aiming.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&at) = last.get(&member) {
            let free = at.saturating_add(every);
            if now_ms < free {
                return Err(free - now_ms);
            }
        }
        if last.len() >= AIMERS_KEPT {
            last.retain(|_, at| at.saturating_add(every) > now_ms);
        }
        last.insert(member, now_ms);
        Ok(())
    }

    /// Whether a channel is watched (its threads are too).
    pub fn watches(&self, channel: Channel<'_>) -> bool {
        self.channels
            .iter()
            .any(|named| named.is(channel.id, channel.name))
    }

    /// Whether the bot may consider `message` at all. Call once per message: it also notes in
    /// `memory` that its thread has been seen, and that the message is being answered.
    pub fn screen(
        &self,
        message: &Message<'_>,
        memory: &dyn Memory,
        now_ms: u64,
    ) -> Result<Result<(), Quiet>, MemoryError> {
        let (watched, place) = match message.place {
            Place::Channel(channel) => (self.watches(channel), channel.id),
            Place::Thread { id, parent } => (parent.is_some_and(|parent| self.watches(parent)), id),
            Place::Elsewhere => (false, 0),
        };
        if !watched {
            return Ok(Err(Quiet::NotWatched));
        }
        // Noted for every message of a watched thread, so that a moderator's opening message
        // still makes later ones "later in the thread".
        let first_in_thread = match message.place {
            Place::Thread { id, .. } => {
                let first_seen = memory.see_thread(id, now_ms)?;
                message.id == id || (first_seen && crate::time::created_ms(id) >= self.started_ms)
            }
            _ => true,
        };
        if message.from_bot {
            return Ok(Err(Quiet::FromBot));
        }
        if message
            .member
            .is_some_and(|member| self.moderators.includes(&member))
        {
            return Ok(Err(Quiet::FromModerator));
        }
        if !first_in_thread && self.threads == ThreadMode::FirstMessage {
            return Ok(Err(Quiet::LaterInThread));
        }
        if !memory.answer_once(message.id, Some(place), now_ms)? {
            return Ok(Err(Quiet::AlreadyAnswered));
        }
        Ok(Ok(()))
    }

    /// The cooldown slot for suggesting `entry` at `place` (channel or thread id) now, in answer
    /// to `message`; `None` when cooldowns are off.
    pub fn claim(&self, place: u64, entry: &str, message: u64, now_ms: u64) -> Option<Claim> {
        (self.cooldown_ms > 0).then(|| Claim {
            place,
            entry: entry.to_owned(),
            until_ms: now_ms.saturating_add(self.cooldown_ms),
            message,
        })
    }
}

#[cfg(test)]
mod tests;
