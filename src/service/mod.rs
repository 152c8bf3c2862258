//! The service layer: runs one message, click or link through the policy, the matcher, rendering
//! and the store, and says what to send. No serenity types: the Discord layer translates events
//! into these calls and sends what comes back.
//!
//! A [`Service`] is one server's world: its settings, its FAQ with what it learned, its
//! statistics; nothing one server does reaches another's. [`Servers`] (`servers`) says which
//! servers are served and holds their services. One file per step: `message` (a message in, a
//! suggestion or the reason for silence out), `feedback` (clicks on a suggestion's buttons,
//! "Not it"), `link` (moderators' links and their undoing); here, the FAQ in service, what it
//! learned, and its reloads.
//!
//! Every method here may touch the database, so callers on the async runtime run them off it
//! (the Discord layer's `blocking`). Events nobody waits for (what was shown, feedback) are
//! recorded in the background by the store.

mod feedback;
mod gaps;
mod link;
mod message;
mod servers;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::config::Settings;
use crate::faq::{Faq, LoadError};
use crate::ids::GuildId;
use crate::matcher::opinion::EntryVectors;
use crate::matcher::{Decision, Learned, Matcher, Params};
use crate::memory::Memory;
use crate::policy::Policy;
use crate::second_opinion::SecondOpinion;
use crate::store::{self, Example, Stats, Store};

pub use feedback::{Click, Feedback, Veto};
pub use gaps::{week_of, Gaps, StaffReply, DIGEST_DAYS};
pub use link::Link;
pub use message::{Incoming, Silence, Suggestion, Verdict};
pub use servers::Servers;

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

/// What every server's service shares: the store and memory, the model, and how far this process
/// has followed what the store was taught.
pub struct Shared {
    store: Store,
    memory: Arc<dyn Memory>,
    /// The model's second opinion, when its files are there.
    opinion: Option<Arc<SecondOpinion>>,
    max_examples: usize,
    /// The store's teaching version this process's matchers have learned up to: when another
    /// process teaches (a link, "Not it", a reload), the version moves and the servers taught
    /// reload.
    taught: AtomicU64,
}

impl Shared {
    pub fn new(
        store: Store,
        memory: Arc<dyn Memory>,
        opinion: Option<Arc<SecondOpinion>>,
        max_examples: usize,
    ) -> Result<Shared, ServiceError> {
        // Read before any server's examples: a change made in between is loaded again, not missed.
        let taught = store
            .backend()
            .teaching_version()
            .map_err(ServiceError::Store)?;
        Ok(Shared {
            store,
            memory,
            opinion,
            max_examples,
            taught: AtomicU64::new(taught),
        })
    }

    /// A FAQ with `learned`, and its vectors when the bot has the second opinion. If the model
    /// fails on the FAQ, words alone decide until the next reload, and the log says so.
    fn load(&self, faq: Faq, learned: &Learned, params: &Params) -> Loaded {
        self.embedded(Loaded::new(faq, learned, params), learned)
    }

    /// `base`'s FAQ with `learned` instead, sharing what depends on the FAQ alone.
    fn relearned(&self, base: &Loaded, learned: &Learned, params: &Params) -> Loaded {
        let matcher = base.matcher.relearned(&base.faq, params, learned);
        let loaded = Loaded {
            faq: base.faq.clone(),
            matcher,
            vectors: None,
        };
        self.embedded(loaded, learned)
    }

    /// `loaded` with the model's vectors of its texts and `learned`, when the bot has the model.
    fn embedded(&self, mut loaded: Loaded, learned: &Learned) -> Loaded {
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

    /// This process just taught the store one change and relearns it itself: when that is the
    /// only change since it last looked, it need not reload for it again.
    fn taught_here(&self) {
        if let Ok(version) = self.store.backend().teaching_version() {
            let _ = self.taught.compare_exchange(
                version.wrapping_sub(1),
                version,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
        }
    }
}

/// One server's world: its rules, its FAQ in service with what it learned, what it did.
pub struct Service {
    server: GuildId,
    settings: Settings,
    policy: Policy,
    params: Params,
    shared: Arc<Shared>,
    /// The FAQ's index without anything learned, shared by every server of the same FAQ file
    /// and parameters.
    base: RwLock<Arc<Loaded>>,
    /// What decides here: `base` while the server has learned nothing, else its own index of
    /// the FAQ with its examples and vetoes.
    loaded: RwLock<Arc<Loaded>>,
    /// One rebuild at a time; `dirty` says a change came during one, so that it runs again and
    /// a burst of teaching costs a few rebuilds, not one each.
    rebuilding: Mutex<()>,
    dirty: AtomicBool,
    suggestions: AtomicU64,
    links: AtomicU64,
}

/// What the service did since start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Unasked suggestions posted.
    pub suggestions: u64,
    /// Moderators' links.
    pub links: u64,
}

/// The FAQ's entries before and after a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reloaded {
    pub before: usize,
    pub after: usize,
}

/// How many unmatched messages the statistics list.
pub const UNMATCHED_TOP: usize = 10;

impl Service {
    /// Server `server`'s service over the shared index `base`, with what the store learned there.
    fn new(
        server: GuildId,
        settings: Settings,
        policy: Policy,
        params: Params,
        shared: Arc<Shared>,
        base: Arc<Loaded>,
    ) -> Result<Service, ServiceError> {
        let service = Service {
            server,
            settings,
            policy,
            params,
            shared,
            loaded: RwLock::new(base.clone()),
            base: RwLock::new(base),
            rebuilding: Mutex::new(()),
            dirty: AtomicBool::new(false),
            suggestions: AtomicU64::new(0),
            links: AtomicU64::new(0),
        };
        service.rebuild()?;
        Ok(service)
    }

    /// One server's service on its own, its FAQ loaded from `settings.faq` (tests, benchmarks).
    pub fn alone(
        server: GuildId,
        settings: Settings,
        policy: Policy,
        shared: Arc<Shared>,
    ) -> Result<Service, ServiceError> {
        let params = servers::params(&settings);
        let faq = Faq::load(&settings.faq).map_err(ServiceError::Faq)?;
        let base = Arc::new(shared.load(faq, &Learned::default(), &params));
        Service::new(server, settings, policy, params, shared, base)
    }

    /// The server this service is for.
    pub fn server(&self) -> GuildId {
        self.server
    }

    /// Its settings: its `[[server]]` table over the top level's.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Its rules (who moderates, where it suggests).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The second opinion, if the bot has one.
    pub fn second_opinion(&self) -> Option<&SecondOpinion> {
        self.shared.opinion.as_deref()
    }

    /// The FAQ in service now.
    pub fn current(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn faq_path(&self) -> &Path {
        &self.settings.faq
    }

    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Learned examples kept per entry at most.
    pub fn max_examples(&self) -> usize {
        self.shared.max_examples
    }

    /// What the service did since start.
    pub fn counts(&self) -> Counts {
        Counts {
            suggestions: self.suggestions.load(Ordering::Relaxed),
            links: self.links.load(Ordering::Relaxed),
        }
    }

    /// Whether this server learned anything: then it decides with its own index.
    pub fn learned_anything(&self) -> bool {
        !Arc::ptr_eq(&self.current(), &self.base())
    }

    fn base(&self) -> Arc<Loaded> {
        self.base.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Serves a new shared index of the FAQ (after a reload), with what this server learned.
    fn rebase(&self, base: Arc<Loaded>) -> Result<(), ServiceError> {
        *self.base.write().unwrap_or_else(|p| p.into_inner()) = base;
        self.relearn()
    }

    /// Rebuilds this server's matcher with every example it learned, then swaps it in (after a
    /// link, an unlink, "Not it", learning from a channel's history). Changes that come while a
    /// rebuild runs are folded into the next one: the caller that finds one running returns at
    /// once, and the running one goes round again.
    pub fn relearn(&self) -> Result<(), ServiceError> {
        self.dirty.store(true, Ordering::SeqCst);
        loop {
            let Ok(_one_at_a_time) = self.rebuilding.try_lock() else {
                return Ok(());
            };
            while self.dirty.swap(false, Ordering::SeqCst) {
                self.rebuild()?;
            }
            drop(_one_at_a_time);
            // A change noted just before the lock was let go would otherwise wait for the next.
            if !self.dirty.load(Ordering::SeqCst) {
                return Ok(());
            }
        }
    }

    fn rebuild(&self) -> Result<(), ServiceError> {
        let examples = self
            .store()
            .backend()
            .examples(Some(self.server))
            .map_err(ServiceError::Store)?;
        let base = self.base();
        let loaded = if examples.is_empty() {
            base
        } else {
            Arc::new(
                self.shared
                    .relearned(&base, &learned(&examples), &self.params),
            )
        };
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = loaded;
        Ok(())
    }

    /// Statistics of this server's last `days` days.
    pub fn stats(&self, days: u64, now_ms: u64) -> Result<Stats, ServiceError> {
        let since = now_ms.saturating_sub(crate::time::days_ms(days));
        self.store().flush();
        self.store()
            .backend()
            .stats(Some(self.server), since, UNMATCHED_TOP)
            .map_err(ServiceError::Store)
    }
}

/// Why the service could not do something; prints as one sentence.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Faq(LoadError),
    #[error("{0}")]
    Store(store::StoreError),
}
