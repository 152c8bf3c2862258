//! A moderator's link: the message becomes a learned example of the entry; undone, it is forgotten.
//! Each change rebuilds the matcher with what the store has learned.

use std::sync::atomic::Ordering;

use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::store::{Example, Record, Shown};

use super::{learned, Service, ServiceError};

/// A moderator's link of `entry` to a member's message.
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    pub entry: &'a str,
    pub guild: Option<GuildId>,
    pub channel: ChannelId,
    pub message: MessageId,
    pub author: UserId,
    pub text: &'a str,
    pub reply: MessageId,
    pub moderator: UserId,
}

impl Service {
    /// A moderator posted `entry` as `reply` to a member's message: recorded, and the message
    /// becomes a learned example of the entry, used from the next message on.
    pub fn linked(&self, link: &Link<'_>, now_ms: u64) -> Result<(), ServiceError> {
        self.links.fetch_add(1, Ordering::Relaxed);
        self.store.record(Record::Shown {
            at_ms: now_ms,
            how: Shown::Link,
            guild: link.guild,
            channel: link.channel,
            message: Some(link.message),
            user: Some(link.author),
            entry: link.entry.to_owned(),
            score: None,
            reply: link.reply,
        });
        if link.text.trim().is_empty() {
            return Ok(());
        }
        self.teach(&Example {
            entry: link.entry.to_owned(),
            text: link.text.to_owned(),
            positive: true,
            at_ms: now_ms,
            channel: Some(link.channel),
            message: Some(link.message),
            author: Some(link.author),
            reply: Some(link.reply),
            by: Some(link.moderator),
            from_history: false,
        })
    }

    /// Marks the moderators' picker `picker` (its message id) as used; false when it was used
    /// before, so one picker posts at most one reply.
    pub fn spend_picker(&self, picker: MessageId, now_ms: u64) -> bool {
        // Message ids are unique, so the memory's "answered once" serves pickers as well; a
        // picker is spent at once, never left for a later run to take over.
        let first = self
            .memory
            .answer_once(picker.get(), None, now_ms)
            .unwrap_or(true);
        let _ = self.memory.finish(picker.get());
        first
    }

    /// Undoes a link, by the bot's reply or the member's message: its example is forgotten.
    /// Returns the examples removed (empty when nothing was linked there).
    pub fn unlink(&self, id: MessageId) -> Result<Vec<Example>, ServiceError> {
        let removed = self
            .store
            .backend()
            .remove_link(id)
            .map_err(ServiceError::Store)?;
        if !removed.is_empty() {
            self.taught_here();
            self.relearn()?;
        }
        Ok(removed)
    }

    /// Stores an example and rebuilds the matcher with it.
    pub(super) fn teach(&self, example: &Example) -> Result<(), ServiceError> {
        self.store
            .backend()
            .add_example(example, self.max_examples)
            .map_err(ServiceError::Store)?;
        self.taught_here();
        self.relearn()
    }

    /// Rebuilds the matcher of the FAQ in service with every example in the store, then swaps it
    /// (after a link, an unlink, or learning from a channel's history).
    pub fn relearn(&self) -> Result<(), ServiceError> {
        let _one_at_a_time = self.rebuilding.lock().unwrap_or_else(|p| p.into_inner());
        let examples = self
            .store
            .backend()
            .examples()
            .map_err(ServiceError::Store)?;
        let faq = self.current().faq.clone();
        self.swap(self.load(faq, &learned(&examples)));
        Ok(())
    }
}
