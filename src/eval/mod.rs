//! Labelled cases and the figures the matcher reaches on them (`faqbot eval`).
//!
//! A case is a message and the entry a moderator would answer it with, or `none` when the bot must
//! stay quiet.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::faq::Faq;
use crate::location::Problem;
use crate::matcher::{Decision, Matcher};

mod fit;
mod show;

pub use fit::fit_logistic;
pub use show::{curve_table, html};

/// What `expect` says when no entry answers a case.
pub const NONE: &str = "none";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub text: String,
    pub expect: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
}

/// Reads a cases file; the error is one line that names the file and the position.
pub fn load_cases(path: &Path) -> Result<Vec<Case>, CasesError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| CasesError::Read {
        name: name.clone(),
        error,
    })?;
    parse_cases(&text, &name)
}

/// Reads cases from text; `name` only names the source in the error.
pub fn parse_cases(text: &str, name: &str) -> Result<Vec<Case>, CasesError> {
    let file: CaseFile = toml::from_str(text)
        .map_err(|e| CasesError::Invalid(Box::new(Problem::from_toml(name, text, &e))))?;
    if file.case.is_empty() {
        return Err(CasesError::Empty(name.to_owned()));
    }
    Ok(file.case)
}

/// Why a cases file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CasesError {
    #[error("cannot read cases file {name}: {error}")]
    Read { name: String, error: std::io::Error },
    /// Not TOML, or not cases: the problem with its position.
    #[error("{0}")]
    Invalid(Box<Problem>),
    #[error("{0}: no cases: write [[case]] tables with `text` and `expect`")]
    Empty(String),
    /// A case names an entry the FAQ being measured does not have.
    #[error("case {text:?} expects entry `{expect}`, which the FAQ does not have")]
    UnknownEntry { text: String, expect: String },
}

/// The figures for one set of cases.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    pub cases: usize,
    /// Share of answerable cases whose best match is right.
    pub top1: f64,
    /// Mean reciprocal rank of the right entry within the top 5 (0 when absent).
    pub mrr: f64,
    /// Right suggestions / all suggestions (1 when nothing was suggested).
    pub precision: f64,
    /// Right suggestions / answerable cases.
    pub recall: f64,
    /// Suggestions on `none` cases / `none` cases (0 without `none` cases).
    pub false_rate: f64,
    /// Cases with `expect = "none"`.
    pub nones: usize,
    /// Cases decided with the model's second opinion (the others by words alone).
    pub by_model: usize,
    #[serde(skip)]
    pub wrong: Vec<Wrong>,
    /// Per case: the best entry's confidence, whether it is right, whether the case has an answer.
    #[serde(skip)]
    pub points: Vec<Point>,
}

/// One case as the precision-recall curve sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub confidence: f32,
    pub right: bool,
    pub answerable: bool,
}

/// The figures at one `min_confidence`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub min_confidence: f32,
    pub precision: f64,
    pub recall: f64,
    pub false_rate: f64,
}

/// How the matcher got a case wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// An answerable case whose best entry (or suggestion) is not the expected one.
    WrongBest,
    /// An answerable case ranked right but not suggested: the confidence was too low.
    NotSuggested,
    /// A `none` case that got a suggestion.
    SuggestedOnNone,
}

impl Miss {
    const ALL: [Miss; 3] = [Miss::WrongBest, Miss::NotSuggested, Miss::SuggestedOnNone];

    fn heading(self) -> &'static str {
        match self {
            Miss::WrongBest => "wrong best entry",
            Miss::NotSuggested => "right best entry, but not suggested",
            Miss::SuggestedOnNone => "suggested on a none case",
        }
    }
}

/// Wrong cases listed per kind unless all are asked for.
pub const LISTED_PER_KIND: usize = 10;

/// A case the matcher got wrong, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Wrong {
    pub miss: Miss,
    pub text: String,
    pub expect: String,
    /// The best match and its confidence, if any.
    pub best: Option<(String, f32)>,
    pub suggested: Option<String>,
}

/// `0..n` in an order fixed by `seed`: Fisher-Yates with splitmix64, small, fixed, and the same on
/// every machine.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..order.len()).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        order.swap(i, (z % (i as u64 + 1)) as usize);
    }
    order
}

/// The FAQ without a random share of its entries, and the cases with those entries' cases turned
/// into `none`: in-domain messages that the FAQ does not answer, to measure how often the matcher
/// suggests something anyway. The same seed always holds out the same entries.
pub fn hold_out(faq: &Faq, cases: &[Case], seed: u64, share: f64) -> (Faq, Vec<Case>) {
    let order = shuffled(faq.entries.len(), seed);
    let held = (faq.entries.len() as f64 * share).round() as usize;
    let held_out: std::collections::HashSet<&str> = order[..held]
        .iter()
        .map(|&i| faq.entries[i].id.as_str())
        .collect();
    let kept = Faq {
        page: faq.page.clone(),
        entries: faq
            .entries
            .iter()
            .filter(|e| !held_out.contains(e.id.as_str()))
            .cloned()
            .collect(),
    };
    let cases = cases
        .iter()
        .map(|case| Case {
            text: case.text.clone(),
            expect: if held_out.contains(case.expect.as_str()) {
                NONE.to_owned()
            } else {
                case.expect.clone()
            },
        })
        .collect();
    (kept, cases)
}

/// Whether every case expects an entry of `ids` (or none): the first that does not is the error.
pub fn check_cases(ids: &[&str], cases: &[Case]) -> Result<(), CasesError> {
    match cases
        .iter()
        .find(|c| c.expect != NONE && !ids.contains(&c.expect.as_str()))
    {
        Some(case) => Err(CasesError::UnknownEntry {
            text: case.text.clone(),
            expect: case.expect.clone(),
        }),
        None => Ok(()),
    }
}

/// Runs the matcher on every case. Cases naming an entry the FAQ lacks are an error.
pub fn evaluate(matcher: &Matcher, ids: &[&str], cases: &[Case]) -> Result<Report, CasesError> {
    evaluate_with(|text| matcher.decide(text, 5), ids, cases)
}

/// [`evaluate`] with any way to decide (the second opinion's, say), asked for the best 5.
///
/// One loop over the cases that fills every figure of the report at once.
pub fn evaluate_with<'m>(
    decide: impl Fn(&str) -> Decision<'m>,
    ids: &[&str],
    cases: &[Case],
) -> Result<Report, CasesError> {
    check_cases(ids, cases)?;
    let mut report = Report {
        cases: cases.len(),
        ..Report::default()
    };
    let (mut answerable, mut nones, mut top1, mut rr) = (0usize, 0usize, 0usize, 0.0f64);
    let (mut suggested, mut right_suggestions, mut false_suggestions) = (0usize, 0usize, 0usize);
    for case in cases {
        let decision = decide(&case.text);
        report.by_model += usize::from(decision.by_model);
        let best = decision.matches.first();
        report.points.push(Point {
            confidence: best.map_or(0.0, |m| m.confidence),
            right: best.is_some_and(|m| m.id == case.expect),
            answerable: case.expect != NONE,
        });
        let suggestion = decision.suggest.map(|m| m.id);
        let miss = if case.expect == NONE {
            nones += 1;
            false_suggestions += usize::from(suggestion.is_some());
            suggestion.is_some().then_some(Miss::SuggestedOnNone)
        } else {
            answerable += 1;
            if let Some(rank) = decision.matches.iter().position(|m| m.id == case.expect) {
                rr += 1.0 / (rank + 1) as f64;
            }
            let right = best.is_some_and(|m| m.id == case.expect);
            top1 += usize::from(right);
            right_suggestions += usize::from(suggestion == Some(case.expect.as_str()));
            if !right || suggestion.is_some_and(|s| s != case.expect) {
                Some(Miss::WrongBest)
            } else if suggestion.is_none() {
                Some(Miss::NotSuggested)
            } else {
                None
            }
        };
        suggested += usize::from(suggestion.is_some());
        if let Some(miss) = miss {
            report.wrong.push(Wrong {
                miss,
                text: case.text.clone(),
                expect: case.expect.clone(),
                best: best.map(|m| (m.id.to_owned(), m.confidence)),
                suggested: suggestion.map(str::to_owned),
            });
        }
    }
    let share = |part: usize, whole: usize| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    report.top1 = share(top1, answerable);
    report.mrr = if answerable == 0 {
        0.0
    } else {
        rr / answerable as f64
    };
    report.precision = if suggested == 0 {
        1.0
    } else {
        share(right_suggestions, suggested)
    };
    report.recall = share(right_suggestions, answerable);
    report.false_rate = share(false_suggestions, nones);
    report.nones = nones;
    Ok(report)
}

/// Precision, recall and false-suggestion rate if the bot suggested at each confidence from 0.05
/// to 0.95 (the "Not it" vetoes aside).
pub fn curve(points: &[Point]) -> Vec<CurvePoint> {
    (1..=19)
        .map(|step| {
            let t = step as f32 * 0.05;
            let (mut suggested, mut right, mut answerable, mut nones, mut false_) = (0, 0, 0, 0, 0);
            for p in points {
                let suggest = p.confidence >= t;
                suggested += usize::from(suggest);
                right += usize::from(suggest && p.right);
                if p.answerable {
                    answerable += 1;
                } else {
                    nones += 1;
                    false_ += usize::from(suggest);
                }
            }
            let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
            CurvePoint {
                min_confidence: t,
                precision: if suggested == 0 {
                    1.0
                } else {
                    share(right, suggested)
                },
                recall: share(right, answerable),
                false_rate: share(false_, nones),
            }
        })
        .collect()
}

/// The mean of several reports' figures (the hold-out seeds); cases and points are pooled.
pub fn mean(reports: &[Report]) -> Report {
    let n = reports.len().max(1) as f64;
    let sum = |f: fn(&Report) -> f64| reports.iter().map(f).sum::<f64>() / n;
    Report {
        cases: reports.iter().map(|r| r.cases).sum(),
        top1: sum(|r| r.top1),
        mrr: sum(|r| r.mrr),
        precision: sum(|r| r.precision),
        recall: sum(|r| r.recall),
        false_rate: sum(|r| r.false_rate),
        nones: reports.iter().map(|r| r.nones).sum(),
        by_model: reports.iter().map(|r| r.by_model).sum(),
        wrong: reports.iter().flat_map(|r| r.wrong.clone()).collect(),
        points: reports.iter().flat_map(|r| r.points.clone()).collect(),
    }
}
