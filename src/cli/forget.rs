//! `faqbot forget`: remove everything recorded about one Discord user.

use std::process::ExitCode;

use super::args::DbArg;
use super::existing_db;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DbArg,
    /// The user's numeric Discord id (in Discord: Settings, Advanced, Developer Mode on; then
    /// right-click the user, Copy User ID).
    #[arg(long, value_name = "ID", value_parser = user_id)]
    user: u64,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    let user = args.user;
    let forgotten = existing_db(&args.db.db)?.forget(faqbot::ids::UserId(user))?;
    println!(
        "Forgot user {user}: {} events, {} examples, {} unmatched messages, {} staff answers with a page.",
        forgotten.events, forgotten.examples, forgotten.unmatched, forgotten.staff_pages
    );
    Ok(ExitCode::SUCCESS)
}

/// A user id as Discord shows it: a number, not a name.
fn user_id(given: &str) -> std::result::Result<u64, String> {
    given.trim().parse().map_err(|_| {
        format!("{given:?} is not a Discord user id: forget takes the number (in Discord: Settings, Advanced, Developer Mode on; then right-click the user, Copy User ID)")
    })
}
