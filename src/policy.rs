//! Whether the bot may speak here and now: watched channels and threads, who wrote the message,
//! and cooldowns.
//!
//! No Discord types and no clock: the Discord layer describes the message with plain ids and
//! names, and passes the time in, so the rules can be tested with a fake clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::{Named, SuggestConfig, ThreadMode};

/// Discord ids carry their creation time: milliseconds since this Unix time, shifted left by 22.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// Past this many remembered channels or threads, entries older than a day are forgotten.
const REMEMBER_MAX: usize = 10_000;
const REMEMBER_FOR: Duration = Duration::from_secs(24 * 3600);

/// The Unix time in milliseconds at which the object with this Discord id was created.
pub fn created_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

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

impl Place<'_> {
    /// The id that cooldowns are kept per: the channel, or the thread itself.
    pub fn id(&self) -> Option<u64> {
        match self {
            Place::Channel(channel) => Some(channel.id),
            Place::Thread { id, .. } => Some(*id),
            Place::Elsewhere => None,
        }
    }
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
    /// The entry was suggested in this channel within the cooldown.
    Cooldown,
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

/// The suggestion rules and what they remember: recent suggestions and the threads seen.
#[derive(Debug)]
pub struct Policy {
    channels: Vec<Named>,
    cooldown: Duration,
    threads: ThreadMode,
    moderators: Moderators,
    /// Unix ms when the bot started: threads created before it may have had messages unseen.
    started_ms: u64,
    suggested: HashMap<(u64, String), Instant>,
    threads_seen: HashMap<u64, Instant>,
}

impl Policy {
    pub fn new(config: &SuggestConfig, moderators: Moderators, started_ms: u64) -> Self {
        Policy {
            channels: config.channels.iter().map(|c| Named::parse(c)).collect(),
            cooldown: Duration::from_secs(config.cooldown_secs),
            threads: config.threads,
            moderators,
            started_ms,
            suggested: HashMap::new(),
            threads_seen: HashMap::new(),
        }
    }

    pub fn moderators(&self) -> &Moderators {
        &self.moderators
    }

    /// Whether a channel is watched (its threads are too).
    pub fn watches(&self, channel: Channel<'_>) -> bool {
        self.channels
            .iter()
            .any(|named| named.is(channel.id, channel.name))
    }

    /// Whether the bot may consider `message` at all. Call once per message: it also notes that
    /// its thread has been seen.
    pub fn screen(&mut self, message: &Message<'_>, now: Instant) -> Result<(), Quiet> {
        let watched = match message.place {
            Place::Channel(channel) => self.watches(channel),
            Place::Thread { parent, .. } => parent.is_some_and(|parent| self.watches(parent)),
            Place::Elsewhere => false,
        };
        if !watched {
            return Err(Quiet::NotWatched);
        }
        let first_in_thread = match message.place {
            Place::Thread { id, .. } => self.first_in_thread(id, message.id, now),
            _ => true,
        };
        if message.from_bot {
            return Err(Quiet::FromBot);
        }
        if message
            .member
            .is_some_and(|member| self.moderators.includes(&member))
        {
            return Err(Quiet::FromModerator);
        }
        if !first_in_thread && self.threads == ThreadMode::FirstMessage {
            return Err(Quiet::LaterInThread);
        }
        Ok(())
    }

    /// Takes the cooldown slot for suggesting `entry` at `place` (channel or thread id), or says it
    /// was suggested there too recently.
    pub fn claim(&mut self, place: u64, entry: &str, now: Instant) -> Result<(), Quiet> {
        if self.cooldown.is_zero() {
            return Ok(());
        }
        let key = (place, entry.to_owned());
        if let Some(last) = self.suggested.get(&key) {
            if now.saturating_duration_since(*last) < self.cooldown {
                return Err(Quiet::Cooldown);
            }
        }
        if self.suggested.len() >= REMEMBER_MAX {
            let cooldown = self.cooldown;
            self.suggested
                .retain(|_, last| now.saturating_duration_since(*last) < cooldown);
        }
        self.suggested.insert(key, now);
        Ok(())
    }

    /// Gives back a slot taken by [`claim`](Self::claim) when the suggestion could not be posted.
    pub fn release(&mut self, place: u64, entry: &str) {
        self.suggested.remove(&(place, entry.to_owned()));
    }

    /// Whether `message` opens thread `thread`: a forum post's first message has the thread's id;
    /// otherwise the first message seen in a thread created while the bot was running.
    fn first_in_thread(&mut self, thread: u64, message: u64, now: Instant) -> bool {
        if self.threads_seen.len() >= REMEMBER_MAX {
            self.threads_seen
                .retain(|_, seen| now.saturating_duration_since(*seen) < REMEMBER_FOR);
        }
        let seen_before = self.threads_seen.insert(thread, now).is_some();
        message == thread || (!seen_before && created_ms(thread) >= self.started_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START_MS: u64 = 1_700_000_000_000;

    /// A Discord id created `offset_ms` after the policy's start.
    fn id_at(offset_ms: i64, n: u64) -> u64 {
        ((START_MS as i64 + offset_ms) as u64 - DISCORD_EPOCH_MS) << 22 | n
    }

    fn policy(channels: &[&str], cooldown_secs: u64, threads: ThreadMode) -> Policy {
        let config = SuggestConfig {
            channels: channels.iter().map(|c| c.to_string()).collect(),
            cooldown_secs,
            threads,
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
        let now = Instant::now();
        let mut by_name = policy(&["#CIPP-Issues"], 600, ThreadMode::FirstMessage);
        assert_eq!(
            by_name.screen(&message(1, Place::Channel(ISSUES)), now),
            Ok(())
        );
        assert_eq!(
            by_name.screen(&message(2, Place::Channel(GENERAL)), now),
            Err(Quiet::NotWatched)
        );
        assert_eq!(
            by_name.screen(&message(3, Place::Elsewhere), now),
            Err(Quiet::NotWatched)
        );
        let mut by_id = policy(&["11"], 600, ThreadMode::FirstMessage);
        assert_eq!(
            by_id.screen(&message(4, Place::Channel(GENERAL)), now),
            Ok(())
        );
    }

    #[test]
    fn never_bots_and_not_moderators() {
        let now = Instant::now();
        let mut policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
        let mut bot = message(1, Place::Channel(ISSUES));
        bot.from_bot = true;
        assert_eq!(policy.screen(&bot, now), Err(Quiet::FromBot));

        let roles = [Role {
            id: 5,
            name: "moderator",
        }];
        let mut moderator = message(2, Place::Channel(ISSUES));
        moderator.member = Some(Member {
            roles: &roles,
            manages_messages: false,
        });
        assert_eq!(policy.screen(&moderator, now), Err(Quiet::FromModerator));
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
        let now = Instant::now();
        let mut policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
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
        assert_eq!(policy.screen(&in_post(post), now), Ok(()));
        assert_eq!(
            policy.screen(&in_post(id_at(6_000, 2)), now),
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
        assert_eq!(policy.screen(&in_thread(id_at(8_000, 4)), now), Ok(()));
        assert_eq!(
            policy.screen(&in_thread(id_at(9_000, 5)), now),
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
        assert_eq!(policy.screen(&in_old, now), Err(Quiet::LaterInThread));

        // Threads of other channels, or of unknown parents, are not watched.
        let elsewhere = message(
            id_at(11_000, 8),
            Place::Thread {
                id: id_at(11_000, 8),
                parent: Some(GENERAL),
            },
        );
        assert_eq!(policy.screen(&elsewhere, now), Err(Quiet::NotWatched));
        let orphan = message(
            id_at(12_000, 9),
            Place::Thread {
                id: id_at(12_000, 9),
                parent: None,
            },
        );
        assert_eq!(policy.screen(&orphan, now), Err(Quiet::NotWatched));
    }

    #[test]
    fn threads_all_answers_every_message() {
        let now = Instant::now();
        let mut policy = policy(&["cipp-issues"], 600, ThreadMode::All);
        let thread = id_at(1_000, 1);
        for n in 2..5 {
            let later = message(
                id_at(2_000, n),
                Place::Thread {
                    id: thread,
                    parent: Some(ISSUES),
                },
            );
            assert_eq!(policy.screen(&later, now), Ok(()));
        }
    }

    #[test]
    fn cooldown_is_per_channel_and_entry_and_expires() {
        let start = Instant::now();
        let mut policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
        assert_eq!(policy.claim(10, "cost", start), Ok(()));
        let later = start + Duration::from_secs(599);
        assert_eq!(policy.claim(10, "cost", later), Err(Quiet::Cooldown));
        assert_eq!(policy.claim(10, "500-error", later), Ok(()));
        assert_eq!(policy.claim(11, "cost", later), Ok(()));
        assert_eq!(
            policy.claim(10, "cost", start + Duration::from_secs(600)),
            Ok(())
        );

        policy.release(10, "500-error");
        assert_eq!(policy.claim(10, "500-error", later), Ok(()));
    }

    #[test]
    fn zero_cooldown_turns_it_off() {
        let now = Instant::now();
        let mut policy = policy(&["cipp-issues"], 0, ThreadMode::FirstMessage);
        for _ in 0..3 {
            assert_eq!(policy.claim(10, "cost", now), Ok(()));
        }
    }

    #[test]
    fn memory_stays_bounded() {
        let start = Instant::now();
        let mut policy = policy(&["cipp-issues"], 1, ThreadMode::FirstMessage);
        for n in 0..(3 * REMEMBER_MAX as u64) {
            let now = start + Duration::from_secs(n);
            policy.claim(n, "cost", now).unwrap();
        }
        assert!(policy.suggested.len() <= REMEMBER_MAX);
    }
}
