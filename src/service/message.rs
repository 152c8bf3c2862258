//! A message through the service: the policy, the matcher and the cooldown decide whether the bot
//! suggests an entry; what was suggested, posted or left unmatched is recorded.

use std::sync::atomic::Ordering;

use crate::ids::{ChannelId, MessageId, UserId};
use crate::memory::Claim;
use crate::policy::{self, Quiet};
use crate::render::{self, Post};
use crate::store::{self, Record, Shown};

use super::Service;

/// A message as the service needs it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub view: policy::Message<'a>,
    pub text: &'a str,
    pub channel: ChannelId,
    pub author: UserId,
}

/// Why the bot stays quiet about a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Silence {
    /// The policy's rules.
    Policy(Quiet),
    /// No entry is confident enough; the best one and its confidence, if any matched at all.
    NotConfident { best: Option<(String, f32)> },
    /// The best entry is confident enough, but a "Not it" close to this message was recorded for
    /// it.
    NotIt { entry: String, confidence: f32 },
    /// The chosen entry was suggested here within the cooldown, which ends at `until_ms`.
    Cooldown {
        entry: String,
        until_ms: Option<u64>,
    },
    /// The memory could not be read or written, so the bot cannot know whether it would repeat
    /// itself.
    NoMemory,
}

/// An unasked suggestion to post as a reply to the message.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub entry: String,
    pub confidence: f32,
    pub post: Post,
    claim: Option<Claim>,
    channel: ChannelId,
    message: MessageId,
    author: UserId,
}

/// What the service decided about one message, for observers (the demo, tests).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub message: MessageId,
    /// The entry suggested with its confidence, or why the bot stays quiet.
    pub outcome: Result<(String, f32), Silence>,
}

impl Service {
    /// Screens a message, matches it and claims the cooldown slot: either a suggestion to post
    /// or why the bot stays quiet. After posting, call [`posted`](Self::posted) or
    /// [`not_posted`](Self::not_posted).
    pub fn message(&self, incoming: &Incoming<'_>, now_ms: u64) -> Result<Suggestion, Silence> {
        // The memory is resilient (it falls back to this process while its own database fails),
        // so an error here means no memory at all, or a shared database that cannot be reached:
        // answering could then repeat itself or another process.
        match self
            .policy
            .screen(&incoming.view, &*self.shared.memory, now_ms)
        {
            Ok(Ok(())) => {}
            Ok(Err(quiet)) => return Err(Silence::Policy(quiet)),
            Err(error) => {
                tracing::error!("cannot screen a message: {error}");
                return Err(Silence::NoMemory);
            }
        }
        let decided = self.decide(incoming, now_ms);
        // Decided against: the answer is finished. A suggestion finishes once it is posted or
        // given up; until then a run that stops or dies leaves it for the next to take over.
        if decided.is_err() {
            self.finish(incoming.view.id);
        }
        decided
    }

    /// Matches a screened message and claims the cooldown slot of the entry chosen.
    fn decide(&self, incoming: &Incoming<'_>, now_ms: u64) -> Result<Suggestion, Silence> {
        let loaded = self.current();
        let decision = loaded.decide(self.second_opinion(), incoming.text, 2);
        let Some(chosen) = decision.suggest else {
            let min_confidence = loaded.matcher.params().min_confidence;
            let silence = match decision.matches.first() {
                Some(best) if best.confidence >= min_confidence => Silence::NotIt {
                    entry: best.id.to_owned(),
                    confidence: best.confidence,
                },
                best => Silence::NotConfident {
                    best: best.map(|m| (m.id.to_owned(), m.confidence)),
                },
            };
            // A message held back only by a "Not it" matched an entry: it is no question the
            // FAQ lacks, so the statistics' unmatched questions do not list it.
            let unmatched = matches!(silence, Silence::NotConfident { .. });
            if unmatched && store::may_be_a_question(incoming.text) {
                self.store().record(Record::Unmatched {
                    at_ms: now_ms,
                    guild: Some(self.server),
                    channel: incoming.channel,
                    message: MessageId(incoming.view.id),
                    user: incoming.author,
                    text: store::cut_text(incoming.text).to_owned(),
                });
            }
            return Err(silence);
        };
        let entry = &loaded.faq.entries[chosen.index];
        let place = match incoming.view.place {
            policy::Place::Thread { id, .. } => id,
            _ => incoming.channel.get(),
        };
        let claim = self
            .policy
            .claim(place, &entry.id, incoming.view.id, now_ms);
        if let Some(claim) = &claim {
            match self.shared.memory.claim(claim, now_ms) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(Silence::Cooldown {
                        entry: entry.id.clone(),
                        until_ms: self
                            .shared
                            .memory
                            .held_until(place, &entry.id)
                            .ok()
                            .flatten(),
                    })
                }
                // Only a shared database that cannot be reached fails here (see `message`'s
                // screening): answering without the claim could repeat another process.
                Err(_) => return Err(Silence::NoMemory),
            }
        }
        // Counted before it is posted, so that `/faq-admin status` never lags behind a visible
        // suggestion; a failed post takes it back.
        self.suggestions.fetch_add(1, Ordering::Relaxed);
        Ok(Suggestion {
            entry: entry.id.clone(),
            confidence: chosen.confidence,
            post: render::suggestion(entry, incoming.author.get()),
            claim,
            channel: incoming.channel,
            message: MessageId(incoming.view.id),
            author: incoming.author,
        })
    }

    /// The suggestion was posted as `reply`.
    pub fn posted(&self, suggestion: &Suggestion, reply: MessageId, now_ms: u64) {
        self.finish(suggestion.message.get());
        self.store().record(Record::Shown {
            at_ms: now_ms,
            how: Shown::Auto,
            guild: Some(self.server),
            channel: suggestion.channel,
            message: Some(suggestion.message),
            user: Some(suggestion.author),
            entry: suggestion.entry.clone(),
            score: Some(suggestion.confidence),
            reply,
        });
    }

    /// The suggestion could not be posted: its cooldown slot is given back.
    pub fn not_posted(&self, suggestion: &Suggestion) {
        self.finish(suggestion.message.get());
        self.suggestions.fetch_sub(1, Ordering::Relaxed);
        if let Some(claim) = &suggestion.claim {
            if let Err(error) = self.shared.memory.release(claim) {
                tracing::warn!("could not give back a cooldown slot: {error}");
            }
        }
    }

    /// An entry was posted on request (`/faq`) as `reply`, for `user` if one was named.
    pub fn shown_on_request(
        &self,
        entry: &str,
        channel: ChannelId,
        user: Option<UserId>,
        reply: MessageId,
        now_ms: u64,
    ) {
        self.store().record(Record::Shown {
            at_ms: now_ms,
            how: Shown::Faq,
            guild: Some(self.server),
            channel,
            message: None,
            user,
            entry: entry.to_owned(),
            score: None,
            reply,
        });
    }

    /// Notes that the answer of `message` is finished; a failure only means that a later run may
    /// consider it again, where answer-once keys and nonces keep it from being posted twice.
    fn finish(&self, message: u64) {
        if let Err(error) = self.shared.memory.finish(message) {
            tracing::warn!(
                message_id = message,
                "could not note an answer as finished: {error}"
            );
        }
    }
}
