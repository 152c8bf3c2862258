//! What the store costs, on each backend: a reply hands an event to the writer thread (`record`),
//! a burst of 1,000 events is written in batches (`burst of 1000 written`), and a message goes
//! through the service with its memory in the database (screen, match, claim). SQLite always;
//! PostgreSQL too where it is installed (a server of the bench's own on 127.0.0.1).
//! `cargo bench --bench store`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use faqbot::ids::{ChannelId, GuildId, MessageId, UserId};

use faqbot::store::{Record, Shown, Store};

fn event(reply: u64) -> Record {
    Record::Shown {
        at_ms: faqbot::time::now_ms(),
        how: Shown::Auto,
        guild: Some(GuildId(1)),
        channel: ChannelId(2),
        message: Some(MessageId(reply + 1)),
        user: Some(UserId(3)),
        entry: "500-error".into(),
        score: Some(0.7),
        reply: MessageId(reply),
    }
}

/// A fresh SQLite store.
fn sqlite() -> Store {
    let dir = std::env::temp_dir().join(format!("faqbot-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Store::open_unpruned(&dir.join("faqbot.db")).unwrap()
}

/// Runs `bench` on SQLite, then on PostgreSQL if it is installed, naming each run by its backend.
fn each_backend(c: &mut Criterion, bench: fn(&mut Criterion, &str, Store)) {
    bench(c, "sqlite", sqlite());
    match faqbot_testdb::LocalServer::start() {
        Ok(server) => {
            let store = Store::open_unpruned(std::path::Path::new(&server.url())).unwrap();
            bench(c, "postgres", store);
        }
        Err(_) => eprintln!("{}", faqbot_testdb::HOW_TO_INSTALL),
    }
}

fn recording(c: &mut Criterion) {
    each_backend(c, recording_on);
}

fn recording_on(c: &mut Criterion, backend: &str, store: Store) {
    let mut reply = 0u64;
    c.bench_function(
        &format!("{backend}: record one event (the reply's cost)"),
        |b| {
            b.iter(|| {
                reply += 1;
                store.record(event(reply));
            })
        },
    );
    store.flush();

    let mut group = c.benchmark_group(format!("{backend} store"));
    group.sample_size(20);
    group.bench_function("burst of 1000 written", |b| {
        b.iter_batched(
            || (0..1_000).map(|n| event(reply + n)).collect::<Vec<_>>(),
            |events| {
                for event in events {
                    store.record(event);
                }
                store.flush();
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// One question through the service with the shipped FAQ: the database calls on the reply path
/// (answered once, cooldown claim) plus the matcher.
fn one_message(c: &mut Criterion) {
    each_backend(c, one_message_on);
}

fn one_message_on(c: &mut Criterion, backend: &str, store: Store) {
    use faqbot::config::{Settings, SuggestConfig};
    use faqbot::policy::{Channel, Member, Message, Moderators, Place, Policy};
    use faqbot::service::{Incoming, Service, Shared};
    use std::sync::Arc;

    let settings = Settings {
        faq: concat!(env!("CARGO_MANIFEST_DIR"), "/faq.toml").into(),
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into()],
            ..SuggestConfig::default()
        },
        moderator_roles: Vec::new(),
        digest_channel: None,
    };
    let policy = Policy::new(&settings.suggest, Moderators::new(&[]), 0);
    let memory = Arc::new(store.memory());
    let shared = Arc::new(Shared::new(store, memory, None, 200).unwrap());
    let service = Service::alone(GuildId(1), settings, policy, shared).unwrap();
    let channel = Channel {
        id: 10,
        name: "cipp-issues",
    };
    let mut id = 0u64;
    c.bench_function(
        &format!("{backend}: one question (screen, match, claim)"),
        |b| {
            b.iter(|| {
                id += 1;
                let incoming = Incoming {
                    view: Message {
                        id,
                        place: Place::Channel(channel),
                        from_bot: false,
                        member: Some(Member {
                            roles: &[],
                            manages_messages: false,
                        }),
                    },
                    text: "I keep getting a 500 error when I open the dashboard",
                    channel: ChannelId(10),
                    author: UserId(7),
                };
                service.message(&incoming, faqbot::time::now_ms())
            })
        },
    );
}

criterion_group!(benches, recording, one_message);
criterion_main!(benches);
