//! Clicks on a suggestion's buttons ("Solved", "Not it", "Dismiss"), and what "Not it" teaches.

use crate::action::Action;
use crate::ids::{ChannelId, MessageId, UserId};
use crate::render::{self, Post};
use crate::store::{Example, Outcome, Record};

use super::{Service, ServiceError};

/// What to do about a click on a suggestion's button.
#[derive(Debug, Clone, PartialEq)]
pub enum Feedback {
    /// Replace the suggestion with this post.
    Update(Post),
    /// Answer the clicker privately.
    Notice(&'static str),
    /// Delete the suggestion and tell the clicker privately, if there is something to say. With
    /// `not_it`, the message it answered is then taught as a "Not it" of that entry
    /// ([`Service::not_it`]).
    Remove {
        notice: Option<&'static str>,
        not_it: Option<String>,
    },
}

/// A click on one of a suggestion's buttons.
#[derive(Debug, Clone, Copy)]
pub struct Click<'a> {
    pub action: &'a Action,
    pub user: UserId,
    pub moderator: bool,
    /// The suggestion's own message.
    pub reply: MessageId,
}

/// A "Not it" to learn from: the suggestion `reply` of `entry` was wrong for `message`.
#[derive(Debug, Clone, Copy)]
pub struct Veto<'a> {
    pub entry: &'a str,
    pub text: &'a str,
    pub channel: ChannelId,
    pub message: MessageId,
    pub author: UserId,
    pub reply: MessageId,
    pub by: UserId,
}

impl Service {
    /// A click on a suggestion's feedback buttons: who may do what.
    pub fn feedback(&self, click: &Click<'_>) -> Feedback {
        let Click {
            action,
            user,
            moderator,
            reply,
        } = *click;
        let (author, entry) = match action {
            Action::Solved { author, entry } | Action::NotIt { author, entry } => {
                (*author, Some(entry.as_str()))
            }
            Action::Dismiss { author } => (*author, None),
            _ => return Feedback::Notice(render::SOMETHING_WENT_WRONG),
        };
        let author = UserId(author);
        let asker = user == author;
        tracing::info!(target: "faqbot::feedback", ?entry, %user, %author, kind = action.kind(), "feedback");
        match action {
            Action::Solved { .. } if asker => {
                self.outcome(reply, Outcome::Solved);
                let loaded = self.current();
                match entry.and_then(|id| loaded.faq.get(id)) {
                    // The asker's word closes the question for everyone reading the channel later.
                    Some(entry) => Feedback::Update(render::solved(entry, author.get())),
                    None => Feedback::Notice("Thanks! Glad it helped."),
                }
            }
            Action::Solved { .. } => Feedback::Notice("Thanks! Glad it helped."),
            Action::NotIt { entry, .. } if asker || moderator => {
                self.outcome(reply, Outcome::NotIt);
                Feedback::Remove {
                    notice: Some("Thanks for telling us; I removed the suggestion."),
                    not_it: Some(entry.clone()),
                }
            }
            Action::NotIt { .. } => Feedback::Notice("Thanks for the feedback."),
            Action::Dismiss { .. } if asker || moderator => {
                self.outcome(reply, Outcome::Dismissed);
                Feedback::Remove {
                    notice: None,
                    not_it: None,
                }
            }
            Action::Dismiss { .. } => Feedback::Notice(
                "Only the person who asked or a moderator can dismiss this suggestion.",
            ),
            _ => Feedback::Notice(render::SOMETHING_WENT_WRONG),
        }
    }

    /// "Not it" on a suggestion of `entry` for a message: the message is taught as one that entry
    /// does not answer, so it is not suggested for it (or for near copies) again.
    pub fn not_it(&self, not_it: &Veto<'_>, now_ms: u64) -> Result<(), ServiceError> {
        if not_it.text.trim().is_empty() {
            return Ok(());
        }
        self.teach(&Example {
            guild: Some(self.server),
            entry: not_it.entry.to_owned(),
            text: not_it.text.to_owned(),
            positive: false,
            at_ms: now_ms,
            channel: Some(not_it.channel),
            message: Some(not_it.message),
            author: Some(not_it.author),
            reply: Some(not_it.reply),
            by: Some(not_it.by),
            from_history: false,
        })
    }

    fn outcome(&self, reply: MessageId, outcome: Outcome) {
        self.store().record(Record::Outcome { reply, outcome });
    }
}
