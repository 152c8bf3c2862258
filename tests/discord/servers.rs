//! One bot in two servers, one of them a stranger's that added the (public) bot: for one
//! community (`guild_id`) the stranger's server gets nothing; for a bot serving every server,
//! nothing one server says or does reaches the other.

use serde_json::{json, Value};

use super::learning::{NOVEL, NOVEL_AGAIN};
use super::{entry_option, shipped_faq, Harness, PROBLEM};
use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GUILD, MOD};
use faqbot_emulator::Event;

fn stats() -> Value {
    json!([{"name": "stats", "type": 1, "options": [{"name": "days", "type": 4, "value": 7}]}])
}

fn unlink(message: u64) -> Value {
    json!([{"name": "unlink", "type": 1, "options": [{"name": "message", "type": 3, "value": message.to_string()}]}])
}

/// A moderator links entry `name` to `asked`; the linked reply's id.
async fn link(h: &mut Harness, asked: u64, name: &str) -> u64 {
    super::learning::link(h, asked, name).await;
    let linked = h.post().await;
    assert_eq!(linked.reply_to, Some(asked));
    h.post().await;
    linked.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_community_is_served_and_a_strangers_server_gets_nothing() {
    let mut stranger = (0, 0);
    let mut h = Harness::start_prepared(&shipped_faq(), |emulator, config| {
        stranger = emulator.add_guild();
        config.suggest.cooldown_secs = 0;
    })
    .await;
    let (_, stranger_issues) = stranger;
    // Commands are registered in the one server served, not globally.
    let registered: Vec<Option<u64>> = h
        .emulator
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Commands { guild, .. } => Some(guild),
            _ => None,
        })
        .collect();
    assert_eq!(registered, [Some(GUILD)]);

    // A question in the stranger's watched channel: nothing; the same at home: answered.
    h.emulator.say(ALICE, stranger_issues, PROBLEM);
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    assert_eq!(h.post().await.reply_to, Some(asked));
    h.no_post().await;
    // Commands there get one private line.
    h.faq(BOB, stranger_issues, entry_option("500-error"));
    h.private("does not serve this server").await;
    h.emulator.slash(MOD, stranger_issues, "faq-admin", stats());
    h.private("does not serve this server").await;
    // Nothing of it was recorded: home's statistics show home's one suggestion only.
    h.emulator.slash(MOD, CIPP_ISSUES, "faq-admin", stats());
    let shown = h.private("the last 7 days").await;
    assert!(
        shown.content().contains("shown 1 (unasked 1"),
        "{}",
        shown.content()
    );
    assert!(
        !h.emulator
            .events()
            .iter()
            .any(|e| matches!(e, Event::Left { .. })),
        "leave_unserved is off by default"
    );
    h.stop().await;

    // With leave_unserved, the bot leaves the stranger's server at once.
    let mut left = 0;
    let mut h = Harness::start_prepared(&shipped_faq(), |emulator, config| {
        left = emulator.add_guild().0;
        config.discord.leave_unserved = true;
    })
    .await;
    let gone = h
        .watcher
        .find(super::WAIT, |e| matches!(e, Event::Left { .. }))
        .await;
    assert!(
        matches!(gone, Some(Event::Left { guild }) if guild == left),
        "{gone:?}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_bot_keeps_every_server_apart() {
    let mut stranger = (0, 0);
    let mut h = Harness::start_prepared(&shipped_faq(), |emulator, config| {
        stranger = emulator.add_guild();
        config.discord.guild_id = None;
        config.suggest.cooldown_secs = 0;
    })
    .await;
    let (_, stranger_issues) = stranger;

    // "Not it" in the stranger's server silences the entry there only.
    let theirs = h.emulator.say(ALICE, stranger_issues, PROBLEM);
    let suggestion = h.post().await;
    assert_eq!(suggestion.reply_to, Some(theirs));
    let not_it = suggestion.custom_id("Not it").unwrap();
    h.emulator.click(ALICE, suggestion.id, &not_it).unwrap();
    assert!(h.post().await.content().contains("removed the suggestion"));
    assert_eq!(h.deleted().await, Some(suggestion.id));
    let again = h.emulator.say(BOB, stranger_issues, PROBLEM);
    h.quiet(again).await;
    let ours = h.emulator.say(BOB, CIPP_ISSUES, PROBLEM);
    assert_eq!(h.post().await.reply_to, Some(ours), "home still answered");

    // A link at home teaches home only.
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, NOVEL);
    h.quiet(asked).await;
    let linked = link(&mut h, asked, "cost").await;
    let similar = h.emulator.say(BOB, CIPP_ISSUES, NOVEL_AGAIN);
    assert_eq!(h.post().await.reply_to, Some(similar));
    let elsewhere = h.emulator.say(BOB, stranger_issues, NOVEL_AGAIN);
    h.quiet(elsewhere).await;

    // The stranger's moderator cannot undo home's link: nothing deleted, nothing forgotten.
    h.emulator
        .slash(MOD, stranger_issues, "faq-admin", unlink(asked));
    h.private("Nothing was linked there").await;
    assert!(
        !h.emulator
            .events()
            .iter()
            .any(|e| matches!(e, Event::Deleted { message, .. } if *message == linked)),
        "home's linked reply stays"
    );
    let still = h.emulator.say(ALICE, CIPP_ISSUES, NOVEL_AGAIN);
    assert_eq!(
        h.post().await.reply_to,
        Some(still),
        "home still knows its link"
    );

    // A picker's menu forged to name the stranger's channel is refused, and posts nothing there.
    h.emulator
        .message_command(MOD, "Answer with FAQ", still)
        .unwrap();
    let picker = h.post().await;
    let forged = faqbot::action::Action::Link {
        channel: stranger_issues,
        message: again,
    }
    .custom_id();
    h.emulator
        .select(MOD, picker.id, &forged, &["cost"])
        .unwrap();
    h.private("does not belong to this channel").await;
    h.no_post().await;

    // Statistics: each server sees its own.
    h.emulator.slash(MOD, stranger_issues, "faq-admin", stats());
    let theirs = h.private("the last 7 days").await;
    assert!(
        theirs.content().contains("gizmotron"),
        "{}",
        theirs.content()
    );
    assert!(!theirs.content().contains("`cost`"), "{}", theirs.content());
    h.emulator.slash(MOD, CIPP_ISSUES, "faq-admin", stats());
    let ours = h.private("the last 7 days").await;
    assert!(ours.content().contains("`cost`"), "{}", ours.content());
    assert!(
        !ours.content().contains("; 0% helpful"),
        "{}",
        ours.content()
    );
    assert!(
        theirs.content().contains("; 0% helpful"),
        "{}",
        theirs.content()
    );
    h.stop().await;
}

/// `/faq` aimed at a member pings them: a member may do it once per `aimed_cooldown_secs`, a
/// moderator always; a private answer or one for nobody is not limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aiming_faq_at_members_is_limited_per_member_but_not_for_moderators() {
    let mut h = Harness::start(&shipped_faq()).await;
    let aimed = |at: u64| json!([{"name": "entry", "type": 3, "value": "cost"}, {"name": "user", "type": 6, "value": at.to_string()}]);
    h.faq(ALICE, CIPP_ISSUES, aimed(BOB));
    let first = h.post().await;
    assert!(!first.ephemeral && first.pings.users == [BOB], "{first:?}");
    h.faq(ALICE, CIPP_ISSUES, aimed(MOD));
    h.private("try again in").await;
    // Without a member the answer goes out as always.
    h.faq(ALICE, CIPP_ISSUES, entry_option("cost"));
    assert!(!h.post().await.ephemeral);
    for _ in 0..2 {
        h.faq(MOD, CIPP_ISSUES, aimed(ALICE));
        let by_moderator = h.post().await;
        assert_eq!(by_moderator.pings.users, [ALICE], "{by_moderator:?}");
    }
    h.stop().await;
}
