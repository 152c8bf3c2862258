//! Every parameter of the matching method in one place, each with the reason for its value.
//!
//! `faqbot eval --set NAME=VALUE` (and `match`) changes one for a run, so that a change can be
//! measured before it is made here. Limits that only bound the work on junk input (characters and
//! words read) are not parameters: they sit with the code they bound.

use super::calibration;

/// The matcher's parameters; [`Params::default`] is the method as shipped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Weight of the question in the whole-entry vector: the reviewed wording of the question.
    pub question_weight: f32,
    /// Weight of each example: one real message, so one unit.
    pub example_weight: f32,
    /// Weight of a learned example (a moderator's link): the same kind of evidence as a reviewed
    /// example; on BANKING77 a lower weight lost top-1 (docs/quality.md: "Learning, measured").
    pub learned_weight: f32,
    /// Weight of a keyword: a phrase chosen because it points at the entry.
    pub keyword_weight: f32,
    /// Weight of the id and aliases: short names, often jargon; they help, but little.
    pub alias_weight: f32,
    /// Weight of the answer: long and about the fix, not the question; it adds vocabulary only.
    pub answer_weight: f32,
    /// Pairs of neighbouring words, relative to single words: "conditional access" says more
    /// than its words apart, but pairs are rarer, so half.
    pub pair_weight: f32,
    /// A corrected typo counts a little less than the word spelled right: the correction may be
    /// wrong.
    pub corrected_weight: f32,
    /// An unknown word weighs like a word of one entry, times this, in the score: it dilutes the
    /// match without dominating it.
    pub unknown_weight: f32,
    /// Share of the lexical score from the closest single text; the rest is from the whole entry.
    /// A close paraphrase of one example is strong, but covering the entry's vocabulary is more
    /// robust.
    pub closest_share: f32,
    /// Share of an entry's meaning score from its closest single text; the rest is from the
    /// centroid of its texts.
    pub meaning_closest_share: f32,
    /// Share of the ranking score from shared words; the rest is from meaning. An even split lost
    /// nothing on any set (README).
    pub lexical_share: f32,
    /// The lexically best this many entries are scored again with meaning: enough to hold the
    /// right entry for nearly every message, few enough to stay cheap on a large FAQ.
    pub rerank: usize,
    /// Messages with more content words than this are ranked by shared words alone: averaged
    /// word-piece vectors of a long message wash out towards every entry alike (measured on real
    /// support texts: +0.10 top-1 on long ones).
    pub long_message_words: usize,
    /// At most this many unknown words of one message are split or corrected: bounds the work on
    /// junk.
    pub max_repairs: usize,
    /// A message this close (cosine of weighted stems) to a "Not it" of an entry is not suggested
    /// that entry unasked: the same message again, or a near copy of it.
    pub negative_veto: f32,
    /// With the model's second opinion: share of the fused ranking score from the score without
    /// the model, the rest from the model's best cosine, for a message of at most
    /// `long_message_words` content words. Short messages are where the model ranks better than
    /// words (BANKING77 top-1 0.76 → 0.85 at 0.4; docs/quality.md).
    pub fused_lexical_share: f32,
    /// The same for longer messages: on long reports against entries without examples the model
    /// ranks far worse than words (real CIPP issues: top-1 0.50 at 0.5, 0.63 at 0.85 as with words
    /// alone).
    pub fused_lexical_share_long: f32,
    /// Lowest confidence of an unasked suggestion (`[suggest] min_confidence`).
    pub min_confidence: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            question_weight: 2.0,
            example_weight: 1.0,
            learned_weight: 1.0,
            keyword_weight: 1.5,
            alias_weight: 0.5,
            answer_weight: 0.3,
            pair_weight: 0.5,
            corrected_weight: 0.8,
            unknown_weight: 0.5,
            closest_share: 0.25,
            meaning_closest_share: 0.5,
            lexical_share: 0.5,
            rerank: 20,
            long_message_words: 12,
            max_repairs: 16,
            negative_veto: 0.8,
            fused_lexical_share: 0.4,
            fused_lexical_share_long: 0.85,
            min_confidence: calibration::MIN_CONFIDENCE,
        }
    }
}

impl Params {
    /// The names `set` accepts.
    pub const NAMES: [&'static str; 19] = [
        "question_weight",
        "example_weight",
        "learned_weight",
        "keyword_weight",
        "alias_weight",
        "answer_weight",
        "pair_weight",
        "corrected_weight",
        "unknown_weight",
        "closest_share",
        "meaning_closest_share",
        "lexical_share",
        "rerank",
        "long_message_words",
        "max_repairs",
        "negative_veto",
        "fused_lexical_share",
        "fused_lexical_share_long",
        "min_confidence",
    ];

    /// Sets one parameter from `NAME=VALUE`.
    pub fn set(&mut self, assignment: &str) -> Result<(), ParamError> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| ParamError::NotAssignment(assignment.to_owned()))?;
        let (name, value) = (name.trim(), value.trim());
        let number: f64 = value.parse().map_err(|_| ParamError::NotNumber {
            name: name.to_owned(),
            value: value.to_owned(),
        })?;
        let float = number as f32;
        let whole = || {
            (number >= 0.0 && number.fract() == 0.0)
                .then_some(number as usize)
                .ok_or_else(|| ParamError::NotWhole {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })
        };
        match name {
            "question_weight" => self.question_weight = float,
            "example_weight" => self.example_weight = float,
            "learned_weight" => self.learned_weight = float,
            "keyword_weight" => self.keyword_weight = float,
            "alias_weight" => self.alias_weight = float,
            "answer_weight" => self.answer_weight = float,
            "pair_weight" => self.pair_weight = float,
            "corrected_weight" => self.corrected_weight = float,
            "unknown_weight" => self.unknown_weight = float,
            "closest_share" => self.closest_share = float,
            "meaning_closest_share" => self.meaning_closest_share = float,
            "lexical_share" => self.lexical_share = float,
            "rerank" => self.rerank = whole()?.max(1),
            "long_message_words" => self.long_message_words = whole()?,
            "max_repairs" => self.max_repairs = whole()?,
            "negative_veto" => self.negative_veto = float,
            "fused_lexical_share" => self.fused_lexical_share = float,
            "fused_lexical_share_long" => self.fused_lexical_share_long = float,
            "min_confidence" => self.min_confidence = float,
            _ => return Err(ParamError::Unknown(name.to_owned())),
        }
        Ok(())
    }
}

/// A `--set NAME=VALUE` the matcher cannot take.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error("--set takes NAME=VALUE, not {0:?}")]
    NotAssignment(String),
    #[error("--set {name}: {value:?} is not a number")]
    NotNumber { name: String, value: String },
    #[error("--set {name}: takes a whole number, not {value}")]
    NotWhole { name: String, value: String },
    #[error("--set: no parameter {0:?}; the parameters are {names}", names = Params::NAMES.join(", "))]
    Unknown(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_can_be_set_and_bad_input_is_one_line() {
        for name in Params::NAMES {
            let mut params = Params::default();
            params.set(&format!("{name}=3")).unwrap();
            assert_ne!(params, Params::default(), "{name}");
        }
        let mut params = Params::default();
        assert!(params
            .set("nope=1")
            .unwrap_err()
            .to_string()
            .contains("the parameters are"));
        assert!(params
            .set("rerank=1.5")
            .unwrap_err()
            .to_string()
            .contains("whole number"));
        assert!(params
            .set("lexical_share")
            .unwrap_err()
            .to_string()
            .contains("NAME=VALUE"));
        assert!(params
            .set("lexical_share=x")
            .unwrap_err()
            .to_string()
            .contains("not a number"));
    }
}
