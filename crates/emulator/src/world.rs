//! The emulated servers: one guild with its channels, roles and members (more can be added, each
//! with a support channel, for sharding), the messages posted, and the JSON shapes Discord sends
//! for them.
//!
//! Every payload carries the fields serenity 0.12 requires (see the crate's `README.md`); the
//! tests in `tests.rs` prove that each one deserializes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

use super::protocol;
use crate::snowflake;

/// The bot's user id, which is also its application id.
pub const BOT: u64 = 100_000_000_000_000_001;
pub const GUILD: u64 = 200_000_000_000_000_002;

pub const GENERAL: u64 = 300_000_000_000_000_001;
pub const CIPP_ISSUES: u64 = 300_000_000_000_000_002;
/// A forum channel: each post is a thread whose first message has the thread's id.
pub const SUPPORT_FORUM: u64 = 300_000_000_000_000_003;

/// The `@everyone` role has the guild's id.
pub const EVERYONE_ROLE: u64 = GUILD;
pub const MODERATOR_ROLE: u64 = 500_000_000_000_000_001;

pub const ALICE: u64 = 400_000_000_000_000_001;
pub const BOB: u64 = 400_000_000_000_000_002;
/// A member with the `Moderator` role and the Manage Messages permission.
pub const MOD: u64 = 400_000_000_000_000_003;
/// Another bot in the server.
pub const OTHER_BOT: u64 = 400_000_000_000_000_004;
/// A member who joined today.
pub const NEWBIE: u64 = 400_000_000_000_000_005;
/// A member who may manage messages in #general only (a channel overwrite), not server-wide.
pub const HELPER: u64 = 400_000_000_000_000_006;

/// View Channels, Send Messages, Read Message History, Embed Links, Use Application Commands.
const MEMBER_PERMISSIONS: u64 = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 14) | (1 << 31);
const MANAGE_MESSAGES: u64 = 1 << 13;

pub const TIMESTAMP: &str = "2024-01-01T00:00:00.000000+00:00";

/// A person (or bot) in the emulated server.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub id: u64,
    pub name: &'static str,
    pub bot: bool,
    pub roles: &'static [u64],
}

pub const PEOPLE: [Person; 7] = [
    Person {
        id: ALICE,
        name: "alice",
        bot: false,
        roles: &[],
    },
    Person {
        id: BOB,
        name: "bob",
        bot: false,
        roles: &[],
    },
    Person {
        id: MOD,
        name: "mod",
        bot: false,
        roles: &[MODERATOR_ROLE],
    },
    Person {
        id: NEWBIE,
        name: "newbie",
        bot: false,
        roles: &[],
    },
    Person {
        id: HELPER,
        name: "helper",
        bot: false,
        roles: &[],
    },
    Person {
        id: OTHER_BOT,
        name: "otherbot",
        bot: true,
        roles: &[],
    },
    Person {
        id: BOT,
        name: "faqbot",
        bot: true,
        roles: &[],
    },
];

pub fn person(id: u64) -> Person {
    PEOPLE
        .iter()
        .copied()
        .find(|p| p.id == id)
        .unwrap_or(Person {
            id,
            name: "someone",
            bot: false,
            roles: &[],
        })
}

/// A channel or thread.
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: u64,
    pub name: String,
    /// 0 text, 11 public thread, 15 forum.
    pub kind: u8,
    pub parent: Option<u64>,
    /// The server it is in.
    pub guild: u64,
}

/// What the emulated server holds.
#[derive(Debug)]
pub struct World {
    /// The servers: [`GUILD`] first.
    pub guilds: Vec<u64>,
    pub channels: Vec<Channel>,
    pub messages: HashMap<u64, Value>,
    /// Threads archived: listed among a channel's archived threads, not its active ones.
    pub archived: std::collections::HashSet<u64>,
    /// Channels the bot may not read (403 Missing Access).
    pub forbidden: std::collections::HashSet<u64>,
    ids: AtomicU64,
    /// How far the emulated Discord's clock is behind the host's ([`super::Options::clock_behind`]).
    pub behind_ms: u64,
}

impl Default for World {
    fn default() -> Self {
        let channel = |id, name: &str, kind| Channel {
            id,
            name: name.to_owned(),
            kind,
            parent: None,
            guild: GUILD,
        };
        World {
            guilds: vec![GUILD],
            channels: vec![
                channel(GENERAL, "general", protocol::GUILD_TEXT),
                channel(CIPP_ISSUES, "cipp-issues", protocol::GUILD_TEXT),
                channel(SUPPORT_FORUM, "support-forum", protocol::GUILD_FORUM),
            ],
            messages: HashMap::new(),
            archived: Default::default(),
            forbidden: Default::default(),
            ids: AtomicU64::new(0),
            behind_ms: 0,
        }
    }
}

impl World {
    /// The first server's world, its clock `behind_ms` behind the host's.
    pub fn behind(behind_ms: u64) -> World {
        World {
            behind_ms,
            ..World::default()
        }
    }

    /// A fresh id that, like Discord's, carries the current time.
    pub fn new_id(&self) -> u64 {
        let n = self.ids.fetch_add(1, Ordering::Relaxed) & 0x3f_ffff;
        snowflake::id_at(self.now_ms()) | n
    }

    /// The time on the emulated Discord's clock, [`behind_ms`](Self::behind_ms) behind the host's.
    pub fn now_ms(&self) -> u64 {
        snowflake::now_ms().saturating_sub(self.behind_ms)
    }

    pub fn channel(&self, id: u64) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The server a channel or thread is in (the first one for an unknown channel).
    pub fn guild_of(&self, channel: u64) -> u64 {
        self.channel(channel).map_or(GUILD, |c| c.guild)
    }

    /// Adds a server with one text channel, `cipp-issues` like the first's; returns the server
    /// and the channel. Server ids follow each other by Discord's sharding key (`id >> 22`), so
    /// that consecutive servers fall on consecutive shards.
    pub fn add_guild(&mut self) -> (u64, u64) {
        let guild = GUILD + ((self.guilds.len() as u64) << 22);
        let channel = self.new_id();
        self.guilds.push(guild);
        self.channels.push(Channel {
            id: channel,
            name: "cipp-issues".to_owned(),
            kind: protocol::GUILD_TEXT,
            parent: None,
            guild,
        });
        (guild, channel)
    }

    /// A message as MESSAGE_CREATE and the REST API return it, in its channel's server.
    pub fn message(&self, id: u64, channel: u64, author: Person, content: &str) -> Value {
        let mut value = message(id, channel, author, content);
        value["guild_id"] = json!(self.guild_of(channel).to_string());
        value
    }

    pub fn guild_create(&self, guild: u64) -> Value {
        let (threads, channels): (Vec<&Channel>, Vec<&Channel>) = self
            .channels
            .iter()
            .filter(|c| c.guild == guild && !self.archived.contains(&c.id))
            .partition(|c| c.kind == protocol::PUBLIC_THREAD);
        json!({
            "id": guild.to_string(),
            "name": if guild == GUILD { "CIPP (emulated)".to_owned() } else { format!("server {guild}") },
            "owner_id": MOD.to_string(),
            "joined_at": TIMESTAMP,
            "large": false,
            "member_count": PEOPLE.len(),
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "verification_level": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_progress_bar_enabled": false,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "features": [],
            "emojis": [],
            "stickers": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "roles": roles(guild),
            "members": PEOPLE.iter().map(|p| member(*p)).collect::<Vec<_>>(),
            "channels": channels.iter().map(|c| self.channel_with_last(c)).collect::<Vec<_>>(),
            "threads": threads.iter().map(|c| self.channel_with_last(c)).collect::<Vec<_>>(),
        })
    }

    /// A channel as GUILD_CREATE and the REST API show it: with the id of its last message, and
    /// a thread's archived state, as Discord does.
    pub fn channel_with_last(&self, channel: &Channel) -> Value {
        let mut value = channel_json(channel);
        let last = self
            .messages
            .iter()
            .filter(|(_, m)| m["channel_id"].as_str() == Some(&channel.id.to_string()))
            .map(|(id, _)| *id)
            .max();
        if let Some(last) = last {
            value["last_message_id"] = json!(last.to_string());
        }
        if self.archived.contains(&channel.id) {
            value["thread_metadata"]["archived"] = json!(true);
        }
        value
    }
}

/// A server's roles, as GUILD_CREATE and `GET /guilds/{id}/roles` show them: `@everyone` has the
/// server's id.
pub fn roles(guild: u64) -> Value {
    json!([
        role(guild, "@everyone", MEMBER_PERMISSIONS, 0),
        role(
            MODERATOR_ROLE,
            "Moderator",
            MEMBER_PERMISSIONS | MANAGE_MESSAGES,
            1
        ),
    ])
}

fn role(id: u64, name: &str, permissions: u64, position: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": true,
        "flags": 0,
    })
}

pub fn user(person: Person) -> Value {
    json!({
        "id": person.id.to_string(),
        "username": person.name,
        "global_name": person.name,
        "discriminator": "0",
        "avatar": null,
        "bot": person.bot,
        "public_flags": 0,
    })
}

/// A guild member, with the user inside (as in GUILD_CREATE and interactions).
pub fn member(person: Person) -> Value {
    let mut value = member_fields(person);
    value["user"] = user(person);
    value
}

/// The member fields without the user (as in MESSAGE_CREATE).
pub fn member_fields(person: Person) -> Value {
    json!({
        "roles": person.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": TIMESTAMP,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": server_permissions(person).to_string(),
    })
}

/// A person's permissions from their roles, server-wide.
pub fn server_permissions(person: Person) -> u64 {
    if person.roles.contains(&MODERATOR_ROLE) {
        MEMBER_PERMISSIONS | MANAGE_MESSAGES
    } else {
        MEMBER_PERMISSIONS
    }
}

/// A person's permissions in `channel`: their roles', plus the channel's overwrites.
pub fn permissions(person: Person, channel: u64) -> u64 {
    if person.id == HELPER && channel == GENERAL {
        server_permissions(person) | MANAGE_MESSAGES
    } else {
        server_permissions(person)
    }
}

pub fn channel_json(channel: &Channel) -> Value {
    let mut value = json!({
        "id": channel.id.to_string(),
        "type": channel.kind,
        "guild_id": channel.guild.to_string(),
        "name": channel.name,
        "position": 0,
        "permission_overwrites": if channel.id == GENERAL {
            json!([{"id": HELPER.to_string(), "type": 1, "allow": MANAGE_MESSAGES.to_string(), "deny": "0"}])
        } else {
            json!([])
        },
        "nsfw": false,
        "rate_limit_per_user": 0,
        "parent_id": channel.parent.map(|p| p.to_string()),
        "flags": 0,
    });
    if channel.kind == protocol::PUBLIC_THREAD {
        value["owner_id"] = json!(ALICE.to_string());
        value["message_count"] = json!(0);
        value["member_count"] = json!(1);
        value["thread_metadata"] = json!({
            "archived": false,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": false,
        });
    }
    value
}

/// A message as MESSAGE_CREATE and the REST API return it.
pub fn message(id: u64, channel: u64, author: Person, content: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "guild_id": GUILD.to_string(),
        "author": user(author),
        "member": member_fields(author),
        "content": content,
        "timestamp": TIMESTAMP,
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    })
}
