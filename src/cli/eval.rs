//! `faqbot eval`: measure the matcher on labelled cases, optionally over hold-outs, as text,
//! JSON or a page.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;

use faqbot::eval::{evaluate_with, load_cases};
use faqbot::faq::Faq;

use super::args::DeciderArgs;
use super::decider::Decider;
use super::load;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    decider: DeciderArgs,
    /// Hold out a third of the entries, chosen by SEED, so their cases become `none` cases;
    /// repeat for several seeds (the figures are their mean).
    #[arg(long = "hold-out", value_name = "SEED")]
    hold_out: Vec<u64>,
    /// Print precision, recall and false-suggestion rate over min_confidence values.
    #[arg(long)]
    curve: bool,
    /// Also write a page with the precision-recall curve and the wrong cases to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// List every wrong case, not the first 10 of each kind.
    #[arg(long)]
    all: bool,
    /// The figures as one JSON object.
    #[arg(long)]
    json: bool,
    /// The labelled cases: a TOML file of [[case]] tables with `text` and `expect` (an entry id,
    /// or "none" where the bot must stay quiet).
    cases: PathBuf,
}

pub fn exec(args: Args) -> Result<ExitCode> {
    let Args {
        decider:
            DeciderArgs {
                faq,
                db,
                server,
                params,
                model,
            },
        hold_out,
        curve,
        html,
        all,
        json,
        cases,
    } = args;
    let faq = load(&faq.faq)?;
    let cases = load_cases(&cases)?;
    // Bad cases are said before the model is loaded (and says so), in one line.
    let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
    faqbot::eval::check_cases(&ids, &cases)?;
    let params = params.params()?;
    let opinion = model.load()?;
    let cache = opinion.is_some().then(|| model.vector_cache()).flatten();
    let run = |faq: &Faq, cases: &[faqbot::eval::Case]| -> Result<faqbot::eval::Report> {
        let decider = Decider::with(
            faq,
            db.as_deref(),
            server.id,
            &params,
            opinion.as_ref(),
            cache.clone(),
        )?;
        let ids: Vec<&str> = faq.entries.iter().map(|e| e.id.as_str()).collect();
        Ok(evaluate_with(|text| decider.decide(text, 5), &ids, cases)?)
    };
    let report = if hold_out.is_empty() {
        run(&faq, &cases)?
    } else {
        let reports = hold_out
            .iter()
            .map(|&seed| {
                let (kept, cases) = faqbot::eval::hold_out(&faq, &cases, seed, 1.0 / 3.0);
                run(&kept, &cases)
            })
            .collect::<Result<Vec<_>>>()?;
        faqbot::eval::mean(&reports)
    };
    let points = faqbot::eval::curve(&report.points);
    if json {
        #[derive(Serialize)]
        struct WithCurve<'a> {
            #[serde(flatten)]
            report: &'a faqbot::eval::Report,
            #[serde(skip_serializing_if = "Option::is_none")]
            curve: Option<&'a [faqbot::eval::CurvePoint]>,
        }
        let out = WithCurve {
            report: &report,
            curve: curve.then_some(points.as_slice()),
        };
        println!("{}", serde_json::to_string(&out)?);
    } else {
        print!("{}", report.human(all));
        if curve {
            print!(
                "\n{}",
                faqbot::eval::curve_table(&points, params.min_confidence)
            );
        }
    }
    if let Some(file) = html {
        let page = faqbot::eval::html(&report, &points, params.min_confidence);
        std::fs::write(&file, page).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
