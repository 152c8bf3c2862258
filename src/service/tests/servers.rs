//! Servers kept apart, processes following each other's teaching, and a store from before
//! servers upgraded.

use super::*;

#[test]
fn what_one_process_teaches_another_follows_without_a_restart() {
    let dir = dir("teaching");
    let (servers_a, servers_b) = (servers_in(&dir, 0), servers_in(&dir, 0));
    let a = servers_a.get(HOME).unwrap().unwrap();
    let b = servers_b.get(HOME).unwrap().unwrap();
    assert_eq!(
        servers_b.follow_teaching().unwrap(),
        0,
        "nothing taught yet"
    );
    let asked = "the gizmotron widget keeps flickering on my tablet";
    a.linked(&link_of(asked, 1), START_MS).unwrap();
    let similar = "my gizmotron widget is flickering on the tablet";
    assert!(
        b.message(&incoming(2, similar), START_MS).is_err(),
        "not yet"
    );
    assert_eq!(
        servers_b.follow_teaching().unwrap(),
        1,
        "the one server taught"
    );
    assert_eq!(
        b.message(&incoming(3, similar), START_MS).unwrap().entry,
        "cost"
    );
    assert_eq!(servers_b.follow_teaching().unwrap(), 0, "once per change");
    // A reload in one is a reload in the other; the other does not echo it back.
    servers_a.reload(&a).unwrap();
    assert_eq!(servers_b.follow_teaching().unwrap(), 1);
    assert_eq!(
        servers_a.follow_teaching().unwrap(),
        1,
        "its own change, once"
    );
    assert_eq!(servers_a.follow_teaching().unwrap(), 0);
    assert_eq!(servers_b.follow_teaching().unwrap(), 0);
}

/// What one server teaches, silences, undoes or records never reaches another; a server that is
/// not listed has no service at all.
#[test]
fn nothing_one_server_does_reaches_another() {
    let servers = servers_in(&dir("servers"), 0);
    let home = servers.get(HOME).unwrap().unwrap();
    let other = servers.get(OTHER).unwrap().unwrap();
    assert!(servers.get(GuildId(3)).unwrap().is_none(), "not served");
    assert!(
        !home.learned_anything() && Arc::ptr_eq(&home.current(), &other.current()),
        "servers of one FAQ share its index until they learn"
    );
    // The other server's "Not it" on the home server's answer does not silence the home server.
    let first = other.message(&incoming(1, PROBLEM), START_MS).unwrap();
    other.posted(&first, MessageId(100), START_MS);
    let not_it = Veto {
        entry: &first.entry,
        text: PROBLEM,
        channel: ChannelId(ISSUES.id),
        message: MessageId(1),
        author: UserId(ALICE),
        reply: MessageId(100),
        by: UserId(ALICE),
    };
    other.not_it(&not_it, START_MS).unwrap();
    assert!(other.message(&incoming(2, PROBLEM), START_MS).is_err());
    assert_eq!(
        home.message(&incoming(3, PROBLEM), START_MS).unwrap().entry,
        "500-error"
    );
    // The other server's link teaches only the other server.
    let asked = "the gizmotron widget keeps flickering on my tablet";
    other.linked(&link_of(asked, 4), START_MS).unwrap();
    let similar = "my gizmotron widget is flickering on the tablet";
    assert_eq!(
        other
            .message(&incoming(5, similar), START_MS)
            .unwrap()
            .entry,
        "cost"
    );
    assert!(home.message(&incoming(6, similar), START_MS).is_err());
    assert!(other.learned_anything() && !home.learned_anything());
    // Undoing from another server finds nothing; the link stays.
    assert!(home.unlink(MessageId(50)).unwrap().is_empty());
    assert_eq!(other.unlink(MessageId(50)).unwrap().len(), 1);
    // Statistics are each server's own.
    other
        .message(
            &incoming(7, "how do I paint my bicycle purple quickly"),
            START_MS,
        )
        .err();
    let bicycles = |service: &Service| {
        let stats = service.stats(1, START_MS + 1).unwrap();
        stats
            .unmatched
            .iter()
            .filter(|(text, _)| text.contains("bicycle"))
            .count()
    };
    assert_eq!((bicycles(&home), bicycles(&other)), (0, 1));
    let home_stats = home.stats(1, START_MS + 1).unwrap();
    assert_eq!(
        home_stats.entries.len(),
        0,
        "nothing shown in the home server was posted"
    );
}

/// A store written by the schema before servers (version 6) keeps everything after the upgrade,
/// in the one server the config serves.
#[test]
fn a_single_server_store_keeps_what_it_learned_after_the_upgrade() {
    let dir = dir("upgrade");
    {
        let db = rusqlite::Connection::open(dir.join("faqbot.db")).unwrap();
        for step in &crate::store::sqlite::migrations::MIGRATIONS[..6] {
            db.execute_batch(step).unwrap();
        }
        db.execute_batch(
            "PRAGMA user_version = 6;
             INSERT INTO examples (entry, text, positive, at_ms, channel, message, author, reply, by)
             VALUES ('cost', 'the gizmotron widget keeps flickering on my tablet', 1, 1, 10, 1, 7, 50, 9);
             INSERT INTO shown (at_ms, how, guild, channel, message, user, entry, score, reply)
             VALUES (1700000000000, 'faq', NULL, 10, NULL, 7, 'cost', NULL, 51);",
        )
        .unwrap();
    }
    let store = Store::open_unpruned(&dir.join("faqbot.db")).unwrap();
    let config = Config {
        faq: dir.join("faq.toml"),
        discord: crate::config::DiscordConfig {
            guild_id: Some(HOME.get()),
            ..Default::default()
        },
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into()],
            ..SuggestConfig::default()
        },
        ..Config::default()
    };
    let memory = Arc::new(store.memory());
    let shared = Shared::new(store, memory, None, 200).unwrap();
    let servers = Servers::open(&config, shared, START_MS).unwrap();
    let home = servers.get(HOME).unwrap().unwrap();
    assert!(home.learned_anything(), "the old link is the home server's");
    let similar = "my gizmotron widget is flickering on the tablet";
    assert_eq!(
        home.message(&incoming(2, similar), START_MS).unwrap().entry,
        "cost"
    );
    assert_eq!(home.stats(1, START_MS + 1).unwrap().entries[0].faq, 1);
}
