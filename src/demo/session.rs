//! The member at the keyboard: each demo command as what a Discord user would do, and what the
//! bot did about it.

use std::io::IsTerminal;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::service::Verdict;
use faqbot_emulator::world::{self, Person, ALICE, CIPP_ISSUES};
use faqbot_emulator::{Emulator, Event, Post, Watcher};

use super::describe::{describe, no_button, post_name, quiet_reason};
use super::terminal::Terminal;
use super::{ANSWER_WAIT, HELP, POSTS_KEPT, SETTLE, WHO};

/// The member at the keyboard and what the bot last showed them.
pub(super) struct Session<'a, W> {
    emulator: &'a Emulator,
    watcher: Watcher,
    verdicts: UnboundedReceiver<Verdict>,
    out: W,
    /// Dim the bot's reasons for staying quiet (on a terminal only).
    dim: bool,
    me: Person,
    /// The bot's posts that came with buttons, oldest first (at most [`POSTS_KEPT`]), and its
    /// last picker.
    posts: Vec<Post>,
    picker: Option<Post>,
    last_message: Option<u64>,
    /// The search form the bot opened last: its custom id and the picker it came from.
    form: Option<(String, u64)>,
    /// The last button clicked on, whose form that is.
    clicked_on: Option<u64>,
}

impl<'a> Session<'a, tokio::io::Stdout> {
    /// Alice at the terminal, before anything was said.
    pub(super) fn new(
        emulator: &'a Emulator,
        watcher: Watcher,
        verdicts: UnboundedReceiver<Verdict>,
    ) -> Self {
        Session {
            emulator,
            watcher,
            verdicts,
            out: tokio::io::stdout(),
            dim: std::io::stdout().is_terminal(),
            me: world::person(ALICE),
            posts: Vec::new(),
            picker: None,
            last_message: None,
            form: None,
            clicked_on: None,
        }
    }
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
            "/entries" => self.entries(rest).await,
            "/search" => self.search(rest).await,
            "/faq-admin" => self.admin(rest).await,
            "/answer" => self.answer().await,
            "/pick" => self.pick(rest).await,
            "/click" => self.click(rest).await,
            _ if name.starts_with('/') => {
                let known =
                    "/faq, /entries, /faq-admin, /click, /answer, /pick, /search, /as, /help, /quit";
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
        let said = self.show(None).await;
        if said.contains("`entry` field") {
            self.dimmed("(in the demo, /entries [WORDS] shows what that field offers)\n")
                .await;
        }
    }

    async fn admin(&mut self, rest: &str) {
        let mut words = rest.split_whitespace();
        let sub = words.next().unwrap_or("");
        let options =
            match (sub, words.next()) {
                ("status" | "reload", None) | ("stats" | "gaps", None) => json!([]),
                ("unlink", given) => {
                    let message = match (given, self.last_message) {
                        (Some(given), _) => given.to_owned(),
                        (None, Some(last)) => last.to_string(),
                        (None, None) => return self.write("(post a message first)\n").await,
                    };
                    json!([{"name": "message", "type": 3, "value": message}])
                }
                ("stats" | "gaps", Some(days)) => match days.parse::<u32>() {
                    Ok(days) => json!([{"name": "days", "type": 4, "value": days}]),
                    Err(_) => return self.write(&format!("(usage: /faq-admin {sub} [DAYS])\n")).await,
                },
                _ => return self
                    .write(
                        "(usage: /faq-admin status | reload | stats [DAYS] | gaps [DAYS] | unlink [MESSAGE])\n",
                    )
                    .await,
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
        if entry.is_empty() {
            return self
                .write("(usage: /pick ENTRY, an id the picker lists)\n")
                .await;
        }
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
        // The newest of the bot's posts that still has this button (as it is now: a button that
        // is gone cannot be clicked); else the newest with buttons, to say what it has.
        let posts: Vec<Post> = self
            .posts
            .iter()
            .rev()
            .filter_map(|post| self.emulator.current(post))
            .collect();
        if let Some(now) = posts.iter().find(|post| post.custom_id(label).is_some()) {
            let custom_id = now.custom_id(label).unwrap_or_default();
            self.write(&format!("(on {})\n", post_name(now))).await;
            self.clicked_on = Some(now.id);
            self.emulator.click(self.me.id, now.id, &custom_id);
            self.show(None).await;
            return;
        }
        let said = no_button(label, &posts);
        self.write(&said).await;
    }

    /// What `/faq`'s `entry` field offers while `words` are typed in it.
    async fn entries(&mut self, words: &str) {
        let option = json!([{"name": "entry", "type": 3, "value": words, "focused": true}]);
        self.emulator
            .autocomplete(self.me.id, CIPP_ISSUES, "faq", option);
        self.show(None).await;
    }

    /// Fills in the search form "Search all entries" opened, and submits it.
    async fn search(&mut self, words: &str) {
        let Some((custom_id, picker)) = self.form.clone() else {
            return self
                .write("(no search form is open: /click Search all entries on a picker first)\n")
                .await;
        };
        if words.is_empty() {
            return self.write("(usage: /search WORDS)\n").await;
        }
        if self
            .emulator
            .submit_from(self.me.id, picker, &custom_id, &[("query", words)])
            .is_none()
        {
            return self.write("(the picker of that form is gone)\n").await;
        }
        self.form = None;
        self.show(None).await;
    }

    async fn say(&mut self, text: &str) {
        let id = self.emulator.say(self.me.id, CIPP_ISSUES, text);
        self.last_message = Some(id);
        self.show(Some(id)).await;
    }

    /// Prints what the bot does in answer, and returns what it posted; for a message, why it stays
    /// quiet if it does.
    async fn show(&mut self, message: Option<u64>) -> String {
        let mut said = String::new();
        let mut wait = ANSWER_WAIT;
        let mut answered = false;
        let mut decided = message.is_none();
        loop {
            let event = tokio::select! {
                event = self.watcher.next(wait) => event,
                verdict = self.verdicts.recv(), if !decided => {
                    match verdict {
                        Some(verdict) if Some(verdict.message.get()) == message => {
                            decided = true;
                            if let Err(silence) = verdict.outcome {
                                let reason = quiet_reason(&silence);
                                self.dimmed(&format!("(faqbot stays quiet: {reason})\n")).await;
                                return said;
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
            if self.take(event, &mut said).await {
                answered = true;
                wait = SETTLE;
            }
        }
        if !answered {
            self.dimmed("(no answer from faqbot)\n").await;
        }
        said
    }

    /// Prints one thing the bot did and adds what it posted to `said`; whether it answered.
    async fn take(&mut self, event: Event, said: &mut String) -> bool {
        match event {
            Event::Posted(post) => {
                let asker = post
                    .reply_to
                    .and_then(|to| self.emulator.message(to))
                    .and_then(|m| m["author"]["id"].as_str()?.parse().ok());
                let text = describe(&post, asker);
                self.write(&text).await;
                *said += &text;
                let targets: Vec<String> = post.components().into_iter().map(|(_, t)| t).collect();
                let picker =
                    |t: &String| t.starts_with("faqbot:link:") || t.starts_with("faqbot:search:");
                if targets.iter().any(picker) {
                    self.picker = Some(post.clone());
                }
                if targets.iter().any(|t| t.starts_with("faqbot:")) {
                    if self.posts.len() == POSTS_KEPT {
                        self.posts.remove(0);
                    }
                    self.posts.push(post);
                }
                true
            }
            Event::Deleted { .. } => {
                self.write("faqbot deleted its post.\n").await;
                true
            }
            Event::Modal { data, .. } => {
                let title = data["title"].as_str().unwrap_or("a form").to_owned();
                if let (Some(custom_id), Some(on)) = (data["custom_id"].as_str(), self.clicked_on) {
                    self.form = Some((custom_id.to_owned(), on));
                }
                // The field's placeholder says what the form does with a name and with words.
                let field = &data["components"][0]["components"][0];
                let hint = field["placeholder"]
                    .as_str()
                    .map_or(String::new(), |hint| format!(" ({hint})"));
                self.write(&format!(
                    "faqbot opened the form \"{title}\"{hint}: /search WORDS fills it in.\n"
                ))
                .await;
                true
            }
            Event::Choices { choices, .. } => {
                let entries = if choices.len() == 1 {
                    "entry"
                } else {
                    "entries"
                };
                let mut text = format!("the `entry` field offers {} {entries}:\n", choices.len());
                for (name, value) in &choices {
                    text += &format!("  {value:<28} {name}\n");
                }
                self.write(&text).await;
                true
            }
            Event::Rejected { route, reason } => {
                self.write(&format!("(Discord would refuse {route}: {reason})\n"))
                    .await;
                false
            }
            _ => false,
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

    pub(super) async fn write(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes()).await;
        let _ = self.out.flush().await;
    }

    /// Runs the commands of `script`, echoed as if typed, or of standard input (prompting on a
    /// terminal), until `/quit` or the end.
    pub(super) async fn read(&mut self, script: Option<&str>, interactive: bool) {
        match script {
            Some(script) => {
                for line in script.lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let prompt = format!("{}> {line}\n", self.me.name);
                    self.write(&prompt).await;
                    if !self.command(line).await {
                        break;
                    }
                }
            }
            None if interactive => {
                let Some(mut terminal) = Terminal::start() else {
                    return Box::pin(self.read(None, false)).await;
                };
                loop {
                    let prompt = format!("{}> ", self.me.name);
                    let Some(line) = terminal.line(prompt).await else {
                        break;
                    };
                    if !self.command(line.trim()).await {
                        break;
                    }
                }
            }
            None => {
                let mut lines = BufReader::new(tokio::io::stdin()).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if !self.command(line.trim()).await {
                        break;
                    }
                }
            }
        }
    }
}
