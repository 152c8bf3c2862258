//! A moderator's link: the message becomes a learned example of the entry; undone, it is forgotten.
//! Each change rebuilds the matcher with what the store has learned.

use std::sync::atomic::Ordering;

use crate::ids::{ChannelId, MessageId, UserId};
use crate::store::{Example, Record, Shown};

use super::{Service, ServiceError};

/// A moderator's link of `entry` to a member's message.
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    pub entry: &'a str,
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
        self.store().record(Record::Shown {
            at_ms: now_ms,
            how: Shown::Link,
            guild: Some(self.server),
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
            guild: Some(self.server),
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
        // picker is spent at once, never left for a later run to take over. A memory that cannot
        // tell spends it too: better a moderator opens the picker again than a reply twice.
        let memory = &self.shared.memory;
        let first = memory
            .answer_once(picker.get(), None, now_ms)
            .unwrap_or(false);
        let _ = memory.finish(picker.get());
        first
    }

    /// Undoes a link made in this server, by the bot's reply or the member's message: its
    /// example is forgotten. Returns the examples removed (empty when nothing was linked there).
    pub fn unlink(&self, id: MessageId) -> Result<Vec<Example>, ServiceError> {
        let removed = self
            .store()
            .backend()
            .remove_link(self.server, id)
            .map_err(ServiceError::Store)?;
        if !removed.is_empty() {
            self.shared.taught_here();
            self.relearn()?;
        }
        Ok(removed)
    }

    /// Stores an example and rebuilds the matcher with it.
    pub(super) fn teach(&self, example: &Example) -> Result<(), ServiceError> {
        self.store()
            .backend()
            .add_example(example, self.max_examples())
            .map_err(ServiceError::Store)?;
        self.shared.taught_here();
        self.relearn()
    }
}
