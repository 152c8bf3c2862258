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
mod tests {
    use super::*;
    use crate::memory::InMemory;

    const START_MS: u64 = 1_700_000_000_000;

    /// A Discord id created `offset_ms` after the policy's start.
    fn id_at(offset_ms: i64, n: u64) -> u64 {
        crate::time::first_id_at((START_MS as i64 + offset_ms) as u64) | n
    }

    fn policy(channels: &[&str], cooldown_secs: u64, threads: ThreadMode) -> Policy {
        let config = SuggestConfig {
            channels: channels.iter().map(|c| c.to_string()).collect(),
            cooldown_secs,
            threads,
            ..SuggestConfig::default()
        };
        Policy::new(&config, Moderators::new(&["Moderator".into()]), START_MS)
    }

    const ISSUES: Channel = Channel {
        id: 10,
        name: "cipp-issues",
    };
    const GENERAL: Channel = Channel {
        id: 11,
        name: "general",
    };

    fn message(id: u64, place: Place<'static>) -> Message<'static> {
        Message {
            id,
            place,
            from_bot: false,
            member: Some(Member {
                roles: &[],
                manages_messages: false,
            }),
        }
    }

    #[test]
    fn only_watched_channels_by_name_or_id() {
        let now = START_MS;
        let memory = InMemory::default();
        let by_name = policy(&["#CIPP-Issues"], 600, ThreadMode::FirstMessage);
        assert_eq!(
            by_name
                .screen(&message(1, Place::Channel(ISSUES)), &memory, now)
                .unwrap(),
            Ok(())
        );
        assert_eq!(
            by_name
                .screen(&message(2, Place::Channel(GENERAL)), &memory, now)
                .unwrap(),
            Err(Quiet::NotWatched)
        );
        assert_eq!(
            by_name
                .screen(&message(3, Place::Elsewhere), &memory, now)
                .unwrap(),
            Err(Quiet::NotWatched)
        );
        let by_id = policy(&["11"], 600, ThreadMode::FirstMessage);
        assert_eq!(
            by_id
                .screen(&message(4, Place::Channel(GENERAL)), &memory, now)
                .unwrap(),
            Ok(())
        );
    }

    #[test]
    fn never_bots_and_not_moderators() {
        let now = START_MS;
        let memory = InMemory::default();
        let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
        let mut bot = message(1, Place::Channel(ISSUES));
        bot.from_bot = true;
        assert_eq!(
            policy.screen(&bot, &memory, now).unwrap(),
            Err(Quiet::FromBot)
        );

        let roles = [Role {
            id: 5,
            name: "moderator",
        }];
        let mut moderator = message(2, Place::Channel(ISSUES));
        moderator.member = Some(Member {
            roles: &roles,
            manages_messages: false,
        });
        assert_eq!(
            policy.screen(&moderator, &memory, now).unwrap(),
            Err(Quiet::FromModerator)
        );
    }

    #[test]
    fn without_configured_roles_manage_messages_makes_a_moderator() {
        let moderators = Moderators::new(&[]);
        let member = |manages_messages| Member {
            roles: &[],
            manages_messages,
        };
        assert!(moderators.includes(&member(true)));
        assert!(!moderators.includes(&member(false)));
        // With roles configured, the permission alone is not enough.
        assert!(!Moderators::new(&["42".into()]).includes(&member(true)));
    }

    #[test]
    fn threads_of_watched_channels_answer_their_first_message_only() {
        let now = START_MS;
        let memory = InMemory::default();
        let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
        // A forum post: its first message has the thread's id.
        let post = id_at(5_000, 1);
        let in_post = |id| {
            message(
                id,
                Place::Thread {
                    id: post,
                    parent: Some(ISSUES),
                },
            )
        };
        assert_eq!(policy.screen(&in_post(post), &memory, now).unwrap(), Ok(()));
        assert_eq!(
            policy
                .screen(&in_post(id_at(6_000, 2)), &memory, now)
                .unwrap(),
            Err(Quiet::LaterInThread)
        );

        // A thread started after the bot: the first message seen in it counts.
        let thread = id_at(7_000, 3);
        let in_thread = |id| {
            message(
                id,
                Place::Thread {
                    id: thread,
                    parent: Some(ISSUES),
                },
            )
        };
        assert_eq!(
            policy
                .screen(&in_thread(id_at(8_000, 4)), &memory, now)
                .unwrap(),
            Ok(())
        );
        assert_eq!(
            policy
                .screen(&in_thread(id_at(9_000, 5)), &memory, now)
                .unwrap(),
            Err(Quiet::LaterInThread)
        );

        // A thread older than the bot: its first message may have been missed.
        let old = id_at(-60_000, 6);
        let in_old = message(
            id_at(10_000, 7),
            Place::Thread {
                id: old,
                parent: Some(ISSUES),
            },
        );
        assert_eq!(
            policy.screen(&in_old, &memory, now).unwrap(),
            Err(Quiet::LaterInThread)
        );

        // Threads of other channels, or of unknown parents, are not watched.
        let elsewhere = message(
            id_at(11_000, 8),
            Place::Thread {
                id: id_at(11_000, 8),
                parent: Some(GENERAL),
            },
        );
        assert_eq!(
            policy.screen(&elsewhere, &memory, now).unwrap(),
            Err(Quiet::NotWatched)
        );
        let orphan = message(
            id_at(12_000, 9),
            Place::Thread {
                id: id_at(12_000, 9),
                parent: None,
            },
        );
        assert_eq!(
            policy.screen(&orphan, &memory, now).unwrap(),
            Err(Quiet::NotWatched)
        );
    }

    #[test]
    fn threads_all_answers_every_message() {
        let now = START_MS;
        let memory = InMemory::default();
        let policy = policy(&["cipp-issues"], 600, ThreadMode::All);
        let thread = id_at(1_000, 1);
        for n in 2..5 {
            let later = message(
                id_at(2_000, n),
                Place::Thread {
                    id: thread,
                    parent: Some(ISSUES),
                },
            );
            assert_eq!(policy.screen(&later, &memory, now).unwrap(), Ok(()));
        }
    }

    #[test]
    fn claims_last_the_cooldown_and_zero_turns_them_off() {
        let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
        let claim = policy.claim(10, "cost", 42, START_MS).unwrap();
        assert_eq!((claim.place, claim.entry.as_str()), (10, "cost"));
        assert_eq!(claim.until_ms, START_MS + 600_000);
        let off = super::tests::policy(&["cipp-issues"], 0, ThreadMode::FirstMessage);
        assert_eq!(off.claim(10, "cost", 42, START_MS), None);
    }

    #[test]
    fn a_message_is_answered_once() {
        let now = START_MS;
        let memory = InMemory::default();
        let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
        let again = message(1, Place::Channel(ISSUES));
        assert_eq!(policy.screen(&again, &memory, now).unwrap(), Ok(()));
        assert_eq!(
            policy.screen(&again, &memory, now).unwrap(),
            Err(Quiet::AlreadyAnswered)
        );
    }

    #[test]
    fn a_member_aims_faq_once_per_cooldown_and_moderators_always() {
        let policy = policy(&[], 0, ThreadMode::FirstMessage);
        assert_eq!(policy.aim(1, false, START_MS), Ok(()));
        assert_eq!(policy.aim(1, false, START_MS + 10_000), Err(20_000));
        assert_eq!(
            policy.aim(2, false, START_MS + 10_000),
            Ok(()),
            "another member"
        );
        assert_eq!(
            policy.aim(1, true, START_MS + 10_000),
            Ok(()),
            "as a moderator"
        );
        assert_eq!(policy.aim(1, false, START_MS + 30_000), Ok(()));
    }
}
