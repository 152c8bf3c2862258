//! `faqbot stats`: what the bot showed and how it helped, as text and optionally a page (with the
//! FAQ's gaps, as `faqbot gaps` finds them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faqbot::ids::GuildId;
use faqbot::store::Backend;

use super::args::{DbArg, FaqArg, ModelArg};
use super::existing_db;
use super::Result;

/// Gaps the page shows, and as many pages the staff answered with.
const PAGE_GAPS: usize = 10;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DbArg,
    /// How many days back, at least 1 (the last 24 hours).
    #[arg(long, default_value_t = 30, value_parser = days)]
    days: u64,
    /// Also write a self-contained HTML page with charts, and the FAQ's gaps, to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// With --html: the FAQ the gaps are diagnosed with.
    #[command(flatten)]
    faq: FaqArg,
    #[command(flatten)]
    model: ModelArg,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    let days = args.days;
    let store = existing_db(&args.db.db)?;
    let since = faqbot::time::now_ms().saturating_sub(faqbot::time::days_ms(days));
    let server = super::server(store.as_ref(), args.db.server.id)?;
    let stats = store.stats(server, since, faqbot::service::UNMATCHED_TOP)?;
    print!("{}", faqbot::report::text(&stats, days));
    if let Some(file) = &args.html {
        let gaps = gaps(args, store.as_ref(), server)?;
        std::fs::write(file, faqbot::report::html(&stats, days, Some(&gaps)))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        println!("\nWrote {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The page's gaps: as `faqbot gaps` finds them; without a FAQ to diagnose them, a note saying so
/// (the statistics are still written).
fn gaps(args: &Args, store: &dyn Backend, server: Option<GuildId>) -> Result<faqbot::report::Gaps> {
    let faq = match super::load(&args.faq.faq) {
        Ok(faq) => faq,
        Err(error) => {
            let note = format!("No gaps: {error} (pass --faq with the bot's FAQ to see them).");
            return Ok(faqbot::report::Gaps {
                note: Some(note),
                ..Default::default()
            });
        }
    };
    let asked = super::gaps::from_db(store, server, args.days)?;
    let db: &Path = &args.db.db;
    let (shown, answers_at) = super::gaps::find(asked, &faq, Some(db), &args.model, PAGE_GAPS)?;
    Ok(shown.html(&faq, args.days, answers_at))
}

/// A number of days to look back: a whole number from 1.
pub(super) fn days(given: &str) -> std::result::Result<u64, String> {
    match given.trim().parse::<u64>() {
        Ok(days) if days >= 1 => Ok(days),
        _ => Err(format!(
            "{given:?} is not a number of days: give 1 or more (1 is the last 24 hours)"
        )),
    }
}
