//! Reading a server's past over REST (no gateway): the watched channels, their active and
//! archived threads, newest to oldest, 100 messages a request within the global rate limit. Each
//! staff answer with an entry's link goes to [`crate::history`] with the message it answered;
//! everything else read is dropped at once. Used by `faqbot learn history` and
//! `/faq-admin learn-history`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod places;
mod staff;

use poise::serenity_prelude as serenity;
use serenity::http::Route;
use serenity::{GuildId, Http, Message, UserId};

use super::retry::describe;
use super::send::Sender;
use crate::faq::Faq;
use crate::history::{links_in, Answer, Asked, Counts, Learner};
use crate::ids;
use crate::policy::Moderators;
use crate::store::{Backend, Example, Record, StaffPage};
use places::{places, read_place};
use staff::Staff;

/// How long one read may be retried through an outage or rate limits.
const READ_FOR: Duration = Duration::from_secs(60);

/// What to read and how.
#[derive(Debug, Clone)]
pub struct Reading {
    pub guild: u64,
    /// Channel names or ids; their threads and forum posts are read too.
    pub channels: Vec<String>,
    /// Messages older than this (Unix ms) are not read.
    pub since_ms: u64,
    /// Learn nothing and move no cursor: say what would be learned.
    pub dry_run: bool,
    /// Learned examples kept per entry at most.
    pub max_examples: usize,
}

/// Where a reading stands, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub places: usize,
    pub places_done: usize,
    pub messages: usize,
}

/// What a reading did.
#[derive(Debug, Default)]
pub struct Learned {
    pub counts: Counts,
    /// The examples learned (or, in a dry run, that would be).
    pub examples: Vec<Example>,
    /// Examples the store took (fewer than `examples` when over an entry's cap).
    pub stored: usize,
    /// Staff answers with a docs page no entry links (kept unless a dry run).
    pub pages: Vec<StaffPage>,
    pub messages: usize,
    pub places: usize,
    /// Places that could not be read, with why in one line.
    pub unreadable: Vec<(u64, String)>,
    pub elapsed: Duration,
}

/// Why a reading could not start.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot read the server's {what}: {reason}")]
    Discord { what: &'static str, reason: String },
    #[error("cannot reach Discord at {origin} for {secs} s: check this machine's network connection (and [discord] api_base, if the config sets one), then run it again")]
    Unreachable { origin: String, secs: u64 },
    #[error("no channel {0:?} in the server; check the name or id")]
    NoChannel(String),
    #[error("nothing to read: name channels with --channel or in [suggest] channels")]
    NoChannels,
    #[error("{0}")]
    Store(crate::store::StoreError),
    #[error("reading the store failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// `faqbot learn history`: reads with the config's REST client (the token, `api_base`) and
/// moderator roles, learning into `store`.
pub async fn learn_with_config(
    config: &crate::config::Config,
    token: &crate::config::Token,
    store: Arc<dyn Backend>,
    faq: &Faq,
    reading: &Reading,
    progress: impl FnMut(Progress),
) -> Result<Learned, HistoryError> {
    let (http, origin) = super::run::http(config, token);
    // Said while it retries, and in one sentence when it gives up: not a minute of silence.
    let (give_up, mut stop) = tokio::sync::watch::channel(false);
    let timer = tokio::spawn(async move {
        tokio::time::sleep(READ_FOR).await;
        let _ = give_up.send(true);
    });
    let reached = super::lifecycle::reachable(&http, &origin, &mut stop).await;
    timer.abort();
    if !reached {
        return Err(HistoryError::Unreachable {
            origin,
            secs: READ_FOR.as_secs(),
        });
    }
    let sender = Sender::default();
    let moderators = Moderators::new(&config.settings(reading.guild).moderator_roles);
    learn(&http, &sender, store, faq, &moderators, reading, progress).await
}

/// Reads the history and learns from it (in a dry run, only says what it would learn).
pub(super) async fn learn(
    http: &Http,
    sender: &Sender,
    store: Arc<dyn Backend>,
    faq: &Faq,
    moderators: &Moderators,
    reading: &Reading,
    mut progress: impl FnMut(Progress),
) -> Result<Learned, HistoryError> {
    let started = Instant::now();
    let guild = GuildId::new(reading.guild);
    let (me, mut staff) = who(http, sender, guild, moderators).await?;
    let places = places(http, sender, guild, &reading.channels).await?;
    let server = crate::ids::GuildId(reading.guild);
    let stored = {
        let store = store.clone();
        super::blocking(move || store.examples(Some(server)))
            .await?
            .map_err(HistoryError::Store)?
    };
    let mut learner = Learner::new(server, faq, &stored);
    drop(stored);
    let mut learned = Learned {
        places: places.len(),
        ..Learned::default()
    };
    let mut state = Progress {
        places: places.len(),
        ..Progress::default()
    };
    for place in &places {
        let read = read_place(
            &store,
            &mut learner,
            &mut staff,
            me,
            place,
            reading,
            &mut |messages| {
                state.messages += messages;
                progress(state);
            },
        )
        .await;
        match read {
            Ok(examples) => learned.examples.extend(examples),
            Err(reason) => {
                tracing::warn!(
                    channel = place.id.get(),
                    "cannot read a channel's history: {reason}"
                );
                learned.unreadable.push((place.id.get(), reason));
            }
        }
        state.places_done += 1;
        progress(state);
    }
    learned.counts = learner.counts();
    learned.messages = state.messages;
    learned.pages = learner.pages().to_vec();
    if !reading.dry_run {
        // Kept for `faqbot gaps`; records, so that they take the writer's way into the store.
        let pages: Vec<Record> = learned
            .pages
            .iter()
            .cloned()
            .map(Record::StaffPage)
            .collect();
        let writer = store.clone();
        super::blocking(move || writer.write(&pages))
            .await?
            .map_err(HistoryError::Store)?;
        let (examples, most) = (std::mem::take(&mut learned.examples), reading.max_examples);
        let (examples, stored) = super::blocking(move || {
            let stored = store.add_examples(&examples, most);
            (examples, stored)
        })
        .await?;
        learned.examples = examples;
        learned.stored = stored.map_err(HistoryError::Store)?;
    }
    learned.elapsed = started.elapsed();
    Ok(learned)
}

/// The bot's own user, and the server's staff as the history tells them (its roles read once).
async fn who<'a>(
    http: &'a Http,
    sender: &'a Sender,
    guild: GuildId,
    moderators: &'a Moderators,
) -> Result<(UserId, Staff<'a>), HistoryError> {
    let discord = |what: &'static str| {
        move |error: serenity::Error| HistoryError::Discord {
            what,
            reason: describe(&error),
        }
    };
    let me = read::<serenity::CurrentUser>(sender, http, Route::UserMe, None, None)
        .await
        .map_err(discord("bot user"))?
        .id;
    let roles: Vec<serenity::Role> = read(
        sender,
        http,
        Route::GuildRoles { guild_id: guild },
        None,
        Some(guild),
    )
    .await
    .map_err(discord("roles"))?;
    let staff = Staff {
        http,
        sender,
        guild,
        roles,
        moderators,
        known: HashMap::new(),
    };
    Ok((me, staff))
}

/// `message` as an answer, if it may be one: it links an entry's documentation, or it is the
/// bot's answer to a `/faq` (whose link it holds).
async fn answer(
    message: &Message,
    me: UserId,
    learner: &mut Learner,
    staff: &mut Staff<'_>,
) -> Option<Answer> {
    let links = links_of(message);
    if links.is_empty() {
        return None;
    }
    #[allow(deprecated)]
    let faq_by = message
        .interaction
        .as_ref()
        .filter(|i| message.author.id == me && i.name == "faq")
        .map(|i| i.user.id);
    if message.author.id == me && faq_by.is_none() {
        // The bot's own suggestions teach nothing: that is what links and "Not it" are for.
        return None;
    }
    let (author, by_staff, faq_for) = match faq_by {
        // The bot's answer to a `/faq`: it teaches when a staff member asked for it, aimed at a
        // member (its mention).
        Some(by) => {
            let aimed = message.mentions.first().map(|u| ids::UserId(u.id.get()));
            let by_staff = staff.is_staff(by).await;
            (by, false, aimed.filter(|_| by_staff))
        }
        None => (
            message.author.id,
            staff.is_staff(message.author.id).await,
            None,
        ),
    };
    // Links elsewhere are the most common kind: counted only when staff posted them.
    if faq_by.is_none() && !learner.worth_keeping(&links, by_staff) {
        if by_staff {
            learner.other_links();
        }
        return None;
    }
    Some(Answer {
        id: ids::MessageId(message.id.get()),
        author: ids::UserId(author.get()),
        staff: by_staff,
        faq_for,
        links,
    })
}

/// The message answered, as the learner needs it.
async fn asked_from(message: &Message, staff: &mut Staff<'_>) -> Asked {
    let bot = message.author.bot || message.webhook_id.is_some();
    Asked::Message {
        id: ids::MessageId(message.id.get()),
        channel: ids::ChannelId(message.channel_id.get()),
        author: ids::UserId(message.author.id.get()),
        bot,
        staff: !bot && staff.is_staff(message.author.id).await,
        text: message.content.clone(),
    }
}

/// Every link a message holds: in its text, its embeds and its link buttons.
pub(super) fn links_of(message: &Message) -> Vec<String> {
    let mut links: Vec<String> = links_in(&message.content).map(str::to_owned).collect();
    for embed in &message.embeds {
        links.extend(embed.url.clone());
        if let Some(description) = &embed.description {
            links.extend(links_in(description).map(str::to_owned));
        }
    }
    for row in &message.components {
        for component in &row.components {
            if let serenity::ActionRowComponent::Button(button) = component {
                if let serenity::ButtonKind::Link { url } = &button.data {
                    links.push(url.clone());
                }
            }
        }
    }
    links
}

/// One read of the server's history, within the global rate limit, retried through 429s (as
/// long as they say) and outages.
async fn read<T: serde::de::DeserializeOwned>(
    sender: &Sender,
    http: &Http,
    route: Route<'_>,
    params: Option<Vec<(&'static str, String)>>,
    guild: Option<GuildId>,
) -> Result<T, serenity::Error> {
    let deadline = Instant::now() + READ_FOR;
    let guild = guild.map(GuildId::get);
    sender
        .get(
            http,
            "reading the server's history",
            deadline,
            route,
            params,
            guild,
        )
        .await
}
