//! `faqbot demo`: the real bot against the emulator, driven from the terminal or a script.
//!
//! The whole stack runs (serenity's gateway and HTTP client, poise, the emulator speaking
//! Discord's protocol). The terminal plays a member of the emulated server in `#cipp-issues`, the
//! bot's posts are drawn as text, and every command prints what came of it: a post, or why the bot
//! stayed quiet, from the bot's own decision.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::config::{
    Config, DiscordConfig, MatcherConfig, ModelConfig, ModeratorConfig, StoreConfig, SuggestConfig,
    Token,
};
use crate::discord;
use crate::emulator::world::{self, Person, ALICE, CIPP_ISSUES, GUILD};
use crate::emulator::{Emulator, Event, Options, Post, Watcher};
use crate::matcher::calibration::MIN_CONFIDENCE;
use crate::policy::Quiet;
use crate::service::{Silence, Verdict};

/// How long to wait for the bot's answer to one line.
const ANSWER_WAIT: Duration = Duration::from_millis(3000);
/// After a post, how long more to wait for others that belong to the same answer.
const SETTLE: Duration = Duration::from_millis(250);
/// Who `/as` can be.
const WHO: [&str; 5] = ["alice", "bob", "newbie", "mod", "otherbot"];

const HELP: &str = "\
You are a member of an emulated Discord server, writing in #cipp-issues (alice at first).
  any text                  post it as a message (the bot answers when it is confident)
  /faq ENTRY [user:NAME] [private:true]
                            run /faq (try /faq 500-error, or /faq cost user:bob)
  /click LABEL              click a button of the bot's last post (Solved it, Not it, Dismiss,
                            Undo link)
  /answer                   \"Answer with FAQ\" on the last message (moderators: /as mod first)
  /pick ENTRY               pick an entry in that command's private picker
  /faq-admin status|reload|stats
                            the moderators' commands
  /as NAME                  become alice, bob, newbie, mod (a moderator) or otherbot (a bot)
  /help                     show this
  /quit                     stop (exit, quit and Ctrl-D work too)";

/// Runs the demo until `/quit` or the end of input: from standard input, or from `script` (one
/// command a line), echoing each command as if typed.
pub async fn run(faq: &Path, script: Option<&Path>) -> Result<(), String> {
    let script = match script {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read script {}: {e}", path.display()))?,
        ),
        None => None,
    };
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
        // Words alone, so that the demo answers the same on every machine (its tour is a test);
        // `faqbot match` shows what the model's second opinion adds.
        matcher: MatcherConfig {
            model: ModelConfig {
                dir: demo_db.path.with_extension("no-model"),
            },
        },
    };
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
    let mut session = Session {
        emulator: &emulator,
        watcher,
        verdicts,
        out: tokio::io::stdout(),
        dim: std::io::stdout().is_terminal(),
        me: world::person(ALICE),
        last_post: None,
        picker: None,
        last_message: None,
    };
    session
        .write(&format!("faqbot demo: the bot is connected.\n{HELP}\n\n"))
        .await;
    match script {
        Some(script) => {
            for line in script.lines() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let prompt = format!("{}> {line}\n", session.me.name);
                session.write(&prompt).await;
                if !session.command(line).await {
                    break;
                }
            }
        }
        None => {
            let mut lines = BufReader::new(tokio::io::stdin()).lines();
            loop {
                if interactive {
                    let prompt = format!("{}> ", session.me.name);
                    session.write(&prompt).await;
                }
                let Ok(Some(line)) = lines.next_line().await else {
                    break;
                };
                if !session.command(line.trim()).await {
                    break;
                }
            }
        }
    }
    session.write("\nstopping the bot…\n").await;
    bot.stop().await.map_err(|e| e.to_string())
}

/// The member at the keyboard and what the bot last showed them.
struct Session<'a, W> {
    emulator: &'a Emulator,
    watcher: Watcher,
    verdicts: UnboundedReceiver<Verdict>,
    out: W,
    /// Dim the bot's reasons for staying quiet (on a terminal only).
    dim: bool,
    me: Person,
    /// The bot's last post with buttons, and its last picker.
    last_post: Option<Post>,
    picker: Option<Post>,
    last_message: Option<u64>,
}

impl<W: AsyncWrite + Unpin> Session<'_, W> {
    /// Runs one line; false when the demo should stop.
    async fn command(&mut self, line: &str) -> bool {
        if line.is_empty() {
            return true;
        }
        let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match name {
            "/quit" | "exit" | "quit" if name.starts_with('/') || rest.is_empty() => return false,
            "/help" => self.write(&format!("{HELP}\n")).await,
            "/as" => self.become_(rest).await,
            "/faq" => self.faq(rest).await,
            "/faq-admin" => self.admin(rest).await,
            "/answer" => self.answer().await,
            "/pick" => self.pick(rest).await,
            "/click" => self.click(rest).await,
            _ if name.starts_with('/') => {
                let known = "/faq, /faq-admin, /click, /answer, /pick, /as, /help, /quit";
                self.write(&format!(
                    "unknown command {name}; the commands are {known}\n"
                ))
                .await
            }
            _ => self.say(line).await,
        }
        true
    }

    async fn become_(&mut self, name: &str) {
        let found = world::PEOPLE
            .iter()
            .find(|p| p.name == name && WHO.contains(&p.name));
        match found {
            Some(person) => {
                self.me = *person;
                let what = if person.bot {
                    "a bot: faqbot never answers bots"
                } else if person.roles.contains(&world::MODERATOR_ROLE) {
                    "a moderator: no unasked suggestions, and the moderators' tools"
                } else {
                    "a member"
                };
                self.write(&format!("you are now {name}, {what}\n")).await;
            }
            None => {
                self.write(&format!(
                    "(no one called {name:?}; try {})\n",
                    WHO.join(", ")
                ))
                .await
            }
        }
    }

    async fn faq(&mut self, rest: &str) {
        let mut words = rest.split_whitespace();
        let entry = words.next().unwrap_or("");
        let mut options = vec![json!({"name": "entry", "type": 3, "value": entry})];
        for word in words {
            match word.split_once(':') {
                Some(("user", name)) => match world::PEOPLE.iter().find(|p| p.name == name) {
                    Some(person) => options
                        .push(json!({"name": "user", "type": 6, "value": person.id.to_string()})),
                    None => {
                        return self
                            .write(&format!("(no member called {name:?}; try bob)\n"))
                            .await
                    }
                },
                Some(("private", value)) => {
                    let private = matches!(value, "true" | "yes");
                    options.push(json!({"name": "private", "type": 5, "value": private}));
                }
                _ => {
                    return self
                        .write("(usage: /faq ENTRY [user:NAME] [private:true])\n")
                        .await
                }
            }
        }
        self.emulator
            .slash(self.me.id, CIPP_ISSUES, "faq", json!(options));
        self.show(None).await;
    }

    async fn admin(&mut self, rest: &str) {
        let mut words = rest.split_whitespace();
        let sub = words.next().unwrap_or("");
        let options = match (sub, words.next()) {
            ("status" | "reload", None) | ("stats", None) => json!([]),
            ("stats", Some(days)) => match days.parse::<u32>() {
                Ok(days) => json!([{"name": "days", "type": 4, "value": days}]),
                Err(_) => return self.write("(usage: /faq-admin stats [DAYS])\n").await,
            },
            _ => {
                return self
                    .write("(usage: /faq-admin status | reload | stats [DAYS])\n")
                    .await
            }
        };
        let data = json!([{"name": sub, "type": 1, "options": options}]);
        self.emulator
            .slash(self.me.id, CIPP_ISSUES, "faq-admin", data);
        self.show(None).await;
    }

    async fn answer(&mut self) {
        let Some(message) = self.last_message else {
            return self.write("(post a message first)\n").await;
        };
        if self
            .emulator
            .message_command(self.me.id, "Answer with FAQ", message)
            .is_none()
        {
            return self.write("(that message is gone)\n").await;
        }
        self.show(None).await;
    }

    async fn pick(&mut self, entry: &str) {
        let Some(picker) = self.picker.clone() else {
            return self.write("(run /answer first)\n").await;
        };
        let select = picker
            .components()
            .into_iter()
            .find(|(_, id)| id.starts_with("faqbot:link:"));
        let Some((_, custom_id)) = select else {
            return self
                .write("(that picker has no list of entries; try /answer again)\n")
                .await;
        };
        self.emulator
            .select(self.me.id, picker.id, &custom_id, &[entry]);
        self.show(None).await;
    }

    async fn click(&mut self, label: &str) {
        let Some(post) = self.last_post.clone() else {
            return self.write("(the bot has posted no buttons yet)\n").await;
        };
        // The post as it is now: a button that is gone cannot be clicked.
        let Some(now) = self.emulator.current(&post) else {
            return self.write("(the bot's last post is gone)\n").await;
        };
        let Some(custom_id) = now.custom_id(label) else {
            let labels: Vec<String> = now
                .components()
                .into_iter()
                .filter(|(_, target)| target.starts_with("faqbot:"))
                .map(|(label, _)| label)
                .collect();
            let offer = if labels.is_empty() {
                "it has no buttons left".to_owned()
            } else {
                format!("it has {}", labels.join(", "))
            };
            return self
                .write(&format!(
                    "(no button {label:?} on the bot's last post: {offer})\n"
                ))
                .await;
        };
        self.emulator.click(self.me.id, now.id, &custom_id);
        self.show(None).await;
    }

    async fn say(&mut self, text: &str) {
        let id = self.emulator.say(self.me.id, CIPP_ISSUES, text);
        self.last_message = Some(id);
        self.show(Some(id)).await;
    }

    /// Prints what the bot does in answer; for a message, why it stays quiet if it does.
    async fn show(&mut self, message: Option<u64>) {
        let mut wait = ANSWER_WAIT;
        let mut answered = false;
        let mut decided = message.is_none();
        loop {
            let event = tokio::select! {
                event = self.watcher.next(wait) => event,
                verdict = self.verdicts.recv(), if !decided => {
                    match verdict {
                        Some(verdict) if Some(verdict.message) == message => {
                            decided = true;
                            if let Err(silence) = verdict.outcome {
                                let reason = quiet_reason(&silence);
                                self.dimmed(&format!("(faqbot stays quiet: {reason})\n")).await;
                                return;
                            }
                        }
                        Some(_) => {}
                        // The bot stopped: nothing more to learn from it.
                        None => decided = true,
                    }
                    continue;
                }
            };
            let Some(event) = event else { break };
            match event {
                Event::Posted(post) => {
                    let asker = post
                        .reply_to
                        .and_then(|to| self.emulator.message(to))
                        .and_then(|m| m["author"]["id"].as_str()?.parse().ok());
                    let text = describe(&post, asker);
                    self.write(&text).await;
                    let targets: Vec<String> =
                        post.components().into_iter().map(|(_, t)| t).collect();
                    let picker = |t: &String| {
                        t.starts_with("faqbot:link:") || t.starts_with("faqbot:search:")
                    };
                    if targets.iter().any(picker) {
                        self.picker = Some(post);
                    } else if targets.iter().any(|t| t.starts_with("faqbot:")) {
                        self.last_post = Some(post);
                    }
                    answered = true;
                    wait = SETTLE;
                }
                Event::Deleted { .. } => {
                    self.write("faqbot deleted its post.\n").await;
                    answered = true;
                    wait = SETTLE;
                }
                Event::Modal { .. } => {
                    self.write("faqbot opened a form (the demo cannot fill it in).\n")
                        .await;
                    answered = true;
                    wait = SETTLE;
                }
                Event::Rejected { route, reason } => {
                    self.write(&format!("(Discord would refuse {route}: {reason})\n"))
                        .await;
                }
                _ => {}
            }
        }
        if !answered {
            self.dimmed("(no answer from faqbot)\n").await;
        }
    }

    async fn dimmed(&mut self, text: &str) {
        if self.dim {
            let text = format!("\x1b[2m{}\x1b[0m\n", text.trim_end());
            self.write(&text).await;
        } else {
            self.write(text).await;
        }
    }

    async fn write(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes()).await;
        let _ = self.out.flush().await;
    }
}

/// Why the bot stays quiet, in one line.
fn quiet_reason(silence: &Silence) -> String {
    match silence {
        Silence::Policy(Quiet::FromBot) => "the author is a bot".to_owned(),
        Silence::Policy(Quiet::FromModerator) => "moderators get no unasked suggestions".to_owned(),
        Silence::Policy(Quiet::NotWatched) => "not a watched channel".to_owned(),
        Silence::Policy(Quiet::LaterInThread) => "not the first message of the thread".to_owned(),
        Silence::Policy(Quiet::AlreadyAnswered) => "this message was considered before".to_owned(),
        Silence::NotConfident {
            best: Some((id, confidence)),
        } => format!(
            "the best entry, `{id}`, has confidence {confidence:.3}, below {MIN_CONFIDENCE:.3}"
        ),
        Silence::NotConfident { best: None } => "no entry shares a word with that".to_owned(),
        Silence::Cooldown { entry, until_ms } => {
            let left =
                until_ms.map(|until| until.saturating_sub(crate::time::now_ms()).div_ceil(1000));
            match left {
                Some(secs) => {
                    format!("`{entry}` was suggested here recently ({secs} s of cooldown left)")
                }
                None => format!("`{entry}` was suggested here recently"),
            }
        }
        Silence::NoMemory => "its memory cannot be read".to_owned(),
    }
}

/// `<@id>` as `@name` and `<#id>` as `#name`, for the people and channels of the emulated server.
fn names(text: &str) -> String {
    let mut text = text.to_owned();
    for person in world::PEOPLE {
        text = text.replace(&format!("<@{}>", person.id), &format!("@{}", person.name));
    }
    for (id, name) in [
        (world::GENERAL, "general"),
        (world::CIPP_ISSUES, "cipp-issues"),
        (world::SUPPORT_FORUM, "support-forum"),
    ] {
        text = text.replace(&format!("<#{id}>"), &format!("#{name}"));
    }
    text
}

/// A post as text for the terminal; `asker` wrote the message it replies to, if known.
pub fn describe(post: &Post, asker: Option<u64>) -> String {
    let mut text = String::from("faqbot");
    if post.reply_to.is_some() {
        match asker {
            Some(asker) => text.push_str(&format!(" (replying to @{})", world::person(asker).name)),
            None => text.push_str(" (replying)"),
        }
    }
    if post.ephemeral {
        text.push_str(" (only you can see this)");
    }
    text.push_str(":\n");
    for line in post.content().lines() {
        text.push_str(&format!("  {}\n", names(line)));
    }
    if !post.title().is_empty() {
        text.push_str(&format!("  ┌ {}\n", post.title()));
        for line in post.description().lines() {
            text.push_str(format!("  │ {}", names(line)).trim_end());
            text.push('\n');
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
        .filter(|(_, target)| !target.starts_with("faqbot:link:"))
        .map(|(label, _)| format!("[{label}]"))
        .collect();
    if !buttons.is_empty() {
        text.push_str(&format!("  {}\n", buttons.join(" ")));
    }
    text
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
