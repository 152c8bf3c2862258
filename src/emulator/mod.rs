//! A Discord emulator on 127.0.0.1: the gateway (WebSocket) and the REST API a poise bot uses,
//! for the end-to-end tests and `faqbot demo`.
//!
//! It speaks the real protocol, so the whole serenity stack runs against it: HELLO, IDENTIFY,
//! READY and GUILD_CREATE, heartbeats, dispatches, RECONNECT (op 7) with RESUME, and fatal close
//! codes. The REST side enforces Discord's limits with 400 errors, and works out who each post
//! would ping. Test code drives it as the people in one emulated server ([`world`]) and watches
//! what the bot does through [`Watcher`].

mod gateway;
pub mod limits;
pub mod protocol;
mod rest;
pub mod world;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};

pub use limits::Pings;
use world::{person, World, BOT, GUILD};

/// How the emulator behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// The only token it accepts.
    pub token: String,
    /// Close every IDENTIFY with this code (4004: bad token, 4014: intent not allowed).
    pub refuse_identify: Option<u16>,
    /// Answer each new channel message this much later: a slow Discord, so that posts are in
    /// flight for a while.
    pub post_delay: Option<Duration>,
    /// Enforce Discord's limit of 5 messages per 5 s in a channel with 429s (on by default).
    pub rate_limits: bool,
    /// The heartbeat interval HELLO asks for (Discord's is 41.25 s).
    pub heartbeat: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            token: "emulated-token".to_owned(),
            refuse_identify: None,
            post_delay: None,
            rate_limits: true,
            heartbeat: Duration::from_millis(41_250),
        }
    }
}

/// Something the bot did, as the emulator saw it.
#[derive(Debug, Clone)]
pub enum Event {
    /// The bot identified with these intents.
    Identified { intents: u64 },
    /// The bot resumed its session after a reconnect.
    Resumed,
    /// The bot registered its commands (in `guild`, or globally).
    Commands { guild: Option<u64>, commands: Value },
    /// The bot made a message visible (or edited one).
    Posted(Post),
    /// The bot deferred its answer to an interaction.
    Deferred { interaction: u64, ephemeral: bool },
    /// The bot acknowledged a component without a new message yet.
    Acknowledged { interaction: u64 },
    /// The bot answered an autocomplete: (name, value) pairs.
    Choices {
        interaction: u64,
        choices: Vec<(String, String)>,
    },
    /// The bot opened a modal form.
    Modal { interaction: u64, data: Value },
    /// The bot deleted a message.
    Deleted { channel: u64, message: u64 },
    /// The emulator refused a request, as Discord would have.
    Rejected { route: String, reason: String },
    /// A request was sent into a rate-limit window that was exhausted: answered with 429.
    RateLimited { route: String },
    /// A request was sent while the last response for its route had announced the window
    /// exhausted (`X-RateLimit-Remaining: 0`, or a 429's `Retry-After`) and not reset yet.
    DisregardedLimit { route: String },
}

/// How a post came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `POST /channels/{id}/messages`.
    Channel,
    /// The answer to an interaction (type 4).
    Response { interaction: u64 },
    /// A followup or an edit of the original answer.
    Followup { interaction: u64 },
    /// The answer to a component that replaced its message (type 7).
    Update { interaction: u64 },
    /// An edit of a channel message.
    Edit,
}

/// A message the bot posted, as stored.
#[derive(Debug, Clone)]
pub struct Post {
    pub via: Via,
    pub id: u64,
    pub channel: u64,
    pub ephemeral: bool,
    /// The message it replies to.
    pub reply_to: Option<u64>,
    /// Who it pings.
    pub pings: Pings,
    /// The message as the API returned it.
    pub message: Value,
}

impl Post {
    pub fn content(&self) -> &str {
        self.message["content"].as_str().unwrap_or("")
    }

    pub fn title(&self) -> &str {
        self.message["embeds"][0]["title"].as_str().unwrap_or("")
    }

    pub fn description(&self) -> &str {
        self.message["embeds"][0]["description"]
            .as_str()
            .unwrap_or("")
    }

    /// Every component as (label or placeholder, custom_id or url).
    pub fn components(&self) -> Vec<(String, String)> {
        self.items()
            .iter()
            .map(|c| {
                let label = c["label"].as_str().or(c["placeholder"].as_str());
                let target = c["custom_id"].as_str().or(c["url"].as_str());
                (
                    label.unwrap_or("").to_owned(),
                    target.unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// The custom_id of the component with this label.
    pub fn custom_id(&self, label: &str) -> Option<String> {
        self.components()
            .into_iter()
            .find(|(l, _)| l == label)
            .map(|(_, id)| id)
    }

    /// The values offered by the select menus.
    pub fn options(&self) -> Vec<String> {
        self.items()
            .iter()
            .flat_map(|c| c["options"].as_array().cloned().unwrap_or_default())
            .filter_map(|o| o["value"].as_str().map(str::to_owned))
            .collect()
    }

    /// The components of every action row.
    fn items(&self) -> Vec<Value> {
        let rows = self.message["components"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        rows.iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

/// An interaction sent to the bot.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: u64,
    pub token: String,
}

#[derive(Debug, Clone, Copy)]
enum Control {
    Reconnect,
    Close(u16),
}

struct Interaction {
    id: u64,
    channel: u64,
    created: Instant,
    responded: bool,
    /// The message a component was used on.
    source: Option<u64>,
    /// The message the response created (for a component: the message it is on).
    original: Option<u64>,
    /// Whether a deferred answer will be private.
    deferred_ephemeral: bool,
}

/// What the server side shares between the gateway, the REST API and the test's handle.
struct State {
    options: Options,
    ws_url: String,
    world: Mutex<World>,
    seq: AtomicU64,
    /// Every dispatch with its sequence number, for resuming sessions.
    outbox: Mutex<Vec<(u64, Value)>>,
    latest: watch::Sender<u64>,
    control: broadcast::Sender<Control>,
    session: Mutex<Option<String>>,
    events: Mutex<Vec<Event>>,
    event_count: watch::Sender<usize>,
    interactions: Mutex<HashMap<String, Interaction>>,
    /// While set, every REST call fails with 503, as in a Discord outage.
    outage: std::sync::atomic::AtomicBool,
    /// Per channel, when its recent messages were created: Discord's per-channel rate limit.
    channel_windows: Mutex<HashMap<u64, std::collections::VecDeque<Instant>>>,
    /// How many messages a channel's window holds (Discord may lower a bucket's limit; the
    /// headers say so).
    channel_limit: std::sync::atomic::AtomicUsize,
    /// Per channel, until when the last response announced its window exhausted.
    announced: Mutex<HashMap<u64, Instant>>,
    /// Gateway connections opened so far; each is known by its number.
    connections: AtomicU64,
    /// The connection that went silent (0: none).
    stalled: AtomicU64,
    /// Nonces of new messages sent with `enforce_nonce`: the message and when.
    nonces: Mutex<HashMap<String, (u64, Instant)>>,
    /// New messages still to post but answer with 502, as if the answer were lost.
    lose_answers: std::sync::atomic::AtomicUsize,
}

/// Locks a mutex, surviving a panic elsewhere (a test that failed must not hang the others).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl State {
    fn record(&self, event: Event) {
        let mut events = lock(&self.events);
        events.push(event);
        self.event_count.send_replace(events.len());
    }

    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Queues a dispatch for the live session.
    fn dispatch(&self, kind: &str, data: Value) {
        let mut outbox = lock(&self.outbox);
        let seq = self.next_seq();
        outbox.push((seq, json!({"op": 0, "s": seq, "t": kind, "d": data})));
        self.latest.send_replace(seq);
    }

    /// Queues READY and GUILD_CREATE for a new session; returns the sequence number before them.
    fn start_session(&self, ready: Value, guild: Value) -> u64 {
        let mut outbox = lock(&self.outbox);
        let cursor = self.seq.load(Ordering::SeqCst);
        for (kind, data) in [("READY", ready), ("GUILD_CREATE", guild)] {
            let seq = self.next_seq();
            outbox.push((seq, json!({"op": 0, "s": seq, "t": kind, "d": data})));
        }
        self.latest.send_replace(self.seq.load(Ordering::SeqCst));
        cursor
    }

    fn new_id(&self) -> u64 {
        lock(&self.world).new_id()
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

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    state: Arc<State>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Emulator {
    /// Starts an emulator on a free port of 127.0.0.1.
    pub async fn start(options: Options) -> std::io::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            options,
            ws_url: format!("ws://{addr}/ws"),
            world: Mutex::new(World::default()),
            seq: AtomicU64::new(0),
            outbox: Mutex::new(Vec::new()),
            latest: watch::channel(0).0,
            control: broadcast::channel(16).0,
            session: Mutex::new(None),
            events: Mutex::new(Vec::new()),
            event_count: watch::channel(0).0,
            interactions: Mutex::new(HashMap::new()),
            outage: std::sync::atomic::AtomicBool::new(false),
            channel_windows: Mutex::new(HashMap::new()),
            channel_limit: std::sync::atomic::AtomicUsize::new(rest::CHANNEL_MESSAGES),
            announced: Mutex::new(HashMap::new()),
            connections: AtomicU64::new(0),
            stalled: AtomicU64::new(0),
            nonces: Mutex::new(HashMap::new()),
            lose_answers: std::sync::atomic::AtomicUsize::new(0),
        });
        let app = rest::router(state.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!("emulator stopped: {error}");
            }
        });
        Ok(Emulator {
            state,
            addr,
            server,
        })
    }

    /// The origin to give the bot as `api_base`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn token(&self) -> &str {
        &self.state.options.token
    }

    /// Follows what the bot does from now on.
    pub fn watch(&self) -> Watcher {
        Watcher {
            state: self.state.clone(),
            cursor: lock(&self.state.events).len(),
        }
    }

    /// Follows what the bot did from the start.
    pub fn watch_from_start(&self) -> Watcher {
        Watcher {
            state: self.state.clone(),
            cursor: 0,
        }
    }

    /// Everything the bot did so far.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.state.events).clone()
    }

    /// `author` posts `content` in `channel` (a channel or thread id); returns the message id.
    pub fn say(&self, author: u64, channel: u64, content: &str) -> u64 {
        let id = self.state.new_id();
        self.say_with_id(id, author, channel, content);
        id
    }

    fn say_with_id(&self, id: u64, author: u64, channel: u64, content: &str) {
        let message = world::message(id, channel, person(author), content);
        lock(&self.state.world).messages.insert(id, message.clone());
        self.state.dispatch("MESSAGE_CREATE", message);
    }

    /// Opens a thread in `parent`; returns its id.
    pub fn thread(&self, parent: u64, name: &str) -> u64 {
        let id = self.state.new_id();
        let channel = world::Channel {
            id,
            name: name.to_owned(),
            kind: protocol::PUBLIC_THREAD,
            parent: Some(parent),
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
        let mut data = json!({"id": self.command_id(name), "name": name, "type": protocol::CHAT_INPUT, "guild_id": GUILD.to_string(), "options": options});
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
        let data = json!({"id": self.command_id(name), "name": name, "type": protocol::CHAT_INPUT, "guild_id": GUILD.to_string(), "options": options});
        self.interact(user, channel, protocol::AUTOCOMPLETE, data, None)
    }

    /// `user` runs the message command `name` on message `target`.
    pub fn message_command(&self, user: u64, name: &str, target: u64) -> Option<Sent> {
        let message = lock(&self.state.world).messages.get(&target).cloned()?;
        let channel = id_field(&message["channel_id"]);
        let data = json!({
            "id": self.command_id(name), "name": name, "type": protocol::MESSAGE_COMMAND, "guild_id": GUILD.to_string(),
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

    /// Asks the bot to reconnect (op 7); it should come back with RESUME.
    /// Makes the current gateway connection a zombie: it stays open but acknowledges no heartbeat
    /// and delivers nothing more, as a connection does when the network drops it silently. What
    /// is said meanwhile reaches only a session that resumes.
    pub fn stall(&self) {
        let newest = self.state.connections.load(Ordering::SeqCst);
        self.state.stalled.store(newest, Ordering::SeqCst);
    }

    pub fn reconnect(&self) {
        let _ = self.state.control.send(Control::Reconnect);
    }

    /// Closes the live connection with `code`.
    pub fn close(&self, code: u16) {
        let _ = self.state.control.send(Control::Close(code));
    }

    /// The author deletes message `id`.
    pub fn delete(&self, id: u64) {
        let removed = lock(&self.state.world).messages.remove(&id);
        if let Some(message) = removed {
            let data = json!({"id": id.to_string(), "channel_id": message["channel_id"], "guild_id": GUILD.to_string()});
            self.state.dispatch("MESSAGE_DELETE", data);
        }
    }

    /// Starts or ends a REST outage: every call fails with 503 (the gateway stays up).
    pub fn outage(&self, on: bool) {
        self.state.outage.store(on, Ordering::SeqCst);
    }

    /// Lets a channel's window hold `messages` from now on instead of Discord's published 5, as
    /// Discord may for a bucket; only the rate-limit headers tell.
    pub fn limit_channel_messages(&self, messages: usize) {
        self.state.channel_limit.store(messages, Ordering::SeqCst);
    }

    /// Posts the next `count` new channel messages but answers them with 502, as when Discord's
    /// answer is lost on the way back: a client that retries without a nonce posts twice.
    pub fn lose_answers(&self, count: usize) {
        self.state.lose_answers.store(count, Ordering::SeqCst);
    }

    /// Fills `channel`'s window as another client of the same bot would (a second process), so
    /// that the bot's next post there is refused with a 429 it could not foresee.
    pub fn use_up(&self, channel: u64) {
        let limit = self.state.channel_limit.load(Ordering::SeqCst);
        let now = Instant::now();
        let mut windows = lock(&self.state.channel_windows);
        let sent = windows.entry(channel).or_default();
        while sent.len() < limit {
            sent.push_back(now);
        }
    }

    /// A stored message (the bot's or a user's).
    pub fn message(&self, id: u64) -> Option<Value> {
        lock(&self.state.world).messages.get(&id).cloned()
    }

    /// The bot's post as it is now (edits applied), or `None` once it is deleted.
    pub fn current(&self, post: &Post) -> Option<Post> {
        let message = self.message(post.id)?;
        Some(Post {
            message,
            ..post.clone()
        })
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
        let (channel_name, channel_kind, source_message) = {
            let world = lock(&state.world);
            let found = world.channel(channel);
            (
                found.map_or("unknown".to_owned(), |c| c.name.clone()),
                found.map_or(0, |c| c.kind),
                source.and_then(|m| world.messages.get(&m).cloned()),
            )
        };
        let mut member = world::member(who);
        member["permissions"] = json!(world::permissions(who, channel).to_string());
        let mut payload = json!({
            "id": id.to_string(),
            "application_id": BOT.to_string(),
            "type": kind,
            "data": data,
            "guild_id": GUILD.to_string(),
            "channel_id": channel.to_string(),
            "channel": {"id": channel.to_string(), "type": channel_kind, "name": channel_name, "guild_id": GUILD.to_string(), "permissions": world::permissions(who, channel).to_string(), "flags": 0},
            "member": member,
            "token": token,
            "version": 1,
            "app_permissions": "2248473465835073",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD.to_string()},
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
            },
        );
        state.dispatch("INTERACTION_CREATE", payload);
        Sent { id, token }
    }
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

/// An id written as a JSON string (Discord's way) or number.
fn id_field(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.parse().unwrap_or(0),
        other => other.as_u64().unwrap_or(0),
    }
}

/// Reads the bot's actions as they happen.
pub struct Watcher {
    state: Arc<State>,
    cursor: usize,
}

impl Watcher {
    /// The next event within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Event> {
        self.find(timeout, |_| true).await
    }

    /// The next event that satisfies `wanted` within `timeout`; other events are passed over.
    pub async fn find(
        &mut self,
        timeout: Duration,
        mut wanted: impl FnMut(&Event) -> bool,
    ) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut count = self.state.event_count.subscribe();
        loop {
            {
                let events = lock(&self.state.events);
                while self.cursor < events.len() {
                    let event = &events[self.cursor];
                    self.cursor += 1;
                    if wanted(event) {
                        return Some(event.clone());
                    }
                }
            }
            if tokio::time::timeout_at(deadline, count.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }

    /// The next post within `timeout`.
    pub async fn post(&mut self, timeout: Duration) -> Option<Post> {
        match self.find(timeout, |e| matches!(e, Event::Posted(_))).await {
            Some(Event::Posted(post)) => Some(post),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
