//! One calibrated confidence per ranked entry: how likely it is the right answer.
//!
//! A logistic model over the signals the matcher already has. Its weights are fitted by
//! `cargo run --release --example calibrate` on the calibration sets (docs/quality.md: "Calibration") and
//! pasted here; the same command shows what they reach.

use super::Signals;

/// The default lowest confidence of an unasked suggestion. On the calibration sets (README:
/// "Calibration" has the whole curve) it is the lowest value at which every suggestion on the CIPP
/// dev cases is right, with the shipped and with the bare imported FAQ, and at most 1% of the other
/// tools' issues get one; recall on the dev cases is then 0.87 (target 0.75). Higher values buy
/// BANKING77 hold-out precision (0.84 here, 0.85 at 0.75) with recall.
pub const MIN_CONFIDENCE: f32 = 0.7;

/// The features the model reads, in the order of [`WEIGHTS`].
pub fn features(score: f32, s: &Signals) -> [f32; FEATURES] {
    [
        score,
        s.lead,
        s.lexical_lead,
        s.meaning_lead,
        s.coverage,
        s.lexical,
        s.meaning,
        s.closest,
        s.closest_meaning,
        (1.0 + s.words).ln(),
        (1.0 + s.texts).ln(),
        s.text_coverage,
    ]
}

pub const FEATURES: usize = 12;

/// The features' names, for the calibration report.
pub const NAMES: [&str; FEATURES] = [
    "score",
    "lead",
    "lexical lead",
    "meaning lead",
    "coverage",
    "lexical",
    "meaning",
    "closest text",
    "closest text by meaning",
    "ln(1 + words)",
    "ln(1 + texts)",
    "closest text covered",
];

/// Fitted weights, then the bias (`cargo run --release --example calibrate`).
pub const WEIGHTS: [f32; FEATURES + 1] = [
    -1.4132445,
    2.1772342,
    5.508,
    0.3736722,
    3.3627267,
    -3.0015125,
    2.9634297,
    -0.009500962,
    2.7485585,
    0.48371667,
    -0.6793162,
    2.4030402,
    -5.8853626,
];

/// The confidence for a ranked entry's score and signals, in [0, 1].
pub fn confidence(score: f32, signals: &Signals) -> f32 {
    confidence_with(&WEIGHTS, &features(score, signals))
}

/// The logistic model with any weights (the calibration example fits them).
pub fn confidence_with(weights: &[f32; FEATURES + 1], x: &[f32; FEATURES]) -> f32 {
    logistic(weights, x)
}

/// How many features the second opinion's confidence reads ([`super::opinion::features`]).
pub const OPINION_FEATURES: usize = 10;

/// The second opinion's fitted weights, then the bias, over [`super::opinion::features`]
/// (`cargo run --release --example second_opinion`).
pub const OPINION_WEIGHTS: [f32; OPINION_FEATURES + 1] = [
    0.4044, -1.7867, 6.0868, 1.5619, 1.6987, 0.3712, -0.8871, 5.7586, -0.3321, 0.0122, -5.5631,
];

/// The second opinion's confidence for a ranked entry's features, in [0, 1].
pub fn opinion_confidence(x: &[f32; OPINION_FEATURES]) -> f32 {
    logistic(&OPINION_WEIGHTS, x)
}

/// A logistic model: `weights` (the bias last) over `x`.
pub fn logistic(weights: &[f32], x: &[f32]) -> f32 {
    let z = weights[x.len()] + weights.iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
    1.0 / (1.0 + (-z).exp())
}
