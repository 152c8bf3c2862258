//! Where a history read reads: the configured channels and their threads, and one place's
//! messages, page by page, from where the last read stopped.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::http::Route;
use serenity::{ChannelId, GuildId, Http, Message, UserId};

use super::staff::Staff;
use super::{answer, asked_from, read, HistoryError, Reading};
use crate::config::Named;
use crate::discord::blocking;
use crate::discord::retry::describe;
use crate::discord::send::Sender;
use crate::history::{Answer, Asked, Learner};
use crate::ids;
use crate::store::{Backend, Example, HistoryRead};

/// A channel or thread to read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    pub(super) id: ChannelId,
    pub(super) thread: bool,
}

/// The configured channels (by name or id), then their active and archived threads.
pub(super) async fn places(
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
pub(super) async fn read_place(
    http: &Http,
    sender: &Sender,
    store: &Arc<dyn Backend>,
    learner: &mut Learner,
    staff: &mut Staff<'_>,
    me: UserId,
    place: &Place,
    reading: &Reading,
    progress: &mut impl FnMut(usize),
) -> Result<Vec<Example>, String> {
    let channel = ids::ChannelId(place.id.get());
    let earlier = {
        let store = store.clone();
        blocking(move || store.history_read(channel))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
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
            let mut params = vec![("limit", crate::discord::send::PAGE.to_string())];
            if let Some(before) = before {
                params.push(("before", before.to_string()));
            }
            let route = Route::ChannelMessages {
                channel_id: place.id,
            };
            let page: Vec<Message> = read(sender, http, route, Some(params), None)
                .await
                .map_err(|e| unreadable(&e))?;
            let full = page.len() == usize::from(crate::discord::send::PAGE);
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
            let store = store.clone();
            blocking(move || store.set_history_read(channel, read))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(examples)
}

/// Why a place could not be read, with what to do when the bot lacks a permission.
pub(super) fn unreadable(error: &serenity::Error) -> String {
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
