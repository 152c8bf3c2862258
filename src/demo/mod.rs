//! `faqbot demo`: the real bot against the emulator, driven from the terminal or a script.
//!
//! The whole stack runs (serenity's gateway and HTTP client, poise, the emulator speaking
//! Discord's protocol). The terminal plays a member of the emulated server in `#cipp-issues`, the
//! bot's posts are drawn as text, and every command prints what came of it: a post, or why the bot
//! stayed quiet, from the bot's own decision.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use crate::config::{
    Config, DiscordConfig, MatcherConfig, ModelConfig, ModeratorConfig, StoreConfig, SuggestConfig,
    Token,
};
use crate::discord;
use faqbot_emulator::world::GUILD;
use faqbot_emulator::{Emulator, Event, Options};

mod describe;
mod session;
mod terminal;

pub use describe::describe;
use session::Session;

/// How long to wait for the bot's answer to one line.
const ANSWER_WAIT: Duration = Duration::from_millis(3000);
/// After a post, how long more to wait for others that belong to the same answer.
const SETTLE: Duration = Duration::from_millis(250);
/// The bot's posts with buttons that `/click` looks through, newest first: more than a demo
/// session scrolls back over.
const POSTS_KEPT: usize = 100;
/// Where `faqbot demo` records its session unless `--db` says otherwise.
pub const DEFAULT_DB: &str = "faqbot-demo.db";
/// Who `/as` can be.
const WHO: [&str; 5] = ["alice", "bob", "newbie", "mod", "otherbot"];

const HELP: &str = "\
You are a member of an emulated Discord server, writing in #cipp-issues (alice at first).
  any text                  post it as a message (the bot answers when it is confident)
  /faq ENTRY [user:NAME] [private:true]
                            run /faq (try /faq 500-error, or /faq cost user:bob)
  /entries [WORDS]          the entries /faq's `entry` field offers as you type WORDS
  /click LABEL              click a button of the newest bot post that has it (Solved it, Not it,
                            Dismiss, Undo link, Search all entries)
  /answer                   \"Answer with FAQ\" on the last message (moderators: /as mod first)
  /pick ENTRY               pick an entry in that command's private picker
  /search WORDS             fill in the search form that \"Search all entries\" opened: an
                            entry's name links it at once, other words list entries to pick
  /faq-admin status|reload|stats [DAYS]|gaps [DAYS]|unlink [MESSAGE]
                            the moderators' commands (unlink: the last message, by default)
  /as NAME                  become alice, bob, newbie, mod (a moderator) or otherbot (a bot)
  /help                     show this
  /quit                     stop (exit, quit and Ctrl-D work too)";
/// Runs the demo until `/quit` or the end of input: from standard input, or from `script` (one
/// command a line), echoing each command as if typed.
pub async fn run(faq: &Path, script: Option<&Path>, db: &Path) -> Result<(), String> {
    let script = match script {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read script {}: {e}", path.display()))?,
        ),
        None => None,
    };
    // Each session starts afresh (no cooldowns or lessons of the last one) and is kept afterwards.
    start_afresh(db)?;
    let emulator = Emulator::start(Options::default())
        .await
        .map_err(|e| format!("cannot start the emulator on 127.0.0.1: {e}"))?;
    let config = config(faq, &emulator, db);
    let token = Token::new(emulator.token()).ok_or("the emulator has no token")?;
    let mut watcher = emulator.watch_from_start();
    let (mut bot, verdicts) = discord::start_observed(config, token);
    tokio::select! {
        ready = watcher.find(Duration::from_secs(20), |e| matches!(e, Event::Commands { .. })) => {
            if ready.is_none() {
                return Err("the bot did not connect to the emulator within 20 s".to_owned());
            }
        }
        finished = bot.finished() => {
            return Err(match finished {
                Ok(()) => "the bot stopped at once".to_owned(),
                Err(error) => error.to_string(),
            });
        }
    }
    let interactive = script.is_none() && std::io::stdin().is_terminal();
    let mut session = Session::new(&emulator, watcher, verdicts);
    session
        .write(&format!("faqbot demo: the bot is connected.\n{HELP}\n\n"))
        .await;
    session.read(script.as_deref(), interactive).await;
    session.write("\nstopping the bot…\n").await;
    bot.stop().await.map_err(|e| e.to_string())?;
    session
        .write(&format!(
            "The session is recorded in {}: `{} stats --db {} --html stats.html` shows it.\n",
            db.display(),
            program(),
            db.display()
        ))
        .await;
    Ok(())
}

/// How the user runs this program from here: `faqbot` when that is the one on PATH (after
/// `cargo install`), else its path (after `cargo run`, it is not on PATH).
fn program() -> String {
    let Ok(exe) = std::env::current_exe().and_then(|exe| exe.canonicalize()) else {
        return "faqbot".to_owned();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .filter_map(|dir| dir.join("faqbot").canonicalize().ok())
            .any(|found| found == exe)
    });
    if on_path {
        return "faqbot".to_owned();
    }
    let here = std::env::current_dir().and_then(|dir| dir.canonicalize());
    match here
        .ok()
        .and_then(|here| exe.strip_prefix(here).ok().map(Path::to_path_buf))
    {
        Some(relative) => format!("./{}", relative.display()),
        None => exe.display().to_string(),
    }
}

/// The bot's config for the demo: the emulator's server, `#cipp-issues` watched, the moderators'
/// role, and the demo's own database.
fn config(faq: &Path, emulator: &Emulator, db: &Path) -> Config {
    Config {
        faq: faq.to_path_buf(),
        discord: DiscordConfig {
            api_base: Some(emulator.origin()),
            guild_id: Some(GUILD),
            token_file: None,
            ..DiscordConfig::default()
        },
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".to_owned()],
            ..SuggestConfig::default()
        },
        moderators: ModeratorConfig {
            roles: vec!["Moderator".to_owned()],
        },
        store: StoreConfig {
            path: db.to_path_buf(),
            ..StoreConfig::default()
        },
        // Words alone, so that the demo answers the same on every machine (its tour is a test);
        // `faqbot match` shows what the model's second opinion adds.
        matcher: MatcherConfig {
            model: ModelConfig {
                dir: db.with_extension("no-model"),
            },
        },
        gaps: Default::default(),
        servers: Vec::new(),
    }
}

/// Removes the database at `path` and its journal files, so that a session starts afresh.
fn start_afresh(path: &Path) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(format!(
                    "cannot start the demo afresh in {}: {e} (pass --db with another file)",
                    path.display()
                ))
            }
        }
    }
    Ok(())
}
