//! What the people of the emulated server do: post in channels, threads and forums, use slash
//! and message commands, click, pick and submit forms.

use std::time::Instant;

use serde_json::{json, Value};

use super::protocol;
use super::world::{self, person, BOT};
use super::{id_field, lock, Emulator, Event, Interaction};

/// The direct-message channel between the bot and the people who write to it.
const DM_CHANNEL: u64 = 300_000_000_000_000_099;

/// An interaction sent to the bot.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: u64,
    pub token: String,
}

impl Emulator {
    /// `author` posts `content` in `channel` (a channel or thread id); returns the message id.
    pub fn say(&self, author: u64, channel: u64, content: &str) -> u64 {
        let id = self.state.new_id();
        self.say_with_id(id, author, channel, content);
        id
    }

    /// `author` replies to the message `reply_to` in `channel` with `content`, as Discord sends a
    /// reply: the message it replies to rides along in `referenced_message` (without its author's
    /// member fields). Returns the reply's id.
    pub fn reply(&self, author: u64, channel: u64, content: &str, reply_to: u64) -> u64 {
        let id = self.state.new_id();
        let mut world = lock(&self.state.world);
        let mut message = world.message(id, channel, person(author), content);
        message["type"] = json!(19);
        message["message_reference"] =
            json!({"message_id": reply_to.to_string(), "channel_id": channel.to_string()});
        let mut replied = world
            .messages
            .get(&reply_to)
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(fields) = replied.as_object_mut() {
            fields.remove("member");
        }
        world.messages.insert(id, message.clone());
        drop(world);
        message["referenced_message"] = replied;
        self.state.dispatch("MESSAGE_CREATE", message);
        id
    }

    fn say_with_id(&self, id: u64, author: u64, channel: u64, content: &str) {
        let mut world = lock(&self.state.world);
        let message = world.message(id, channel, person(author), content);
        world.messages.insert(id, message.clone());
        drop(world);
        self.state.dispatch("MESSAGE_CREATE", message);
    }

    /// A message of the server's past, made `ago` before now, by `author` in `channel` (a channel
    /// or thread), replying to `reply_to` if given: stored as history, not sent to the gateway.
    /// Returns its id.
    pub fn past(
        &self,
        ago: std::time::Duration,
        author: u64,
        channel: u64,
        content: &str,
        reply_to: Option<u64>,
    ) -> u64 {
        let at = lock(&self.state.world)
            .now_ms()
            .saturating_sub(ago.as_millis() as u64);
        let id = crate::snowflake::id_at(at) | (self.state.new_id() & 0x3f_ffff);
        let mut message = lock(&self.state.world).message(id, channel, person(author), content);
        if let Some(replied) = reply_to {
            message["type"] = json!(19);
            message["message_reference"] =
                json!({"message_id": replied.to_string(), "channel_id": channel.to_string()});
        }
        lock(&self.state.world).messages.insert(id, message);
        id
    }

    /// A thread of the server's past in `parent`, opened `ago` before now; returns its id.
    pub fn past_thread(&self, ago: std::time::Duration, parent: u64, name: &str) -> u64 {
        let at = lock(&self.state.world)
            .now_ms()
            .saturating_sub(ago.as_millis() as u64);
        let id = crate::snowflake::id_at(at) | (self.state.new_id() & 0x3f_ffff);
        let mut world = lock(&self.state.world);
        let guild = world.guild_of(parent);
        world.channels.push(world::Channel {
            id,
            name: name.to_owned(),
            kind: protocol::PUBLIC_THREAD,
            parent: Some(parent),
            guild,
        });
        id
    }

    /// Adds a server with its own `cipp-issues` channel, which the bot sees at its next IDENTIFY
    /// (on the shard the server falls on); returns the server and the channel.
    pub fn add_guild(&self) -> (u64, u64) {
        lock(&self.state.world).add_guild()
    }

    /// A direct message from `author` to the bot: it belongs to no server, so Discord sends it to
    /// shard 0. Returns its id.
    pub fn direct_message(&self, author: u64, content: &str) -> u64 {
        let id = self.state.new_id();
        let mut message = world::message(id, DM_CHANNEL, person(author), content);
        if let Some(fields) = message.as_object_mut() {
            fields.remove("guild_id");
            fields.remove("member");
        }
        lock(&self.state.world).messages.insert(id, message.clone());
        self.state.dispatch("MESSAGE_CREATE", message);
        id
    }

    /// Archives a thread: it is listed among its channel's archived threads from now on.
    pub fn archive(&self, thread: u64) {
        lock(&self.state.world).archived.insert(thread);
    }

    /// The oldest message in the channel or thread named `name`.
    pub fn first_message_in(&self, name: &str) -> Option<u64> {
        let world = lock(&self.state.world);
        let channel = world
            .channels
            .iter()
            .find(|c| c.name == name)?
            .id
            .to_string();
        world
            .messages
            .iter()
            .filter(|(_, m)| m["channel_id"].as_str() == Some(channel.as_str()))
            .map(|(id, _)| *id)
            .min()
    }

    /// Takes the bot's right to read `channel` away: reads answer 403 Missing Access.
    pub fn forbid(&self, channel: u64) {
        lock(&self.state.world).forbidden.insert(channel);
    }

    /// Deletes a message without telling the gateway (a deletion in the server's past).
    pub fn forget_message(&self, message: u64) {
        lock(&self.state.world).messages.remove(&message);
    }

    /// Opens a thread in `parent`; returns its id.
    pub fn thread(&self, parent: u64, name: &str) -> u64 {
        let id = self.state.new_id();
        let channel = world::Channel {
            id,
            name: name.to_owned(),
            kind: protocol::PUBLIC_THREAD,
            parent: Some(parent),
            guild: lock(&self.state.world).guild_of(parent),
        };
        let mut data = world::channel_json(&channel);
        data["newly_created"] = json!(true);
        lock(&self.state.world).channels.push(channel);
        self.state.dispatch("THREAD_CREATE", data);
        id
    }

    /// `author` opens a forum post in `forum`: a thread whose first message has the thread's id.
    pub fn forum_post(&self, author: u64, forum: u64, title: &str, content: &str) -> u64 {
        let id = self.thread(forum, title);
        self.say_with_id(id, author, id, content);
        id
    }

    /// `user` runs the slash command `name` with `options` (Discord's option objects).
    pub fn slash(&self, user: u64, channel: u64, name: &str, options: Value) -> Sent {
        let guild = lock(&self.state.world).guild_of(channel);
        let mut data = json!({"id": self.command_id(name), "name": name, "type": protocol::CHAT_INPUT, "guild_id": guild.to_string(), "options": options});
        let mentioned = users_in(&data["options"]);
        if !mentioned.is_empty() {
            let users: serde_json::Map<String, Value> = mentioned
                .iter()
                .map(|id| (id.to_string(), world::user(person(*id))))
                .collect();
            let members: serde_json::Map<String, Value> = mentioned
                .iter()
                .map(|id| (id.to_string(), world::member_fields(person(*id))))
                .collect();
            data["resolved"] = json!({"users": users, "members": members});
        }
        self.interact(user, channel, protocol::APPLICATION_COMMAND, data, None)
    }

    /// `user` has typed into a slash command option marked `"focused": true` in `options`.
    pub fn autocomplete(&self, user: u64, channel: u64, name: &str, options: Value) -> Sent {
        let guild = lock(&self.state.world).guild_of(channel);
        let data = json!({"id": self.command_id(name), "name": name, "type": protocol::CHAT_INPUT, "guild_id": guild.to_string(), "options": options});
        self.interact(user, channel, protocol::AUTOCOMPLETE, data, None)
    }

    /// `user` runs the message command `name` on message `target`.
    pub fn message_command(&self, user: u64, name: &str, target: u64) -> Option<Sent> {
        let message = lock(&self.state.world).messages.get(&target).cloned()?;
        let channel = id_field(&message["channel_id"]);
        let guild = lock(&self.state.world).guild_of(channel);
        let data = json!({
            "id": self.command_id(name), "name": name, "type": protocol::MESSAGE_COMMAND, "guild_id": guild.to_string(),
            "target_id": target.to_string(),
            "resolved": {"messages": {target.to_string(): message}},
        });
        Some(self.interact(user, channel, protocol::APPLICATION_COMMAND, data, None))
    }

    /// `user` clicks the button `custom_id` on message `message`.
    pub fn click(&self, user: u64, message: u64, custom_id: &str) -> Option<Sent> {
        let data = json!({"custom_id": custom_id, "component_type": protocol::BUTTON});
        self.interact_on(user, message, protocol::MESSAGE_COMPONENT, data)
    }

    /// `user` picks `values` in the select menu `custom_id` on message `message`.
    pub fn select(
        &self,
        user: u64,
        message: u64,
        custom_id: &str,
        values: &[&str],
    ) -> Option<Sent> {
        let data = json!({"custom_id": custom_id, "component_type": protocol::STRING_SELECT, "values": values});
        self.interact_on(user, message, protocol::MESSAGE_COMPONENT, data)
    }

    /// An interaction of `user` on the bot's `message` (a click, a pick, a form it opened), in
    /// that message's channel; `None` when the message is gone.
    fn interact_on(&self, user: u64, message: u64, kind: u8, data: Value) -> Option<Sent> {
        let channel = self.channel_of(message)?;
        Some(self.interact(user, channel, kind, data, Some(message)))
    }

    /// `user` submits the modal `custom_id` with (input custom_id, value) pairs.
    pub fn submit(
        &self,
        user: u64,
        channel: u64,
        custom_id: &str,
        inputs: &[(&str, &str)],
    ) -> Sent {
        self.interact(
            user,
            channel,
            protocol::MODAL_SUBMIT,
            modal_data(custom_id, inputs),
            None,
        )
    }

    /// `user` submits the modal `custom_id` that a button of `message` opened: Discord then sends
    /// that message along, as for a click.
    pub fn submit_from(
        &self,
        user: u64,
        message: u64,
        custom_id: &str,
        inputs: &[(&str, &str)],
    ) -> Option<Sent> {
        let data = modal_data(custom_id, inputs);
        self.interact_on(user, message, protocol::MODAL_SUBMIT, data)
    }

    fn channel_of(&self, message: u64) -> Option<u64> {
        let world = lock(&self.state.world);
        world
            .messages
            .get(&message)
            .map(|m| id_field(&m["channel_id"]))
    }

    /// The registered command's id, or a stand-in before registration.
    fn command_id(&self, name: &str) -> String {
        let events = lock(&self.state.events);
        events
            .iter()
            .rev()
            .find_map(|event| match event {
                Event::Commands { commands, .. } => commands
                    .as_array()?
                    .iter()
                    .find(|c| c["name"] == name)
                    .map(|c| c["id"].as_str().unwrap_or("1").to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| "1".to_owned())
    }

    fn interact(
        &self,
        user: u64,
        channel: u64,
        kind: u8,
        data: Value,
        source: Option<u64>,
    ) -> Sent {
        let state = &self.state;
        let id = state.new_id();
        let token = format!("interaction-{id}");
        let who = person(user);
        let (channel_name, channel_kind, source_message, guild) = {
            let world = lock(&state.world);
            let found = world.channel(channel);
            (
                found.map_or("unknown".to_owned(), |c| c.name.clone()),
                found.map_or(0, |c| c.kind),
                source.and_then(|m| world.messages.get(&m).cloned()),
                world.guild_of(channel),
            )
        };
        let mut member = world::member(who);
        member["permissions"] = json!(world::permissions(who, channel).to_string());
        let mut payload = json!({
            "id": id.to_string(),
            "application_id": BOT.to_string(),
            "type": kind,
            "data": data,
            "guild_id": guild.to_string(),
            "channel_id": channel.to_string(),
            "channel": {"id": channel.to_string(), "type": channel_kind, "name": channel_name, "guild_id": guild.to_string(), "permissions": world::permissions(who, channel).to_string(), "flags": 0},
            "member": member,
            "token": token,
            "version": 1,
            "app_permissions": "2248473465835073",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.to_string()},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        });
        if let Some(message) = source_message {
            payload["message"] = message;
        }
        lock(&state.interactions).insert(
            token.clone(),
            Interaction {
                id,
                channel,
                created: Instant::now(),
                responded: false,
                source,
                original: source,
                deferred_ephemeral: false,
                user,
                name: data["name"].as_str().unwrap_or_default().to_owned(),
            },
        );
        state.dispatch("INTERACTION_CREATE", payload);
        Sent { id, token }
    }
}

/// The data of a modal submission: one text input per row.
fn modal_data(custom_id: &str, inputs: &[(&str, &str)]) -> Value {
    let rows: Vec<Value> = inputs
        .iter()
        .map(|(id, value)| json!({"type": protocol::ACTION_ROW, "components": [{"type": protocol::TEXT_INPUT, "custom_id": id, "value": value}]}))
        .collect();
    json!({"custom_id": custom_id, "components": rows})
}

/// The user ids given as user options (type 6), at any depth.
fn users_in(options: &Value) -> Vec<u64> {
    let mut found = Vec::new();
    for option in options.as_array().map_or(&[][..], Vec::as_slice) {
        if option["type"] == 6 {
            found.push(id_field(&option["value"]));
        }
        found.extend(users_in(&option["options"]));
    }
    found
}
