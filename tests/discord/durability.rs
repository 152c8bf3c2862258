//! Nothing recorded is lost: a `kill -9` in the middle of a burst leaves a sound database that
//! holds what was recorded before it, a locked database does not stop answers, and a database
//! that cannot be used at all stops `faqbot run` with one sentence.

use std::time::Duration;

use rusqlite::Connection;

use faqbot::store::sqlite::Sqlite;
use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES};
use faqbot_emulator::{Emulator, Options};

use super::binary::{faqbot, run_without_cooldown, signal, wait};
use super::{shipped_faq, temp_dir, Harness, PROBLEM, WAIT};

fn count(db: &std::path::Path, table: &str) -> i64 {
    let conn = Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_keeps_a_sound_database_with_what_was_recorded() {
    let emulator = std::sync::Arc::new(Emulator::start(Options::default()).await.unwrap());
    let (child, mut watcher, dir) = run_without_cooldown(&emulator).await;

    // A burst that goes on while the process is killed: suggestions and unmatched questions.
    let burst = {
        let emulator = emulator.clone();
        tokio::spawn(async move {
            for n in 0..2_000 {
                if n % 2 == 0 {
                    emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
                } else {
                    emulator.say(
                        BOB,
                        CIPP_ISSUES,
                        &format!("question number {n} about my toaster"),
                    );
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    // One channel's worth of posts within Discord's limits (5 per 5 s); the burst goes on, and
    // every message of it is recorded (answered once, or unmatched).
    let mut posted = 0;
    while posted < 5 {
        assert!(
            watcher.post(WAIT).await.is_some(),
            "the bot stopped answering"
        );
        posted += 1;
    }
    // What the bot posted this long before the kill must be on disk (the burst goes on).
    tokio::time::sleep(Duration::from_millis(700)).await;
    signal(&child, "-KILL");
    let (code, _) = tokio::task::spawn_blocking(move || wait(child, Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(code, None, "killed by a signal");
    burst.abort();

    let db = dir.join("faqbot.db");
    let store = Sqlite::open(&db).expect("the database opens after kill -9");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    let shown = count(&db, "shown");
    assert!(
        shown >= posted,
        "{shown} suggestions recorded, {posted} seen well before the kill"
    );
    assert!(count(&db, "unmatched") > 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_does_not_stop_answers_and_its_events_are_written_later() {
    let mut h = Harness::start(&shipped_faq()).await;
    let db = h.dir.join("faqbot.db");
    // Another process holds the write lock.
    let locker = Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let post = h.post().await;
    assert_eq!(
        post.reply_to,
        Some(asked),
        "the bot answers while the database is locked"
    );

    locker.execute_batch("COMMIT").unwrap();
    drop(locker);
    // The writer retries every second: the suggestion is recorded once the lock is gone.
    let mut recorded = 0;
    for _ in 0..50 {
        recorded = count(&db, "shown");
        if recorded > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(recorded, 1);
    h.stop().await;
}

#[test]
fn run_refuses_a_database_it_cannot_open_or_a_newer_one_in_one_sentence() {
    let dir = temp_dir();
    std::fs::write(dir.join("faq.toml"), shipped_faq()).unwrap();
    let run = |store: &str| {
        let config = dir.join("faqbot.toml");
        std::fs::write(
            &config,
            format!("[discord]\napi_base = \"http://127.0.0.1:9\"\n[store]\npath = \"{store}\"\n"),
        )
        .unwrap();
        let output = faqbot()
            .args(["run", "--config"])
            .arg(&config)
            .env("DISCORD_TOKEN", "abc.def.ghi")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    let (code, err) = run("no-such-folder/faqbot.db");
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot open the database"), "{err}");

    let newer = dir.join("newer.db");
    drop(Sqlite::open(&newer).unwrap());
    let conn = Connection::open(&newer).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let (code, err) = run("newer.db");
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("newer faqbot"), "{err}");
    assert_eq!(faqbot::store::sqlite::schema_version(&newer), Some(99));
}
