//! The PostgreSQL store against the backends' contract, with the database's clock, racing
//! handles, a newer schema and an unreachable server. Each test starts a server of its own
//! ([`LocalServer`]) and is skipped, saying so in one line, where PostgreSQL is not installed.

use std::sync::Arc;
use std::time::Duration;

use super::{Clock, Postgres};
use crate::memory::{Claim, Memory};
use crate::store::{Backend, Record, Shown, Store, StoreError};
use faqbot_testdb::LocalServer;

#[test]
fn keeps_the_backend_contract() {
    let Some(server) = LocalServer::or_skip("keeps_the_backend_contract") else {
        return;
    };
    crate::store::contract::check_all(&|name| {
        let url = server.database(name);
        Box::new(move || {
            Box::new(Postgres::open_with(&url, Clock::Caller).unwrap()) as Box<dyn Backend>
        })
    });
}

#[test]
fn claims_expire_by_the_database_clock_not_the_callers() {
    let Some(server) = LocalServer::or_skip("claims_expire_by_the_database_clock") else {
        return;
    };
    let db = Postgres::open(&server.url()).unwrap();
    let claim = |message, now_ms: u64| Claim {
        place: 1,
        entry: "cost".into(),
        until_ms: now_ms + 1_000,
        message,
    };
    assert_eq!(db.claim(&claim(1, 0), 0), Ok(true));
    // A process whose clock is hours ahead still finds the slot held for the second it lasts.
    let ahead = 10 * crate::time::HOUR_MS;
    assert_eq!(db.claim(&claim(2, ahead), ahead), Ok(false));
    std::thread::sleep(Duration::from_millis(1_100));
    assert_eq!(
        db.claim(&claim(2, 0), 0),
        Ok(true),
        "expired by the database's clock"
    );
    // The slot is given back by the message that holds it.
    db.release(&claim(2, 0)).unwrap();
    assert_eq!(db.claim(&claim(3, 0), 0), Ok(true));
}

/// A lease is timed by the database's clock: a process whose clock is hours ahead does not take
/// over a live run's answers, nor one whose clock is behind keep a dead run's.
#[test]
fn leases_and_working_memory_are_timed_by_the_database_clock() {
    let Some(server) = LocalServer::or_skip("leases_are_timed_by_the_database_clock") else {
        return;
    };
    let (running, next) = (
        Postgres::open(&server.url()).unwrap(),
        Postgres::open(&server.url()).unwrap(),
    );
    running.hold_lease(1_000, 0).unwrap();
    assert_eq!(running.answer_once(1, Some(9), 0), Ok(true));
    let ahead = crate::time::now_ms() + 10 * crate::time::HOUR_MS;
    assert_eq!(next.answer_once(1, Some(9), ahead), Ok(false), "leased");
    let held = next.places(crate::time::HOUR_MS, 0).unwrap()[0].held_for_ms;
    assert!(held.is_some_and(|ms| ms <= 1_000), "{held:?}");
    // Pruning by a clock hours ahead keeps what the database noted a moment ago.
    next.prune(0, ahead).unwrap();
    assert_eq!(next.places(crate::time::HOUR_MS, 0).unwrap().len(), 1);
    std::thread::sleep(Duration::from_millis(1_100));
    assert_eq!(next.answer_once(1, Some(9), 0), Ok(true), "lease over");
}

#[test]
fn processes_racing_for_one_slot_or_message_win_it_once() {
    let Some(server) = LocalServer::or_skip("processes_racing_for_one_slot") else {
        return;
    };
    let url = server.url();
    let handles: Vec<Arc<Postgres>> = (0..8)
        .map(|_| Arc::new(Postgres::open(&url).unwrap()))
        .collect();
    for round in 0..20u64 {
        let barrier = Arc::new(std::sync::Barrier::new(handles.len()));
        let racers: Vec<_> = handles
            .iter()
            .enumerate()
            .map(|(n, db)| {
                let (db, barrier) = (db.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let claim = Claim {
                        place: round,
                        entry: "cost".into(),
                        until_ms: 60_000,
                        message: 1_000 + n as u64,
                    };
                    let slot = db.claim(&claim, 0).unwrap();
                    let message = db.answer_once(round, Some(7), 0).unwrap();
                    (slot, message)
                })
            })
            .collect();
        let won: Vec<(bool, bool)> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        assert_eq!(
            won.iter().filter(|w| w.0).count(),
            1,
            "round {round}: {won:?}"
        );
        assert_eq!(
            won.iter().filter(|w| w.1).count(),
            1,
            "round {round}: {won:?}"
        );
    }
}

#[test]
fn refuses_a_database_from_a_newer_faqbot_and_never_shows_the_password() {
    let Some(server) = LocalServer::or_skip("refuses_a_database_from_a_newer_faqbot") else {
        return;
    };
    drop(Postgres::open(&server.url()).unwrap());
    server
        .sql("faqbot", "UPDATE schema_version SET version = 99")
        .unwrap();
    let error = Postgres::open(&server.url()).err().expect("refused");
    assert!(
        matches!(error, StoreError::Newer { found: 99, .. }),
        "{error}"
    );
    assert_eq!(
        server
            .sql("faqbot", "SELECT version FROM schema_version")
            .unwrap(),
        "99"
    );

    let url = format!(
        "postgres://faqbot:s3cret@127.0.0.1:{}/nowhere",
        server.port()
    );
    let error = Postgres::open(&url)
        .err()
        .expect("no such database")
        .to_string();
    assert!(!error.contains("s3cret"), "{error}");
    assert!(error.contains("***"), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
}

#[test]
fn an_unreachable_database_fails_closed_and_queued_records_are_written_when_it_returns() {
    let Some(server) = LocalServer::or_skip("an_unreachable_database_fails_closed") else {
        return;
    };
    let store = Store::open_unpruned(std::path::Path::new(&server.url())).unwrap();
    assert!(store.shared());
    let memory = store.memory();
    assert_eq!(memory.answer_once(1, Some(5), 0), Ok(true));

    server.stop();
    let claim = Claim {
        place: 5,
        entry: "cost".into(),
        until_ms: 60_000,
        message: 2,
    };
    assert!(
        memory.answer_once(2, Some(5), 0).is_err(),
        "no private claim"
    );
    assert!(memory.claim(&claim, 0).is_err(), "no private claim");
    for reply in 0..3 {
        store.record(Record::Shown {
            at_ms: 1,
            how: Shown::Faq,
            guild: None,
            channel: crate::ids::ChannelId(5),
            message: None,
            user: None,
            entry: "cost".into(),
            score: None,
            reply: crate::ids::MessageId(reply),
        });
    }
    store.flush();

    server.restart().unwrap();
    // The writer retries every second; the pool reconnects.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let shown = loop {
        let shown = store
            .backend()
            .stats(None, 0, 10)
            .map(|s| s.entries.first().map_or(0, |e| e.faq))
            .unwrap_or(0);
        if shown == 3 || std::time::Instant::now() > deadline {
            break shown;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(shown, 3, "the records queued while it was down");
    assert_eq!(store.dropped(), 0);
    assert_eq!(
        memory.answer_once(2, Some(5), 0),
        Ok(true),
        "claims work again"
    );
    assert_eq!(
        memory.answer_once(1, Some(5), 0),
        Ok(false),
        "kept across the outage"
    );
}

/// A statement the database holds too long fails instead of hanging, and a pool whose every
/// connection is taken says so, not that the database cannot be reached.
#[test]
fn a_slow_statement_times_out_and_a_busy_pool_says_it_is_busy() {
    let Some(server) = LocalServer::or_skip("a_slow_statement_times_out") else {
        return;
    };
    let db = Postgres::open(&server.url()).unwrap();
    let started = std::time::Instant::now();
    let slow = db.conn().unwrap().batch_execute("SELECT pg_sleep(30)");
    let error = super::query_error(slow.expect_err("the statement timeout ends it")).to_string();
    assert!(error.contains("statement timeout"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(20));

    let held: Vec<_> = (0..super::POOL_SIZE).map(|_| db.conn().unwrap()).collect();
    let error = db.conn().err().expect("no connection left").to_string();
    assert!(
        error.contains("connections to PostgreSQL are busy"),
        "{error}"
    );
    drop(held);
    assert!(db.conn().is_ok());
}
