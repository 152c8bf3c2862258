//! `faqbot demo`: the real bot against the emulator, driven from the terminal.
//!
//! The whole stack runs (serenity's gateway and HTTP client, poise, the emulator speaking
//! Discord's protocol); the terminal plays `alice` in `#cipp-issues`, and the bot's posts are drawn
//! as text.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::config::{Config, DiscordConfig, ModeratorConfig, StoreConfig, SuggestConfig, Token};
use crate::discord;
use crate::emulator::world::{ALICE, CIPP_ISSUES, GUILD, MOD};
use crate::emulator::{Emulator, Event, Options, Post, Watcher};

/// How long to wait for the bot's answer to one line.
const ANSWER_WAIT: Duration = Duration::from_millis(1500);
/// After a post, how long more to wait for others that belong to the same answer.
const SETTLE: Duration = Duration::from_millis(250);

const HELP: &str = "\
You are alice in #cipp-issues of an emulated Discord server.
  any text             post it as a message (the bot answers when it is confident)
  /faq ENTRY [private] run the /faq command (try /faq 500-error or /faq cost)
  /click LABEL         click a button of the bot's last post (Solved it, Not it, Dismiss)
  /answer              as the moderator `mod`: \"Answer with FAQ\" on your last message
  /pick ENTRY          as `mod`: pick an entry in that command's private picker
  /help                show this
  /quit                stop (Ctrl-D works too)";

/// Runs the demo on standard input and output until `/quit` or the end of input.
pub async fn run(faq: &Path) -> Result<(), String> {
    // What the demo teaches the bot lasts as long as the demo.
    let demo_db = TempDb::new();
    let emulator = Emulator::start(Options::default())
        .await
        .map_err(|e| format!("cannot start the emulator on 127.0.0.1: {e}"))?;
    let config = Config {
        faq: faq.to_path_buf(),
        discord: DiscordConfig {
            api_base: Some(emulator.origin()),
            guild_id: Some(GUILD),
            token_file: None,
        },
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".to_owned()],
            ..SuggestConfig::default()
        },
        moderators: ModeratorConfig {
            roles: vec!["Moderator".to_owned()],
        },
        store: StoreConfig {
            path: demo_db.path.clone(),
            ..StoreConfig::default()
        },
    };
    let token = Token::new(emulator.token()).ok_or("the emulator has no token")?;
    let mut watcher = emulator.watch_from_start();
    let mut bot = discord::start(config, token);
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
    let mut out = tokio::io::stdout();
    write(
        &mut out,
        &format!("faqbot demo: the bot is connected.\n{HELP}\n\n"),
    )
    .await;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut last_post: Option<Post> = None;
    let mut last_message: Option<u64> = None;
    loop {
        write(&mut out, "alice> ").await;
        let Ok(Some(line)) = lines.next_line().await else {
            break;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let sent = match line.split_once(' ').unwrap_or((line, "")) {
            ("/quit", _) => break,
            ("/help", _) => {
                write(&mut out, &format!("{HELP}\n")).await;
                continue;
            }
            ("/faq", rest) => {
                let mut words = rest.split_whitespace();
                let entry = words.next().unwrap_or("");
                let mut options = vec![json!({"name": "entry", "type": 3, "value": entry})];
                if words.next() == Some("private") {
                    options.push(json!({"name": "private", "type": 5, "value": true}));
                }
                emulator.slash(ALICE, CIPP_ISSUES, "faq", json!(options));
                true
            }
            ("/answer", _) => match last_message {
                Some(id) => emulator
                    .message_command(MOD, "Answer with FAQ", id)
                    .is_some(),
                None => {
                    write(&mut out, "(post a message first)\n").await;
                    false
                }
            },
            ("/pick", entry) => {
                let picker = last_post.as_ref().and_then(|post| {
                    let (_, custom_id) = post
                        .components()
                        .into_iter()
                        .find(|(_, id)| id.starts_with("faqbot:link:"))?;
                    Some((post.id, custom_id))
                });
                match picker {
                    Some((message, custom_id)) => emulator
                        .select(MOD, message, &custom_id, &[entry.trim()])
                        .is_some(),
                    None => {
                        write(&mut out, "(run /answer first)\n").await;
                        false
                    }
                }
            }
            ("/click", label) => {
                let target = last_post
                    .as_ref()
                    .and_then(|post| post.custom_id(label.trim()).map(|id| (post.id, id)));
                match target {
                    Some((message, custom_id)) => {
                        emulator.click(ALICE, message, &custom_id).is_some()
                    }
                    None => {
                        write(
                            &mut out,
                            "(no button with that label on the bot's last post)\n",
                        )
                        .await;
                        false
                    }
                }
            }
            _ => {
                last_message = Some(emulator.say(ALICE, CIPP_ISSUES, line));
                true
            }
        };
        if sent {
            if let Some(post) = show_answer(&mut watcher, &mut out).await {
                last_post = Some(post);
            }
        }
    }
    write(&mut out, "\nstopping the bot…\n").await;
    bot.stop().await.map_err(|e| e.to_string())
}

/// Prints what the bot does in answer to one line; returns the last post with buttons.
async fn show_answer(watcher: &mut Watcher, out: &mut (impl AsyncWrite + Unpin)) -> Option<Post> {
    let mut wait = ANSWER_WAIT;
    let mut answered = false;
    let mut with_buttons = None;
    while let Some(event) = watcher.next(wait).await {
        match event {
            Event::Posted(post) => {
                write(out, &describe(&post)).await;
                let actionable = post
                    .components()
                    .iter()
                    .any(|(_, target)| target.starts_with("faqbot:"));
                if actionable {
                    with_buttons = Some(post);
                }
                answered = true;
                wait = SETTLE;
            }
            Event::Deleted { .. } => {
                write(out, "faqbot deleted its suggestion.\n").await;
                answered = true;
                wait = SETTLE;
            }
            Event::Rejected { route, reason } => {
                write(out, &format!("(Discord would refuse {route}: {reason})\n")).await;
            }
            _ => {}
        }
    }
    if !answered {
        write(out, "(faqbot stays quiet)\n").await;
    }
    with_buttons
}

/// A post as text for the terminal.
pub fn describe(post: &Post) -> String {
    let mut text = String::from("faqbot");
    if post.reply_to.is_some() {
        text.push_str(" (replying to you)");
    }
    if post.ephemeral {
        text.push_str(" (only you can see this)");
    }
    text.push_str(":\n");
    if !post.content().is_empty() {
        for line in post.content().lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    if !post.title().is_empty() {
        text.push_str(&format!("  ┌ {}\n", post.title()));
        for line in post.description().lines() {
            text.push_str(&format!("  │ {line}\n"));
        }
        text.push_str("  └\n");
    }
    let options = post.options();
    if !options.is_empty() {
        text.push_str(&format!("  entries to pick: {}\n", options.join(", ")));
    }
    let buttons: Vec<String> = post
        .components()
        .into_iter()
        .map(|(label, _)| format!("[{label}]"))
        .collect();
    if !buttons.is_empty() {
        text.push_str(&format!("  {}\n", buttons.join(" ")));
    }
    text
}

async fn write(out: &mut (impl AsyncWrite + Unpin), text: &str) {
    let _ = out.write_all(text.as_bytes()).await;
    let _ = out.flush().await;
}

/// A database file under the temp folder, deleted with its journal files when dropped.
struct TempDb {
    path: std::path::PathBuf,
}

impl TempDb {
    fn new() -> TempDb {
        let path = std::env::temp_dir().join(format!("faqbot-demo-{}.db", std::process::id()));
        let db = TempDb { path };
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}
