//! Reading a server's past over REST (no gateway): the watched channels, their active and
//! archived threads, newest to oldest, 100 messages a request within the global rate limit. Each
//! staff answer with an entry's link goes to [`crate::history`] with the message it answered;
//! everything else read is dropped at once. Used by `faqbot learn history` and
//! `/faq-admin learn-history`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::http::Route;
use serenity::{ChannelId, GuildId, Http, Message, UserId};

use super::retry::describe;
use super::send::Sender;
use crate::config::Named;
use crate::faq::Faq;
use crate::history::{links_in, Answer, Asked, Counts, Learner};
use crate::ids;
use crate::policy::{self, Moderators};
use crate::store::off_runtime;
use crate::store::{Backend, Example, HistoryRead};

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
    #[error("no channel {0:?} in the server; check the name or id")]
    NoChannel(String),
    #[error("nothing to read: name channels with --channel or in [suggest] channels")]
    NoChannels,
    #[error("{0}")]
    Store(crate::store::StoreError),
}

/// `faqbot learn history`: reads with the config's REST client (the token, `api_base`) and
/// moderator roles, learning into `store`.
pub async fn learn_with_config(
    config: &crate::config::Config,
    token: &crate::config::Token,
    store: &dyn Backend,
    faq: &Faq,
    reading: &Reading,
    progress: impl FnMut(Progress),
) -> Result<Learned, HistoryError> {
    let (http, _) = super::run::http(config, token);
    let sender = Sender::default();
    let moderators = Moderators::new(&config.settings(reading.guild).moderator_roles);
    learn(&http, &sender, store, faq, &moderators, reading, progress).await
}

/// Reads the history and learns from it (in a dry run, only says what it would learn).
pub(super) async fn learn(
    http: &Http,
    sender: &Sender,
    store: &dyn Backend,
    faq: &Faq,
    moderators: &Moderators,
    reading: &Reading,
    mut progress: impl FnMut(Progress),
) -> Result<Learned, HistoryError> {
    let started = Instant::now();
    let guild = GuildId::new(reading.guild);
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
    let places = places(http, sender, guild, &reading.channels).await?;
    let server = crate::ids::GuildId(reading.guild);
    let stored = off_runtime(|| store.examples(Some(server))).map_err(HistoryError::Store)?;
    let mut learner = Learner::new(server, faq, &stored);
    drop(stored);
    let mut staff = Staff {
        http,
        sender,
        guild,
        roles,
        moderators,
        known: HashMap::new(),
    };
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
            http,
            sender,
            store,
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
    if !reading.dry_run {
        learned.stored =
            off_runtime(|| store.add_examples(&learned.examples, reading.max_examples))
                .map_err(HistoryError::Store)?;
    }
    learned.elapsed = started.elapsed();
    Ok(learned)
}

/// A channel or thread to read.
#[derive(Debug, Clone, Copy)]
struct Place {
    id: ChannelId,
    thread: bool,
}

/// The configured channels (by name or id), then their active and archived threads.
async fn places(
    http: &Http,
    sender: &Sender,
    guild: GuildId,
    configured: &[String],
) -> Result<Vec<Place>, HistoryError> {
    if configured.is_empty() {
        return Err(HistoryError::NoChannels);
    }
    let channels: Vec<serenity::GuildChannel> = read(
        sender,
        http,
        Route::GuildChannels { guild_id: guild },
        None,
        Some(guild),
    )
    .await
    .map_err(|e| HistoryError::Discord {
        what: "channels",
        reason: describe(&e),
    })?;
    let mut places = Vec::new();
    for name in configured {
        let named = Named::parse(name);
        let found = channels
            .iter()
            .find(|c| named.is(c.id.get(), &c.name))
            .ok_or_else(|| HistoryError::NoChannel(name.clone()))?;
        places.push(Place {
            id: found.id,
            thread: false,
        });
    }
    let parents: Vec<ChannelId> = places.iter().map(|p| p.id).collect();
    let route = Route::GuildThreadsActive { guild_id: guild };
    let active: serenity::ThreadsData =
        read(sender, http, route, None, None)
            .await
            .map_err(|e| HistoryError::Discord {
                what: "active threads",
                reason: describe(&e),
            })?;
    let mut threads: Vec<ChannelId> = active
        .threads
        .iter()
        .filter(|t| t.parent_id.is_some_and(|p| parents.contains(&p)))
        .map(|t| t.id)
        .collect();
    for parent in &parents {
        // A channel whose archived threads cannot be listed is still read itself.
        let route = Route::ChannelArchivedPublicThreads {
            channel_id: *parent,
        };
        let limit = vec![("limit", "100".to_owned())];
        match read::<serenity::ThreadsData>(sender, http, route, Some(limit), None).await {
            Ok(archived) => {
                if archived.has_more {
                    // serenity 0.12 takes `before` as a number where Discord documents an ISO 8601
                    // timestamp, so older pages are not asked for: said, not skipped silently.
                    tracing::warn!(
                        channel = parent.get(),
                        "the channel has more than 100 archived threads: only the 100 archived last are read"
                    );
                }
                threads.extend(archived.threads.iter().map(|t| t.id));
            }
            Err(error) => tracing::warn!(
                channel = parent.get(),
                "cannot list a channel's archived threads: {}",
                describe(&error)
            ),
        }
    }
    threads.sort_unstable();
    threads.dedup();
    places.extend(threads.into_iter().map(|id| Place { id, thread: true }));
    Ok(places)
}

/// Reads one place newest to oldest: first what is newer than an earlier reading, then on from
/// where that one stopped, down to `since`. The examples it teaches; `Err` with a reason when it
/// cannot be read.
#[allow(clippy::too_many_arguments)]
async fn read_place(
    http: &Http,
    sender: &Sender,
    store: &dyn Backend,
    learner: &mut Learner,
    staff: &mut Staff<'_>,
    me: UserId,
    place: &Place,
    reading: &Reading,
    progress: &mut impl FnMut(usize),
) -> Result<Vec<Example>, String> {
    let earlier = off_runtime(|| store.history_read(ids::ChannelId(place.id.get())))
        .map_err(|e| e.to_string())?;
    let since = crate::time::first_id_at(reading.since_ms);
    // (start before, stop at or below): the new part, then the rest of the old one.
    let mut spans = Vec::new();
    match earlier {
        Some(read) => {
            spans.push((None, read.newest.get()));
            spans.push((Some(read.oldest.get()), since));
        }
        None => spans.push((None, since)),
    }
    let mut examples = Vec::new();
    // Answers that reply to nothing: in a thread, they answer its first message.
    let mut unreplied: Vec<Answer> = Vec::new();
    let mut first: Option<Message> = None;
    let (mut newest, mut oldest) = (
        earlier.map(|r| r.newest.get()),
        earlier.map(|r| r.oldest.get()),
    );
    // Whether the last span read down to the place's first message.
    let mut reached_start = false;
    for (mut before, stop) in spans {
        if before.is_some_and(|b| b <= stop) {
            continue;
        }
        loop {
            let mut params = vec![("limit", super::send::PAGE.to_string())];
            if let Some(before) = before {
                params.push(("before", before.to_string()));
            }
            let route = Route::ChannelMessages {
                channel_id: place.id,
            };
            let page: Vec<Message> = read(sender, http, route, Some(params), None)
                .await
                .map_err(|e| unreadable(&e))?;
            let full = page.len() == usize::from(super::send::PAGE);
            let mut stopped = false;
            let mut read = 0;
            for message in page {
                let id = message.id.get();
                if id <= stop {
                    stopped = true;
                    break;
                }
                read += 1;
                newest = Some(newest.map_or(id, |n| n.max(id)));
                oldest = Some(oldest.map_or(id, |o| o.min(id)));
                before = Some(id);
                if let Some(answer) = answer(&message, me, &mut *learner, staff).await {
                    match message.message_reference.as_ref() {
                        Some(_) => {
                            let asked = match message.referenced_message.as_deref() {
                                Some(asked) => asked_from(asked, staff).await,
                                None => Asked::Deleted,
                            };
                            examples.extend(learner.consider(&answer, &asked));
                        }
                        None => unreplied.push(answer),
                    }
                }
                // Only the oldest message is kept, while it may be the thread's first.
                first = Some(message);
            }
            progress(read);
            if stopped || !full {
                reached_start = !stopped;
                break;
            }
        }
    }
    let opener = match (&first, place.thread && reached_start) {
        (Some(first), true) => Some(asked_from(first, staff).await),
        _ => None,
    };
    for answer in unreplied {
        match &opener {
            Some(asked @ Asked::Message { id, .. }) if *id != answer.id => {
                examples.extend(learner.consider(&answer, asked));
            }
            _ => learner.no_question(),
        }
    }
    if !reading.dry_run {
        if let (Some(newest), Some(oldest)) = (newest, oldest) {
            let read = HistoryRead {
                newest: ids::MessageId(newest),
                oldest: ids::MessageId(oldest),
            };
            off_runtime(|| store.set_history_read(ids::ChannelId(place.id.get()), read))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(examples)
}

/// Why a place could not be read, with what to do when the bot lacks a permission.
fn unreadable(error: &serenity::Error) -> String {
    let refused = matches!(
        error,
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response))
            if matches!(response.error.code, 50001 | 50013)
    );
    let hint = if refused {
        " (give the bot View Channels and Read Message History there)"
    } else {
        ""
    };
    format!("{}{hint}", describe(error))
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
    if faq_by.is_none() && !learner.names_an_entry(&links) {
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
fn links_of(message: &Message) -> Vec<String> {
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

/// Who is staff: members with a configured moderator role (or, with none configured, Manage
/// Messages by their roles), looked up once per member.
struct Staff<'a> {
    http: &'a Http,
    sender: &'a Sender,
    guild: GuildId,
    roles: Vec<serenity::Role>,
    moderators: &'a Moderators,
    known: HashMap<UserId, bool>,
}

impl Staff<'_> {
    async fn is_staff(&mut self, user: UserId) -> bool {
        if let Some(&known) = self.known.get(&user) {
            return known;
        }
        let (http, guild) = (self.http, self.guild);
        // A member who left is no longer staff; neither is anyone who cannot be looked up.
        let route = Route::GuildMember {
            guild_id: guild,
            user_id: user,
        };
        let member = read::<serenity::Member>(self.sender, http, route, None, Some(guild)).await;
        let staff = match member {
            Ok(member) => {
                let roles: Vec<&serenity::Role> = self
                    .roles
                    .iter()
                    .filter(|r| member.roles.contains(&r.id))
                    .collect();
                let named: Vec<policy::Role<'_>> = roles
                    .iter()
                    .map(|r| policy::Role {
                        id: r.id.get(),
                        name: &r.name,
                    })
                    .collect();
                let permissions = super::server::permissions_of(guild, &member.roles, |id| {
                    self.roles.iter().find(|r| r.id == *id)
                });
                self.moderators.includes(&policy::Member {
                    roles: &named,
                    manages_messages: super::server::manages_messages(permissions),
                })
            }
            Err(_) => false,
        };
        self.known.insert(user, staff);
        staff
    }
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
