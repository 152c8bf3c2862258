//! Nothing lost across a stop or a restart: SIGTERM in a burst answers everything received before
//! it, and a restart (after a stop or a `kill -9`) answers what came meanwhile, each question
//! exactly once; what is too old by then is counted, not answered.

use std::collections::HashMap;
use std::time::Duration;

use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES};
use faqbot_emulator::{Emulator, Event, Options};

use super::binary::{answered, bot_dir, exit, once_each, replies, run_in, signal, stop};

/// The burst of the tests: questions over threads, three to a thread, one thread after another.
const THREADS: usize = 100;
const QUESTIONS: usize = 300;
/// Every message of a thread may be answered, without cooldown: each question is answerable.
const SUGGEST: &str = "threads = \"all\"\n";

/// Question `n` in the burst: worded a little differently each time, always the 500-error entry.
fn question(n: usize) -> String {
    format!("question {n}: I keep getting a 500 error when I open the dashboard")
}

/// Opens the threads of the burst in `#cipp-issues`.
fn threads(emulator: &Emulator) -> Vec<u64> {
    (0..THREADS)
        .map(|n| emulator.thread(CIPP_ISSUES, &format!("help {n}")))
        .collect()
}

/// Asks questions `range` of the burst, round the threads.
fn ask(emulator: &Emulator, threads: &[u64], range: std::ops::Range<usize>) -> Vec<u64> {
    range
        .map(|n| {
            let author = if n % 2 == 0 { ALICE } else { BOB };
            emulator.say(author, threads[n % threads.len()], &question(n))
        })
        .collect()
}

/// SIGTERM right after the 100th question, with 200 more coming during the stop: in every run,
/// each of the 100 gets its answer before the process exits, and none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_in_a_burst_answers_every_question_received_before_it() {
    for run in 0..3 {
        let emulator = Emulator::start(Options::default()).await.unwrap();
        let dir = bot_dir(&emulator, SUGGEST);
        let (child, _watcher) = run_in(&emulator, &dir).await;
        let threads = threads(&emulator);
        let received = ask(&emulator, &threads, 0..THREADS);
        let signalled = std::time::Instant::now();
        signal(&child, "-TERM");
        ask(&emulator, &threads, THREADS..QUESTIONS);
        let (code, output) = exit(child, Duration::from_secs(20)).await;
        let replies = replies(&emulator);
        eprintln!(
            "run {run}: {} of {THREADS} received before SIGTERM answered; exited {:.1} s after it",
            received.iter().filter(|q| replies.contains_key(q)).count(),
            signalled.elapsed().as_secs_f64()
        );
        assert_eq!(code, Some(0), "run {run}: {output}");
        once_each(&replies, &received, &output);
        assert!(
            output.contains("drained: everything received before the stop was handled"),
            "run {run}: {output}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The burst against `faqbot run` in `dir`, interrupted by `signal` once `settled` of the first
/// 100 questions are answered; the other 200 are asked meanwhile. Every question asked, and the
/// process's exit code and output.
async fn interrupted_burst(
    emulator: &Emulator,
    dir: &std::path::Path,
    kill: &str,
    settled: usize,
) -> (Vec<u64>, Option<i32>, String) {
    let (child, _watcher) = run_in(emulator, dir).await;
    let threads = threads(emulator);
    let mut asked = ask(emulator, &threads, 0..THREADS);
    answered(emulator, &asked[..settled], Duration::from_secs(10)).await;
    signal(&child, kill);
    asked.extend(ask(emulator, &threads, THREADS..QUESTIONS));
    let (code, output) = exit(child, Duration::from_secs(20)).await;
    (asked, code, output)
}

/// Starts `faqbot run` in `dir` again and stops it once each of `asked` has a reply (or 30 s
/// passed): the replies, and its output.
async fn restarted(
    emulator: &Emulator,
    dir: &std::path::Path,
    asked: &[u64],
) -> (HashMap<u64, usize>, String) {
    let (child, _watcher) = run_in(emulator, dir).await;
    let replies = answered(emulator, asked, Duration::from_secs(30)).await;
    (replies, stop(child).await)
}

/// What came while the bot was stopped is answered at the next start, and what the drain
/// answered is not answered again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_answers_what_came_while_the_bot_was_stopped() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let dir = bot_dir(&emulator, SUGGEST);
    let (asked, code, first) = interrupted_burst(&emulator, &dir, "-TERM", 0).await;
    assert_eq!(code, Some(0), "{first}");
    let (replies, second) = restarted(&emulator, &dir, &asked).await;
    once_each(&replies, &asked, &format!("{first}\n{second}"));
    assert!(
        second.contains("read back what the watched places received while the bot was not running"),
        "{second}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `kill -9` in the middle of a burst, the rest of it asked while the bot is down, a restart within
/// 10 s: every question is answered exactly once. Answers the killed process had begun are taken
/// over; those it had posted are recognised by its replies (or its nonces), not posted again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_a_restart_answers_every_question_once() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let dir = bot_dir(&emulator, SUGGEST);
    // Killed with some answered, some on their way, some not yet considered.
    let (asked, code, first) = interrupted_burst(&emulator, &dir, "-KILL", 10).await;
    assert_eq!(code, None, "killed by a signal");
    let before_restart = replies(&emulator).len();
    let (replies, second) = restarted(&emulator, &dir, &asked).await;
    eprintln!(
        "{before_restart} of {} answered before the kill, the rest after the restart",
        asked.len()
    );
    once_each(&replies, &asked, &format!("{first}\n{second}"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rolling restart with overlap: a new process starts while the old one's answers are on their
/// way (Discord is slow to take posts here). The old one is alive and holds them by its lease, so
/// the new one takes over none (the emulator does not fold nonces in this test: a second post
/// would show); it reads back again when the lease would have run out, and finds them finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_restart_takes_over_nothing_a_live_process_is_answering() {
    let emulator = Emulator::start(Options {
        post_delay: Some(Duration::from_secs(6)),
        fold_nonces: false,
        ..Options::default()
    })
    .await
    .unwrap();
    let dir = bot_dir(&emulator, SUGGEST);
    let (old, _old_watcher) = run_in(&emulator, &dir).await;
    let threads: Vec<u64> = threads(&emulator).into_iter().take(10).collect();
    let asked = ask(&emulator, &threads, 0..10);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (new, _new_watcher) = run_in(&emulator, &dir).await;
    answered(&emulator, &asked, Duration::from_secs(20)).await;
    // Past the old process's lease as the new one saw it at its start, and its second read-back.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let new_output = stop(new).await;
    let old_output = stop(old).await;
    let output = format!("old:\n{old_output}\nnew:\n{new_output}");
    once_each(&replies(&emulator), &asked, &output);
    assert!(
        new_output.contains("another running process holds answers it began"),
        "{output}"
    );
    assert!(
        new_output.contains("read back what another process's answers left"),
        "{output}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Questions asked while the bot was down for longer than `max_delay_secs` are read back at the
/// next start and counted, but not answered: a late answer would read as a reply to something
/// else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_too_old_at_the_restart_are_counted_not_answered() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let dir = bot_dir(&emulator, "max_delay_secs = 3\n");
    let (child, _watcher) = run_in(&emulator, &dir).await;
    let first = emulator.say(ALICE, CIPP_ISSUES, &question(0));
    answered(&emulator, &[first], Duration::from_secs(10)).await;
    stop(child).await;

    let stale: Vec<u64> = (1..4)
        .map(|n| emulator.say(BOB, CIPP_ISSUES, &question(n)))
        .collect();
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let (child, mut watcher) = run_in(&emulator, &dir).await;
    let read_back = watcher
        .find(Duration::from_secs(10), |e| matches!(e, Event::Read { .. }))
        .await;
    assert!(read_back.is_some(), "no read-back at start");
    let fresh = emulator.say(ALICE, CIPP_ISSUES, &question(9));
    let post = watcher.post(Duration::from_secs(10)).await;
    let output = stop(child).await;
    assert_eq!(post.and_then(|p| p.reply_to), Some(fresh), "{output}");
    let replies = replies(&emulator);
    assert!(stale.iter().all(|q| !replies.contains_key(q)), "{output}");
    assert!(output.contains("considered=0 too_old=3"), "{output}");
    let _ = std::fs::remove_dir_all(&dir);
}
