//! `faqbot match`: what the bot would answer to a message, for people or as JSON lines.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use serde::Serialize;

use faqbot::faq::Faq;
use faqbot::matcher::{Decision, Signals};

use super::args::DeciderArgs;
use super::decider::Decider;
use super::rounded;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    decider: DeciderArgs,
    /// One JSON object per message instead of text for people.
    #[arg(long)]
    json: bool,
    /// The message; several words are joined with spaces.
    text: Vec<String>,
}

pub fn exec(args: Args) -> Result<ExitCode> {
    let DeciderArgs {
        faq,
        db,
        server,
        params,
        model,
    } = &args.decider;
    let faq = super::load(&faq.faq)?;
    let opinion = model.load()?;
    let params = params.params()?;
    let decider = Decider::with(
        &faq,
        db.as_deref(),
        server.id,
        &params,
        opinion.as_ref(),
        opinion.is_some().then(|| model.vector_cache()).flatten(),
    )?;
    if args.text.is_empty() {
        let stdin = std::io::stdin().lock();
        for line in stdin.split(b'\n') {
            let line = line.map_err(|e| format!("cannot read standard input: {e}"))?;
            let line = String::from_utf8_lossy(&line);
            print_match(&faq, &decider, line.trim_end_matches('\r'), args.json)?;
        }
    } else {
        print_match(&faq, &decider, &args.text.join(" "), args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct JsonMatch<'a> {
    id: &'a str,
    /// How likely the entry is right; the decision reads this.
    confidence: f64,
    /// The raw figures behind it, for debugging.
    signals: JsonSignals,
}

/// The signals, rounded like every figure the CLI prints.
#[derive(Serialize)]
struct JsonSignals {
    score: f64,
    lexical: f64,
    meaning: f64,
    lead: f64,
    lexical_lead: f64,
    meaning_lead: f64,
    closest: f64,
    closest_meaning: f64,
    coverage: f64,
    text_coverage: f64,
    words: f64,
    texts: f64,
}

impl JsonSignals {
    fn new(score: f32, s: &Signals) -> Self {
        JsonSignals {
            score: rounded(score),
            lexical: rounded(s.lexical),
            meaning: rounded(s.meaning),
            lead: rounded(s.lead),
            lexical_lead: rounded(s.lexical_lead),
            meaning_lead: rounded(s.meaning_lead),
            closest: rounded(s.closest),
            closest_meaning: rounded(s.closest_meaning),
            coverage: rounded(s.coverage),
            text_coverage: rounded(s.text_coverage),
            words: rounded(s.words),
            texts: rounded(s.texts),
        }
    }
}

#[derive(Serialize)]
struct JsonLine<'a> {
    text: &'a str,
    matches: Vec<JsonMatch<'a>>,
    suggest: Option<&'a str>,
    /// Whether the model's second opinion decided, or words alone.
    by_model: bool,
}

fn print_match(faq: &Faq, decider: &Decider<'_>, text: &str, json: bool) -> Result<()> {
    let decision = decider.decide(text, 5);
    let mut out = std::io::stdout().lock();
    let written = if json {
        let line = JsonLine {
            text,
            matches: decision
                .matches
                .iter()
                .map(|m| JsonMatch {
                    id: m.id,
                    confidence: rounded(m.confidence),
                    signals: JsonSignals::new(m.score, &m.signals),
                })
                .collect(),
            suggest: decision.suggest.map(|m| m.id),
            by_model: decision.by_model,
        };
        let line = serde_json::to_string(&line)?;
        writeln!(out, "{line}")
    } else {
        write!(
            out,
            "{}",
            human(
                faq,
                text,
                &decision,
                decider.loaded.matcher.params().min_confidence
            )
        )
    };
    Ok(written.map_err(|e| format!("cannot write output: {e}"))?)
}

fn human(faq: &Faq, text: &str, decision: &Decision<'_>, min_confidence: f32) -> String {
    let mut out = format!("> {text}\n");
    match decision.suggest {
        Some(m) => {
            let entry = &faq.entries[m.index];
            out += &format!(
                "The bot would answer with `{}` (confidence {:.3}):\n\n",
                m.id, m.confidence
            );
            out += &format!("  {}\n\n", entry.question);
            for line in entry.answer.lines() {
                out += format!("  {line}").trim_end();
                out.push('\n');
            }
            if let Some(link) = &entry.link {
                out += &format!("\n  Read in the docs: {link}\n");
            }
        }
        None => match decision.matches.first() {
            Some(best) if best.confidence >= min_confidence => {
                out += &format!(
                    "The bot would stay quiet: `{}` has confidence {:.3}, but a \"Not it\" like this message was recorded for it.\n",
                    best.id, best.confidence
                )
            }
            Some(best) => {
                // The confidence is read off these two signals (and others): said in words, as a
                // user can check them against the message.
                out += &format!(
                    "The bot would stay quiet: the best entry `{}` has confidence {:.3}, below min_confidence {:.3}.\n\
                     Why so low: its similarity score is {:.3} above the next entry's (a clear lead raises the confidence), \
                     and its texts hold {:.0}% of the message's words, by weight (a message mostly about other things lowers it).\n",
                    best.id,
                    best.confidence,
                    min_confidence,
                    best.signals.lead,
                    best.signals.coverage * 100.0
                )
            }
            None => out += "The bot would stay quiet: no entry shares a word with the message.\n",
        },
    }
    out += if decision.by_model {
        "(decided with the model's second opinion)\n"
    } else {
        "(decided by words alone)\n"
    };
    if !decision.matches.is_empty() {
        out += "\nCandidates (confidence, entry, question):\n";
        for m in &decision.matches {
            out += &format!(
                "  {:.3}  {:<28} {}\n",
                m.confidence, m.id, faq.entries[m.index].question
            );
        }
    }
    out + "\n"
}
