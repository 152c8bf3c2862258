//! Typo correction against the FAQ's own vocabulary.
//!
//! A word the FAQ does not know is mapped to a known word at one edit (insertion, deletion,
//! substitution or swap of neighbours; two edits for long words). Candidates come from a
//! deletion index, so a lookup costs a few hash probes whatever the vocabulary size, and each is
//! checked with strsim's optimal string alignment distance.

use std::collections::HashMap;

/// Words shorter than this are never corrected: too many short words are one edit apart.
const MIN_CORRECTED_CHARS: usize = 4;
/// From this length on, two edits are allowed.
const TWO_EDITS_FROM: usize = 9;
/// Longer words are not corrected: typos there are rare, and their neighbourhoods are large.
const MAX_CORRECTED_CHARS: usize = 20;

#[derive(Default)]
pub struct Speller {
    /// Known words with how often they occur; the most frequent candidate wins ties.
    words: Vec<(String, u32)>,
    index: HashMap<String, u32>,
    /// Each known word with one character deleted, to the words it came from.
    deletions: HashMap<String, Vec<u32>>,
}

impl Speller {
    pub fn add(&mut self, word: &str) {
        if let Some(&id) = self.index.get(word) {
            self.words[id as usize].1 += 1;
            return;
        }
        let id = self.words.len() as u32;
        self.words.push((word.to_owned(), 1));
        self.index.insert(word.to_owned(), id);
        if correctable(word) {
            for deleted in neighbourhood(word) {
                let ids = self.deletions.entry(deleted).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }

    pub fn knows(&self, word: &str) -> bool {
        self.index.contains_key(word)
    }

    /// The closest known word, if `word` is unknown and one is close enough.
    pub fn correct(&self, word: &str) -> Option<&str> {
        if self.knows(word) || !correctable(word) {
            return None;
        }
        let max = edits_allowed(word);
        let mut candidates: Vec<u32> = Vec::new();
        let mut probe = |key: &str| {
            if let Some(&id) = self.index.get(key) {
                candidates.push(id);
            }
            if let Some(ids) = self.deletions.get(key) {
                candidates.extend_from_slice(ids);
            }
        };
        probe(word);
        for deleted in neighbourhood(word) {
            probe(&deleted);
        }
        candidates
            .into_iter()
            .map(|id| &self.words[id as usize])
            .filter(|(known, _)| strsim::osa_distance(word, known) <= max)
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(known, _)| known.as_str())
    }
}

fn correctable(word: &str) -> bool {
    (MIN_CORRECTED_CHARS..=MAX_CORRECTED_CHARS).contains(&word.chars().count())
        && word.chars().all(char::is_alphabetic)
}

fn edits_allowed(word: &str) -> usize {
    if word.chars().count() >= TWO_EDITS_FROM {
        2
    } else {
        1
    }
}

/// The word with one character deleted, and with two for words that allow two edits.
fn neighbourhood(word: &str) -> Vec<String> {
    let mut out = deletions(word);
    if edits_allowed(word) == 2 {
        let second: Vec<String> = out.iter().flat_map(|w| deletions(w)).collect();
        out.extend(second);
        out.sort_unstable();
        out.dedup();
    }
    out
}

fn deletions(word: &str) -> Vec<String> {
    word.char_indices()
        .map(|(i, c)| {
            let mut s = String::with_capacity(word.len());
            s.push_str(&word[..i]);
            s.push_str(&word[i + c.len_utf8()..]);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speller(words: &[&str]) -> Speller {
        let mut speller = Speller::default();
        for w in words {
            speller.add(w);
        }
        speller
    }

    #[test]
    fn one_edit_typos_are_corrected() {
        let s = speller(&["applied", "tenant", "deploy", "error"]);
        assert_eq!(s.correct("appiled"), Some("applied"));
        assert_eq!(s.correct("tennant"), Some("tenant"));
        assert_eq!(s.correct("deply"), Some("deploy"));
        assert_eq!(s.correct("errorr"), Some("error"));
    }

    #[test]
    fn known_short_numeric_and_distant_words_are_left_alone() {
        let s = speller(&["tenant", "error", "cost"]);
        assert_eq!(s.correct("tenant"), None);
        assert_eq!(s.correct("cot"), None);
        assert_eq!(s.correct("4000"), None);
        assert_eq!(s.correct("banana"), None);
    }

    #[test]
    fn very_long_words_are_not_corrected() {
        let long = "a".repeat(MAX_CORRECTED_CHARS + 1);
        let s = speller(&[&long]);
        assert_eq!(s.correct(&format!("{long}b")), None);
    }

    #[test]
    fn long_words_allow_two_edits() {
        let s = speller(&["authentication"]);
        assert_eq!(s.correct("authenticaton"), Some("authentication"));
        assert_eq!(s.correct("autenticaton"), Some("authentication"));
    }
}
