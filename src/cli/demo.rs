//! `faqbot demo`: the bot in the terminal against the built-in Discord emulator.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::args::FaqArg;
use super::load;
use super::Result;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    faq: FaqArg,
    /// Run the demo commands in FILE (one a line) instead of reading the terminal.
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,
    /// Where the session is recorded, started afresh each time and kept afterwards for `faqbot
    /// stats --db`, `examples export` and `forget`.
    #[arg(long, value_name = "PATH", default_value = faqbot::demo::DEFAULT_DB)]
    db: PathBuf,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    load(&args.faq.faq)?;
    let runtime = super::run::runtime()?;
    let result = runtime.block_on(faqbot::demo::run(
        &args.faq.faq,
        args.script.as_deref(),
        &args.db,
    ));
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}
