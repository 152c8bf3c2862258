//! The matcher: message text in, FAQ entries ranked by a score in [0, 1] out, plus the decision
//! whether the bot should suggest the best one unasked.
//!
//! The FAQ is indexed once ([`Matcher::new`]); each message then costs work in proportion to the
//! postings of its own words, not to the size of the FAQ. How a score is made:
//!
//! 1. Text is reduced to stemmed content words, negations kept as `not` ([`text`]); words the FAQ
//!    does not know are corrected to a known word one edit away (`spell`) or split into two known
//!    words (`multifactor` → `multi factor`), and neighbouring words that the FAQ writes as one are
//!    joined.
//! 2. A text becomes a weighted bag of terms: stems and pairs of neighbouring stems, each weighted
//!    by how specific it is to few entries (an inverse document frequency over the entropy of the
//!    term's spread, see `Spread`), so words that every entry shares count for little and `500`
//!    against `400` counts for much.
//! 3. Two cosine similarities are blended: against the closest single text of the entry (its
//!    question, one example, one keyword), which rewards a close paraphrase of something users
//!    wrote before, and against the whole entry (all its texts and its answer), which rewards
//!    covering the entry's vocabulary. Words of the message the FAQ has never seen weigh in as
//!    unexplained content, so chatter and off-topic questions score low.
//! 4. The lexically best entries are scored again with meaning added (`semantic`): static
//!    word-piece vectors bring paraphrases close that share no word ("get cash" and "ATM").
//!
//! 5. A confidence, the probability that the best entry is right, is read from these signals by a
//!    logistic model fitted on labelled sets ([`calibration`]); with the model's vectors, the
//!    ranking and the confidence come from [`opinion`] instead.
//!
//! Building the index is in `index`, ranking a message in `rank`, the model's second opinion in
//! [`opinion`], and the decision here.
//!
//! A suggestion needs a confidence of at least [`Params::min_confidence`] and no "Not it" close to
//! the message recorded for the entry: a wrong unasked answer costs more than a missed one.

pub mod calibration;
mod index;
pub mod opinion;
mod params;
mod rank;
pub(crate) mod semantic;
mod spell;
pub mod text;

use std::collections::HashMap;
use std::sync::Arc;

use crate::faq::Faq;
pub use params::{ParamError, Params};
use semantic::Semantic;
use spell::Speller;
use text::Analyzer;

/// One ranked entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match<'a> {
    pub id: &'a str,
    /// Position of the entry in the FAQ.
    pub index: usize,
    /// The ranking score in [0, 1]: shared words and meaning blended; higher is better.
    pub score: f32,
    /// How likely the entry is the right answer, in [0, 1]; the decision to suggest reads this.
    pub confidence: f32,
    /// What the confidence is computed from, for debugging and calibration.
    pub signals: Signals,
}

impl Match<'_> {
    /// The ranking order: best score first; ties in FAQ order.
    fn by_rank(a: &Match<'_>, b: &Match<'_>) -> std::cmp::Ordering {
        b.score.total_cmp(&a.score).then(a.index.cmp(&b.index))
    }
}

/// The evidence for one ranked entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Signals {
    /// Score from shared words alone.
    pub lexical: f32,
    /// Closeness of meaning (word-piece vectors), 0 for long messages.
    pub meaning: f32,
    /// Score minus the best other entry's score (negative below the top).
    pub lead: f32,
    /// The same for the lexical score and for meaning, among the entries compared.
    pub lexical_lead: f32,
    pub meaning_lead: f32,
    /// Closeness to the entry's single closest text: by shared words (cosine), by meaning.
    pub closest: f32,
    pub closest_meaning: f32,

    /// Share of the message's word weight the entry has, unknown words counting fully.
    pub coverage: f32,
    /// Share of the closest text's word weight the message has: a long text that a message meets
    /// in a word or two (an error message quoting "password") is less likely its topic.
    pub text_coverage: f32,
    /// Content words in the message.
    pub words: f32,
    /// The entry's question, keywords and examples (written and learned).
    pub texts: f32,

    /// With the model's second opinion ([`opinion`]), 0 without: the ranking score without the
    /// model, its lead over the best other entry's and its confidence;
    pub without_model: f32,
    pub without_model_confidence: f32,
    pub without_model_lead: f32,
    /// the model's best cosine with the entry's texts, for the whole message and for its best part,
    /// and each one's lead;
    pub model_closest: f32,
    pub model_lead: f32,
    pub model_part: f32,
    pub model_part_lead: f32,
    /// and its cosine with the entry's answer.
    pub model_answer: f32,
}

/// The ranking for one message and what the bot should do with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision<'a> {
    /// Best first.
    pub matches: Vec<Match<'a>>,
    /// The entry to suggest unasked, or `None` to stay quiet.
    pub suggest: Option<Match<'a>>,
    /// Whether the model's second opinion decided ([`Matcher::decide_with`]) or words alone.
    pub by_model: bool,
}

/// What moderators taught the matcher beyond faq.toml, as (entry id, message text) pairs. Pairs
/// naming an entry the FAQ lacks are ignored (and kept in the store, for when it returns).
#[derive(Debug, Clone, Default)]
pub struct Learned {
    /// Messages an entry answers (moderators' links).
    pub examples: Vec<(String, String)>,
    /// Messages an entry does not answer ("Not it").
    pub negatives: Vec<(String, String)>,
}

impl Learned {
    /// The learned examples per entry of `faq`, in its order.
    pub fn examples_per_entry<'a>(&'a self, faq: &Faq) -> Vec<Vec<&'a str>> {
        let index_of = faq
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        per_entry(&self.examples, &index_of, faq.entries.len())
    }
}

/// The texts of `pairs` per entry (`index_of` an entry's id).
fn per_entry<'a>(
    pairs: &'a [(String, String)],
    index_of: &HashMap<&str, usize>,
    entries: usize,
) -> Vec<Vec<&'a str>> {
    let mut texts = vec![Vec::new(); entries];
    for (id, text) in pairs {
        if let Some(&i) = index_of.get(id.as_str()) {
            texts[i].push(text.as_str());
        }
    }
    texts
}

/// An index over one FAQ.
pub struct Matcher {
    analyzer: Analyzer,
    /// The words of the FAQ's reviewed texts (never learned ones), the largest part of an index:
    /// shared by every matcher of the same FAQ ([`Matcher::relearned`]).
    speller: Arc<Speller>,
    params: Params,
    ids: Vec<String>,
    terms: HashMap<String, u32>,
    idf: Vec<f32>,
    /// Weight of an unknown word.
    unknown_idf: f32,
    /// Per term: (text, weight) for every single text containing it.
    text_postings: Vec<Vec<(u32, f32)>>,
    /// Per single text: its entry, its vector's length and its words' total weight.
    texts: Vec<(u32, f32, f32)>,
    /// Per term: (entry, weight) for every entry containing it.
    entry_postings: Vec<Vec<(u32, f32)>>,
    entry_norms: Vec<f32>,
    /// Per entry: how many single texts (question, keywords, examples) it has.
    text_counts: Vec<u32>,
    semantic: Semantic,
    /// Per entry: its "Not it" messages as weighted stems.
    negatives: Vec<Vec<Bag>>,
}

/// A text as counted terms, before weighting.
type Bag = HashMap<String, f32>;

impl Matcher {
    pub fn new(faq: &Faq) -> Self {
        Matcher::build(faq, &Params::default(), &Learned::default())
    }

    /// The FAQ plus what moderators taught.
    pub fn with_learned(faq: &Faq, learned: &Learned) -> Self {
        Matcher::build(faq, &Params::default(), learned)
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Ranks the entries for `text` (best first, at most `limit`), each with its confidence, and
    /// decides on a suggestion: the best entry when its confidence reaches
    /// [`Params::min_confidence`] and the message is not close to a "Not it" of that entry.
    pub fn decide(&self, text: &str, limit: usize) -> Decision<'_> {
        self.decision(self.scored(text), text, limit, false)
    }

    /// The decision on `text` from its ranking: the best entry when its confidence reaches
    /// [`Params::min_confidence`] and no "Not it" of it is close.
    fn decision<'m>(
        &'m self,
        mut matches: Vec<Match<'m>>,
        text: &str,
        limit: usize,
        by_model: bool,
    ) -> Decision<'m> {
        let suggest = matches
            .first()
            .filter(|best| {
                best.confidence >= self.params.min_confidence
                    && !self.near_negative(best.index, text)
            })
            .copied();
        matches.truncate(limit);
        Decision {
            matches,
            suggest,
            by_model,
        }
    }

    /// The best `limit` entries for `text` with a score above zero, best first.
    pub fn rank(&self, text: &str, limit: usize) -> Vec<Match<'_>> {
        let mut ranked = self.scored(text);
        ranked.truncate(limit);
        ranked
    }

    /// Number of entries indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// How specific a term (or word piece) found in `with` of `total` entries is: the smoothed inverse
/// document frequency of BM25, never negative. The word and the meaning side share it.
pub(crate) fn idf(total: f32, with: f32) -> f32 {
    (1.0 + (total - with + 0.5) / (with + 0.5)).ln()
}
