//! The service's steps on the shipped FAQ with an in-memory policy and a temporary store.

use super::*;
use crate::action::Action;
use crate::config::{Config, ServerConfig, SuggestConfig};
use crate::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::policy::{self, Channel, Member, Place, Quiet};

mod servers;

const START_MS: u64 = 1_700_000_000_000;
const ISSUES: Channel = Channel {
    id: 10,
    name: "cipp-issues",
};
const ALICE: u64 = 7;

/// The served servers of the tests: `HOME` and `OTHER`, one FAQ file.
const HOME: GuildId = GuildId(1);
const OTHER: GuildId = GuildId(2);

fn dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("faqbot-service-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("faq.toml"), include_str!("../../../faq.toml")).unwrap();
    dir
}

fn service(name: &str, cooldown_secs: u64) -> Arc<Service> {
    servers_in(&dir(name), cooldown_secs)
        .get(HOME)
        .unwrap()
        .unwrap()
}

/// The servers over the FAQ and database in `dir`: a second one there is another process.
fn servers_in(dir: &std::path::Path, cooldown_secs: u64) -> Servers {
    // Nothing pruned: the tests' clock is in the past, and pruning follows the real one.
    let store = Store::open_unpruned(&dir.join("faqbot.db")).unwrap();
    let config = Config {
        faq: dir.join("faq.toml"),
        suggest: SuggestConfig {
            channels: vec!["cipp-issues".into()],
            cooldown_secs,
            ..SuggestConfig::default()
        },
        moderators: crate::config::ModeratorConfig {
            roles: vec!["Moderator".into()],
        },
        servers: vec![
            ServerConfig::new(HOME.get()),
            ServerConfig::new(OTHER.get()),
        ],
        ..Config::default()
    };
    let memory = Arc::new(store.memory());
    let shared = Shared::new(store, memory, None, 200).unwrap();
    Servers::open(&config, shared, START_MS).unwrap()
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
        channel: ChannelId(ISSUES.id),
        author: UserId(ALICE),
    }
}

/// A moderator's link of `cost` to ALICE's message `message` saying `asked`, replied as 50.
fn link_of(asked: &str, message: u64) -> Link<'_> {
    Link {
        entry: "cost",
        channel: ChannelId(ISSUES.id),
        message: MessageId(message),
        author: UserId(ALICE),
        text: asked,
        reply: MessageId(50),
        moderator: UserId(9),
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
fn a_link_teaches_a_similar_message_and_unlink_forgets_it() {
    let service = service("link", 0);
    let asked = "the gizmotron widget keeps flickering on my tablet";
    assert!(service.message(&incoming(1, asked), START_MS).is_err());
    service.linked(&link_of(asked, 1), START_MS).unwrap();
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
    let not_it = Veto {
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
    // Held back by the "Not it", it matched an entry: it is no question the FAQ lacks.
    assert!(stats.unmatched.is_empty(), "{:?}", stats.unmatched);
    // But the FAQ answered it wrong: the gaps read it, with who asked it.
    let gaps = service.gaps(1, START_MS + 1).unwrap();
    let asked: Vec<_> = gaps
        .asked
        .iter()
        .map(|a| (a.text.as_str(), a.message, a.user))
        .collect();
    assert_eq!(asked, [(PROBLEM, MessageId(1), UserId(ALICE))]);
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
    crate::memory::Memory::hold_lease(&*service.shared.memory, 10_000, START_MS).unwrap();
    let posted = service.message(&incoming(1, PROBLEM), START_MS).unwrap();
    service.posted(&posted, MessageId(100), START_MS);
    let given_up = service.message(&incoming(2, PROBLEM), START_MS).unwrap();
    service.not_posted(&given_up);
    assert!(service
        .message(&incoming(3, "good morning all, anyone around?"), START_MS)
        .is_err());
    // The process dies before this one is posted.
    service.message(&incoming(4, PROBLEM), START_MS).unwrap();
    crate::memory::Memory::finish(&*service.shared.memory, 5).unwrap();

    let db = std::env::temp_dir()
        .join(format!("faqbot-service-{}-finish", std::process::id()))
        .join("faqbot.db");
    let next_run = crate::store::sqlite::Sqlite::open(&db).unwrap();
    let places = crate::memory::Memory::places(&next_run, u64::MAX, START_MS).unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!((places[0].place, places[0].newest), (ISSUES.id, 4));
    assert_eq!(places[0].unfinished, Some(4));
}

/// A memory that cannot be reached: every call fails.
struct Unreachable;

impl crate::memory::Memory for Unreachable {
    fn claim(&self, _: &crate::memory::Claim, _: u64) -> crate::memory::Result<bool> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
    fn release(&self, _: &crate::memory::Claim) -> crate::memory::Result<()> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
    fn held_until(&self, _: u64, _: &str) -> crate::memory::Result<Option<u64>> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
    fn see_thread(&self, _: u64, _: u64) -> crate::memory::Result<bool> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
    fn answer_once(&self, _: u64, _: Option<u64>, _: u64) -> crate::memory::Result<bool> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
    fn finish(&self, _: u64) -> crate::memory::Result<()> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
    fn places(&self, _: u64, _: u64) -> crate::memory::Result<Vec<crate::memory::PlaceSeen>> {
        Err(crate::memory::MemoryError("unreachable".into()))
    }
}

/// A picker is spent once; when the memory cannot tell, it is spent too, never left usable.
#[test]
fn a_picker_is_spent_once_and_when_the_memory_cannot_tell() {
    let service = service("picker", 0);
    assert!(service.spend_picker(MessageId(70), START_MS));
    assert!(!service.spend_picker(MessageId(70), START_MS), "used");

    let dir = dir("picker-unreachable");
    let store = Store::open_unpruned(&dir.join("faqbot.db")).unwrap();
    let shared = Arc::new(Shared::new(store, Arc::new(Unreachable), None, 200).unwrap());
    let settings = Config {
        faq: dir.join("faq.toml"),
        ..Config::default()
    }
    .settings(HOME.get());
    let policy = Policy::new(
        &settings.suggest,
        crate::policy::Moderators::new(&[]),
        START_MS,
    );
    let alone = Service::alone(HOME, settings, policy, shared).unwrap();
    assert!(!alone.spend_picker(MessageId(71), START_MS));
}

#[test]
fn a_staff_reply_is_kept_only_with_a_page_the_faq_lacks_answering_a_members_question() {
    let service = service("staff-reply", 0);
    let reply = |links: &[&str], user: u64, text: &str, bot: bool| StaffReply {
        reply: MessageId(100),
        by: UserId(50),
        links: links.iter().map(|l| l.to_string()).collect(),
        asked: crate::store::Unmatched {
            at_ms: START_MS,
            channel: ChannelId(ISSUES.id),
            message: MessageId(1),
            user: UserId(user),
            text: text.to_owned(),
        },
        asked_by_bot: bot,
    };
    let missing = "https://cipp.app/docs/setup/backups";
    let question = "where do I find the backup of my tenant settings";
    // Not kept: a bot's message, the moderator's own, too short, a page an entry links (even
    // beside a missing one), a link elsewhere.
    assert!(!service.staff_reply(&reply(&[missing], ALICE, question, true)));
    assert!(!service.staff_reply(&reply(&[missing], 50, question, false)));
    assert!(!service.staff_reply(&reply(&[missing], ALICE, "thanks!", false)));
    let entry_page = "https://cipp.app/docs/general/faq/#anything";
    assert!(!service.staff_reply(&reply(&[missing, entry_page], ALICE, question, false)));
    let elsewhere = "https://github.com/KelvinTegelaar/CIPP/issues/1";
    assert!(!service.staff_reply(&reply(&[elsewhere], ALICE, question, false)));
    assert!(service.staff_reply(&reply(&[elsewhere, missing], ALICE, question, false)));
    let gaps = service.gaps(1, START_MS + 1).unwrap();
    assert_eq!(gaps.answers.len(), 1);
    assert_eq!(gaps.answers[0].page, missing);
    assert_eq!(gaps.answers[0].guild, Some(HOME));
    assert_eq!(gaps.pages.len(), 1);
    assert_eq!(gaps.pages_in_period()[0].count, 1);
}
