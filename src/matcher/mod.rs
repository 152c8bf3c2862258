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
//! A suggestion needs a confidence of at least [`Params::min_confidence`] and no "Not it" close to
//! the message recorded for the entry: a wrong unasked answer costs more than a missed one.

pub mod calibration;
pub mod opinion;
mod params;
pub(crate) mod semantic;
mod spell;
pub mod text;

use std::collections::HashMap;

use crate::faq::Faq;
pub use params::Params;
use semantic::Semantic;
use spell::Speller;
use text::{Analyzer, Word};

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
    speller: Speller,
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

thread_local! {
    /// Scratch sums for [`Matcher::lexical`]: a pair per single text of the largest FAQ seen.
    static TEXT_SUMS: std::cell::RefCell<Vec<[f32; 2]>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A message as the index sees it.
struct Query {
    /// Known terms and their weight before specificity.
    terms: Vec<(u32, f32)>,
    /// Words the FAQ does not know (after repairs).
    unknown: f32,
    /// Content words read.
    words: usize,
}

impl Matcher {
    pub fn new(faq: &Faq) -> Self {
        Matcher::build(faq, &Params::default(), &Learned::default())
    }

    /// The FAQ plus what moderators taught.
    pub fn with_learned(faq: &Faq, learned: &Learned) -> Self {
        Matcher::build(faq, &Params::default(), learned)
    }

    /// The FAQ plus what moderators taught, with any parameters.
    pub fn build(faq: &Faq, params: &Params, learned: &Learned) -> Self {
        let p = *params;
        let index_of: HashMap<&str, usize> = faq
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let learned_examples = per_entry(&learned.examples, &index_of, faq.entries.len());
        let learned_negatives = per_entry(&learned.negatives, &index_of, faq.entries.len());
        let analyzer = Analyzer::default();
        let mut speller = Speller::default();

        // Each entry's single texts (with their kind's weight) and answer, as bags of terms.
        let mut singles: Vec<(u32, Bag)> = Vec::new();
        let mut entry_bags: Vec<Bag> = Vec::new();
        for (index, entry) in faq.entries.iter().enumerate() {
            let mut whole = Bag::new();
            // Learned text passes `None` for the speller: an unreviewed typo must not become a word
            // that messages are corrected to.
            let mut add = |text: &str, weight: f32, single: bool, speller: Option<&mut Speller>| {
                let words = analyzer.words(text);
                if let Some(speller) = speller {
                    for word in &words {
                        speller.add(&word.surface);
                    }
                }
                let bag = bag(&words);
                for (term, count) in &bag {
                    *whole.entry(term.clone()).or_default() += weight * count;
                }
                if single {
                    singles.push((index as u32, bag));
                }
            };
            add(&entry.question, p.question_weight, true, Some(&mut speller));
            add(
                &entry.id.replace('-', " "),
                p.alias_weight,
                false,
                Some(&mut speller),
            );
            for alias in &entry.aliases {
                add(
                    &alias.replace('-', " "),
                    p.alias_weight,
                    false,
                    Some(&mut speller),
                );
            }
            for keyword in &entry.keywords {
                add(keyword, p.keyword_weight, true, Some(&mut speller));
            }
            for example in &entry.examples {
                add(example, p.example_weight, true, Some(&mut speller));
            }
            for example in &learned_examples[index] {
                add(example, p.learned_weight, true, None);
            }
            add(
                &text::without_list_numbers(&entry.answer),
                p.answer_weight,
                false,
                Some(&mut speller),
            );
            entry_bags.push(whole);
        }

        // Terms and how specific each is to few entries.
        let mut terms: HashMap<String, u32> = HashMap::new();
        let mut spread: Vec<Spread> = Vec::new();
        for bag in &entry_bags {
            for (term, &count) in bag {
                let id = *terms.entry(term.clone()).or_insert_with(|| {
                    spread.push(Spread::default());
                    spread.len() as u32 - 1
                });
                spread[id as usize].add(count);
            }
        }
        let n = entry_bags.len() as f32;
        let idf_of = |entries: f32| idf(n, entries);
        let idf: Vec<f32> = spread.iter().map(|s| idf_of(s.entries())).collect();

        let weight = |term: &str, count: f32| {
            idf[terms[term] as usize] * term_weight(term, count, p.pair_weight)
        };
        // Per term, (bag number, weight) for every bag containing it; and each bag's length.
        let index = |bags: &mut dyn Iterator<Item = &Bag>| {
            let mut postings = vec![Vec::new(); terms.len()];
            let mut norms = Vec::new();
            for (number, bag) in bags.enumerate() {
                let (mut norm, mut total) = (0.0, 0.0);
                for (term, &count) in bag {
                    let w = weight(term, count);
                    norm += w * w;
                    total += w;
                    postings[terms[term] as usize].push((number as u32, w));
                }
                norms.push((f32::sqrt(norm), total));
            }
            (postings, norms)
        };
        let mut text_counts = vec![0u32; faq.entries.len()];
        for (entry, _) in &singles {
            text_counts[*entry as usize] += 1;
        }
        let (text_postings, text_norms) = index(&mut singles.iter().map(|(_, bag)| bag));
        let texts = singles
            .iter()
            .map(|&(entry, _)| entry)
            .zip(text_norms)
            .map(|(entry, (norm, total))| (entry, norm, total))
            .collect();
        let (entry_postings, entry_norms) = index(&mut entry_bags.iter());
        let entry_norms = entry_norms.into_iter().map(|(norm, _)| norm).collect();

        let mut matcher = Matcher {
            analyzer,
            speller,
            params: p,
            ids: faq.entries.iter().map(|e| e.id.clone()).collect(),
            unknown_idf: idf_of(1.0) * p.unknown_weight,
            terms,
            idf,
            text_postings,
            texts,
            entry_postings,
            entry_norms,
            text_counts,
            semantic: Semantic::new(faq, &learned_examples, p.meaning_closest_share),
            negatives: Vec::new(),
        };
        matcher.negatives = learned_negatives
            .iter()
            .map(|texts| texts.iter().map(|text| matcher.stems(text)).collect())
            .collect();
        matcher
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

    /// The lexically best entries, scored again with meaning, each with its signals and confidence.
    fn scored(&self, text: &str) -> Vec<Match<'_>> {
        let query = self.query(text);
        let lexical = self.lexical(&query, self.params.rerank);
        if lexical.is_empty() {
            return Vec::new();
        }
        // Averaged word-piece vectors wash out over a long message: rank those by words alone.
        let long = query.words > self.params.long_message_words;
        let message = (!long).then(|| self.semantic.embed(text));
        let mut ranked: Vec<Match<'_>> = lexical
            .iter()
            .map(|&(m, coverage, closest, text_coverage)| {
                let (meaning, closest_meaning) = message
                    .as_ref()
                    .map_or((0.0, 0.0), |v| self.semantic.score(m.index, v));
                let meaning = meaning.max(0.0);
                let score = if long {
                    m.score
                } else {
                    (self.params.lexical_share * m.score
                        + (1.0 - self.params.lexical_share) * meaning)
                        .clamp(0.0, 1.0)
                };
                Match {
                    score,
                    signals: Signals {
                        lexical: m.score,
                        meaning,
                        closest,
                        closest_meaning: closest_meaning.max(0.0),
                        coverage,
                        text_coverage,
                        words: query.words as f32,
                        texts: self.text_counts[m.index] as f32,
                        ..m.signals
                    },
                    ..m
                }
            })
            .collect();
        ranked.sort_by(better);
        // Each entry's lead over the best of the others, by each score.
        let lead = |value: &dyn Fn(&Match<'_>) -> f32, i: usize, ranked: &[Match<'_>]| {
            let best_other = ranked
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, m)| value(m))
                .fold(0.0f32, f32::max);
            value(&ranked[i]) - best_other
        };
        for i in 0..ranked.len() {
            let leads = (
                lead(&|m| m.score, i, &ranked),
                lead(&|m| m.signals.lexical, i, &ranked),
                lead(&|m| m.signals.meaning, i, &ranked),
            );
            let m = &mut ranked[i];
            (
                m.signals.lead,
                m.signals.lexical_lead,
                m.signals.meaning_lead,
            ) = leads;
            m.confidence = calibration::confidence(m.score, &m.signals);
        }
        ranked
    }

    /// The best `limit` entries by shared words alone, best first, each with the share of the
    /// message's weight that the entry covers and the cosine with its closest single text.
    fn lexical(&self, query: &Query, limit: usize) -> Vec<(Match<'_>, f32, f32, f32)> {
        if query.terms.is_empty() {
            return Vec::new();
        }
        let unknown = self.unknown_idf * query.unknown.sqrt();
        let norm = (query
            .terms
            .iter()
            .map(|&(term, w)| {
                let w = w * self.idf[term as usize];
                w * w
            })
            .sum::<f32>()
            + unknown * unknown)
            .sqrt();
        if norm == 0.0 {
            return Vec::new();
        }
        // A large FAQ has many single texts: their sums live in a buffer kept per thread, of which
        // only the texts touched are cleared again, rather than one zeroed per message.
        TEXT_SUMS.with_borrow_mut(|text_sums| {
            if text_sums.len() < self.texts.len() {
                text_sums.resize(self.texts.len(), [0.0; 2]);
            }
            self.lexical_with(query, limit, norm, text_sums)
        })
    }

    /// [`Self::lexical`] given the message vector's length and per-text sums that are all zero
    /// (and left so).
    fn lexical_with(
        &self,
        query: &Query,
        limit: usize,
        norm: f32,
        text_sums: &mut [[f32; 2]],
    ) -> Vec<(Match<'_>, f32, f32, f32)> {
        // In the coverage, an unknown word weighs as much as the most specific known word: a
        // crash log whose only known word is "500" is mostly not about the 500 entry.
        let specific = self.unknown_idf / self.params.unknown_weight;
        let mut total = query.unknown * specific;

        // Dot products with every single text and every whole entry that shares a term.
        // Per text: its dot product with the message, and the weight of its words the message has.
        let mut entry_dots = vec![0.0f32; self.ids.len()];
        let mut covered = vec![0.0f32; self.ids.len()];
        let mut touched_texts: Vec<u32> = Vec::new();
        let mut touched: Vec<u32> = Vec::new();
        for &(term, w) in &query.terms {
            let qw = w * self.idf[term as usize];
            total += qw;
            for &(t, tw) in &self.text_postings[term as usize] {
                let sums = &mut text_sums[t as usize];
                if sums[0] == 0.0 {
                    touched_texts.push(t);
                }
                sums[0] += qw * tw;
                sums[1] += tw;
            }
            for &(e, ew) in &self.entry_postings[term as usize] {
                let dot = &mut entry_dots[e as usize];
                if *dot == 0.0 {
                    touched.push(e);
                }
                *dot += qw * ew;
                covered[e as usize] += qw;
            }
        }
        let mut closest = vec![0.0f32; self.ids.len()];
        let mut text_coverage = vec![0.0f32; self.ids.len()];
        for t in touched_texts {
            let (entry, text_norm, text_total) = self.texts[t as usize];
            let [dot, matched] = std::mem::take(&mut text_sums[t as usize]);
            let cos = dot / (norm * text_norm);
            let best = &mut closest[entry as usize];
            if cos > *best {
                *best = cos;
                text_coverage[entry as usize] = (matched / text_total).min(1.0);
            }
        }
        let mut ranked: Vec<(Match<'_>, f32, f32, f32)> = touched
            .into_iter()
            .map(|e| {
                let whole = entry_dots[e as usize] / (norm * self.entry_norms[e as usize]);
                let score = self.params.closest_share * closest[e as usize]
                    + (1.0 - self.params.closest_share) * whole;
                let coverage = if total > 0.0 {
                    (covered[e as usize] / total).min(1.0)
                } else {
                    0.0
                };
                let m = Match {
                    id: &self.ids[e as usize],
                    index: e as usize,
                    score: score.clamp(0.0, 1.0),
                    confidence: 0.0,
                    signals: Signals::default(),
                };
                (m, coverage, closest[e as usize], text_coverage[e as usize])
            })
            .filter(|(m, ..)| m.score > 0.0)
            .collect();
        let by_score =
            |a: &(Match<'_>, f32, f32, f32), b: &(Match<'_>, f32, f32, f32)| better(&a.0, &b.0);
        if ranked.len() > limit && limit > 0 {
            // Only the best few need sorting; a large FAQ can touch thousands of entries.
            ranked.select_nth_unstable_by(limit - 1, by_score);
        }
        ranked.truncate(limit);
        ranked.sort_by(by_score);
        ranked
    }

    /// The message's known terms with their weight before idf, and how many words are unknown.
    fn query(&self, text: &str) -> Query {
        let words = self.analyzer.words(text);
        let mut resolved: Vec<(String, f32)> = Vec::with_capacity(words.len());
        let mut unknown = 0.0f32;
        let mut repairs_left = self.params.max_repairs;
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            // Neighbours the FAQ writes as one word ("log in" → "login").
            if let Some(next) = words.get(i + 1) {
                let joined = self
                    .analyzer
                    .stem(&format!("{}{}", word.surface, next.surface));
                if self.terms.contains_key(&joined) && !self.terms.contains_key(&word.stem) {
                    resolved.push((joined, 1.0));
                    i += 2;
                    continue;
                }
            }
            i += 1;
            if self.terms.contains_key(&word.stem) {
                resolved.push((word.stem.clone(), 1.0));
                continue;
            }
            if repairs_left == 0 {
                unknown += 1.0;
                continue;
            }
            repairs_left -= 1;
            if let Some((a, b)) = self.split(&word.surface) {
                resolved.push((a, 1.0));
                resolved.push((b, 1.0));
            } else if let Some(fixed) = self.speller.correct(&word.surface) {
                resolved.push((self.analyzer.stem(fixed), self.params.corrected_weight));
            } else {
                unknown += 1.0;
            }
        }

        let mut bag: HashMap<String, f32> = HashMap::new();
        for (stem, w) in &resolved {
            *bag.entry(stem.clone()).or_default() += w;
        }
        for pair in resolved.windows(2) {
            let term = format!("{} {}", pair[0].0, pair[1].0);
            if self.terms.contains_key(&term) {
                *bag.entry(term).or_default() += pair[0].1.min(pair[1].1);
            }
        }
        let terms = bag
            .into_iter()
            .filter_map(|(term, count)| {
                let id = *self.terms.get(&term)?;
                // A corrected word alone (count below 1) keeps its discount.
                Some((
                    id,
                    term_weight(&term, count, self.params.pair_weight) * count.min(1.0),
                ))
            })
            .collect();
        Query {
            terms,
            unknown,
            words: words.len(),
        }
    }

    /// The stems of `text`, each weighted by how specific it is (words the FAQ lacks count as
    /// the most specific), for comparing a message with "Not it" messages.
    fn stems(&self, text: &str) -> Bag {
        let specific = self.unknown_idf / self.params.unknown_weight;
        let mut bag = Bag::new();
        for word in self.analyzer.words(text) {
            let idf = self
                .terms
                .get(&word.stem)
                .map_or(specific, |&t| self.idf[t as usize]);
            *bag.entry(word.stem).or_default() += idf;
        }
        bag
    }

    /// Whether `text` is close to a message someone said entry `index` does not answer.
    fn near_negative(&self, index: usize, text: &str) -> bool {
        let negatives = &self.negatives[index];
        if negatives.is_empty() {
            return false;
        }
        let message = self.stems(text);
        negatives
            .iter()
            .any(|negative| cosine(&message, negative) >= self.params.negative_veto)
    }

    /// Splits an unknown word into two known words that the FAQ also writes side by side.
    fn split(&self, surface: &str) -> Option<(String, String)> {
        if surface.len() < 6 || !surface.is_ascii() {
            return None;
        }
        (3..surface.len() - 2).find_map(|cut| {
            let a = self.analyzer.stem(&surface[..cut]);
            let b = self.analyzer.stem(&surface[cut..]);
            self.terms
                .contains_key(&format!("{a} {b}"))
                .then_some((a, b))
        })
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
fn idf(total: f32, with: f32) -> f32 {
    (1.0 + (total - with + 0.5) / (with + 0.5)).ln()
}

fn cosine(a: &Bag, b: &Bag) -> f32 {
    let norm = |bag: &Bag| bag.values().map(|w| w * w).sum::<f32>().sqrt();
    let dot: f32 = a
        .iter()
        .filter_map(|(term, w)| b.get(term).map(|v| w * v))
        .sum();
    let norms = norm(a) * norm(b);
    if norms == 0.0 {
        0.0
    } else {
        dot / norms
    }
}

/// Best score first; ties in FAQ order.
fn better(a: &Match<'_>, b: &Match<'_>) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.index.cmp(&b.index))
}

/// A term's weight before its specificity: repeats count less and less, pairs half.
fn term_weight(term: &str, count: f32, pair_weight: f32) -> f32 {
    let weight = 1.0 + count.max(1.0).ln();
    if term.contains(' ') {
        weight * pair_weight
    } else {
        weight
    }
}

/// How a term's weight is spread over the entries that use it.
///
/// Inverse document frequency counts the entries that contain a term; this counts them by the
/// entropy of the term's weight over entries instead (the "effective number" of entries), so a word
/// that fills one entry's examples and appears once elsewhere counts as nearly specific to that entry.
#[derive(Default, Clone, Copy)]
struct Spread {
    total: f32,
    /// Sum of `w ln w` over entries.
    w_ln_w: f32,
}

impl Spread {
    fn add(&mut self, weight: f32) {
        self.total += weight;
        self.w_ln_w += weight * weight.ln();
    }

    /// exp(entropy), at least 1.
    fn entries(&self) -> f32 {
        let entropy = self.total.ln() - self.w_ln_w / self.total;
        entropy.exp().max(1.0)
    }
}

/// Counts stems and neighbouring pairs of stems.
fn bag(words: &[Word]) -> Bag {
    let mut bag = Bag::new();
    for word in words {
        *bag.entry(word.stem.clone()).or_default() += 1.0;
    }
    for pair in words.windows(2) {
        *bag.entry(format!("{} {}", pair[0].stem, pair[1].stem))
            .or_default() += 1.0;
    }
    bag
}
