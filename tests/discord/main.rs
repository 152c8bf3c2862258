//! End to end: the real bot (serenity + poise) against the Discord emulator on 127.0.0.1.
//!
//! Each test starts its own emulator and bot, acts as the people of the emulated server, and
//! checks what the bot posts, as Discord would receive it.

mod binary;
mod digest;
mod durability;
mod history;
mod learning;
mod restart;
mod servers;
mod shards;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{json, Value};

use faqbot::config::{
    Config, DiscordConfig, MatcherConfig, ModelConfig, ModeratorConfig, StoreConfig, SuggestConfig,
    ThreadMode, Token,
};
use faqbot::discord::{self, RunningBot};
use faqbot::policy::Quiet;
use faqbot::service::{Silence, Verdict};
use faqbot_emulator::world::{
    ALICE, BOB, CIPP_ISSUES, GENERAL, GUILD, MOD, MODERATOR_ROLE, OTHER_BOT, SUPPORT_FORUM,
};
use faqbot_emulator::{Emulator, Event, Options, Post, Via, Watcher};
use tokio::sync::mpsc::UnboundedReceiver;

/// Long enough for any answer on a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(10);
/// How long silence must last to count as "the bot stays quiet".
const QUIET: Duration = Duration::from_millis(800);

const PROBLEM: &str = "I keep getting a 500 error when I open the dashboard";

pub struct Harness {
    pub emulator: Emulator,
    pub watcher: Watcher,
    pub dir: PathBuf,
    config: Config,
    bot: Option<RunningBot>,
    /// What the bot decided about each message, in order.
    verdicts: Option<UnboundedReceiver<Verdict>>,
}

/// A fresh folder under the system's temp dir.
pub fn temp_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "faqbot-e2e-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

pub fn shipped_faq() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml")).expect("faq.toml")
}

/// The config a test bot runs with: the emulator, the emulated guild, `#cipp-issues` and the
/// forum watched, `Moderator` as the moderator role.
pub fn config(emulator: &Emulator, faq: PathBuf) -> Config {
    Config {
        store: StoreConfig {
            path: faq.with_file_name("faqbot.db"),
            ..StoreConfig::default()
        },
        faq,
        discord: DiscordConfig {
            api_base: Some(emulator.origin()),
            guild_id: Some(GUILD),
            token_file: None,
            ..DiscordConfig::default()
        },
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into(), SUPPORT_FORUM.to_string()],
            cooldown_secs: 600,
            threads: ThreadMode::FirstMessage,
            ..SuggestConfig::default()
        },
        moderators: ModeratorConfig {
            roles: vec!["Moderator".into()],
        },
        // Words alone: these tests pin the Discord layer's behaviour, the same with or without
        // the model (tests/model.rs tests the second opinion).
        matcher: MatcherConfig {
            model: ModelConfig {
                dir: PathBuf::from("/nonexistent/faqbot-model"),
            },
        },
        gaps: Default::default(),
        servers: Vec::new(),
    }
}

impl Harness {
    async fn start(faq: &str) -> Harness {
        Harness::start_with(faq, |_| {}).await
    }

    async fn start_with(faq: &str, tweak: impl FnOnce(&mut Config)) -> Harness {
        Harness::start_prepared(faq, |_, config| tweak(config)).await
    }

    /// Starts the bot once `prepare` has set up the emulator (more servers, say) and the config.
    async fn start_prepared(faq: &str, prepare: impl FnOnce(&Emulator, &mut Config)) -> Harness {
        // RUST_LOG=faqbot=debug shows the bot's log for a failing test.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .try_init();
        let emulator = Emulator::start(Options::default()).await.unwrap();
        let dir = temp_dir();
        let path = dir.join("faq.toml");
        std::fs::write(&path, faq).unwrap();
        let mut config = config(&emulator, path);
        prepare(&emulator, &mut config);
        let watcher = emulator.watch_from_start();
        let mut harness = Harness {
            emulator,
            watcher,
            dir,
            config,
            bot: None,
            verdicts: None,
        };
        harness.start_bot().await;
        harness
    }

    async fn start_bot(&mut self) {
        let token = Token::new(self.emulator.token()).unwrap();
        let (bot, verdicts) = discord::start_observed(self.config.clone(), token);
        self.bot = Some(bot);
        self.verdicts = Some(verdicts);
        let registered = self
            .watcher
            .find(WAIT, |e| matches!(e, Event::Commands { .. }))
            .await;
        assert!(
            registered.is_some(),
            "the bot did not register its commands"
        );
    }

    /// Stops the bot and starts a new one with the same config and database.
    async fn restart(&mut self) {
        let bot = self.bot.take().unwrap();
        tokio::time::timeout(Duration::from_secs(5), bot.stop())
            .await
            .expect("the bot stops within 5 s")
            .expect("a clean stop");
        self.start_bot().await;
    }

    async fn post(&mut self) -> Post {
        match self.watcher.post(WAIT).await {
            Some(post) => post,
            None => panic!(
                "no post from the bot; it did: {:#?}",
                self.emulator.events()
            ),
        }
    }

    /// The bot's next post, asserted private and saying `says`.
    async fn private(&mut self, says: &str) -> Post {
        let post = self.post().await;
        assert!(post.ephemeral, "{post:?}");
        assert!(post.content().contains(says), "{}", post.content());
        post
    }

    /// Waits for the bot's decision about `message` and asserts that it stays quiet; returns why.
    async fn quiet(&mut self, message: u64) -> Silence {
        let verdicts = self.verdicts.as_mut().expect("a running bot");
        let verdict = tokio::time::timeout(WAIT, async {
            loop {
                match verdicts.recv().await {
                    Some(verdict) if verdict.message.get() == message => return Some(verdict),
                    Some(_) => {}
                    None => return None,
                }
            }
        })
        .await
        .ok()
        .flatten();
        match verdict.map(|v| v.outcome) {
            Some(Err(silence)) => silence,
            other => panic!("the bot should stay quiet about {message}: {other:?}"),
        }
    }

    /// Asserts that the bot posts nothing for a while (when it decided to post but cannot).
    async fn no_post(&mut self) {
        let posted = self
            .watcher
            .find(QUIET, |e| matches!(e, Event::Posted(_)))
            .await;
        assert!(posted.is_none(), "the bot should post nothing: {posted:?}");
    }

    async fn deleted(&mut self) -> Option<u64> {
        match self
            .watcher
            .find(WAIT, |e| matches!(e, Event::Deleted { .. }))
            .await
        {
            Some(Event::Deleted { message, .. }) => Some(message),
            _ => None,
        }
    }

    fn faq(&self, user: u64, channel: u64, options: Value) {
        self.emulator.slash(user, channel, "faq", options);
    }

    /// A moderator clicks `button` on `message`, which opens a form: its custom_id and its (only)
    /// field's.
    async fn open_form(&mut self, message: u64, button: &str) -> (String, String) {
        self.emulator.click(MOD, message, button).unwrap();
        let Some(Event::Modal { data, .. }) = self
            .watcher
            .find(WAIT, |e| matches!(e, Event::Modal { .. }))
            .await
        else {
            panic!("no form")
        };
        let form = data["custom_id"].as_str().unwrap().to_owned();
        let field = data["components"][0]["components"][0]["custom_id"]
            .as_str()
            .unwrap()
            .to_owned();
        (form, field)
    }

    /// Nothing the bot sent was refused by the emulator, and every post and edit said whom it may
    /// ping.
    fn no_rejections(&self) {
        let implicit: Vec<String> = self
            .emulator
            .events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Posted(post) if !post.pings.explicit => {
                    Some(format!("{:?} {:?}", post.via, post.content()))
                }
                _ => None,
            })
            .collect();
        assert!(
            implicit.is_empty(),
            "posts without allowed_mentions: {implicit:?}"
        );
        let rejected: Vec<Event> = self
            .emulator
            .events()
            .into_iter()
            .filter(|e| matches!(e, Event::Rejected { .. }))
            .collect();
        assert!(rejected.is_empty(), "{rejected:?}");
    }

    async fn stop(mut self) {
        self.no_rejections();
        let bot = self.bot.take().unwrap();
        tokio::time::timeout(Duration::from_secs(5), bot.stop())
            .await
            .expect("the bot stops within 5 s")
            .expect("a clean stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn entry_option(value: &str) -> Value {
    json!([{"name": "entry", "type": 3, "value": value}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_posts_the_entry_for_a_member_or_privately() {
    let mut h = Harness::start(&shipped_faq()).await;

    h.faq(ALICE, GENERAL, entry_option("500-error"));
    let post = h.post().await;
    assert!(matches!(post.via, Via::Response { .. }), "{:?}", post.via);
    assert_eq!(
        post.title(),
        "I'm getting a 500 error in CIPP, what's going on?"
    );
    assert!(post
        .description()
        .starts_with("A 500 error is a generic server error"));
    assert_eq!(
        post.message["embeds"][0]["url"],
        "https://cipp.app/docs/general/faq/#500-error"
    );
    assert_eq!(
        post.components(),
        [(
            "Read in the docs".to_owned(),
            "https://cipp.app/docs/general/faq/#500-error".to_owned()
        )]
    );
    assert!(!post.ephemeral);
    assert!(post.pings.nobody(), "{:?}", post.pings);

    h.faq(
        ALICE,
        GENERAL,
        json!([{"name": "entry", "type": 3, "value": "cost"}, {"name": "user", "type": 6, "value": BOB.to_string()}]),
    );
    let post = h.post().await;
    assert_eq!(post.content(), format!("FAQ for <@{BOB}>"));
    assert_eq!(post.pings.users, [BOB]);
    assert!(!post.pings.everyone && post.pings.roles.is_empty());

    h.faq(
        ALICE,
        GENERAL,
        json!([{"name": "entry", "type": 3, "value": "cost"}, {"name": "private", "type": 5, "value": true}]),
    );
    let post = h.post().await;
    assert!(post.ephemeral);
    assert_eq!(post.title(), "How much does CIPP cost to run?");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_resolves_aliases_and_typos_and_suggests_for_unknown_names() {
    let mut h = Harness::start(&shipped_faq()).await;

    h.faq(ALICE, GENERAL, entry_option("500-eror"));
    assert_eq!(
        h.post().await.title(),
        "I'm getting a 500 error in CIPP, what's going on?"
    );

    h.faq(ALICE, GENERAL, entry_option("error"));
    let post = h.post().await;
    assert!(post.ephemeral);
    assert!(
        post.content()
            .starts_with("No FAQ entry `error`. Did you mean"),
        "{}",
        post.content()
    );
    assert!(post.content().contains("`500-error`") && post.content().contains("`400-error`"));

    h.faq(ALICE, GENERAL, entry_option("qqqqzzzz"));
    let post = h.post().await;
    assert!(post.ephemeral);
    assert!(post.content().starts_with("No FAQ entry `qqqqzzzz`."));
    h.stop().await;
}

async fn choices(h: &mut Harness, typed: &str) -> Vec<(String, String)> {
    h.emulator.autocomplete(
        ALICE,
        GENERAL,
        "faq",
        json!([{"name": "entry", "type": 3, "value": typed, "focused": true}]),
    );
    match h
        .watcher
        .find(WAIT, |e| matches!(e, Event::Choices { .. }))
        .await
    {
        Some(Event::Choices { choices, .. }) => choices,
        other => panic!("no autocomplete answer: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_ranks_entries_within_discords_limits() {
    // 40 entries with questions longer than a choice name may be.
    let mut faq = shipped_faq();
    for n in 0..30 {
        faq.push_str(&format!(
            "\n[[entry]]\nid = \"extra-{n}\"\nquestion = \"{}\"\nanswer = \"An answer.\"\n",
            format!("Extra question number {n} ").repeat(8)
        ));
    }
    let mut h = Harness::start(&faq).await;

    let empty = choices(&mut h, "").await;
    assert_eq!(empty.len(), 25);
    assert_eq!(empty[0].1, "deploy-to-azure");
    assert!(empty.iter().all(|(name, value)| {
        !name.is_empty() && name.chars().count() <= 100 && value.len() <= 100
    }));

    let typed = choices(&mut h, "50").await;
    assert_eq!(typed[0].1, "500-error");
    assert_eq!(
        typed[0].0,
        "I'm getting a 500 error in CIPP, what's going on?"
    );

    let by_question = choices(&mut h, "cost").await;
    assert_eq!(by_question[0].1, "cost");
    let extra = choices(&mut h, "extra question").await;
    assert_eq!(extra.len(), 25);
    assert!(extra[0].0.ends_with('…'));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggests_once_in_a_watched_channel_without_pinging() {
    let mut h = Harness::start(&shipped_faq()).await;
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let post = h.post().await;
    assert_eq!(post.via, Via::Channel);
    assert_eq!(post.reply_to, Some(asked));
    assert_eq!(post.channel, CIPP_ISSUES);
    assert!(post.pings.nobody(), "{:?}", post.pings);
    assert_eq!(
        post.title(),
        "I'm getting a 500 error in CIPP, what's going on?"
    );
    let labels: Vec<String> = post.components().into_iter().map(|(l, _)| l).collect();
    assert_eq!(
        labels,
        ["Read in the docs", "Solved it", "Not it", "Dismiss"]
    );
    // One suggestion per message, and the bot's own post does not start a loop.
    assert_eq!(h.quiet(post.id).await, Silence::Policy(Quiet::FromBot));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stays_quiet_for_other_channels_bots_moderators_and_chatter() {
    let mut h = Harness::start(&shipped_faq()).await;
    let elsewhere = h.emulator.say(ALICE, GENERAL, PROBLEM);
    assert_eq!(h.quiet(elsewhere).await, Silence::Policy(Quiet::NotWatched));
    let bot = h.emulator.say(OTHER_BOT, CIPP_ISSUES, PROBLEM);
    assert_eq!(h.quiet(bot).await, Silence::Policy(Quiet::FromBot));
    let moderator = h.emulator.say(MOD, CIPP_ISSUES, PROBLEM);
    assert_eq!(
        h.quiet(moderator).await,
        Silence::Policy(Quiet::FromModerator)
    );
    for chatter in [
        "good morning everyone, how was the weekend?",
        &"😀".repeat(4000),
    ] {
        let said = h.emulator.say(ALICE, CIPP_ISSUES, chatter);
        let silence = h.quiet(said).await;
        assert!(
            matches!(silence, Silence::NotConfident { .. }),
            "{silence:?}"
        );
    }
    // And it still answers a real question afterwards.
    h.emulator.say(BOB, CIPP_ISSUES, PROBLEM);
    assert_eq!(h.post().await.channel, CIPP_ISSUES);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldown_holds_back_the_same_entry_in_a_channel() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    h.post().await;
    // The same question from someone else: confident, but held back.
    let again = h.emulator.say(BOB, CIPP_ISSUES, PROBLEM);
    let silence = h.quiet(again).await;
    assert!(
        matches!(&silence, Silence::Cooldown { entry, .. } if entry == "500-error"),
        "{silence:?}"
    );
    // Another entry is not held back.
    h.emulator.say(
        BOB,
        CIPP_ISSUES,
        "how much does running CIPP cost per month?",
    );
    assert_eq!(h.post().await.title(), "How much does CIPP cost to run?");
    h.stop().await;

    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    for _ in 0..2 {
        h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
        h.post().await;
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_answer_their_first_message_unless_configured() {
    let mut h = Harness::start(&shipped_faq()).await;
    let thread = h.emulator.thread(CIPP_ISSUES, "dashboard broken");
    let first = h.emulator.say(ALICE, thread, PROBLEM);
    let post = h.post().await;
    assert_eq!((post.channel, post.reply_to), (thread, Some(first)));
    let later = h
        .emulator
        .say(ALICE, thread, "how much does running CIPP cost per month?");
    assert_eq!(h.quiet(later).await, Silence::Policy(Quiet::LaterInThread));

    // A forum post: the first message has the thread's id.
    let post_id = h.emulator.forum_post(
        BOB,
        SUPPORT_FORUM,
        "Costs",
        "how much does running CIPP cost per month?",
    );
    let post = h.post().await;
    assert_eq!((post.channel, post.reply_to), (post_id, Some(post_id)));

    // Threads of unwatched channels are not watched.
    let other = h.emulator.thread(GENERAL, "chat");
    let said = h.emulator.say(ALICE, other, PROBLEM);
    assert_eq!(h.quiet(said).await, Silence::Policy(Quiet::NotWatched));
    h.stop().await;

    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.threads = ThreadMode::All).await;
    let thread = h.emulator.thread(CIPP_ISSUES, "dashboard broken");
    let hello = h.emulator.say(ALICE, thread, "hello, I have a question");
    let silence = h.quiet(hello).await;
    assert!(
        matches!(silence, Silence::NotConfident { .. }),
        "{silence:?}"
    );
    h.emulator.say(ALICE, thread, PROBLEM);
    assert_eq!(h.post().await.channel, thread);
    h.stop().await;
}

/// Posts the problem as alice and returns the suggestion.
async fn suggestion(h: &mut Harness) -> Post {
    h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    h.post().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismiss_works_for_the_author_and_moderators_only() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    let post = suggestion(&mut h).await;
    let dismiss = post.custom_id("Dismiss").unwrap();

    h.emulator.click(BOB, post.id, &dismiss).unwrap();
    let refusal = h.post().await;
    assert!(refusal.ephemeral);
    assert!(refusal
        .content()
        .contains("Only the person who asked or a moderator"));
    assert!(h.emulator.message(post.id).is_some());

    h.emulator.click(ALICE, post.id, &dismiss).unwrap();
    assert_eq!(h.deleted().await, Some(post.id));

    let post = suggestion(&mut h).await;
    h.emulator
        .click(MOD, post.id, &post.custom_id("Dismiss").unwrap())
        .unwrap();
    assert_eq!(h.deleted().await, Some(post.id));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_is_acknowledged_and_not_it_removes_for_the_author() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    let post = suggestion(&mut h).await;

    let solved = post.custom_id("Solved it").unwrap();
    h.emulator.click(BOB, post.id, &solved).unwrap();
    let thanks = h.post().await;
    assert!(thanks.ephemeral && thanks.content().contains("Glad it helped"));

    // The asker's "Solved it" marks the suggestion itself, for everyone.
    h.emulator.click(ALICE, post.id, &solved).unwrap();
    let marked = h.post().await;
    assert_eq!(marked.id, post.id);
    assert!(!marked.ephemeral);
    assert_eq!(marked.content(), format!("✅ Solved, says <@{ALICE}>"));
    assert_eq!(marked.title(), post.title());
    assert_eq!(marked.components().len(), 1, "only the docs link is left");
    assert!(marked.pings.nobody(), "{:?}", marked.pings);

    let post = suggestion(&mut h).await;
    let not_it = post.custom_id("Not it").unwrap();
    h.emulator.click(BOB, post.id, &not_it).unwrap();
    let thanks = h.post().await;
    assert!(thanks.ephemeral && thanks.content().contains("Thanks for the feedback"));
    assert!(h.emulator.message(post.id).is_some());

    h.emulator.click(ALICE, post.id, &not_it).unwrap();
    assert!(h.post().await.content().contains("removed the suggestion"));
    assert_eq!(h.deleted().await, Some(post.id));
    h.stop().await;
}

fn select_of(picker: &Post) -> String {
    picker
        .custom_id("Pick the entry that answers this message")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_link_entries_to_messages() {
    let mut h = Harness::start(&shipped_faq()).await;
    // In an unwatched channel, so no suggestion comes in between.
    let asked = h.emulator.say(ALICE, GENERAL, PROBLEM);

    h.emulator
        .message_command(ALICE, "Answer with FAQ", asked)
        .unwrap();
    let refusal = h.post().await;
    assert!(refusal.ephemeral && refusal.content().contains("Only moderators"));

    h.emulator
        .message_command(MOD, "Answer with FAQ", asked)
        .unwrap();
    let picker = h.post().await;
    assert!(picker.ephemeral);
    let options = picker.options();
    assert_eq!(options.len(), 5);
    assert_eq!(options[0], "500-error");
    let select = picker
        .custom_id("Pick the entry that answers this message")
        .unwrap();

    // A non-moderator cannot use the picker even with its id.
    h.emulator
        .select(ALICE, picker.id, &select, &["500-error"])
        .unwrap();
    assert!(h.post().await.content().contains("Only moderators"));

    h.emulator
        .select(MOD, picker.id, &select, &["500-error"])
        .unwrap();
    let linked = h.post().await;
    assert_eq!(linked.via, Via::Channel);
    assert_eq!(linked.reply_to, Some(asked));
    assert_eq!(linked.content(), format!("Linked by <@{MOD}>"));
    assert_eq!(
        linked.pings.users,
        [ALICE],
        "only the asker is pinged, by the reply"
    );
    assert_eq!(
        linked.title(),
        "I'm getting a 500 error in CIPP, what's going on?"
    );
    let updated = h.post().await;
    assert_eq!(updated.id, picker.id, "the picker itself is updated");
    assert!(updated.content().contains("Posted `500-error`"));
    assert!(updated.components().is_empty());

    // The picker is spent: a second pick posts no second reply.
    h.emulator
        .select(MOD, picker.id, &select, &["cost"])
        .unwrap();
    let spent = h.post().await;
    assert!(spent.ephemeral, "{spent:?}");
    assert!(
        spent.content().contains("used already"),
        "{}",
        spent.content()
    );

    // A new picker; searching all entries: a form, then the entry by name.
    h.emulator
        .message_command(MOD, "Answer with FAQ", asked)
        .unwrap();
    let picker = h.post().await;
    let search = picker.custom_id("Search all entries").unwrap();
    let (form, field) = h.open_form(picker.id, &search).await;
    // Words that name no entry: a picker of the matcher's best instead, nothing spent.
    h.emulator
        .submit_from(MOD, picker.id, &form, &[(field.as_str(), "qqqqzzzz")])
        .unwrap();
    let again = h.post().await;
    assert!(again.ephemeral && again.content().contains("No entry is called"));
    h.emulator
        .submit_from(MOD, picker.id, &form, &[(field.as_str(), "costs")])
        .unwrap();
    let linked = h.post().await;
    assert_eq!(linked.reply_to, Some(asked));
    assert_eq!(linked.title(), "How much does CIPP cost to run?");
    let done = h.post().await;
    assert!(
        done.content().contains("Posted `cost`"),
        "{}",
        done.content()
    );
    h.emulator
        .submit_from(MOD, picker.id, &form, &[(field.as_str(), "500")])
        .unwrap();
    assert!(h.post().await.content().contains("used already"));

    // The message is gone by the time the moderator picks: the bot says so privately.
    h.emulator
        .message_command(MOD, "Answer with FAQ", asked)
        .unwrap();
    let picker = h.post().await;
    h.emulator.delete(asked);
    h.emulator
        .select(MOD, picker.id, &select_of(&picker), &["cost"])
        .unwrap();
    let failed = h.post().await;
    assert!(failed.ephemeral, "{failed:?}");
    assert!(
        failed.content().contains("Something went wrong"),
        "{}",
        failed.content()
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_admin_status_and_reload_keep_a_broken_file_out() {
    let mut h = Harness::start(&shipped_faq()).await;
    // The moderator commands are hidden from members without Manage Messages (1 << 13).
    let commands = h
        .emulator
        .events()
        .into_iter()
        .find_map(|e| match e {
            Event::Commands { commands, .. } => Some(commands),
            _ => None,
        })
        .unwrap();
    for name in ["faq-admin", "Answer with FAQ"] {
        let command = commands
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        assert_eq!(command["default_member_permissions"], "8192", "{name}");
    }
    let admin = |sub: &str| json!([{"name": sub, "type": 1, "options": []}]);

    h.emulator
        .slash(ALICE, GENERAL, "faq-admin", admin("status"));
    assert!(h.post().await.content().contains("Only moderators"));

    h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    h.post().await;
    h.emulator.slash(MOD, GENERAL, "faq-admin", admin("status"));
    let status = h.post().await;
    assert!(status.ephemeral);
    let text = status.content();
    assert!(text.contains("Entries: 10"), "{text}");
    assert!(text.contains(&format!("<#{CIPP_ISSUES}>")), "{text}");
    assert!(text.contains(&format!("<#{SUPPORT_FORUM}>")), "{text}");
    assert!(text.contains("Suggestions since start: 1"), "{text}");
    assert!(status.pings.nobody());

    let faq_path = h.dir.join("faq.toml");
    std::fs::write(&faq_path, "[[entry]]\nid = \"Bad Id\"\nquestion = \"q\"\n").unwrap();
    h.emulator.slash(MOD, GENERAL, "faq-admin", admin("reload"));
    let refused = h.post().await;
    assert!(refused
        .content()
        .starts_with("Reload failed: still serving the previous FAQ (10 entries)"));
    assert!(
        refused.content().contains("faq.toml:2:"),
        "{}",
        refused.content()
    );
    h.faq(ALICE, GENERAL, entry_option("cost"));
    assert_eq!(h.post().await.title(), "How much does CIPP cost to run?");

    let mut faq = shipped_faq();
    faq.push_str("\n[[entry]]\nid = \"new-entry\"\nquestion = \"A new question?\"\nanswer = \"A new answer.\"\n");
    std::fs::write(&faq_path, faq).unwrap();
    h.emulator.slash(MOD, GENERAL, "faq-admin", admin("reload"));
    assert!(h.post().await.content().contains("11 entries (was 10)"));
    h.faq(ALICE, GENERAL, entry_option("new-entry"));
    assert_eq!(h.post().await.title(), "A new question?");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_posted_pings_everyone_here_or_roles() {
    let hostile = format!(
        r#"
[[entry]]
id = "ping-test"
question = "@everyone why does the ping test fail? <@&{MODERATOR_ROLE}>"
answer = "@everyone @here <@&{MODERATOR_ROLE}> <@{BOB}> check the ping test settings."
keywords = ["ping test"]
"#
    );
    let mut h = Harness::start(&hostile).await;
    h.faq(
        ALICE,
        GENERAL,
        json!([{"name": "entry", "type": 3, "value": "ping-test"}, {"name": "user", "type": 6, "value": ALICE.to_string()}]),
    );
    let post = h.post().await;
    assert_eq!(post.pings.users, [ALICE]);
    assert!(!post.pings.everyone && post.pings.roles.is_empty());

    h.emulator.say(
        BOB,
        CIPP_ISSUES,
        &format!("@everyone @here <@&{MODERATOR_ROLE}> the ping test fails, why does the ping test fail?"),
    );
    let post = h.post().await;
    assert_eq!(
        post.title(),
        format!("@everyone why does the ping test fail? <@&{MODERATOR_ROLE}>")
    );
    assert!(post.pings.nobody(), "{:?}", post.pings);
    assert_eq!(post.message["mention_everyone"], false);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_answers_are_cut_in_suggestions_and_whole_on_request() {
    let mut answer = String::from("Check these steps one by one:\n");
    for n in 1..=60 {
        answer.push_str(&format!(
            "{n}. Open the settings page and check option number {n}.\n"
        ));
    }
    let faq = format!(
        "[[entry]]\nid = \"long\"\nquestion = \"Why is the sync with the portal failing?\"\nanswer = '''\n{answer}'''\nlink = \"https://example.org/docs/long\"\nkeywords = [\"portal sync\"]\n"
    );
    let mut h = Harness::start(&faq).await;
    h.emulator
        .say(ALICE, CIPP_ISSUES, "why is the portal sync failing for me?");
    let post = h.post().await;
    let description = post.description();
    assert!(description.chars().count() <= 1000);
    assert!(
        description.ends_with("… read the rest in the docs"),
        "{description}"
    );
    assert!(description.contains("\n1. Open the settings page"));

    h.faq(ALICE, GENERAL, entry_option("long"));
    assert_eq!(h.post().await.description(), answer);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_after_a_reconnect_request_and_keeps_working() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    h.emulator.reconnect();
    let resumed = h.watcher.find(WAIT, |e| matches!(e, Event::Resumed)).await;
    assert!(resumed.is_some(), "the bot did not resume");
    suggestion(&mut h).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comes_back_after_a_dropped_connection() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.close(4000);
    let resumed = h.watcher.find(WAIT, |e| matches!(e, Event::Resumed)).await;
    assert!(resumed.is_some(), "the bot did not resume");
    suggestion(&mut h).await;
    h.stop().await;
}

/// A question asked during a 3 s REST outage is answered after it, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_asked_during_an_outage_is_answered_after_it_once() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.outage(true);
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    tokio::time::sleep(Duration::from_secs(3)).await;
    h.emulator.outage(false);
    let ended = h.emulator.events().len();
    let post = h.post().await;
    assert_eq!(post.reply_to, Some(asked));
    let events = h.emulator.events();
    let at = events
        .iter()
        .position(|e| matches!(e, Event::Posted(p) if p.reply_to == Some(asked)))
        .unwrap();
    assert!(at >= ended, "answered after the outage, not during it");
    // Once: the question is not answered again, and status counts the retries.
    let admin = json!([{"name": "status", "type": 1, "options": []}]);
    h.emulator.slash(MOD, GENERAL, "faq-admin", admin);
    let status = h.post().await;
    assert!(
        status.content().contains("given up as too late: 0"),
        "{}",
        status.content()
    );
    assert!(
        !status.content().contains("Posts retried: 0,"),
        "{}",
        status.content()
    );
    let answers = h
        .emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Posted(p) if p.reply_to == Some(asked)))
        .count();
    assert_eq!(answers, 1);
    h.stop().await;
}

/// An answer that cannot be posted while it would still help is given up: said, counted, and its
/// cooldown slot given back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suggestion_too_late_to_help_is_given_up_and_its_cooldown_freed() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.max_delay_secs = 1).await;
    h.emulator.outage(true);
    h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    tokio::time::sleep(Duration::from_secs(3)).await;
    h.emulator.outage(false);
    h.no_post().await;
    // The slot was given back: the same question is answered now.
    suggestion(&mut h).await;
    let admin = json!([{"name": "status", "type": 1, "options": []}]);
    h.emulator.slash(MOD, GENERAL, "faq-admin", admin);
    let status = h.post().await;
    assert!(
        status.content().contains("given up as too late: 1"),
        "{}",
        status.content()
    );
    h.stop().await;
}

/// A burst in one channel whose window Discord has lowered to 2 messages (only the headers say
/// so): every question answered, each once, and never a request into a window a response
/// announced as full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_answered_within_the_limits_discord_announces() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    h.emulator.limit_channel_messages(2);
    let asked: Vec<u64> = (0..6)
        .map(|_| h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM))
        .collect();
    let mut answered = Vec::new();
    for _ in 0..asked.len() {
        answered.push(h.post().await.reply_to.unwrap());
    }
    answered.sort_unstable();
    assert_eq!(answered, asked, "each question answered once");
    let limited: Vec<Event> = h
        .emulator
        .events()
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                Event::RateLimited { .. } | Event::DisregardedLimit { .. }
            )
        })
        .collect();
    assert!(limited.is_empty(), "{limited:?}");
    h.stop().await;
}

/// A 429 the bot could not foresee (another process used the channel's window) is retried once
/// the window reopens, as its headers say, not earlier and not twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_when_discord_says() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.use_up(CIPP_ISSUES);
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let answer = h.post().await;
    assert_eq!(answer.reply_to, Some(asked));
    let events = h.emulator.events();
    let count = |f: fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
    assert_eq!(count(|e| matches!(e, Event::RateLimited { .. })), 1);
    assert_eq!(count(|e| matches!(e, Event::DisregardedLimit { .. })), 0);
    h.no_post().await;
    h.stop().await;
}

/// Without configured roles, Manage Messages makes a moderator: in a channel for what acts in that
/// channel, server-wide for what acts on the whole bot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_wide_commands_need_server_wide_rights_not_a_channel_overwrite() {
    use faqbot_emulator::world::HELPER;
    let mut h = Harness::start_with(&shipped_faq(), |c| c.moderators.roles.clear()).await;
    let admin = json!([{"name": "status", "type": 1, "options": []}]);
    // The helper may manage messages in #general only.
    h.emulator
        .slash(HELPER, GENERAL, "faq-admin", admin.clone());
    assert!(h.post().await.content().contains("Only moderators"));
    h.emulator.slash(MOD, GENERAL, "faq-admin", admin);
    assert!(h.post().await.content().contains("Watched channels"));

    let asked = h.emulator.say(ALICE, GENERAL, PROBLEM);
    h.emulator
        .message_command(HELPER, "Answer with FAQ", asked)
        .unwrap();
    let picker = h.post().await;
    assert!(
        picker.content().contains("Which entry"),
        "{}",
        picker.content()
    );
    h.stop().await;
}

/// A client with an old copy of the commands sends options they no longer have: the user gets a
/// private one-line answer, never silence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_mistyped_options_get_an_answer() {
    let mut h = Harness::start(&shipped_faq()).await;
    for options in [
        json!([{"name": "topic", "type": 3, "value": "cost"}]),
        json!([{"name": "entry", "type": 3, "value": "cost"}, {"name": "private", "type": 3, "value": "maybe"}]),
    ] {
        h.faq(ALICE, GENERAL, options.clone());
        let answer = h.post().await;
        assert!(answer.ephemeral, "{options}: {answer:?}");
        assert!(
            answer
                .content()
                .contains("did not understand that command's options"),
            "{options}: {}",
            answer.content()
        );
    }
    h.stop().await;
}

/// A command used during a short outage is still answered: retried, and deferred first so that
/// Discord's 3 s do not run out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_during_a_blip_is_answered() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.outage(true);
    h.faq(ALICE, GENERAL, entry_option("cost"));
    tokio::time::sleep(Duration::from_millis(600)).await;
    h.emulator.outage(false);
    let post = h.post().await;
    assert_eq!(post.title(), "How much does CIPP cost to run?");
    h.stop().await;
}

/// A post Discord took but whose answer was lost (a 502 on the way back) is retried without being
/// posted twice: the retry carries the same nonce, which Discord enforces.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_whose_answer_was_lost_is_not_posted_twice() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.lose_answers(1);
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let post = h.post().await;
    assert_eq!(post.reply_to, Some(asked));
    h.no_post().await;
    let posts = h
        .emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Posted(p) if p.reply_to == Some(asked)))
        .count();
    assert_eq!(posts, 1);
    // The bot saw the post through: it counts as suggested, with its buttons working.
    let solved = post.custom_id("Solved it").unwrap();
    h.emulator.click(ALICE, post.id, &solved).unwrap();
    assert!(h.post().await.content().contains("Solved"));
    h.stop().await;
}

/// A click during an outage longer than Discord's 3 s for its answer still has its effect: the
/// suggestion is edited to show it, or removed, once Discord is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_during_a_long_outage_still_takes_effect() {
    let mut h = Harness::start(&shipped_faq()).await;
    let post = suggestion(&mut h).await;
    let solved = post.custom_id("Solved it").unwrap();
    h.emulator.outage(true);
    h.emulator.click(ALICE, post.id, &solved).unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    h.emulator.outage(false);
    let updated = h.post().await;
    assert_eq!(updated.id, post.id);
    assert_eq!(
        updated.via,
        Via::Edit,
        "edited directly: the click's answer expired"
    );
    assert!(
        updated.content().contains("Solved"),
        "{}",
        updated.content()
    );

    h.emulator.say(
        BOB,
        CIPP_ISSUES,
        "how much does cipp cost to run each month?",
    );
    let second = h.post().await;
    let dismiss = second.custom_id("Dismiss").unwrap();
    h.emulator.outage(true);
    h.emulator.click(MOD, second.id, &dismiss).unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    h.emulator.outage(false);
    let removed = h
        .watcher
        .find(WAIT, |e| matches!(e, Event::Deleted { .. }))
        .await;
    assert!(
        matches!(removed, Some(Event::Deleted { message, .. }) if message == second.id),
        "{removed:?}"
    );
    h.stop().await;
}

/// A click during a short outage is still answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_during_a_blip_is_answered() {
    let mut h = Harness::start(&shipped_faq()).await;
    let post = suggestion(&mut h).await;
    let solved = post.custom_id("Solved it").unwrap();
    h.emulator.outage(true);
    h.emulator.click(ALICE, post.id, &solved).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    h.emulator.outage(false);
    let updated = h.post().await;
    assert_eq!(updated.id, post.id);
    assert!(
        updated.content().contains("Solved"),
        "{}",
        updated.content()
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_models_second_opinion_answers_in_the_bot_and_status_says_so() {
    let model = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/model"));
    if !model.join(faqbot::model::files::QUANTIZED.file).is_file() {
        println!(
            "skipped: no model in {} (run `faqbot model fetch`)",
            model.display()
        );
        return;
    }
    let mut h = Harness::start_with(&shipped_faq(), |c| {
        c.matcher.model.dir = model;
        c.suggest.cooldown_secs = 0;
    })
    .await;
    // Words alone stay quiet on this one (tests/model.rs); the second opinion answers it.
    let asked = h.emulator.say(
        ALICE,
        CIPP_ISSUES,
        "the mfa error AADSTS50076 keeps showing up",
    );
    let post = h.post().await;
    assert_eq!(post.reply_to, Some(asked));
    assert!(
        post.title().contains("multi-factor authentication"),
        "{}",
        post.title()
    );
    assert!(post.pings.nobody());
    let status = json!([{"name": "status", "type": 1, "options": []}]);
    h.emulator.slash(MOD, GENERAL, "faq-admin", status);
    let shown = h.post().await;
    let text = shown.content();
    assert!(
        text.contains("Model's second opinion: on; messages it read: 1,"),
        "{text}"
    );

    // After a restart the FAQ's vectors come from the store, and the bot answers with them.
    h.restart().await;
    h.emulator
        .say(BOB, CIPP_ISSUES, "I keep getting the AADSTS50076 mfa error");
    let again = h.post().await;
    assert_eq!(again.title(), post.title());
    h.stop().await;
}

/// Interactions no real client sends, but anyone can forge: a `user` option that is not a
/// Discord id, a subcommand the bot never had. Each is answered with a private line, like any
/// option the bot does not understand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_options_and_subcommands_get_a_private_answer() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.faq(
        ALICE,
        GENERAL,
        json!([
            {"name": "entry", "type": 3, "value": "cost"},
            {"name": "user", "type": 6, "value": "not-a-snowflake"}
        ]),
    );
    h.private("did not understand").await;
    h.emulator.slash(
        MOD,
        GENERAL,
        "faq-admin",
        json!([{"name": "explode", "type": 1, "options": []}]),
    );
    h.private("did not understand").await;
    h.stop().await;
}
