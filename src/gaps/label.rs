//! A gap's name: the words its messages share that the other messages rarely use (a class-based
//! TF-IDF, as topic models label their topics).

use rustc_hash::FxHashMap as HashMap;

use super::params::LABEL_WORDS;
use crate::matcher::text::Analyzer;

/// Labels each group of `texts` (indices into them) with its most distinctive words, as written
/// most often, best first.
pub fn labels(texts: &[&str], groups: &[Vec<usize>]) -> Vec<String> {
    let analyzer = Analyzer::default();
    // Per message: its distinct stems; per stem, the surface forms seen.
    let mut surfaces: HashMap<String, HashMap<String, usize>> = HashMap::default();
    let stems: Vec<Vec<String>> = texts
        .iter()
        .map(|text| {
            let mut stems: Vec<String> = analyzer
                .words(text)
                .into_iter()
                .map(|word| {
                    *surfaces
                        .entry(word.stem.clone())
                        .or_default()
                        .entry(word.surface)
                        .or_default() += 1;
                    word.stem
                })
                .collect();
            stems.sort_unstable();
            stems.dedup();
            stems
        })
        .collect();
    let mut everywhere: HashMap<&str, f32> = HashMap::default();
    for message in &stems {
        for stem in message {
            *everywhere.entry(stem).or_default() += 1.0;
        }
    }
    let n = texts.len() as f32;
    groups
        .iter()
        .map(|members| {
            let mut within: HashMap<&str, f32> = HashMap::default();
            for &m in members {
                for stem in &stems[m] {
                    *within.entry(stem).or_default() += 1.0;
                }
            }
            let size = members.len() as f32;
            let mut scored: Vec<(&str, f32)> = within
                .into_iter()
                // A word of one message alone says nothing about the group, and a negation
                // ("not", as the analyzer writes every one) names no topic.
                .filter(|&(stem, count)| count >= 2.0 && stem != "not")
                .map(|(stem, count)| (stem, count / size * (n / everywhere[stem]).ln()))
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            scored
                .iter()
                .take(LABEL_WORDS)
                .map(|(stem, _)| most_written(&surfaces[*stem]))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The form of a stem written most often (ties: the shortest, then the first alphabetically).
fn most_written(forms: &HashMap<String, usize>) -> String {
    forms
        .iter()
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then(b.0.len().cmp(&a.0.len()))
                .then(b.0.cmp(a.0))
        })
        .map(|(form, _)| form.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_what_the_group_shares_and_others_lack() {
        let texts = [
            "my card payment was declined at the shop",
            "why was my card declined",
            "card declined again when paying",
            "how do I reset my password",
            "password reset link never arrives",
            "the password reset email is missing",
        ];
        let labels = labels(&texts, &[vec![0, 1, 2], vec![3, 4, 5]]);
        assert!(
            labels[0].starts_with("declined card") || labels[0].starts_with("card declined"),
            "{labels:?}"
        );
        assert!(
            labels[1].contains("password") && labels[1].contains("reset"),
            "{labels:?}"
        );
        assert!(!labels[0].contains("password"), "{labels:?}");
    }
}
