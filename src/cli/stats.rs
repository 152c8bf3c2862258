//! `faqbot stats`: what the bot showed and how it helped, as text and optionally a page.

use std::path::PathBuf;
use std::process::ExitCode;

use super::args::DbArg;
use super::existing_db;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DbArg,
    /// How many days back, at least 1 (the last 24 hours).
    #[arg(long, default_value_t = 30, value_parser = days)]
    days: u64,
    /// Also write a self-contained HTML page with charts to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    let Args { db, days, html } = args;
    let days = *days;
    let store = existing_db(&db.db)?;
    let since = faqbot::time::now_ms().saturating_sub(faqbot::time::days_ms(days));
    let server = super::server(store.as_ref(), db.server.id)?;
    let stats = store.stats(server, since, faqbot::service::UNMATCHED_TOP)?;
    print!("{}", faqbot::report::text(&stats, days));
    if let Some(file) = html {
        std::fs::write(file, faqbot::report::html(&stats, days))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        println!("\nWrote {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
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
