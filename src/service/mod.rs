//! The service layer: runs one message, click or link through the policy, the matcher, rendering
//! and the store, and says what to send. No serenity types: the Discord layer translates events
//! into these calls and sends what comes back.
//!
//! One file per step: `message` (a message in, a suggestion or the reason for silence out),
//! `feedback` (clicks on a suggestion's buttons, "Not it"), `link` (moderators' links and
//! their undoing); here, the FAQ in service and its reloads.
//!
//! Every method here may touch the database, so callers on the async runtime run them with
//! `spawn_blocking`. Events nobody waits for (what was shown, feedback) are recorded in the
//! background by the store.

mod feedback;
mod link;
mod message;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::faq::{Faq, LoadError};
use crate::matcher::opinion::EntryVectors;
use crate::matcher::{Decision, Learned, Matcher, Params};
use crate::memory::Memory;
use crate::policy::Policy;
use crate::second_opinion::SecondOpinion;
use crate::store::{self, Example, Stats, Store};

pub use feedback::{Click, Feedback, NotIt};
pub use link::Link;
pub use message::{Incoming, Silence, Suggestion, Verdict, QUESTION_MIN_CHARS};

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
    /// The store's teaching version this process's matcher has learned up to: when another
    /// process teaches (a link, "Not it", a reload), the version moves and this one reloads.
    taught: AtomicU64,
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
        // Read before the examples: a change made between the two is loaded again, not missed.
        let taught = store
            .backend()
            .teaching_version()
            .map_err(ServiceError::Store)?;
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
            taught: AtomicU64::new(taught),
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

    /// Learned examples kept per entry at most.
    pub fn max_examples(&self) -> usize {
        self.max_examples
    }

    /// The watched places where messages were noted since `since_ms`, with the newest noted and
    /// the oldest an earlier run left unfinished; empty when the memory cannot say.
    pub fn places(&self, since_ms: u64) -> Vec<crate::memory::PlaceSeen> {
        self.memory.places(since_ms).unwrap_or_else(|error| {
            tracing::warn!("cannot tell which places to read back: {error}");
            Vec::new()
        })
    }

    /// What the service did since start.
    pub fn counts(&self) -> Counts {
        Counts {
            suggestions: self.suggestions.load(Ordering::Relaxed),
            links: self.links.load(Ordering::Relaxed),
        }
    }

    /// Reads faq.toml again; a broken file keeps the FAQ in service.
    pub fn reload(&self) -> Result<Reloaded, ServiceError> {
        let reloaded = self.reload_here()?;
        // The other processes sharing the store reload too.
        if let Err(error) = self.store.backend().note_reload() {
            tracing::warn!("reloaded here, but could not tell the other processes: {error}");
        }
        Ok(reloaded)
    }

    /// Reloads faq.toml and the examples in this process only.
    fn reload_here(&self) -> Result<Reloaded, ServiceError> {
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
        Ok(Reloaded { before, after })
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

    /// Reloads when the store says that what the matcher learns from changed since this process
    /// last loaded it (another process linked, unlinked, said "Not it" or reloaded); true when it
    /// reloaded. A FAQ file that no longer loads keeps the FAQ in service, with the new examples.
    pub fn follow_teaching(&self) -> Result<bool, ServiceError> {
        let version = self
            .store
            .backend()
            .teaching_version()
            .map_err(ServiceError::Store)?;
        if version == self.taught.load(Ordering::SeqCst) {
            return Ok(false);
        }
        match self.reload_here() {
            Err(ServiceError::Faq(error)) => {
                tracing::warn!("another process reloaded, but the FAQ here does not load: {error}; keeping the FAQ in service");
                self.relearn()?;
            }
            other => {
                other?;
            }
        }
        self.taught.store(version, Ordering::SeqCst);
        Ok(true)
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

/// Why the service could not do something; prints as one sentence.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Faq(LoadError),
    #[error("{0}")]
    Store(store::StoreError),
}
