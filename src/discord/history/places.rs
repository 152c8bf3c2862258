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
pub(super) async fn read_place(
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
    let mut gathered = Gathered {
        newest: earlier.map(|r| r.newest.get()),
        oldest: earlier.map(|r| r.oldest.get()),
        ..Gathered::default()
    };
    // Whether the last span read down to the place's first message.
    let mut reached_start = false;
    for (mut before, stop) in spans(earlier, crate::time::first_id_at(reading.since_ms)) {
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
            let page: Vec<Message> = read(staff.sender, staff.http, route, Some(params), None)
                .await
                .map_err(|e| unreadable(&e))?;
            let full = page.len() == usize::from(crate::discord::send::PAGE);
            let mut stopped = false;
            let mut read = 0;
            for message in page {
                if message.id.get() <= stop {
                    stopped = true;
                    break;
                }
                read += 1;
                before = Some(message.id.get());
                gathered.take(message, me, learner, staff).await;
            }
            progress(read);
            if stopped || !full {
                reached_start = !stopped;
                break;
            }
        }
    }
    let opens_thread = place.thread && reached_start;
    let (examples, read) = gathered.finish(opens_thread, learner, staff).await;
    if let (false, Some(read)) = (reading.dry_run, read) {
        let store = store.clone();
        blocking(move || store.set_history_read(channel, read))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    Ok(examples)
}

/// The spans to read, each (start before, stop at or below): with an earlier reading, what is
/// newer than it, then the rest below where it stopped; else everything down to `since`.
fn spans(earlier: Option<HistoryRead>, since: u64) -> Vec<(Option<u64>, u64)> {
    match earlier {
        Some(read) => vec![(None, read.newest.get()), (Some(read.oldest.get()), since)],
        None => vec![(None, since)],
    }
}

/// What one place's reading has gathered so far.
#[derive(Default)]
struct Gathered {
    examples: Vec<Example>,
    /// Answers that reply to nothing: in a thread, they answer its first message.
    unreplied: Vec<Answer>,
    /// The oldest message read, while it may be the thread's first.
    first: Option<Message>,
    /// The newest and oldest message ids read, by this reading or earlier ones.
    newest: Option<u64>,
    oldest: Option<u64>,
}

impl Gathered {
    /// Takes one message, read newest to oldest.
    async fn take(
        &mut self,
        message: Message,
        me: UserId,
        learner: &mut Learner,
        staff: &mut Staff<'_>,
    ) {
        let id = message.id.get();
        self.newest = Some(self.newest.map_or(id, |n| n.max(id)));
        self.oldest = Some(self.oldest.map_or(id, |o| o.min(id)));
        if let Some(answer) = answer(&message, me, learner, staff).await {
            match message.message_reference.as_ref() {
                Some(_) => {
                    let asked = match message.referenced_message.as_deref() {
                        Some(asked) => asked_from(asked, staff).await,
                        None => Asked::Deleted,
                    };
                    self.examples.extend(learner.consider(&answer, &asked));
                }
                None => self.unreplied.push(answer),
            }
        }
        self.first = Some(message);
    }

    /// The examples, with the answers that replied to nothing taken as answers to the thread's
    /// first message when `opens_thread` (the reading went down to it); and what was read.
    async fn finish(
        self,
        opens_thread: bool,
        learner: &mut Learner,
        staff: &mut Staff<'_>,
    ) -> (Vec<Example>, Option<HistoryRead>) {
        let mut examples = self.examples;
        let opener = match (&self.first, opens_thread) {
            (Some(first), true) => Some(asked_from(first, staff).await),
            _ => None,
        };
        for answer in self.unreplied {
            match &opener {
                Some(asked @ Asked::Message { id, .. }) if *id != answer.id => {
                    examples.extend(learner.consider(&answer, asked));
                }
                _ => learner.no_question(),
            }
        }
        let read = match (self.newest, self.oldest) {
            (Some(newest), Some(oldest)) => Some(HistoryRead {
                newest: ids::MessageId(newest),
                oldest: ids::MessageId(oldest),
            }),
            _ => None,
        };
        (examples, read)
    }
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
