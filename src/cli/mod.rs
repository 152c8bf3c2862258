//! The subcommands, one file each (as cargo's `commands/`): each holds its arguments and the body
//! that calls the library and prints. Arguments several commands share are in [`args`], and
//! helpers several bodies share are here.

pub mod args;
mod check;
mod decider;
mod demo;
mod eval;
mod examples;
mod forget;
mod gaps;
mod import;
mod learn;
mod match_;
mod model;
mod register;
mod run;
mod stats;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use faqbot::config::Config;
use faqbot::faq::Faq;
use faqbot::ids::GuildId;
use faqbot::store::{self, Backend, Example};

/// What a command returns: any error of the library's, said in its one line.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub enum Command {
    /// Validate a FAQ file and report every problem with its position.
    Check(check::Args),
    /// Show what the bot would answer to messages (one per line on stdin without TEXT).
    Match(match_::Args),
    /// Measure the matcher on labelled cases ([[case]] text = "...", expect = "id" | "none").
    Eval(eval::Args),
    /// The sentence transformer behind the matcher's second opinion.
    Model {
        #[command(subcommand)]
        command: model::Command,
    },
    /// Teach the bot from past answers, or print what it learned for review into faq.toml.
    Examples {
        #[command(subcommand)]
        command: examples::Command,
    },
    /// Learn from the channels' past: staff replies that link an entry's docs.
    Learn {
        #[command(subcommand)]
        command: learn::Command,
    },
    /// Per entry, how often it was shown and how it helped; the questions the FAQ lacks.
    Stats(stats::Args),
    /// What members keep asking that no entry answers: unmatched questions grouped by meaning,
    /// with the entry each is close to, or a draft entry to close it.
    Gaps(gaps::Args),
    /// Remove everything recorded about one Discord user (their messages, examples, events).
    Forget(forget::Args),
    /// Run the bot on Discord (token from DISCORD_TOKEN or [discord] token_file).
    Run(run::Args),
    /// Register the slash commands once, for a bot run as several processes (the process that
    /// runs shard 0 also registers them when it starts).
    Register(register::Args),
    /// Try the bot in the terminal against a built-in Discord emulator (no account needed).
    Demo(demo::Args),
    /// Convert docs pages (Docusaurus or GitBook markdown) to faq.toml on stdout, or merge them
    /// into a curated faq.toml.
    Import(import::Args),
}

impl Command {
    /// Whether the command serves sockets for a long time (the bot and the demo), rather than
    /// being a tool that prints and ends.
    pub fn serves(&self) -> bool {
        matches!(self, Command::Run(_) | Command::Demo(_))
    }

    pub fn exec(self) -> Result<ExitCode> {
        match self {
            Command::Check(args) => check::exec(&args),
            Command::Match(args) => match_::exec(args),
            Command::Eval(args) => eval::exec(args),
            Command::Model { command } => model::exec(command),
            Command::Examples { command } => examples::exec(command),
            Command::Learn { command } => learn::exec(command),
            Command::Stats(args) => stats::exec(&args),
            Command::Gaps(args) => gaps::exec(args),
            Command::Forget(args) => forget::exec(&args),
            Command::Run(args) => run::exec(args),
            Command::Register(args) => register::exec(&args),
            Command::Demo(args) => demo::exec(&args),
            Command::Import(args) => import::exec(args),
        }
    }
}

/// Loads a FAQ for a command that needs it whole: the first problem in one line, and the command
/// that lists them all.
fn load(path: &Path) -> Result<Faq> {
    Faq::load(path).map_err(|e| match e {
        faqbot::faq::LoadError::Read { .. } => unreadable(path, &e).into(),
        faqbot::faq::LoadError::Invalid(problems) => format!(
            "{} is not a valid FAQ ({}), first: {}; run `faqbot check --faq {}` for all",
            path.display(),
            check::count_problems(&problems),
            problems[0],
            path.display()
        )
        .into(),
    })
}

/// Why the FAQ at `path` cannot be read; for a missing file that nobody named (the default
/// `faq.toml`), how to name one.
fn unreadable(path: &Path, error: &faqbot::faq::LoadError) -> String {
    let missing = matches!(
        error,
        faqbot::faq::LoadError::Read { error, .. } if error.kind() == std::io::ErrorKind::NotFound
    );
    let defaulted =
        path == Path::new(args::DEFAULT_FAQ) && std::env::var_os("FAQBOT_FAQ").is_none();
    if missing && defaulted {
        format!("{error} (pass --faq PATH or set FAQBOT_FAQ)")
    } else {
        error.to_string()
    }
}

/// The config file read when `--config` is not given, if it exists.
const DEFAULT_CONFIG: &str = "faqbot.toml";

/// The configuration: the file given, else faqbot.toml if it exists, else the defaults.
fn config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None if Path::new(DEFAULT_CONFIG).exists() => Ok(Config::load(Path::new(DEFAULT_CONFIG))?),
        None => Ok(Config::default()),
    }
}

/// Opens a database that must exist already (reading it should not create an empty one).
fn existing_db(path: &Path) -> Result<Arc<dyn Backend>> {
    if store::sqlite_file(path).is_some_and(|file| !file.exists()) {
        return Err(format!(
            "no database at {}: pass --db with the bot's [store] path",
            path.display()
        )
        .into());
    }
    Ok(store::open(path)?)
}

/// The server a command on the store acts on: `given`, else the only one the store holds; `None`
/// when it holds none (examples imported offline, which the bot's server adopts at start). With
/// several and none given, the error lists them.
fn server(store: &dyn Backend, given: Option<u64>) -> Result<Option<GuildId>> {
    if let Some(id) = given {
        return Ok(Some(GuildId(id)));
    }
    match store.servers()?.as_slice() {
        [] => Ok(None),
        [only] => Ok(Some(*only)),
        several => {
            let ids: Vec<String> = several.iter().map(GuildId::to_string).collect();
            Err(format!(
                "the database holds {} servers ({}): pass --server ID",
                ids.len(),
                ids.join(", ")
            )
            .into())
        }
    }
}

/// The examples learned in the server a command acts on (see [`server`]).
fn examples(store: &dyn Backend, given: Option<u64>) -> Result<Vec<Example>> {
    let server = server(store, given)?;
    Ok(store.examples(server)?)
}

/// Replaces `path` with `text` so that a failed write (a full disk) leaves the old file whole.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.faqbot-new"));
    let written = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!(
            "cannot write {}: {e}; the file is unchanged",
            path.display()
        )
        .into()
    })
}

/// Three decimals are all a score means.
fn rounded(score: f32) -> f64 {
    (f64::from(score) * 1000.0).round() / 1000.0
}
