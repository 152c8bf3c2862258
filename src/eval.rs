//! Labelled cases and the figures the matcher reaches on them (`faqbot eval`).
//!
//! A case is a message and the entry a moderator would answer it with, or `none` when the bot must
//! stay quiet.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::location::Problem;
use crate::matcher::Matcher;

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
pub fn load_cases(path: &Path) -> Result<Vec<Case>, String> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read cases file {name}: {e}"))?;
    parse_cases(&text, &name)
}

/// Reads cases from text; `name` only names the source in the error.
pub fn parse_cases(text: &str, name: &str) -> Result<Vec<Case>, String> {
    let file: CaseFile =
        toml::from_str(text).map_err(|e| Problem::from_toml(name, text, &e).to_string())?;
    if file.case.is_empty() {
        return Err(format!(
            "{name}: no cases: write [[case]] tables with `text` and `expect`"
        ));
    }
    Ok(file.case)
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
    /// Suggestions on `none` cases / `none` cases.
    pub false_rate: f64,
    #[serde(skip)]
    pub wrong: Vec<Wrong>,
}

/// A case the matcher got wrong, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Wrong {
    pub text: String,
    pub expect: String,
    /// The best match, if any.
    pub best: Option<(String, f32)>,
    pub suggested: Option<String>,
}

/// Runs the matcher on every case. Cases naming an entry the FAQ lacks are an error.
pub fn evaluate(matcher: &Matcher, ids: &[&str], cases: &[Case]) -> Result<Report, String> {
    if let Some(case) = cases
        .iter()
        .find(|c| c.expect != NONE && !ids.contains(&c.expect.as_str()))
    {
        return Err(format!(
            "case {:?} expects entry `{}`, which the FAQ does not have",
            case.text, case.expect
        ));
    }
    let mut report = Report {
        cases: cases.len(),
        ..Report::default()
    };
    let (mut answerable, mut nones, mut top1, mut rr) = (0usize, 0usize, 0usize, 0.0f64);
    let (mut suggested, mut right_suggestions, mut false_suggestions) = (0usize, 0usize, 0usize);
    for case in cases {
        let decision = matcher.decide(&case.text, 5);
        let best = decision.matches.first();
        let suggestion = decision.suggest.map(|m| m.id);
        let ok = if case.expect == NONE {
            nones += 1;
            false_suggestions += usize::from(suggestion.is_some());
            suggestion.is_none()
        } else {
            answerable += 1;
            if let Some(rank) = decision.matches.iter().position(|m| m.id == case.expect) {
                rr += 1.0 / (rank + 1) as f64;
            }
            let right = best.is_some_and(|m| m.id == case.expect);
            top1 += usize::from(right);
            right_suggestions += usize::from(suggestion == Some(case.expect.as_str()));
            right && suggestion.is_none_or(|s| s == case.expect)
        };
        suggested += usize::from(suggestion.is_some());
        if !ok {
            report.wrong.push(Wrong {
                text: case.text.clone(),
                expect: case.expect.clone(),
                best: best.map(|m| (m.id.to_owned(), m.score)),
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
    Ok(report)
}

impl Report {
    /// The figures and the wrong cases, for people.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "cases                  {}", self.cases);
        let _ = writeln!(out, "top-1                  {:.3}", self.top1);
        let _ = writeln!(out, "MRR@5                  {:.3}", self.mrr);
        let _ = writeln!(out, "suggestion precision   {:.3}", self.precision);
        let _ = writeln!(out, "suggestion recall      {:.3}", self.recall);
        let _ = writeln!(out, "false suggestions      {:.3}", self.false_rate);
        if !self.wrong.is_empty() {
            let _ = writeln!(out, "\nwrong cases ({}):", self.wrong.len());
        }
        for w in &self.wrong {
            let best = w
                .best
                .as_ref()
                .map_or("nothing".to_owned(), |(id, s)| format!("{id} {s:.2}"));
            let suggested = w.suggested.as_deref().unwrap_or("-");
            let _ = writeln!(
                out,
                "  expect {:<24} best {:<30} suggest {:<24} {:?}",
                w.expect, best, suggested, w.text
            );
        }
        out
    }
}
