//! One calibrated confidence per ranked entry: how likely it is the right answer.
//!
//! A logistic model over the signals the matcher already has. Its weights are fitted by
//! `cargo run --release --example calibrate` on the calibration sets (README: "Calibration") and
//! pasted here; the same command shows what they reach.

use super::Signals;

/// The default lowest confidence of an unasked suggestion. Precision first: the highest value that
/// keeps recall at 0.45 or more on the BANKING77 hold-outs and at 0.75 or more on the CIPP dev
/// cases (README: "Calibration" has the whole curve).
pub const MIN_CONFIDENCE: f32 = 0.75;

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
    ]
}

pub const FEATURES: usize = 11;

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
];

/// Fitted weights, then the bias (`cargo run --release --example calibrate`).
pub const WEIGHTS: [f32; FEATURES + 1] = [
    -0.35910338,
    2.2706847,
    3.9866195,
    0.9106003,
    3.433082,
    -0.7827063,
    2.0969088,
    1.5484511,
    3.2497575,
    0.90279907,
    -2.1309454,
    -3.6017156,
];

/// The confidence for a ranked entry's score and signals, in [0, 1].
pub fn confidence(score: f32, signals: &Signals) -> f32 {
    confidence_with(&WEIGHTS, &features(score, signals))
}

/// The logistic model with any weights (the calibration example fits them).
pub fn confidence_with(weights: &[f32; FEATURES + 1], x: &[f32; FEATURES]) -> f32 {
    let z = weights[FEATURES]
        + weights[..FEATURES]
            .iter()
            .zip(x)
            .map(|(w, x)| w * x)
            .sum::<f32>();
    1.0 / (1.0 + (-z).exp())
}
