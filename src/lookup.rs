//! Finding an entry by name, as people type it: `/faq` autocomplete and `/faq NAME`.
//!
//! This is not the matcher: a name is short and deliberate (`500`, `500-eror`, `tenant`), so it is
//! compared with ids, aliases and the words of questions by edit distance and prefix, not weighed
//! like a free-form message.

use strsim::normalized_damerau_levenshtein;

use crate::faq::{Entry, Faq};

/// A fuzzy best match must score at least this...
const FUZZY_MIN: f64 = 0.75;
/// ...and lead the runner-up by this much to be taken for the name the user meant.
const FUZZY_LEAD: f64 = 0.1;
/// Completions scoring below this are noise and are not offered.
const COMPLETE_MIN: f64 = 0.45;
/// "Did you mean" offers only names this close: an unrelated name is worse than none, and
/// autocomplete is there to browse.
const DID_YOU_MEAN_MIN: f64 = 0.7;
/// A question match counts a little less than a name match of the same strength.
const QUESTION_WEIGHT: f64 = 0.9;

/// The outcome of [`find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// The id or an alias, ignoring case, or else the one clear best fuzzy match.
    Entry(&'a Entry),
    /// Nothing clear; the closest entries, best first (may be empty).
    Missing(Vec<&'a Entry>),
}

/// The entries to offer while a user types `typed`, best first, at most `limit`.
///
/// An empty field lists the first entries in file order.
pub fn complete<'a>(faq: &'a Faq, typed: &str, limit: usize) -> Vec<&'a Entry> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return faq.entries.iter().take(limit).collect();
    }
    ranked(faq, &typed)
        .into_iter()
        .filter(|(score, _)| *score >= COMPLETE_MIN)
        .take(limit)
        .map(|(_, entry)| entry)
        .collect()
}

/// The entry a user meant by `name`: its id or alias, else a clear fuzzy best match, else the three
/// closest entries for a "did you mean".
pub fn find<'a>(faq: &'a Faq, name: &str) -> Found<'a> {
    if let Some(entry) = faq.resolve(name) {
        return Found::Entry(entry);
    }
    let typed = name.trim().to_lowercase();
    if typed.is_empty() {
        return Found::Missing(Vec::new());
    }
    let ranked = ranked(faq, &typed);
    let best = ranked.first().map_or(0.0, |(score, _)| *score);
    let second = ranked.get(1).map_or(0.0, |(score, _)| *score);
    match ranked.first() {
        Some((_, entry)) if best >= FUZZY_MIN && best - second >= FUZZY_LEAD => Found::Entry(entry),
        _ => Found::Missing(
            ranked
                .into_iter()
                .filter(|(score, _)| *score >= DID_YOU_MEAN_MIN)
                .take(3)
                .map(|(_, entry)| entry)
                .collect(),
        ),
    }
}

/// Every entry with its score for `typed` (lowercase, trimmed), best first; ties keep file order.
fn ranked<'a>(faq: &'a Faq, typed: &str) -> Vec<(f64, &'a Entry)> {
    let mut scored: Vec<(f64, &Entry)> = faq
        .entries
        .iter()
        .map(|entry| (score(entry, typed), entry))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
}

/// How well `typed` names `entry`, in [0, 1].
fn score(entry: &Entry, typed: &str) -> f64 {
    let names = std::iter::once(&entry.id).chain(&entry.aliases);
    let by_name = names
        .map(|name| name_score(name, typed))
        .fold(0.0, f64::max);
    by_name.max(QUESTION_WEIGHT * question_score(&entry.question, typed))
}

/// 1 for the name itself, 0.9+ for a prefix, 0.8+ for a part, else the edit-distance similarity.
fn name_score(name: &str, typed: &str) -> f64 {
    let share = typed.len() as f64 / name.len().max(1) as f64;
    if name == typed {
        1.0
    } else if name.starts_with(typed) {
        0.9 + 0.09 * share
    } else if name.contains(typed) {
        0.8 + 0.09 * share
    } else {
        normalized_damerau_levenshtein(name, typed)
    }
}

/// The share of typed words found in the question (a typed word may be a prefix or a near miss).
fn question_score(question: &str, typed: &str) -> f64 {
    let question: Vec<String> = words(question).collect();
    let typed: Vec<String> = words(typed).collect();
    if typed.is_empty() {
        return 0.0;
    }
    let found: f64 = typed
        .iter()
        .map(|t| {
            question
                .iter()
                .map(|q| {
                    if q == t {
                        1.0
                    } else if q.starts_with(t.as_str()) && t.len() >= 3 {
                        0.9
                    } else {
                        let similarity = normalized_damerau_levenshtein(q, t);
                        if similarity >= 0.75 {
                            similarity * 0.9
                        } else {
                            0.0
                        }
                    }
                })
                .fold(0.0, f64::max)
        })
        .sum();
    found / typed.len() as f64
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq() -> Faq {
        let entry = |id: &str, question: &str, aliases: &[&str]| Entry {
            id: id.into(),
            question: question.into(),
            answer: "answer".into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..Entry::default()
        };
        Faq {
            page: None,
            entries: vec![
                entry("500-error", "I'm getting a 500 error", &["500"]),
                entry("400-error", "I'm getting a 400 error", &[]),
                entry("cost", "How much does CIPP cost?", &["price"]),
                entry(
                    "specific-tenant-issues",
                    "One tenant has issues while others work",
                    &[],
                ),
                entry(
                    "admin-approval",
                    "I get a message saying admin approval is required",
                    &["consent"],
                ),
            ],
        }
    }

    fn missing(found: Found<'_>) -> Vec<&Entry> {
        match found {
            Found::Missing(closest) => closest,
            Found::Entry(entry) => vec![entry],
        }
    }

    fn ids(entries: &[&Entry]) -> Vec<String> {
        entries.iter().map(|e| e.id.clone()).collect()
    }

    #[test]
    fn empty_field_lists_entries_in_file_order_up_to_the_limit() {
        let faq = faq();
        assert_eq!(
            ids(&complete(&faq, "  ", 3)),
            ["500-error", "400-error", "cost"]
        );
    }

    #[test]
    fn completion_prefers_names_then_question_words() {
        let faq = faq();
        assert_eq!(ids(&complete(&faq, "40", 25))[0], "400-error");
        assert_eq!(ids(&complete(&faq, "pri", 25))[0], "cost");
        assert_eq!(
            ids(&complete(&faq, "tenant", 25))[0],
            "specific-tenant-issues"
        );
        assert_eq!(ids(&complete(&faq, "how much", 25))[0], "cost");
        assert!(complete(&faq, "zzzzqqq", 25).is_empty());
    }

    #[test]
    fn find_takes_ids_aliases_and_clear_typos() {
        let faq = faq();
        assert_eq!(find(&faq, "COST"), Found::Entry(&faq.entries[2]));
        assert_eq!(find(&faq, "500"), Found::Entry(&faq.entries[0]));
        assert_eq!(find(&faq, "500-eror"), Found::Entry(&faq.entries[0]));
        assert_eq!(find(&faq, "costs"), Found::Entry(&faq.entries[2]));
    }

    #[test]
    fn find_does_not_guess_between_close_names() {
        let faq = faq();
        // "error" fits both error entries equally: no guess, both offered.
        match find(&faq, "error") {
            Found::Missing(closest) => {
                let closest = ids(&closest);
                assert!(closest.contains(&"500-error".to_string()), "{closest:?}");
                assert!(closest.contains(&"400-error".to_string()), "{closest:?}");
            }
            other => panic!("guessed {other:?}"),
        }
        assert_eq!(find(&faq, "qqqqqqqq"), Found::Missing(vec![]));
        // Nothing close: no unrelated "did you mean" ("nonsense" is three edits from "consent").
        assert_eq!(find(&faq, "nonsense"), Found::Missing(vec![]));
        assert_eq!(ids(&missing(find(&faq, "consnt"))), ["admin-approval"]);
        assert_eq!(find(&faq, ""), Found::Missing(vec![]));
    }
}
