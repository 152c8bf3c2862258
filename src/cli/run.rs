//! `faqbot run`: the bot on Discord, until Ctrl-C or SIGTERM.

use super::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use faqbot::config::{Token, TOKEN_VAR};

#[derive(clap::Args)]
pub struct Args {
    /// The config file; without it, faqbot.toml if it exists, else the defaults.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
}

pub fn exec(args: Args) -> Result<ExitCode> {
    let config = super::config(args.config.as_deref())?;
    let from_env = std::env::var(TOKEN_VAR).ok();
    let token = Token::resolve(from_env.as_deref(), config.discord.token_file.as_deref())?;
    let runtime = runtime()?;
    let result = runtime.block_on(faqbot::discord::run(config, token, shutdown_signal()));
    // Tasks still winding down must not hold the exit up.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        // Database work and index rebuilds run on blocking threads; a few are enough on a small
        // machine, and each one more costs memory (a stack, an allocator arena) under a burst.
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}").into())
}

/// Completes on Ctrl-C or SIGTERM (what systemd sends on stop).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
