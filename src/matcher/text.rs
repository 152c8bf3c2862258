//! From raw message text to the words the matcher compares.
//!
//! Normalisation drops what carries no meaning for matching (URLs, Discord mentions and custom
//! emoji, accents and zalgo marks, punctuation, stop words) and keeps what does, digits included:
//! `500` and `400` stay distinct words. Words are then reduced to their stems, so `errors`,
//! `erroring` and `error` meet.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// At most this many characters of a message are read: bounds the work on pasted logs.
pub const MAX_CHARS: usize = 4000;
/// At most this many words of a message are compared.
pub const MAX_WORDS: usize = 256;
/// Longer "words" are junk (hashes, base64): they are dropped.
const MAX_WORD_CHARS: usize = 40;

/// One word of a text: as written (lowercased, without accents) and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub surface: String,
    pub stem: String,
}

/// Splits and stems text; cheap to share between threads.
pub struct Analyzer {
    stemmer: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Analyzer {
    /// The content words of `text`, in order, at most [`MAX_WORDS`].
    pub fn words(&self, text: &str) -> Vec<Word> {
        raw_words(text)
            .into_iter()
            .map(|raw| {
                if is_negation(&raw) {
                    "not".to_owned()
                } else {
                    raw
                }
            })
            .filter(|raw| !is_stop_word(raw))
            .take(MAX_WORDS)
            .map(|raw| Word {
                stem: self.stem(&raw),
                surface: raw,
            })
            .collect()
    }

    pub fn stem(&self, word: &str) -> String {
        if word.bytes().any(|b| b.is_ascii_digit()) {
            return word.to_owned();
        }
        self.stemmer.stem(word).into_owned()
    }
}

/// An answer without the numbers of its numbered steps ("3. Click Save"): they are layout, and
/// indexed they would match any message that names a number ("step 3", "error 3").
pub fn without_list_numbers(text: &str) -> String {
    text.lines()
        .map(|line| {
            let rest = line.trim_start();
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let after = &rest[digits..];
            if digits > 0 && digits <= 3 && (after.starts_with(". ") || after.starts_with(") ")) {
                &after[2..]
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lowercased words without accents, URLs or Discord markup, split at letter/digit boundaries.
pub fn raw_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in chunks(text) {
        split_chunk(&chunk, &mut words);
        if words.len() > MAX_WORDS * 4 {
            break;
        }
    }
    words
}

/// What both sides of the matcher read of a message: its first [`MAX_CHARS`] characters, split at
/// white space, without URLs and with Discord's markup (mentions, custom emoji) removed.
pub fn chunks(text: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    text.split_whitespace()
        .filter(|chunk| !is_url(chunk))
        .map(strip_markup)
        .filter(|chunk| !chunk.is_empty())
}

fn is_url(chunk: &str) -> bool {
    let chunk = chunk.trim_start_matches(['<', '(', '[', '"', '\'']);
    chunk.starts_with("http://") || chunk.starts_with("https://") || chunk.starts_with("www.")
}

/// Removes Discord's `<@123>`, `<@&123>`, `<#123>`, `<:name:123>`, `<a:name:123>` and `<t:123:R>`.
fn strip_markup(chunk: &str) -> std::borrow::Cow<'_, str> {
    if !chunk.contains('<') {
        return chunk.into();
    }
    let mut out = String::with_capacity(chunk.len());
    let mut rest = chunk;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let inner = &rest[start + 1..];
        let is_markup = inner.starts_with(['@', '#', ':'])
            || inner.starts_with("a:")
            || inner.starts_with("t:");
        match inner.find('>') {
            Some(end) if is_markup => rest = &inner[end + 1..],
            _ => {
                out.push('<');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Appends the words of one whitespace-free chunk.
fn split_chunk(chunk: &str, words: &mut Vec<String>) {
    let mut word = String::new();
    let mut last_digit = false;
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() && word.chars().count() <= MAX_WORD_CHARS {
            words.push(std::mem::take(word));
        }
        word.clear();
    };
    for c in chunk.chars() {
        if c == '\'' || c == '\u{2019}' {
            // "doesn't" and "doesnt" are the same word.
            continue;
        }
        let mut base = Vec::with_capacity(2);
        fold(c, |d| base.push(d));
        for d in base {
            if d.is_alphanumeric() {
                let digit = d.is_ascii_digit();
                if !word.is_empty() && digit != last_digit {
                    flush(&mut word, words);
                }
                last_digit = digit;
                word.extend(d.to_lowercase());
            } else {
                flush(&mut word, words);
            }
        }
    }
    flush(&mut word, words);
}

/// Combining marks with class 0 (e.g. some zalgo and Indic marks) are still marks.
/// The one normalisation of both sides of the matcher: compatibility decomposition (NFKD: "ﬁ" is
/// "fi", full-width letters are letters) without combining marks (accents, zalgo).
pub fn fold(c: char, mut push: impl FnMut(char)) {
    if c.is_ascii() {
        push(c);
        return;
    }
    decompose_compatible(c, |d| {
        if !is_combining_mark(d) {
            push(d);
        }
    });
}

/// Common English function words, plus chat filler; sorted for binary search.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "else",
    "even",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "go",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "her",
    "here",
    "hers",
    "hey",
    "hi",
    "him",
    "his",
    "how",
    "i",
    "id",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "know",
    "let",
    "ll",
    "m",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "nor",
    "now",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "please",
    "pls",
    "re",
    "s",
    "same",
    "see",
    "seem",
    "seems",
    "she",
    "should",
    "so",
    "some",
    "someone",
    "something",
    "still",
    "such",
    "t",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "try",
    "trying",
    "u",
    "under",
    "until",
    "up",
    "us",
    "ve",
    "very",
    "want",
    "was",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
];

/// "can't", "didn't", "won't"... all become "not": "payment not recognised" and "I didn't
/// make this payment" share it.
fn is_negation(word: &str) -> bool {
    matches!(
        word,
        "no" | "never"
            | "cannot"
            | "cant"
            | "couldnt"
            | "didnt"
            | "doesnt"
            | "dont"
            | "hasnt"
            | "havent"
            | "isnt"
            | "arent"
            | "wasnt"
            | "werent"
            | "wont"
            | "wouldnt"
            | "shouldnt"
    )
}

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_steps_lose_their_numbers_and_other_numbers_stay() {
        let answer =
            "1. Open Settings\n  2) Click Save\n3.5 GB is the limit\nError 500 here\n10. Done";
        assert_eq!(
            without_list_numbers(answer),
            "Open Settings\nClick Save\n3.5 GB is the limit\nError 500 here\nDone"
        );
    }

    fn surfaces(text: &str) -> Vec<String> {
        Analyzer::default()
            .words(text)
            .into_iter()
            .map(|w| w.surface)
            .collect()
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn urls_mentions_and_emoji_are_dropped() {
        assert_eq!(
            surfaces("<@123> see https://cipp.app/x <#42> <:cipp:99> 😀 Déployment <t:1:R> failed"),
            ["deployment", "failed"]
        );
    }

    #[test]
    fn digits_and_letters_split_and_apostrophes_join() {
        assert_eq!(
            surfaces("AADSTS50076 doesn't HTTP500"),
            ["aadsts", "50076", "not", "http", "500"]
        );
        assert_eq!(surfaces("500-error"), ["500", "error"]);
    }

    #[test]
    fn zalgo_and_full_width_text_normalise() {
        assert_eq!(
            surfaces("e\u{0301}\u{0316}\u{0327}rror ＥＲＲＯＲ"),
            ["error", "error"]
        );
    }

    #[test]
    fn word_forms_meet() {
        let words = Analyzer::default().words("errors when deploying the deployments");
        let stems: Vec<&str> = words.iter().map(|w| w.stem.as_str()).collect();
        assert_eq!(stems, ["error", "deploy", "deploy"]);
    }

    #[test]
    fn work_is_bounded() {
        let long = "word ".repeat(10_000);
        assert_eq!(Analyzer::default().words(&long).len(), MAX_WORDS);
    }
}
