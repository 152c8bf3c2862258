//! Ranking one message against the index: its terms (with repairs of unknown words), the entries
//! that share them by cosine with each single text and each whole entry, then meaning and the
//! confidence for the best few.

use std::collections::HashMap;

use super::index::term_weight;
use super::{calibration, Bag, Match, Matcher, Signals};

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
    /// The lexically best entries, scored again with meaning, each with its signals and confidence.
    pub(super) fn scored(&self, text: &str) -> Vec<Match<'_>> {
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
        ranked.sort_by(Match::by_rank);
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
    ///
    /// The matcher's hot loop, kept in one function: the postings are walked once for texts and
    /// entries together (`cargo bench --bench matcher` measures it).
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
        let by_score = |a: &(Match<'_>, f32, f32, f32), b: &(Match<'_>, f32, f32, f32)| {
            Match::by_rank(&a.0, &b.0)
        };
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
    pub(super) fn stems(&self, text: &str) -> Bag {
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
    pub(super) fn near_negative(&self, index: usize, text: &str) -> bool {
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
