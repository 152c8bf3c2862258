//! What the bot did, as the emulator saw it: the events a test reads, the posts with their
//! content and buttons, and the [`Watcher`] that waits for them.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{lock, Pings, State};

/// Something the bot did, as the emulator saw it.
#[derive(Debug, Clone)]
pub enum Event {
    /// The bot identified shard `shard` with these intents.
    Identified { intents: u64, shard: u64 },
    /// An IDENTIFY of `shard` came sooner after the last one than Discord allows, and was
    /// refused with an invalid session.
    IdentifyRefused { shard: u64 },
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
    /// The bot left a server.
    Left { guild: u64 },
    /// The bot read a page of a channel's messages: how many it got.
    Read { channel: u64, messages: usize },
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

/// Reads the bot's actions as they happen.
pub struct Watcher {
    pub(super) state: Arc<State>,
    pub(super) cursor: usize,
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
