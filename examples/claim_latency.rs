//! The round trip of one claim (the answer-once step every message takes, then a cooldown slot),
//! on SQLite and on PostgreSQL over loopback: 10,000 of each, p50 / p99 / max.
//!
//! `cargo run --release --example claim_latency`. PostgreSQL runs as a server of the example's
//! own (`initdb`/`pg_ctl`, as the tests), skipped where it is not installed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use faqbot::memory::{Claim, Memory};
use faqbot::store::Store;
use faqbot_testdb::LocalServer;

const CLAIMS: u64 = 10_000;

fn measure(name: &str, store: &Store) {
    let memory: Arc<dyn Memory> = Arc::new(store.memory());
    let now = faqbot::time::now_ms();
    let mut took: Vec<Duration> = Vec::with_capacity(2 * CLAIMS as usize);
    for n in 0..CLAIMS {
        let started = Instant::now();
        assert_eq!(memory.answer_once(n + 1, Some(n % 50), now), Ok(true));
        took.push(started.elapsed());
        let claim = Claim {
            place: n % 50,
            entry: format!("entry-{}", n % 40),
            until_ms: now + 600_000,
            message: n + 1,
        };
        let started = Instant::now();
        memory.claim(&claim, now).unwrap();
        took.push(started.elapsed());
    }
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<10} {} claims: p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        took.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        took[took.len() - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let dir = std::env::temp_dir().join(format!("faqbot-claims-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    measure(
        "sqlite",
        &Store::open_unpruned(&dir.join("faqbot.db")).unwrap(),
    );
    match LocalServer::start() {
        Ok(server) => {
            let store = Store::open_unpruned(std::path::Path::new(&server.url())).unwrap();
            measure("postgres", &store);
        }
        Err(_) => eprintln!("postgres skipped: {}", faqbot_testdb::HOW_TO_INSTALL),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
