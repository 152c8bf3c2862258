//! The suggestion policy's rules, each against a clock and a memory of its own.

use super::*;
use crate::memory::InMemory;

const START_MS: u64 = 1_700_000_000_000;

/// A Discord id created `offset_ms` after the policy's start.
fn id_at(offset_ms: i64, n: u64) -> u64 {
    crate::time::first_id_at((START_MS as i64 + offset_ms) as u64) | n
}

fn policy(channels: &[&str], cooldown_secs: u64, threads: ThreadMode) -> Policy {
    let config = SuggestConfig {
        channels: channels.iter().map(|c| c.to_string()).collect(),
        cooldown_secs,
        threads,
        ..SuggestConfig::default()
    };
    Policy::new(&config, Moderators::new(&["Moderator".into()]), START_MS)
}

const ISSUES: Channel = Channel {
    id: 10,
    name: "cipp-issues",
};
const GENERAL: Channel = Channel {
    id: 11,
    name: "general",
};

fn message(id: u64, place: Place<'static>) -> Message<'static> {
    Message {
        id,
        place,
        from_bot: false,
        member: Some(Member {
            roles: &[],
            manages_messages: false,
        }),
    }
}

#[test]
fn only_watched_channels_by_name_or_id() {
    let now = START_MS;
    let memory = InMemory::default();
    let by_name = policy(&["#CIPP-Issues"], 600, ThreadMode::FirstMessage);
    assert_eq!(
        by_name
            .screen(&message(1, Place::Channel(ISSUES)), &memory, now)
            .unwrap(),
        Ok(())
    );
    assert_eq!(
        by_name
            .screen(&message(2, Place::Channel(GENERAL)), &memory, now)
            .unwrap(),
        Err(Quiet::NotWatched)
    );
    assert_eq!(
        by_name
            .screen(&message(3, Place::Elsewhere), &memory, now)
            .unwrap(),
        Err(Quiet::NotWatched)
    );
    let by_id = policy(&["11"], 600, ThreadMode::FirstMessage);
    assert_eq!(
        by_id
            .screen(&message(4, Place::Channel(GENERAL)), &memory, now)
            .unwrap(),
        Ok(())
    );
}

#[test]
fn never_bots_and_not_moderators() {
    let now = START_MS;
    let memory = InMemory::default();
    let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
    let mut bot = message(1, Place::Channel(ISSUES));
    bot.from_bot = true;
    assert_eq!(
        policy.screen(&bot, &memory, now).unwrap(),
        Err(Quiet::FromBot)
    );

    let roles = [Role {
        id: 5,
        name: "moderator",
    }];
    let mut moderator = message(2, Place::Channel(ISSUES));
    moderator.member = Some(Member {
        roles: &roles,
        manages_messages: false,
    });
    assert_eq!(
        policy.screen(&moderator, &memory, now).unwrap(),
        Err(Quiet::FromModerator)
    );
}

#[test]
fn without_configured_roles_manage_messages_makes_a_moderator() {
    let moderators = Moderators::new(&[]);
    let member = |manages_messages| Member {
        roles: &[],
        manages_messages,
    };
    assert!(moderators.includes(&member(true)));
    assert!(!moderators.includes(&member(false)));
    // With roles configured, the permission alone is not enough.
    assert!(!Moderators::new(&["42".into()]).includes(&member(true)));
}

#[test]
fn threads_of_watched_channels_answer_their_first_message_only() {
    let now = START_MS;
    let memory = InMemory::default();
    let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
    // A forum post: its first message has the thread's id.
    let post = id_at(5_000, 1);
    let in_post = |id| {
        message(
            id,
            Place::Thread {
                id: post,
                parent: Some(ISSUES),
            },
        )
    };
    assert_eq!(policy.screen(&in_post(post), &memory, now).unwrap(), Ok(()));
    assert_eq!(
        policy
            .screen(&in_post(id_at(6_000, 2)), &memory, now)
            .unwrap(),
        Err(Quiet::LaterInThread)
    );

    // A thread started after the bot: the first message seen in it counts.
    let thread = id_at(7_000, 3);
    let in_thread = |id| {
        message(
            id,
            Place::Thread {
                id: thread,
                parent: Some(ISSUES),
            },
        )
    };
    assert_eq!(
        policy
            .screen(&in_thread(id_at(8_000, 4)), &memory, now)
            .unwrap(),
        Ok(())
    );
    assert_eq!(
        policy
            .screen(&in_thread(id_at(9_000, 5)), &memory, now)
            .unwrap(),
        Err(Quiet::LaterInThread)
    );

    // A thread older than the bot: its first message may have been missed.
    let old = id_at(-60_000, 6);
    let in_old = message(
        id_at(10_000, 7),
        Place::Thread {
            id: old,
            parent: Some(ISSUES),
        },
    );
    assert_eq!(
        policy.screen(&in_old, &memory, now).unwrap(),
        Err(Quiet::LaterInThread)
    );

    // Threads of other channels, or of unknown parents, are not watched.
    let elsewhere = message(
        id_at(11_000, 8),
        Place::Thread {
            id: id_at(11_000, 8),
            parent: Some(GENERAL),
        },
    );
    assert_eq!(
        policy.screen(&elsewhere, &memory, now).unwrap(),
        Err(Quiet::NotWatched)
    );
    let orphan = message(
        id_at(12_000, 9),
        Place::Thread {
            id: id_at(12_000, 9),
            parent: None,
        },
    );
    assert_eq!(
        policy.screen(&orphan, &memory, now).unwrap(),
        Err(Quiet::NotWatched)
    );
}

#[test]
fn threads_all_answers_every_message() {
    let now = START_MS;
    let memory = InMemory::default();
    let policy = policy(&["cipp-issues"], 600, ThreadMode::All);
    let thread = id_at(1_000, 1);
    for n in 2..5 {
        let later = message(
            id_at(2_000, n),
            Place::Thread {
                id: thread,
                parent: Some(ISSUES),
            },
        );
        assert_eq!(policy.screen(&later, &memory, now).unwrap(), Ok(()));
    }
}

#[test]
fn claims_last_the_cooldown_and_zero_turns_them_off() {
    let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
    let claim = policy.claim(10, "cost", 42, START_MS).unwrap();
    assert_eq!((claim.place, claim.entry.as_str()), (10, "cost"));
    assert_eq!(claim.until_ms, START_MS + 600_000);
    let off = super::tests::policy(&["cipp-issues"], 0, ThreadMode::FirstMessage);
    assert_eq!(off.claim(10, "cost", 42, START_MS), None);
}

#[test]
fn a_message_is_answered_once() {
    let now = START_MS;
    let memory = InMemory::default();
    let policy = policy(&["cipp-issues"], 600, ThreadMode::FirstMessage);
    let again = message(1, Place::Channel(ISSUES));
    assert_eq!(policy.screen(&again, &memory, now).unwrap(), Ok(()));
    assert_eq!(
        policy.screen(&again, &memory, now).unwrap(),
        Err(Quiet::AlreadyAnswered)
    );
}

#[test]
fn a_member_aims_faq_once_per_cooldown_and_moderators_always() {
    let policy = policy(&[], 0, ThreadMode::FirstMessage);
    assert_eq!(policy.aim(1, false, START_MS), Ok(()));
    assert_eq!(policy.aim(1, false, START_MS + 10_000), Err(20_000));
    assert_eq!(
        policy.aim(2, false, START_MS + 10_000),
        Ok(()),
        "another member"
    );
    assert_eq!(
        policy.aim(1, true, START_MS + 10_000),
        Ok(()),
        "as a moderator"
    );
    assert_eq!(policy.aim(1, false, START_MS + 30_000), Ok(()));
}
