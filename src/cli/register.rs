//! `faqbot register`: registers the bot's slash commands once, apart from any start.

use super::Result;
use std::path::PathBuf;
use std::process::ExitCode;

use faqbot::config::{Token, TOKEN_VAR};

#[derive(clap::Args)]
pub struct Args {
    /// The config file; without it, faqbot.toml if it exists, else the defaults.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

pub fn exec(args: &Args) -> Result<ExitCode> {
    let config = super::config(args.config.as_deref())?;
    let from_env = std::env::var(TOKEN_VAR).ok();
    let token = Token::resolve(from_env.as_deref(), config.discord.token_file.as_deref())?;
    let runtime = super::run::runtime()?;
    let registered = runtime.block_on(faqbot::discord::register(&config, &token))?;
    let scope = match config.discord.guild_id {
        Some(guild) => format!("in server {guild}"),
        None => "globally (Discord may take up to an hour to show them)".to_owned(),
    };
    println!("registered {registered} commands {scope}");
    Ok(ExitCode::SUCCESS)
}
