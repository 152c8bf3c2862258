//! `faqbot learn history`: read the watched channels' past over Discord's REST API and learn from
//! staff replies that link an entry's documentation.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use faqbot::config::{Served, Token, TOKEN_VAR};
use faqbot::discord::history::{learn_with_config, Learned, Progress, Reading};
use faqbot::store;

use super::Result;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read the channels' history once and turn staff replies with an entry's docs link into
    /// learned examples (REST only; the bot's config and token as `faqbot run` takes them).
    History(Args),
}

#[derive(clap::Args)]
pub struct Args {
    /// The config file; without it, faqbot.toml if it exists, else the defaults.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// A channel to read, by name or id (repeatable); default: [suggest] channels. Their threads
    /// and forum posts are read too.
    #[arg(long = "channel", value_name = "ID|NAME")]
    channels: Vec<String>,
    /// How far back to read: a number of days (`180d`, or `180`).
    #[arg(long, default_value_t = faqbot::history::SINCE_DAYS, value_parser = since_days)]
    since: u64,
    /// Print what would be learned, entry by entry, and learn nothing.
    #[arg(long)]
    dry_run: bool,
    /// The server to read (its id); needed only when the config serves several, or every one.
    #[arg(long = "server", value_name = "ID")]
    server: Option<u64>,
}

fn since_days(value: &str) -> std::result::Result<u64, String> {
    let days = value.strip_suffix('d').unwrap_or(value);
    match days.parse::<u64>() {
        Ok(days) if days > 0 => Ok(days),
        _ => Err(format!("{value:?} is not a number of days like 180d")),
    }
}

pub fn exec(command: Command) -> Result<ExitCode> {
    let Command::History(args) = command;
    let config = super::config(args.config.as_deref())?;
    let guild = match (args.server, config.served()) {
        (Some(id), _) => id,
        (None, Served::Listed(ids)) if ids.len() == 1 => ids[0],
        (None, Served::Listed(_)) => {
            return Err("the config serves several servers: pass --server ID".into())
        }
        (None, Served::Every) => return Err(
            "set [discord] guild_id in the config, or pass --server ID: the history is read from that server"
                .into(),
        ),
    };
    let settings = config.settings(guild);
    let from_env = std::env::var(TOKEN_VAR).ok();
    let token = Token::resolve(from_env.as_deref(), config.discord.token_file.as_deref())?;
    let faq = super::load(&settings.faq)?;
    let store = store::open(&config.store.path)?;
    let channels = if args.channels.is_empty() {
        settings.suggest.channels.clone()
    } else {
        args.channels.clone()
    };
    let reading = Reading {
        guild,
        channels,
        since_ms: faqbot::time::now_ms().saturating_sub(faqbot::time::days_ms(args.since)),
        dry_run: args.dry_run,
        max_examples: config.store.max_examples_per_entry,
    };
    let runtime = super::run::runtime()?;
    let terminal = std::io::stderr().is_terminal();
    let learned = runtime.block_on(learn_with_config(
        &config,
        &token,
        store,
        &faq,
        &reading,
        |progress| bar(progress, terminal),
    ))?;
    if terminal {
        eprintln!();
    }
    report(&learned, args.dry_run);
    Ok(ExitCode::SUCCESS)
}

/// The progress bar: redrawn in place on a terminal, a line per place elsewhere.
fn bar(progress: Progress, terminal: bool) {
    const WIDTH: usize = 30;
    let filled = (progress.places_done * WIDTH)
        .checked_div(progress.places)
        .unwrap_or(0);
    let line = format!(
        "[{}{}] {}/{} channels and threads, {} messages read",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        progress.places_done,
        progress.places,
        progress.messages
    );
    let mut err = std::io::stderr().lock();
    if terminal {
        let _ = write!(err, "\r{line}");
    } else {
        let _ = writeln!(err, "{line}");
    }
    let _ = err.flush();
}

/// What was learned (or would be), entry by entry in a dry run, and the counts by reason.
fn report(learned: &Learned, dry_run: bool) {
    if dry_run {
        let mut examples: Vec<_> = learned.examples.iter().collect();
        examples.sort_by(|a, b| a.entry.cmp(&b.entry).then(a.at_ms.cmp(&b.at_ms)));
        let mut entry = "";
        for example in examples {
            if example.entry != entry {
                entry = &example.entry;
                println!("{entry}:");
            }
            println!("  {}", short(&example.text));
        }
        let mut pages: Vec<&str> = learned.pages.iter().map(|p| p.page.as_str()).collect();
        pages.sort_unstable();
        let mut pages = pages.chunk_by(|a, b| a == b).peekable();
        if pages.peek().is_some() {
            println!("docs pages the staff linked that no entry links:");
        }
        for same in pages {
            println!("  {} ({} answers)", same[0], same.len());
        }
    }
    let rate = learned.messages as f64 / learned.elapsed.as_secs_f64().max(0.001);
    println!(
        "read {} messages in {} channels and threads in {:.1} s ({rate:.0} messages/s)",
        learned.messages,
        learned.places,
        learned.elapsed.as_secs_f64()
    );
    for (channel, reason) in &learned.unreadable {
        println!("could not read channel {channel}: {reason}");
    }
    if dry_run {
        println!(
            "would learn: {} (nothing was learned: --dry-run)",
            learned.counts
        );
    } else {
        println!(
            "{}; {} stored (at most [store] max_examples_per_entry per entry, the newest)",
            learned.counts, learned.stored
        );
        if learned.counts.pages > 0 {
            println!("`faqbot gaps` lists the docs pages the staff linked that no entry links");
        }
    }
}

/// A message text cut to one short line.
fn short(text: &str) -> String {
    faqbot::render::one_line(text, 80)
}
