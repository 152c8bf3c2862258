//! The `faqbot run` binary against the emulator: clean shutdown on SIGTERM, one-sentence errors,
//! and a token that never shows in the output.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GUILD};
use faqbot_emulator::{Emulator, Event, Options, Watcher};

use super::{shipped_faq, temp_dir, PROBLEM, WAIT};

const SECRET: &str = "MTIzNDU2Nzg5.secret-token-value.XYZ";

pub fn faqbot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_faqbot"));
    command
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Writes faq.toml and a config pointing at `origin`; returns the config path.
fn config_file(origin: &str) -> std::path::PathBuf {
    config_with_channels(origin, "\"cipp-issues\"")
}

fn config_with_channels(origin: &str, channels: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    std::fs::write(dir.join("faq.toml"), shipped_faq()).unwrap();
    let config = format!(
        "faq = \"faq.toml\"\n[discord]\napi_base = \"{origin}\"\nguild_id = \"{GUILD}\"\n[suggest]\nchannels = [{channels}]\n[moderators]\nroles = [\"Moderator\"]\n"
    );
    let path = dir.join("faqbot.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Waits for the process to end within `limit`; kills it otherwise.
pub fn wait(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut output = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut output)
        .unwrap();
    (status.and_then(|s| s.code()), output)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_answers_and_stops_on_sigterm_without_showing_the_token() {
    let emulator = Emulator::start(Options {
        token: SECRET.to_owned(),
        ..Options::default()
    })
    .await
    .unwrap();
    let config = config_with_channels(&emulator.origin(), "\"cipp-issues\", \"cipp-isues\"");
    let mut watcher = emulator.watch_from_start();
    let child = faqbot()
        .args(["run", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", SECRET)
        // Everything faqbot and serenity log, to prove the token is in none of it.
        .env("RUST_LOG", "debug")
        .spawn()
        .unwrap();
    let registered = watcher
        .find(WAIT, |e| matches!(e, Event::Commands { .. }))
        .await;
    assert!(registered.is_some(), "the bot did not connect");
    emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    assert!(watcher.post(WAIT).await.is_some(), "no suggestion");

    signal(&child, "-TERM");
    let (code, output) = exit(child, Duration::from_secs(5)).await;
    assert_eq!(code, Some(0), "no clean exit within 5 s:\n{output}");
    assert!(
        output.contains("suggested"),
        "the log tells what the bot did:\n{output}"
    );
    assert!(!output.contains(SECRET), "the token leaked:\n{output}");
    assert!(
        !output.contains('\x1b'),
        "no colour codes in a piped log:\n{output}"
    );
    let suggested = output
        .lines()
        .find(|l| l.contains("faqbot::suggestions") && l.contains("suggested"))
        .unwrap_or_else(|| panic!("no suggestion line:\n{output}"));
    assert!(
        suggested.contains("message_id="),
        "every field is named: {suggested}"
    );
    assert!(
        !output.contains("secret-token-value"),
        "part of the token leaked"
    );
}

async fn refused(code: u16) -> String {
    let emulator = Emulator::start(Options {
        refuse_identify: Some(code),
        ..Options::default()
    })
    .await
    .unwrap();
    let config = config_file(&emulator.origin());
    let child = faqbot()
        .args(["run", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", emulator.token())
        .spawn()
        .unwrap();
    let (status, output) = exit(child, Duration::from_secs(20)).await;
    assert_eq!(status, Some(1), "{output}");
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fatal_gateway_closes_say_what_to_do() {
    let output = refused(4014).await;
    let last = output.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: Discord refused the MESSAGE CONTENT intent"),
        "{output}"
    );
    assert!(last.contains("Privileged Gateway Intents"));

    let output = refused(4004).await;
    assert!(
        output
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("error: Discord refused the token"),
        "{output}"
    );
}

/// `learn history` with Discord out of reach says what it tries while it retries, instead of a
/// minute of silence.
#[test]
fn learn_history_says_what_it_tries_while_discord_is_out_of_reach() {
    use std::io::BufRead;
    let config = config_file("http://127.0.0.1:9");
    let mut child = faqbot()
        .args(["learn", "history", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", SECRET)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, read) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let mut said = Vec::new();
    let first = loop {
        match read.recv_timeout(WAIT) {
            Ok(line) if line.contains("cannot reach") => break Some(line),
            Ok(line) => said.push(line),
            Err(_) => break None,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let first = first.unwrap_or_else(|| panic!("no line while it retries: {said:?}"));
    assert!(
        first.contains("cannot reach Discord at http://127.0.0.1:9")
            && first.contains("retrying in 1 s"),
        "{first}"
    );
    assert!(!first.contains(SECRET), "{first}");
}

/// `faqbot run --config CONFIG` with `token` in DISCORD_TOKEN: it must exit 1 without
/// connecting; what it said.
fn run_refused(config: &std::path::Path, token: Option<&str>) -> String {
    let mut command = faqbot();
    command.args(["run", "--config"]).arg(config);
    if let Some(token) = token {
        command.env("DISCORD_TOKEN", token);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    stderr
}

#[test]
fn a_missing_token_or_a_bad_config_is_one_line_and_exit_1() {
    let config = config_file("http://127.0.0.1:9");
    let stderr = run_refused(&config, None);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("no Discord token: set DISCORD_TOKEN"),
        "{stderr}"
    );

    // What cannot be a token is refused at once: the config names an API that would hang.
    let stderr = run_refused(&config, Some("abc"));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("DISCORD_TOKEN is not a bot token (three parts separated by dots)"),
        "{stderr}"
    );

    let bad = config.with_file_name("bad.toml");
    std::fs::write(&bad, "[suggest]\nchanels = [\"cipp-issues\"]\n").unwrap();
    let stderr = run_refused(&bad, Some("abc.def.ghi"));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("bad.toml:2:1: unknown field `chanels`"),
        "{stderr}"
    );

    // A broken FAQ: every problem with its position, before any connection is tried.
    std::fs::write(config.with_file_name("faq.toml"), "[[entry]]\nid = \"x\"\n").unwrap();
    let stderr = run_refused(&config, Some("abc.def.ghi"));
    assert!(
        stderr.starts_with("error: the FAQ file is not valid"),
        "{stderr}"
    );
    assert!(
        stderr.contains("faq.toml:1:1: entry has no `question`"),
        "{stderr}"
    );

    let stderr = run_refused(&config.with_file_name("missing.toml"), None);
    assert!(stderr.contains("copy faqbot.example.toml"), "{stderr}");
}

#[test]
fn demo_runs_the_bot_from_the_terminal() {
    let mut child = faqbot()
        .args([
            "demo",
            "--faq",
            concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml"),
            "--db",
        ])
        .arg(std::env::temp_dir().join(format!("faqbot-demo-binary-{}.db", std::process::id())))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PROBLEM}").unwrap();
        writeln!(stdin, "good morning all").unwrap();
        writeln!(stdin, "/faq cost").unwrap();
        writeln!(stdin, "/click Dismiss").unwrap();
        writeln!(stdin, "my client's tenant shows errors but the others work").unwrap();
        writeln!(stdin, "/as mod").unwrap();
        writeln!(stdin, "/answer").unwrap();
        writeln!(stdin, "/pick specific-tenant-issues").unwrap();
        writeln!(stdin, "/quit").unwrap();
    }
    let (code, output) = wait(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("faqbot (replying to @alice):"), "{output}");
    assert!(
        output.contains("┌ I'm getting a 500 error in CIPP, what's going on?"),
        "{output}"
    );
    assert!(
        output.contains("[Read in the docs] [Solved it] [Not it] [Dismiss]"),
        "{output}"
    );
    assert!(output.contains("(faqbot stays quiet: "), "{output}");
    assert!(
        output.contains("┌ How much does CIPP cost to run?"),
        "{output}"
    );
    assert!(output.contains("faqbot deleted its post."), "{output}");
    assert!(output.contains("entries to pick: "), "{output}");
    assert!(output.contains("Linked by @mod"), "{output}");
}

/// Without Discord (here: a closed port as `api_base`), `faqbot run` says so in one sentence,
/// retries, never falls back to Discord's own gateway, and stops at once on SIGTERM.
#[test]
fn without_discord_it_says_so_retries_and_stops_on_sigterm() {
    let config = config_file("http://127.0.0.1:9");
    let child = faqbot()
        .args(["run", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", "abc.def.ghi")
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    signal(&child, "-TERM");
    let (code, output) = wait(child, Duration::from_secs(5));
    assert_eq!(code, Some(0), "no clean exit within 5 s:\n{output}");
    assert!(
        output.contains("cannot reach Discord at http://127.0.0.1:9 (Connection refused"),
        "{output}"
    );
    assert!(
        output.contains("retrying in 2 s"),
        "the waits grow: {output}"
    );
    assert!(
        !output.contains("gateway.discord.gg") && !output.contains("Shard Queuer"),
        "never Discord's own gateway: {output}"
    );
}

/// A stop lets the answers already under way finish: a slow Discord still gets every one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_answers_under_way_finish() {
    // Slower than the second the runtime gives tasks at exit: only a drain saves these posts. The
    // first post in the channel goes alone (its answer tells how many may follow at once), the
    // other four together: 3 s of the 5 s a drain allows.
    let emulator = Emulator::start(Options {
        post_delay: Some(Duration::from_millis(1500)),
        ..Options::default()
    })
    .await
    .unwrap();
    let (child, _watcher, dir) = run_without_cooldown(&emulator).await;
    // As many as one channel takes within Discord's limit of 5 messages per 5 s.
    const QUESTIONS: usize = 5;
    for _ in 0..QUESTIONS {
        emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    }
    // Received, and their answers on the way (each takes 1.5 s to be accepted).
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(&child, "-TERM");
    let (code, output) = exit(child, Duration::from_secs(10)).await;
    assert_eq!(code, Some(0), "{output}");
    let posted = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Posted(_)))
        .count();
    assert_eq!(posted, QUESTIONS, "{output}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `faqbot run` against `emulator`, answering in `#cipp-issues` without cooldown, once connected:
/// the process, a watcher from its start, and its folder.
pub async fn run_without_cooldown(emulator: &Emulator) -> (Child, Watcher, std::path::PathBuf) {
    run_with(emulator, "").await
}

/// [`run_without_cooldown`] with more `[suggest]` settings.
pub async fn run_with(emulator: &Emulator, suggest: &str) -> (Child, Watcher, std::path::PathBuf) {
    let dir = bot_dir(emulator, suggest);
    let (child, watcher) = run_in(emulator, &dir).await;
    (child, watcher, dir)
}

/// A folder with faq.toml and a config answering in `#cipp-issues` without cooldown, with more
/// `[suggest]` settings.
pub fn bot_dir(emulator: &Emulator, suggest: &str) -> std::path::PathBuf {
    let dir = temp_dir();
    std::fs::write(dir.join("faq.toml"), shipped_faq()).unwrap();
    std::fs::write(
        dir.join("faqbot.toml"),
        format!(
            "[discord]\napi_base = \"{}\"\nguild_id = \"{GUILD}\"\n[suggest]\nchannels = [\"cipp-issues\"]\ncooldown_secs = 0\n{suggest}",
            emulator.origin()
        ),
    )
    .unwrap();
    dir
}

/// `faqbot run` with the config in `dir`, once connected: the process, and a watcher from the
/// emulator's start.
pub async fn run_in(emulator: &Emulator, dir: &std::path::Path) -> (Child, Watcher) {
    let mut watcher = emulator.watch_from_start();
    let commands_before = emulator
        .events()
        .iter()
        .filter(|e| matches!(e, Event::Commands { .. }))
        .count();
    let child = faqbot()
        .args(["run", "--config"])
        .arg(dir.join("faqbot.toml"))
        .env("DISCORD_TOKEN", emulator.token())
        .spawn()
        .unwrap();
    let mut seen = 0;
    let connected = watcher
        .find(WAIT, |e| {
            seen += usize::from(matches!(e, Event::Commands { .. }));
            seen > commands_before
        })
        .await;
    assert!(connected.is_some(), "the bot did not connect");
    (child, watcher)
}

/// The process's exit code and output once it ends (killed after `within`), waited for off the
/// async workers.
pub async fn exit(child: Child, within: Duration) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || wait(child, within))
        .await
        .unwrap()
}

/// Sends `signal` (`-TERM`, `-KILL`) to the process.
pub fn signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// The heartbeat interval of the emulator in the silent-connection tests: serenity notices a
/// silent connection within two of them.
const QUICK_HEARTBEAT: Duration = Duration::from_millis(1000);

async fn with_quick_heartbeats() -> Emulator {
    let options = Options {
        heartbeat: QUICK_HEARTBEAT,
        ..Options::default()
    };
    Emulator::start(options).await.unwrap()
}

/// Makes the bot's connection go silent, asks a question meanwhile, and waits for the bot to
/// identify again: the question and how long the gap lasted.
async fn question_in_a_silent_gap(emulator: &Emulator, watcher: &mut Watcher) -> (u64, Duration) {
    // The read-back at start is over: the question is left to the one after the reconnect.
    let started = watcher
        .find(WAIT, |e| matches!(e, Event::Read { .. }))
        .await;
    assert!(started.is_some(), "no read-back at start");
    let stalled = Instant::now();
    emulator.stall();
    let asked = emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let identified = watcher
        .find(Duration::from_secs(30), |e| {
            matches!(e, Event::Identified { .. })
        })
        .await;
    assert!(identified.is_some(), "the bot did not reconnect");
    (asked, stalled.elapsed())
}

/// A connection that goes silent (no heartbeat ACK, nothing delivered) is replaced. serenity 0.12
/// notices at the next heartbeat after the unanswered one and starts a new session: it cannot be
/// made to resume there, and Discord replays nothing to a new session. The bot says so at `info`,
/// reads back what was said meanwhile, answers the question asked during the gap, and answers
/// again on the new session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_replaced_and_its_gap_read_back() {
    let emulator = with_quick_heartbeats().await;
    let (child, mut watcher, dir) = run_without_cooldown(&emulator).await;
    let (during_gap, gap) = question_in_a_silent_gap(&emulator, &mut watcher).await;
    eprintln!("silent connection replaced after {gap:?} (heartbeat {QUICK_HEARTBEAT:?})");
    let read_back = watcher.post(WAIT).await.map(|p| p.reply_to);
    let after = emulator.say(BOB, CIPP_ISSUES, PROBLEM);
    let answered = watcher.post(WAIT).await.map(|p| p.reply_to);
    signal(&child, "-TERM");
    let (code, output) = exit(child, Duration::from_secs(10)).await;
    assert_eq!(read_back, Some(Some(during_gap)), "{output}");
    assert_eq!(answered, Some(Some(after)), "{output}");
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains(
            "INFO faqbot::discord::events: reconnected to the gateway with a new session"
        ),
        "{output}"
    );
    assert!(output.contains("read=1 considered=1 too_old=0"), "{output}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a new session reads back but is older than `max_delay_secs` is counted, not answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_read_back_too_late_is_counted_not_answered() {
    let emulator = with_quick_heartbeats().await;
    // The gap lasts two heartbeats and serenity's 5 s wait for the old connection: over 3 s.
    let (child, mut watcher, dir) = run_with(&emulator, "max_delay_secs = 3\n").await;
    question_in_a_silent_gap(&emulator, &mut watcher).await;
    let late = watcher.post(Duration::from_secs(2)).await;
    signal(&child, "-TERM");
    let (code, output) = exit(child, Duration::from_secs(10)).await;
    assert!(late.is_none(), "{late:?}");
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("read=1 considered=0 too_old=1"), "{output}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A command under way when the bot is stopped is let finish: here its answer is being retried
/// through a short outage when SIGTERM comes, and still reaches the user before the bot exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_command_under_way_finish() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let (child, mut watcher, dir) = run_without_cooldown(&emulator).await;
    emulator.outage(true);
    emulator.slash(
        ALICE,
        CIPP_ISSUES,
        "faq",
        serde_json::json!([{"name": "entry", "type": 3, "value": "cost"}]),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&child, "-TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    emulator.outage(false);
    let (code, output) = exit(child, Duration::from_secs(10)).await;
    assert_eq!(code, Some(0), "{output}");
    let answer = watcher.post(Duration::from_secs(1)).await;
    assert_eq!(
        answer.map(|p| p.title().to_owned()).as_deref(),
        Some("How much does CIPP cost to run?"),
        "{output}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// How many replies each message got from the bot.
pub fn replies(emulator: &Emulator) -> HashMap<u64, usize> {
    let mut replies = HashMap::new();
    for event in emulator.events() {
        if let Event::Posted(post) = event {
            if let Some(question) = post.reply_to {
                *replies.entry(question).or_default() += 1;
            }
        }
    }
    replies
}

/// Waits until each of `questions` has a reply (or `limit` passes); the replies then.
pub async fn answered(
    emulator: &Emulator,
    questions: &[u64],
    limit: Duration,
) -> HashMap<u64, usize> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let replies = replies(emulator);
        if questions.iter().all(|q| replies.contains_key(q))
            || tokio::time::Instant::now() > deadline
        {
            return replies;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Of `questions`, how many got no reply and how many more than one.
pub fn tally(replies: &HashMap<u64, usize>, questions: &[u64]) -> (usize, usize) {
    let missing = questions
        .iter()
        .filter(|q| !replies.contains_key(q))
        .count();
    let twice = questions
        .iter()
        .filter(|q| replies.get(q).is_some_and(|&n| n > 1))
        .count();
    (missing, twice)
}

/// Asserts that each of `questions` got exactly one reply.
pub fn once_each(replies: &HashMap<u64, usize>, questions: &[u64], output: &str) {
    let (missing, twice) = tally(replies, questions);
    assert_eq!(
        (missing, twice),
        (0, 0),
        "of {} questions, {missing} unanswered and {twice} answered more than once\n{output}",
        questions.len()
    );
}

/// Stops the process with SIGTERM; asserts it exits 0 within 20 s; its output.
pub async fn stop(child: Child) -> String {
    signal(&child, "-TERM");
    let (code, output) = exit(child, Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{output}");
    output
}

/// A host clock a minute fast (Discord's behind it): the bot measures the difference at start and
/// says so, and the question asked while it was down is read back and answered, not taken for a
/// minute old (too old, with `max_delay_secs` at 30).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_clock_a_minute_fast_still_answers_in_time() {
    let options = Options {
        clock_behind: Duration::from_secs(60),
        ..Options::default()
    };
    let emulator = Emulator::start(options).await.unwrap();
    let asked = emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let (child, mut watcher, dir) = run_without_cooldown(&emulator).await;
    let reply = watcher
        .find(
            WAIT,
            |e| matches!(e, Event::Posted(p) if p.reply_to == Some(asked)),
        )
        .await;
    let output = stop(child).await;
    assert!(reply.is_some(), "no answer: {output}");
    assert!(
        output.contains("this host's clock is 60 s ahead of Discord's")
            || output.contains("this host's clock is 59 s ahead of Discord's"),
        "{output}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
