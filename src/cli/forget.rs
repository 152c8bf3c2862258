//! `faqbot forget`: remove everything recorded about one Discord user.

use std::process::ExitCode;

use super::args::DbArg;
use super::existing_db;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    db: DbArg,
    /// The user's Discord id.
    #[arg(long, value_name = "ID")]
    user: u64,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    let user = args.user;
    let forgotten = existing_db(&args.db.db)?.forget(faqbot::ids::UserId(user))?;
    println!(
        "Forgot user {user}: {} events, {} examples, {} unmatched messages.",
        forgotten.events, forgotten.examples, forgotten.unmatched
    );
    Ok(ExitCode::SUCCESS)
}
