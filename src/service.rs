//! The service layer: runs one message, click or link through the policy, the matcher, rendering
//! and the store, and says what to send. No serenity types: the Discord layer translates events
//! into these calls and sends what comes back.
//!
//! Every method here may touch the database, so callers on the async runtime run them with
//! `spawn_blocking`. Events nobody waits for (what was shown, feedback) are recorded in the
//! background by the store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::action::Action;
use crate::faq::{Faq, LoadError};
use crate::matcher::opinion::EntryVectors;
use crate::matcher::{Decision, Learned, Matcher, Params};
use crate::memory::{Claim, Memory};
use crate::policy::{self, Policy, Quiet};
use crate::render::{self, Post};
use crate::second_opinion::SecondOpinion;
use crate::store::{self, Example, Outcome, Record, Shown, Stats, Store};

/// A FAQ in service with its matcher (which includes what was learned) and, with the second
/// opinion, the model's vectors of its texts; replaced as a whole.
pub struct Loaded {
    pub faq: Faq,
    pub matcher: Matcher,
    pub vectors: Option<EntryVectors>,
}

impl Loaded {
    pub fn new(faq: Faq, learned: &Learned, params: &Params) -> Loaded {
        let matcher = Matcher::build(&faq, params, learned);
        Loaded {
            faq,
            matcher,
            vectors: None,
        }
    }

    /// How the bot decides on `text`: with the second opinion when it has the FAQ's vectors.
    pub fn decide(
        &self,
        opinion: Option<&SecondOpinion>,
        text: &str,
        limit: usize,
    ) -> Decision<'_> {
        match (opinion, &self.vectors) {
            (Some(opinion), Some(vectors)) => opinion.decide(&self.matcher, vectors, text, limit),
            _ => self.matcher.decide(text, limit),
        }
    }
}

/// The store's examples as the matcher takes them.
pub fn learned(examples: &[Example]) -> Learned {
    let mut learned = Learned::default();
    for example in examples {
        let pair = (example.entry.clone(), example.text.clone());
        if example.positive {
            learned.examples.push(pair);
        } else {
            learned.negatives.push(pair);
        }
    }
    learned
}

/// A message as the service needs it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub view: policy::Message<'a>,
    pub text: &'a str,
    pub guild: Option<u64>,
    pub channel: u64,
    pub author: u64,
}

/// Why the bot stays quiet about a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Silence {
    /// The policy's rules.
    Policy(Quiet),
    /// No entry is confident enough; the best one and its confidence, if any matched at all.
    NotConfident { best: Option<(String, f32)> },
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
    guild: Option<u64>,
    channel: u64,
    message: u64,
    author: u64,
}

/// What the service decided about one message, for observers (the demo, tests).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub message: u64,
    /// The entry suggested with its confidence, or why the bot stays quiet.
    pub outcome: Result<(String, f32), Silence>,
}

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

/// What the bot shares between events: the FAQ in service, the rules, memory and store.
pub struct Service {
    faq_path: PathBuf,
    loaded: RwLock<Arc<Loaded>>,
    policy: Policy,
    memory: Arc<dyn Memory>,
    store: Store,
    max_examples: usize,
    params: Params,
    /// One rebuild at a time, so the last swap always includes every change made before it.
    rebuilding: Mutex<()>,
    suggestions: AtomicU64,
    links: AtomicU64,
    /// The model's second opinion, when its files are there.
    opinion: Option<Arc<SecondOpinion>>,
}

/// How many unmatched messages the statistics list.
pub const UNMATCHED_TOP: usize = 10;

impl Service {
    /// Loads the FAQ at `faq_path` with what the store has learned.
    pub fn new(
        faq_path: &Path,
        policy: Policy,
        memory: Arc<dyn Memory>,
        store: Store,
        max_examples: usize,
        params: Params,
    ) -> Result<Service, ServiceError> {
        let faq = Faq::load(faq_path).map_err(ServiceError::Faq)?;
        let examples = store.backend().examples().map_err(ServiceError::Store)?;
        let loaded = Loaded::new(faq, &learned(&examples), &params);
        Ok(Service {
            faq_path: faq_path.to_path_buf(),
            loaded: RwLock::new(Arc::new(loaded)),
            policy,
            memory,
            store,
            max_examples,
            params,
            rebuilding: Mutex::new(()),
            suggestions: AtomicU64::new(0),
            links: AtomicU64::new(0),
            opinion: None,
        })
    }

    /// Decides with the model's second opinion from now on: the FAQ's texts are embedded (or read
    /// from the store's cache) before this returns.
    pub fn with_second_opinion(
        mut self,
        opinion: Arc<SecondOpinion>,
    ) -> Result<Service, ServiceError> {
        self.opinion = Some(opinion);
        self.relearn()?;
        Ok(self)
    }

    /// The second opinion, if the bot has one.
    pub fn second_opinion(&self) -> Option<&SecondOpinion> {
        self.opinion.as_deref()
    }

    /// A FAQ with what was learned, and its vectors when the bot has the second opinion. If the
    /// model fails on the FAQ, words alone decide until the next reload, and the log says so.
    fn load(&self, faq: Faq, learned: &Learned) -> Loaded {
        let mut loaded = Loaded::new(faq, learned, &self.params);
        if let Some(opinion) = &self.opinion {
            match opinion.index(&loaded.faq, learned, Some(self.store.backend())) {
                Ok(vectors) => loaded.vectors = Some(vectors),
                Err(error) => tracing::error!(
                    "the model failed on the FAQ, words alone decide until the next reload: {error}"
                ),
            }
        }
        loaded
    }

    /// The FAQ in service now.
    pub fn current(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn faq_path(&self) -> &Path {
        &self.faq_path
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Unasked suggestions and moderators' links since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.suggestions.load(Ordering::Relaxed),
            self.links.load(Ordering::Relaxed),
        )
    }

    /// Screens a message, matches it and claims the cooldown slot: either a suggestion to post
    /// or why the bot stays quiet. After posting, call [`posted`](Self::posted) or
    /// [`not_posted`](Self::not_posted).
    pub fn message(&self, incoming: &Incoming<'_>, now_ms: u64) -> Result<Suggestion, Silence> {
        // The memory is resilient (it falls back to this process while the database fails), so
        // an error here means no memory at all: answering could then repeat itself.
        match self.policy.screen(&incoming.view, &*self.memory, now_ms) {
            Ok(Ok(())) => {}
            Ok(Err(quiet)) => return Err(Silence::Policy(quiet)),
            Err(error) => {
                tracing::error!("cannot screen a message: {error}");
                return Err(Silence::NoMemory);
            }
        }
        let loaded = self.current();
        let decision = loaded.decide(self.second_opinion(), incoming.text, 2);
        let Some(chosen) = decision.suggest else {
            if incoming.text.trim().chars().count() >= UNMATCHED_MIN_CHARS {
                self.store.record(Record::Unmatched {
                    at_ms: now_ms,
                    guild: incoming.guild,
                    channel: incoming.channel,
                    message: incoming.view.id,
                    user: incoming.author,
                    text: store::cut_text(incoming.text),
                });
            }
            return Err(Silence::NotConfident {
                best: decision
                    .matches
                    .first()
                    .map(|m| (m.id.to_owned(), m.confidence)),
            });
        };
        let entry = &loaded.faq.entries[chosen.index];
        let place = match incoming.view.place {
            policy::Place::Thread { id, .. } => id,
            _ => incoming.channel,
        };
        let claim = self.policy.claim(place, &entry.id, now_ms);
        if let Some(claim) = &claim {
            if !self.memory.claim(claim, now_ms).unwrap_or(true) {
                return Err(Silence::Cooldown {
                    entry: entry.id.clone(),
                    until_ms: self.memory.held_until(place, &entry.id).ok().flatten(),
                });
            }
        }
        // Counted before it is posted, so that `/faq-admin status` never lags behind a visible
        // suggestion; a failed post takes it back.
        self.suggestions.fetch_add(1, Ordering::Relaxed);
        Ok(Suggestion {
            entry: entry.id.clone(),
            confidence: chosen.confidence,
            post: render::suggestion(entry, incoming.author),
            claim,
            guild: incoming.guild,
            channel: incoming.channel,
            message: incoming.view.id,
            author: incoming.author,
        })
    }

    /// The suggestion was posted as `reply`.
    pub fn posted(&self, suggestion: &Suggestion, reply: u64, now_ms: u64) {
        self.store.record(Record::Shown {
            at_ms: now_ms,
            how: Shown::Auto,
            guild: suggestion.guild,
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
        self.suggestions.fetch_sub(1, Ordering::Relaxed);
        if let Some(claim) = &suggestion.claim {
            if let Err(error) = self.memory.release(claim) {
                tracing::warn!("could not give back a cooldown slot: {error}");
            }
        }
    }

    /// An entry was posted on request (`/faq`) as `reply`, for `user` if one was named.
    pub fn shown_on_request(
        &self,
        entry: &str,
        guild: Option<u64>,
        channel: u64,
        user: Option<u64>,
        reply: u64,
        now_ms: u64,
    ) {
        self.store.record(Record::Shown {
            at_ms: now_ms,
            how: Shown::Faq,
            guild,
            channel,
            message: None,
            user,
            entry: entry.to_owned(),
            score: None,
            reply,
        });
    }

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
        let asker = user == author;
        tracing::info!(target: "faqbot::feedback", ?entry, user, author, kind = action.kind(), "feedback");
        match action {
            Action::Solved { .. } if asker => {
                self.outcome(reply, Outcome::Solved);
                let loaded = self.current();
                match entry.and_then(|id| loaded.faq.get(id)) {
                    // The asker's word closes the question for everyone reading the channel later.
                    Some(entry) => Feedback::Update(render::solved(entry, author)),
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
    pub fn not_it(&self, not_it: &NotIt<'_>, now_ms: u64) -> Result<(), ServiceError> {
        if not_it.text.trim().is_empty() {
            return Ok(());
        }
        self.teach(&Example {
            entry: not_it.entry.to_owned(),
            text: not_it.text.to_owned(),
            positive: false,
            at_ms: now_ms,
            channel: Some(not_it.channel),
            message: Some(not_it.message),
            author: Some(not_it.author),
            reply: Some(not_it.reply),
            by: Some(not_it.by),
        })
    }

    fn outcome(&self, reply: u64, outcome: Outcome) {
        self.store.record(Record::Outcome { reply, outcome });
    }

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
        })
    }

    /// Marks the moderators' picker `picker` (its message id) as used; false when it was used
    /// before, so one picker posts at most one reply.
    pub fn spend_picker(&self, picker: u64, now_ms: u64) -> bool {
        // Message ids are unique, so the memory's "answered once" serves pickers as well.
        self.memory.answer_once(picker, now_ms).unwrap_or(true)
    }

    /// Undoes a link, by the bot's reply or the member's message: its example is forgotten.
    /// Returns the examples removed (empty when nothing was linked there).
    pub fn unlink(&self, id: u64) -> Result<Vec<Example>, ServiceError> {
        let removed = self
            .store
            .backend()
            .remove_link(id)
            .map_err(ServiceError::Store)?;
        if !removed.is_empty() {
            self.relearn()?;
        }
        Ok(removed)
    }

    /// Stores an example and rebuilds the matcher with it.
    fn teach(&self, example: &Example) -> Result<(), ServiceError> {
        self.store
            .backend()
            .add_example(example, self.max_examples)
            .map_err(ServiceError::Store)?;
        self.relearn()
    }

    /// Rebuilds the matcher of the FAQ in service with every example in the store, then swaps it.
    fn relearn(&self) -> Result<(), ServiceError> {
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

    /// Reads faq.toml again; a broken file keeps the FAQ in service. Returns the entries before
    /// and after.
    pub fn reload(&self) -> Result<(usize, usize), ServiceError> {
        let _one_at_a_time = self.rebuilding.lock().unwrap_or_else(|p| p.into_inner());
        let before = self.current().faq.entries.len();
        let faq = Faq::load(&self.faq_path).map_err(ServiceError::Faq)?;
        let examples = self
            .store
            .backend()
            .examples()
            .map_err(ServiceError::Store)?;
        let after = faq.entries.len();
        self.swap(self.load(faq, &learned(&examples)));
        Ok((before, after))
    }

    fn swap(&self, loaded: Loaded) {
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
    }

    /// Statistics of the last `days` days.
    pub fn stats(&self, days: u64, now_ms: u64) -> Result<Stats, ServiceError> {
        let since = now_ms.saturating_sub(crate::time::days_ms(days));
        self.store.flush();
        self.store
            .backend()
            .stats(since, UNMATCHED_TOP)
            .map_err(ServiceError::Store)
    }
}

/// Messages shorter than this are chatter ("thanks!"), not questions the FAQ lacks.
const UNMATCHED_MIN_CHARS: usize = 15;

/// A click on one of a suggestion's buttons.
#[derive(Debug, Clone, Copy)]
pub struct Click<'a> {
    pub action: &'a Action,
    pub user: u64,
    pub moderator: bool,
    /// The suggestion's own message.
    pub reply: u64,
}

/// A "Not it" to learn from: the suggestion `reply` of `entry` was wrong for `message`.
#[derive(Debug, Clone, Copy)]
pub struct NotIt<'a> {
    pub entry: &'a str,
    pub text: &'a str,
    pub channel: u64,
    pub message: u64,
    pub author: u64,
    pub reply: u64,
    pub by: u64,
}

/// A moderator's link of `entry` to a member's message.
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    pub entry: &'a str,
    pub guild: Option<u64>,
    pub channel: u64,
    pub message: u64,
    pub author: u64,
    pub text: &'a str,
    pub reply: u64,
    pub moderator: u64,
}

/// Why the service could not do something; prints as one sentence.
#[derive(Debug)]
pub enum ServiceError {
    Faq(LoadError),
    Store(store::StoreError),
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceError::Faq(error) => write!(f, "{error}"),
            ServiceError::Store(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ServiceError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SuggestConfig, ThreadMode};
    use crate::policy::{Channel, Member, Moderators, Place};

    const START_MS: u64 = 1_700_000_000_000;
    const ISSUES: Channel = Channel {
        id: 10,
        name: "cipp-issues",
    };
    const ALICE: u64 = 7;

    fn service(name: &str, cooldown_secs: u64) -> Service {
        let dir =
            std::env::temp_dir().join(format!("faqbot-service-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let faq = dir.join("faq.toml");
        std::fs::write(&faq, include_str!("../faq.toml")).unwrap();
        // Nothing pruned: the tests' clock is in the past, and pruning follows the real one.
        let store = Store::open(&dir.join("faqbot.db"), 0).unwrap();
        let config = SuggestConfig {
            channels: vec!["cipp-issues".into()],
            cooldown_secs,
            threads: ThreadMode::FirstMessage,
            min_confidence: None,
            max_delay_secs: 30,
        };
        let policy = Policy::new(&config, Moderators::new(&["Moderator".into()]), START_MS);
        let memory = Arc::new(store.memory());
        Service::new(&faq, policy, memory, store, 200, Params::default()).unwrap()
    }

    fn incoming(id: u64, text: &str) -> Incoming<'_> {
        Incoming {
            view: policy::Message {
                id,
                place: Place::Channel(ISSUES),
                from_bot: false,
                member: Some(Member {
                    roles: &[],
                    manages_messages: false,
                }),
            },
            text,
            guild: Some(1),
            channel: ISSUES.id,
            author: ALICE,
        }
    }

    const PROBLEM: &str = "I keep getting a 500 error when I open the dashboard";

    #[test]
    fn suggests_then_holds_the_entry_back_and_a_failed_post_gives_the_slot_back() {
        let service = service("cooldown", 600);
        let first = service.message(&incoming(1, PROBLEM), START_MS).unwrap();
        assert_eq!(first.entry, "500-error");
        assert!(first.post.embed.is_some());
        service.posted(&first, 100, START_MS);
        assert_eq!(
            service.message(&incoming(2, PROBLEM), START_MS + 1).err(),
            Some(Silence::Cooldown {
                entry: "500-error".into(),
                until_ms: Some(START_MS + 600_000),
            })
        );
        // The same message again (a replay) is not considered twice.
        assert_eq!(
            service.message(&incoming(1, PROBLEM), START_MS + 2).err(),
            Some(Silence::Policy(Quiet::AlreadyAnswered))
        );
        // After the cooldown, and after a failed post, the entry may be suggested again.
        let later = START_MS + 600_000;
        let again = service.message(&incoming(3, PROBLEM), later).unwrap();
        assert_eq!(service.counts().0, 2);
        service.not_posted(&again);
        assert_eq!(service.counts().0, 1);
        assert!(service.message(&incoming(4, PROBLEM), later + 1).is_ok());
    }

    #[test]
    fn chatter_is_quiet_and_recorded_as_unmatched_when_it_looks_like_a_question() {
        let service = service("unmatched", 600);
        let silence = service
            .message(
                &incoming(1, "how do I paint my bicycle purple quickly"),
                START_MS,
            )
            .err();
        assert!(
            matches!(silence, Some(Silence::NotConfident { .. })),
            "{silence:?}"
        );
        service.message(&incoming(2, "thanks!"), START_MS).err();
        let stats = service.stats(1, START_MS + 1).unwrap();
        assert_eq!(stats.unmatched.len(), 1);
        assert!(stats.unmatched[0].0.contains("bicycle"));
    }

    #[test]
    fn a_link_teaches_a_similar_message_and_unlink_forgets_it() {
        let service = service("link", 0);
        let asked = "the gizmotron widget keeps flickering on my tablet";
        assert!(service.message(&incoming(1, asked), START_MS).is_err());
        let link = Link {
            entry: "cost",
            guild: Some(1),
            channel: ISSUES.id,
            message: 1,
            author: ALICE,
            text: asked,
            reply: 50,
            moderator: 9,
        };
        service.linked(&link, START_MS).unwrap();
        let similar = "my gizmotron widget is flickering on the tablet";
        let taught = service.message(&incoming(2, similar), START_MS).unwrap();
        assert_eq!(taught.entry, "cost");
        assert_eq!(service.unlink(50).unwrap().len(), 1);
        assert!(service.message(&incoming(3, similar), START_MS).is_err());
        assert!(service.unlink(50).unwrap().is_empty());
    }

    #[test]
    fn not_it_from_the_asker_teaches_and_others_only_get_thanks() {
        let service = service("not-it", 0);
        let first = service.message(&incoming(1, PROBLEM), START_MS).unwrap();
        service.posted(&first, 100, START_MS);
        let action = Action::NotIt {
            author: ALICE,
            entry: first.entry.clone(),
        };
        let click = |user, moderator| Click {
            action: &action,
            user,
            moderator,
            reply: 100,
        };
        assert_eq!(
            service.feedback(&click(8, false)),
            Feedback::Notice("Thanks for the feedback.")
        );
        assert!(service.message(&incoming(2, PROBLEM), START_MS).is_ok());
        let Feedback::Remove {
            not_it: Some(entry),
            ..
        } = service.feedback(&click(ALICE, false))
        else {
            panic!("the asker's \"Not it\" removes the suggestion");
        };
        let not_it = NotIt {
            entry: &entry,
            text: PROBLEM,
            channel: ISSUES.id,
            message: 1,
            author: ALICE,
            reply: 100,
            by: ALICE,
        };
        service.not_it(&not_it, START_MS).unwrap();
        // The same message no longer gets that entry unasked; it still ranks for the pickers.
        let silence = service.message(&incoming(3, PROBLEM), START_MS).err();
        assert!(
            matches!(silence, Some(Silence::NotConfident { .. })),
            "{silence:?}"
        );
        let loaded = service.current();
        assert_eq!(loaded.matcher.rank(PROBLEM, 1)[0].id, "500-error");

        let stats = service.stats(1, START_MS + 1).unwrap();
        assert_eq!(stats.entries[0].not_it, 1);
    }

    #[test]
    fn dismiss_and_solved_follow_who_asked() {
        let service = service("dismiss", 0);
        let dismiss = Action::Dismiss { author: ALICE };
        let click = |action, user, moderator| Click {
            action,
            user,
            moderator,
            reply: 100,
        };
        assert!(matches!(
            service.feedback(&click(&dismiss, 8, false)),
            Feedback::Notice(_)
        ));
        assert_eq!(
            service.feedback(&click(&dismiss, 8, true)),
            Feedback::Remove {
                notice: None,
                not_it: None
            }
        );
        let solved = Action::Solved {
            author: ALICE,
            entry: "cost".into(),
        };
        assert!(matches!(
            service.feedback(&click(&solved, ALICE, false)),
            Feedback::Update(_)
        ));
        assert!(matches!(
            service.feedback(&click(&solved, 8, true)),
            Feedback::Notice(_)
        ));
    }
}
