//! The second opinion: a sentence transformer's vectors fused with the lexical ranking.
//!
//! Shared words and static word-piece vectors judge a message well when it is phrased like an
//! entry; a sentence transformer also knows what a paraphrase means, but on its own it over-trusts
//! long reports against entries without examples. So the two are fused, per entry:
//!
//! - the ranking score is a share of the lexical score ([`Params::fused_lexical_share`], larger
//!   for long messages) plus the rest of the transformer's best cosine, over the entry's texts, with the whole message or with one of its
//!   parts (a long report's title, or the sentence that quotes the error);
//! - the confidence is a logistic model ([`calibration::OPINION_WEIGHTS`]) over the lexical
//!   confidence, the cosines with the entry's texts and its answer, and how far each leads the
//!   best other entry's.
//!
//! Text in, vectors in, a decision out: the vectors are made by the caller ([`crate::model`]), so
//! this stays pure and is tested with any vectors.

use std::ops::Range;

use super::calibration::{self, OPINION_FEATURES};
use super::{Match, Matcher, Params, Signals};
use crate::faq::Faq;

/// At most this many parts of a message are compared besides the whole: the title and the first
/// sentences carry a report's topic, and each part costs one run of the model. On the real CIPP
/// reports (cross-validated recall at 0.70) 3 parts gave 0.095, 5 gave 0.108 and 8 gave 0.113.
pub const MAX_PARTS: usize = 5;
/// A message of fewer words is read whole: its parts would cost model runs and add nothing the
/// whole does not say (BANKING77, titles, chat lines).
const MIN_WORDS_FOR_PARTS: usize = 16;
/// A part needs this many words: shorter fragments ("Hi all.") say nothing about the topic.
const MIN_PART_WORDS: usize = 3;

/// The texts of one entry that the model embeds: its question, keywords and examples (written and
/// learned), then its answer.
pub struct EntryTexts<'a> {
    pub texts: Vec<&'a str>,
    pub answer: &'a str,
}

/// Per entry, what the model reads of it (`learned[i]` are entry `i`'s learned examples).
pub fn entry_texts<'a>(faq: &'a Faq, learned: &[Vec<&'a str>]) -> Vec<EntryTexts<'a>> {
    faq.entries
        .iter()
        .enumerate()
        .map(|(i, entry)| EntryTexts {
            texts: std::iter::once(entry.question.as_str())
                .chain(entry.keywords.iter().map(String::as_str))
                .chain(entry.examples.iter().map(String::as_str))
                .chain(learned.get(i).into_iter().flatten().copied())
                .collect(),
            answer: &entry.answer,
        })
        .collect()
}

/// The model's vectors of every entry's texts, grouped by entry.
#[derive(Debug, Clone, Default)]
pub struct EntryVectors {
    dims: usize,
    texts: Vec<f32>,
    ranges: Vec<Range<usize>>,
    answers: Vec<f32>,
}

impl EntryVectors {
    /// From one vector per text of [`entry_texts`], in its order (texts, then the answer, entry by
    /// entry). `None` if the counts or lengths do not fit.
    pub fn new(entries: &[EntryTexts<'_>], vectors: &[Vec<f32>]) -> Option<EntryVectors> {
        let dims = vectors.first().map_or(0, Vec::len);
        let needed: usize = entries.iter().map(|e| e.texts.len() + 1).sum();
        if vectors.len() != needed || vectors.iter().any(|v| v.len() != dims) {
            return None;
        }
        let mut out = EntryVectors {
            dims,
            ..EntryVectors::default()
        };
        let mut next = vectors.iter();
        for entry in entries {
            let start = out.texts.len() / dims.max(1);
            for _ in &entry.texts {
                out.texts.extend(next.next()?);
            }
            out.ranges.push(start..out.texts.len() / dims.max(1));
            out.answers.extend(next.next()?);
        }
        Some(out)
    }

    pub fn entries(&self) -> usize {
        self.ranges.len()
    }

    /// Per entry: the best cosine of `vector` with its texts, and with its answer.
    fn closeness(&self, vector: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let dims = self.dims;
        let closest = self
            .ranges
            .iter()
            .map(|range| {
                range
                    .clone()
                    .map(|t| dot(&self.texts[t * dims..(t + 1) * dims], vector))
                    .fold(-1.0f32, f32::max)
            })
            .collect();
        let answers = self
            .answers
            .chunks_exact(dims.max(1))
            .map(|answer| dot(answer, vector))
            .collect();
        (closest, answers)
    }
}

/// The parts of a long message worth comparing on their own: its sentences and lines of at least
/// three words, the first [`MAX_PARTS`]. Empty when the message is one such part or none.
pub fn parts(text: &str) -> Vec<&str> {
    if text
        .split_whitespace()
        .nth(MIN_WORDS_FOR_PARTS - 1)
        .is_none()
    {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ends = c == '\n'
            || (matches!(c, '.' | '!' | '?' | ':')
                && chars.peek().is_some_and(|&(_, next)| next.is_whitespace()));
        if ends {
            parts.push(text[start..at + c.len_utf8()].trim());
            start = at + c.len_utf8();
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|part| part.split_whitespace().count() >= MIN_PART_WORDS);
    if parts.len() < 2 {
        return Vec::new();
    }
    parts.truncate(MAX_PARTS);
    parts
}

/// The model's vectors of one message: the whole, and its [`parts`].
#[derive(Debug, Clone, Default)]
pub struct MessageVectors {
    pub whole: Vec<f32>,
    pub parts: Vec<Vec<f32>>,
}

/// The features the opinion's confidence reads, in the order of
/// [`calibration::OPINION_WEIGHTS`].
pub fn features(s: &Signals) -> [f32; OPINION_FEATURES] {
    let c = s.without_model_confidence.clamp(1e-3, 1.0 - 1e-3);
    [
        (c / (1.0 - c)).ln(),
        s.without_model,
        s.model_closest,
        s.model_part,
        s.model_answer,
        s.model_lead,
        s.model_part_lead,
        s.lead,
        s.without_model_lead,
        (1.0 + s.words).ln(),
    ]
}

/// The features' names, for the calibration report.
pub const OPINION_NAMES: [&str; OPINION_FEATURES] = [
    "logit(lexical confidence)",
    "score without the model",
    "closest text (model)",
    "closest part (model)",
    "answer (model)",
    "closest text lead",
    "closest part lead",
    "fused lead",
    "lead without the model",
    "ln(1 + words)",
];

impl Matcher {
    /// The decision with the model's second opinion where it can change it. `message` is asked
    /// for the message's vectors only when the words find some entry; then every entry is ranked
    /// by the fused score, each with the opinion's confidence, and the best is suggested when that
    /// reaches [`Params::min_confidence`] and no "Not it" of it is close. Without vectors (`None`:
    /// the model is busy or failed) or with vectors of another FAQ, the words decide.
    pub fn decide_with(
        &self,
        text: &str,
        entries: &EntryVectors,
        limit: usize,
        message: impl FnOnce() -> Option<MessageVectors>,
    ) -> super::Decision<'_> {
        let lexical = self.scored(text);
        if lexical.is_empty() || entries.entries() != self.ids.len() {
            return self.decision(lexical, text, limit, false);
        }
        match message() {
            Some(message) if message.whole.len() == entries.dims => {
                let fused = self.fuse(lexical, entries, &message);
                self.decision(fused, text, limit, true)
            }
            _ => self.decision(lexical, text, limit, false),
        }
    }

    /// Every entry the lexical side or the model finds, best fused score first (the words' ranking
    /// when the vectors are of another FAQ).
    ///
    /// One piece: the features of the confidence are read off the same pass over the candidates,
    /// and `calibration::OPINION_WEIGHTS` expects them in this order.
    pub fn fused(
        &self,
        text: &str,
        entries: &EntryVectors,
        message: &MessageVectors,
    ) -> Vec<Match<'_>> {
        let lexical = self.scored(text);
        if entries.entries() != self.ids.len() || message.whole.len() != entries.dims {
            return lexical;
        }
        self.fuse(lexical, entries, message)
    }

    /// [`Self::fused`] given the words' ranking and vectors that fit.
    fn fuse<'m>(
        &'m self,
        lexical: Vec<Match<'m>>,
        entries: &EntryVectors,
        message: &MessageVectors,
    ) -> Vec<Match<'m>> {
        let n = self.ids.len();
        let p: &Params = &self.params;
        // Every ranked entry carries the message's content words.
        let words = lexical.first().map_or(0.0, |m| m.signals.words);
        let share = if words > p.long_message_words as f32 {
            p.fused_lexical_share_long
        } else {
            p.fused_lexical_share
        };
        let (closest, answers) = entries.closeness(&message.whole);
        let mut part = closest.clone();
        for vector in &message.parts {
            for (best, c) in part.iter_mut().zip(entries.closeness(vector).0) {
                *best = best.max(c);
            }
        }
        // Entries the lexical side ranked keep its signals; the others have none.
        let mut by_index: Vec<Option<Match<'_>>> = vec![None; n];
        for m in lexical {
            by_index[m.index] = Some(m);
        }
        let mut ranked: Vec<Match<'_>> = (0..n)
            .map(|i| {
                let base = by_index[i].unwrap_or(Match {
                    id: &self.ids[i],
                    index: i,
                    score: 0.0,
                    confidence: 0.0,
                    signals: Signals::default(),
                });
                let lexical_confidence = if by_index[i].is_some() {
                    base.confidence
                } else {
                    0.0
                };
                let model = closest[i].max(part[i]);
                Match {
                    score: share * base.score + (1.0 - share) * model,
                    signals: Signals {
                        without_model: base.score,
                        without_model_confidence: lexical_confidence,
                        words,
                        model_closest: closest[i],
                        model_part: part[i],
                        model_answer: answers[i],
                        ..base.signals
                    },
                    ..base
                }
            })
            .collect();
        ranked.sort_by(Match::by_rank);
        let leads = leads(&ranked);
        for (m, [fused, without, model, part]) in ranked.iter_mut().zip(leads) {
            m.signals.lead = fused;
            m.signals.without_model_lead = without;
            m.signals.model_lead = model;
            m.signals.model_part_lead = part;
            m.confidence = calibration::opinion_confidence(&features(&m.signals));
        }
        ranked
    }
}

/// Each entry's lead over the best of the others, by each score (fused, words alone, the
/// model's closest question, its closest part): the best and the runner-up of each score are
/// enough, so a large FAQ costs one pass rather than one per entry.
fn leads(ranked: &[Match<'_>]) -> Vec<[f32; 4]> {
    let values = |m: &Match<'_>| {
        [
            m.score,
            m.signals.without_model,
            m.signals.model_closest,
            m.signals.model_part,
        ]
    };
    let mut top = [(-1.0f32, usize::MAX, -1.0f32); 4];
    for (i, m) in ranked.iter().enumerate() {
        for (k, v) in values(m).into_iter().enumerate() {
            let (best, at, second) = &mut top[k];
            if v > *best {
                (*second, *best, *at) = (*best, v, i);
            } else if v > *second {
                *second = v;
            }
        }
    }
    ranked
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let v = values(m);
            std::array::from_fn(|k| {
                let (best, at, second) = top[k];
                v[k] - if at == i { second } else { best }
            })
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_the_sentences_and_lines_of_a_long_message() {
        // A label ending in a colon ("[Bug]:", "AADSTS50011:") is a fragment of its own, too short
        // to count.
        assert_eq!(
            parts("[Bug]: Add Direct Tenant. AADSTS50011: The redirect URI does not match.\nSee the log now please"),
            ["Add Direct Tenant.", "The redirect URI does not match.", "See the log now please"]
        );
        // One sentence, or a short fragment beside one, is the whole message.
        assert!(parts("my tenant list gives a 500 error").is_empty());
        assert!(parts(
            "Hi all. my tenant list gives a 500 error every single time I open it in the morning"
        )
        .is_empty());
        // A short message is read whole, however many sentences it has.
        assert!(parts("My card was declined. Why did the payment fail at the shop?").is_empty());
        assert_eq!(parts(&"one two three. ".repeat(10)).len(), MAX_PARTS);
        // A version number or a URL does not end a sentence.
        assert!(parts("version 8.0.1 fails at https://x.y/z on start").is_empty());
    }

    #[test]
    fn vectors_that_do_not_fit_the_texts_are_refused() {
        let faq = Faq::parse(
            "[[entry]]\nid = \"a\"\nquestion = \"q\"\nexamples = [\"e\"]\nanswer = \"a\"\n",
            "faq.toml",
        )
        .unwrap();
        let texts = entry_texts(&faq, &[]);
        assert_eq!(texts[0].texts, ["q", "e"]);
        assert!(EntryVectors::new(&texts, &[vec![1.0], vec![1.0]]).is_none());
        assert!(EntryVectors::new(&texts, &[vec![1.0], vec![1.0], vec![1.0, 0.0]]).is_none());
        let vectors = EntryVectors::new(&texts, &[vec![1.0], vec![0.5], vec![0.2]]).unwrap();
        assert_eq!(vectors.closeness(&[1.0]), (vec![1.0], vec![0.2]));
    }
}
