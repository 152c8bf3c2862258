//! Building the index over one FAQ and what was learned: every entry's texts as weighted terms,
//! how specific each term is, and the postings that let a message touch only the entries sharing
//! its terms.

use std::collections::HashMap;
use std::sync::Arc;

use super::semantic::Semantic;
use super::spell::Speller;
use super::text::{self, Analyzer, Word};
use super::{idf, per_entry, Bag, Learned, Matcher, Params};
use crate::faq::Faq;

impl Matcher {
    /// The FAQ plus what moderators taught, with any parameters.
    pub fn build(faq: &Faq, params: &Params, learned: &Learned) -> Self {
        Matcher::build_with(faq, params, learned, None)
    }

    /// The FAQ this matcher was built from (`faq`, the same) with other learned examples and
    /// vetoes: what depends on the FAQ's reviewed texts alone (the speller) is shared, not built
    /// again, so the matchers of many servers of one FAQ cost little more than their examples.
    pub fn relearned(&self, faq: &Faq, params: &Params, learned: &Learned) -> Self {
        Matcher::build_with(faq, params, learned, Some(self.speller.clone()))
    }

    fn build_with(
        faq: &Faq,
        params: &Params,
        learned: &Learned,
        speller: Option<Arc<Speller>>,
    ) -> Self {
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
        let (texts, built) = Texts::of(faq, &p, &analyzer, &learned_examples, speller.is_none());
        let speller = speller.unwrap_or_else(|| Arc::new(built));
        let (terms, specific) = specificity(&texts.entries);
        let weight = |term: &str, count: f32| {
            specific[terms[term] as usize] * term_weight(term, count, p.pair_weight)
        };
        let mut text_counts = vec![0u32; faq.entries.len()];
        for (entry, _) in &texts.singles {
            text_counts[*entry as usize] += 1;
        }
        let singles = postings(texts.singles.iter().map(|(_, bag)| bag), &terms, &weight);
        let wholes = postings(texts.entries.iter(), &terms, &weight);
        let single_texts = texts
            .singles
            .iter()
            .map(|&(entry, _)| entry)
            .zip(singles.norms)
            .map(|(entry, (norm, total))| (entry, norm, total))
            .collect();

        let mut matcher = Matcher {
            analyzer,
            speller,
            params: p,
            ids: faq.entries.iter().map(|e| e.id.clone()).collect(),
            unknown_idf: idf(texts.entries.len() as f32, 1.0) * p.unknown_weight,
            terms,
            idf: specific,
            text_postings: singles.postings,
            texts: single_texts,
            entry_postings: wholes.postings,
            entry_norms: wholes.norms.into_iter().map(|(norm, _)| norm).collect(),
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
}

/// Every entry's texts as bags of terms.
struct Texts {
    /// The single texts a message is compared with one by one (question, keywords, written and
    /// learned examples), each with its entry.
    singles: Vec<(u32, Bag)>,
    /// Per entry, all its texts and its answer, each weighted by its kind.
    entries: Vec<Bag>,
}

impl Texts {
    /// The texts of `faq` and the learned examples; and, with `spell`, the speller of the words
    /// the FAQ's reviewed texts use (else an empty one).
    fn of(
        faq: &Faq,
        p: &Params,
        analyzer: &Analyzer,
        learned_examples: &[Vec<&str>],
        spell: bool,
    ) -> (Texts, Speller) {
        let mut speller = Speller::default();
        let mut singles: Vec<(u32, Bag)> = Vec::new();
        let mut entries: Vec<Bag> = Vec::new();
        for (index, entry) in faq.entries.iter().enumerate() {
            let mut whole = Bag::new();
            // Learned text passes `None` for the speller: an unreviewed typo must not become a word
            // that messages are corrected to.
            let mut add = |text: &str, weight: f32, single: bool, speller: Option<&mut Speller>| {
                let words = analyzer.words(text);
                if let Some(speller) = speller.filter(|_| spell) {
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
            let names = std::iter::once(&entry.id).chain(&entry.aliases);
            for name in names {
                add(
                    &name.replace('-', " "),
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
            entries.push(whole);
        }
        (Texts { singles, entries }, speller)
    }
}

/// Every term's number, and how specific each is to few entries (its idf over the effective
/// number of entries that use it).
fn specificity(entries: &[Bag]) -> (HashMap<String, u32>, Vec<f32>) {
    let mut terms: HashMap<String, u32> = HashMap::new();
    let mut spread: Vec<Spread> = Vec::new();
    for bag in entries {
        for (term, &count) in bag {
            let id = *terms.entry(term.clone()).or_insert_with(|| {
                spread.push(Spread::default());
                spread.len() as u32 - 1
            });
            spread[id as usize].add(count);
        }
    }
    let n = entries.len() as f32;
    let specific = spread.iter().map(|s| idf(n, s.entries())).collect();
    (terms, specific)
}

/// Per term, (bag number, weight) for every bag containing it; and each bag's length and total
/// weight.
struct Postings {
    postings: Vec<Vec<(u32, f32)>>,
    norms: Vec<(f32, f32)>,
}

fn postings<'b>(
    bags: impl Iterator<Item = &'b Bag>,
    terms: &HashMap<String, u32>,
    weight: &dyn Fn(&str, f32) -> f32,
) -> Postings {
    let mut postings = vec![Vec::new(); terms.len()];
    let mut norms = Vec::new();
    for (number, bag) in bags.enumerate() {
        let (mut norm, mut total) = (0.0, 0.0);
        for (term, &count) in bag {
            let w = weight(term, count);
            norm += w * w;
            total += w;
            postings[terms[term.as_str()] as usize].push((number as u32, w));
        }
        norms.push((f32::sqrt(norm), total));
    }
    Postings { postings, norms }
}

/// A term's weight before its specificity: repeats count less and less, pairs half.
pub(super) fn term_weight(term: &str, count: f32, pair_weight: f32) -> f32 {
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
