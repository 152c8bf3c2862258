//! The service's steps on the shipped FAQ with an in-memory policy and a temporary store.

use super::*;
use crate::action::Action;
use crate::config::{SuggestConfig, ThreadMode};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::policy::{self, Channel, Member, Moderators, Place, Quiet};

const START_MS: u64 = 1_700_000_000_000;
const ISSUES: Channel = Channel {
    id: 10,
    name: "cipp-issues",
};
const ALICE: u64 = 7;

fn service(name: &str, cooldown_secs: u64) -> Service {
    let dir = std::env::temp_dir().join(format!("faqbot-service-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("faq.toml"), include_str!("../../faq.toml")).unwrap();
    service_in(&dir, cooldown_secs)
}

/// A service over the FAQ and database in `dir`: a second one there is another process.
fn service_in(dir: &std::path::Path, cooldown_secs: u64) -> Service {
    let faq = dir.join("faq.toml");
    // Nothing pruned: the tests' clock is in the past, and pruning follows the real one.
    let store = Store::open(&dir.join("faqbot.db"), 0).unwrap();
    let config = SuggestConfig {
        channels: vec!["cipp-issues".into()],
        cooldown_secs,
        threads: ThreadMode::FirstMessage,
        min_confidence: None,
        max_delay_secs: 30,
    };
    let policy = Policy::new(&config, Moderators::new(&["Moderator".into()]), START_MS);
    let memory = Arc::new(store.memory());
    Service::new(&faq, policy, memory, store, 200, Params::default()).unwrap()
}

fn incoming(id: u64, text: &str) -> Incoming<'_> {
    Incoming {
        view: policy::Message {
            id,
            place: Place::Channel(ISSUES),
            from_bot: false,
            member: Some(Member {
                roles: &[],
                manages_messages: false,
            }),
        },
        text,
        guild: Some(GuildId(1)),
        channel: ChannelId(ISSUES.id),
        author: UserId(ALICE),
    }
}

const PROBLEM: &str = "I keep getting a 500 error when I open the dashboard";

#[test]
fn suggests_then_holds_the_entry_back_and_a_failed_post_gives_the_slot_back() {
    let service = service("cooldown", 600);
    let first = service.message(&incoming(1, PROBLEM), START_MS).unwrap();
    assert_eq!(first.entry, "500-error");
    assert!(first.post.embed.is_some());
    service.posted(&first, MessageId(100), START_MS);
    assert_eq!(
        service.message(&incoming(2, PROBLEM), START_MS + 1).err(),
        Some(Silence::Cooldown {
            entry: "500-error".into(),
            until_ms: Some(START_MS + 600_000),
        })
    );
    // The same message again (a replay) is not considered twice.
    assert_eq!(
        service.message(&incoming(1, PROBLEM), START_MS + 2).err(),
        Some(Silence::Policy(Quiet::AlreadyAnswered))
    );
    // After the cooldown, and after a failed post, the entry may be suggested again.
    let later = START_MS + 600_000;
    let again = service.message(&incoming(3, PROBLEM), later).unwrap();
    assert_eq!(service.counts().suggestions, 2);
    service.not_posted(&again);
    assert_eq!(service.counts().suggestions, 1);
    assert!(service.message(&incoming(4, PROBLEM), later + 1).is_ok());
}

#[test]
fn chatter_is_quiet_and_recorded_as_unmatched_when_it_looks_like_a_question() {
    let service = service("unmatched", 600);
    let silence = service
        .message(
            &incoming(1, "how do I paint my bicycle purple quickly"),
            START_MS,
        )
        .err();
    assert!(
        matches!(silence, Some(Silence::NotConfident { .. })),
        "{silence:?}"
    );
    service.message(&incoming(2, "thanks!"), START_MS).err();
    let stats = service.stats(1, START_MS + 1).unwrap();
    assert_eq!(stats.unmatched.len(), 1);
    assert!(stats.unmatched[0].0.contains("bicycle"));
}

#[test]
fn what_one_process_teaches_another_follows_without_a_restart() {
    let (a, dir) = (service("teaching", 0), std::env::temp_dir());
    let dir = dir.join(format!("faqbot-service-{}-teaching", std::process::id()));
    let b = service_in(&dir, 0);
    assert!(!b.follow_teaching().unwrap(), "nothing taught yet");
    let asked = "the gizmotron widget keeps flickering on my tablet";
    let link = Link {
        entry: "cost",
        guild: Some(GuildId(1)),
        channel: ChannelId(ISSUES.id),
        message: MessageId(1),
        author: UserId(ALICE),
        text: asked,
        reply: MessageId(50),
        moderator: UserId(9),
    };
    a.linked(&link, START_MS).unwrap();
    let similar = "my gizmotron widget is flickering on the tablet";
    assert!(
        b.message(&incoming(2, similar), START_MS).is_err(),
        "not yet"
    );
    assert!(b.follow_teaching().unwrap());
    assert_eq!(
        b.message(&incoming(3, similar), START_MS).unwrap().entry,
        "cost"
    );
    assert!(!b.follow_teaching().unwrap(), "once per change");
    // A reload in one is a reload in the other; the other does not echo it back.
    a.reload().unwrap();
    assert!(b.follow_teaching().unwrap());
    assert!(a.follow_teaching().unwrap(), "its own change, once");
    assert!(!a.follow_teaching().unwrap());
    assert!(!b.follow_teaching().unwrap());
}

#[test]
fn a_link_teaches_a_similar_message_and_unlink_forgets_it() {
    let service = service("link", 0);
    let asked = "the gizmotron widget keeps flickering on my tablet";
    assert!(service.message(&incoming(1, asked), START_MS).is_err());
    let link = Link {
        entry: "cost",
        guild: Some(GuildId(1)),
        channel: ChannelId(ISSUES.id),
        message: MessageId(1),
        author: UserId(ALICE),
        text: asked,
        reply: MessageId(50),
        moderator: UserId(9),
    };
    service.linked(&link, START_MS).unwrap();
    let similar = "my gizmotron widget is flickering on the tablet";
    let taught = service.message(&incoming(2, similar), START_MS).unwrap();
    assert_eq!(taught.entry, "cost");
    assert_eq!(service.unlink(MessageId(50)).unwrap().len(), 1);
    assert!(service.message(&incoming(3, similar), START_MS).is_err());
    assert!(service.unlink(MessageId(50)).unwrap().is_empty());
}

#[test]
fn not_it_from_the_asker_teaches_and_others_only_get_thanks() {
    let service = service("not-it", 0);
    let first = service.message(&incoming(1, PROBLEM), START_MS).unwrap();
    service.posted(&first, MessageId(100), START_MS);
    let action = Action::NotIt {
        author: ALICE,
        entry: first.entry.clone(),
    };
    let click = |user, moderator| Click {
        action: &action,
        user: UserId(user),
        moderator,
        reply: MessageId(100),
    };
    assert_eq!(
        service.feedback(&click(8, false)),
        Feedback::Notice("Thanks for the feedback.")
    );
    assert!(service.message(&incoming(2, PROBLEM), START_MS).is_ok());
    let Feedback::Remove {
        not_it: Some(entry),
        ..
    } = service.feedback(&click(ALICE, false))
    else {
        panic!("the asker's \"Not it\" removes the suggestion");
    };
    let not_it = NotIt {
        entry: &entry,
        text: PROBLEM,
        channel: ChannelId(ISSUES.id),
        message: MessageId(1),
        author: UserId(ALICE),
        reply: MessageId(100),
        by: UserId(ALICE),
    };
    service.not_it(&not_it, START_MS).unwrap();
    // The same message no longer gets that entry unasked; it still ranks for the pickers.
    let silence = service.message(&incoming(3, PROBLEM), START_MS).err();
    assert!(
        matches!(&silence, Some(Silence::NotIt { entry, .. }) if entry == "500-error"),
        "{silence:?}"
    );
    let loaded = service.current();
    assert_eq!(loaded.matcher.rank(PROBLEM, 1)[0].id, "500-error");

    let stats = service.stats(1, START_MS + 1).unwrap();
    assert_eq!(stats.entries[0].not_it, 1);
}

#[test]
fn dismiss_and_solved_follow_who_asked() {
    let service = service("dismiss", 0);
    let dismiss = Action::Dismiss { author: ALICE };
    let click = |action, user, moderator| Click {
        action,
        user: UserId(user),
        moderator,
        reply: MessageId(100),
    };
    assert!(matches!(
        service.feedback(&click(&dismiss, 8, false)),
        Feedback::Notice(_)
    ));
    assert_eq!(
        service.feedback(&click(&dismiss, 8, true)),
        Feedback::Remove {
            notice: None,
            not_it: None
        }
    );
    let solved = Action::Solved {
        author: ALICE,
        entry: "cost".into(),
    };
    assert!(matches!(
        service.feedback(&click(&solved, ALICE, false)),
        Feedback::Update(_)
    ));
    assert!(matches!(
        service.feedback(&click(&solved, 8, true)),
        Feedback::Notice(_)
    ));
}

#[test]
fn only_a_suggestion_neither_posted_nor_given_up_is_left_for_a_later_run() {
    let service = service("finish", 0);
    let posted = service.message(&incoming(1, PROBLEM), START_MS).unwrap();
    service.posted(&posted, MessageId(100), START_MS);
    let given_up = service.message(&incoming(2, PROBLEM), START_MS).unwrap();
    service.not_posted(&given_up);
    assert!(service
        .message(&incoming(3, "good morning all, anyone around?"), START_MS)
        .is_err());
    // The process dies before this one is posted.
    service.message(&incoming(4, PROBLEM), START_MS).unwrap();
    service.replied_before(MessageId(5));

    let db = std::env::temp_dir()
        .join(format!("faqbot-service-{}-finish", std::process::id()))
        .join("faqbot.db");
    let next_run = crate::store::sqlite::Sqlite::open(&db).unwrap();
    let places = crate::memory::Memory::places(&next_run, 0).unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!((places[0].place, places[0].newest), (ISSUES.id, 4));
    assert_eq!(places[0].unfinished, Some(4));
}
