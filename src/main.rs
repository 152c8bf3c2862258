//! The `faqbot` command line: parse the arguments, set up logging, and hand the subcommand to its
//! file under `cli/`, which calls the library and prints. An error ends the process with one line.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    version,
    about = "Answers recurring support questions from a reviewed FAQ"
)]
struct Cli {
    #[command(subcommand)]
    command: cli::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !cli.command.serves() {
        quiet_on_closed_output();
    }
    // The running bot reports what it does; the tools only warn.
    let default_filter = match cli.command {
        cli::Command::Run(_) => "warn,faqbot=info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: a file or journald gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .init();
    match cli.command.exec() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A tool whose reader went away (`faqbot match … | head -1`) stops there, as Unix tools do,
/// instead of panicking on its next write: Rust ignores SIGPIPE, so writes fail and `println!`
/// panics. Not for the bot and the demo, whose sockets must never end the process.
fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: sets the process's SIGPIPE disposition to the default before any thread starts;
    // no signal handler of ours is replaced.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
