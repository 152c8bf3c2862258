//! The bot remembers and learns, end to end: a moderator's link teaches the matcher, "Not it"
//! vetoes, undoing a link forgets, and cooldowns and statistics survive a restart.

use serde_json::json;

use super::{shipped_faq, Harness, PROBLEM};
use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GENERAL, MOD};

/// Words no FAQ entry has: only what a moderator teaches can match them.
pub(super) const NOVEL: &str = "the gizmotron widget keeps flickering on my tablet";
pub(super) const NOVEL_AGAIN: &str = "my gizmotron widget is flickering on the tablet again";

/// A moderator answers `asked` with entry `name` through the search form of "Answer with FAQ".
pub(super) async fn link(h: &mut Harness, asked: u64, name: &str) {
    h.emulator
        .message_command(MOD, "Answer with FAQ", asked)
        .unwrap();
    let picker = h.post().await;
    let search = picker.custom_id("Search all entries").unwrap();
    let (form, field) = h.open_form(picker.id, &search).await;
    h.emulator
        .submit_from(MOD, picker.id, &form, &[(field.as_str(), name)])
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_teaches_the_matcher_and_undoing_it_forgets() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, NOVEL);
    h.quiet(asked).await;

    link(&mut h, asked, "cost").await;
    let linked = h.post().await;
    assert_eq!(linked.reply_to, Some(asked));
    let done = h.post().await;
    assert!(
        done.content().contains("Posted `cost`"),
        "{}",
        done.content()
    );

    // A similar message now gets the entry unasked, from the next message on.
    let similar = h.emulator.say(BOB, CIPP_ISSUES, NOVEL_AGAIN);
    let suggestion = h.post().await;
    assert_eq!(suggestion.reply_to, Some(similar));
    assert_eq!(suggestion.title(), "How much does CIPP cost to run?");

    // Only moderators may undo; undoing deletes the reply and forgets the example.
    let undo = linked.custom_id("Undo link").expect("an Undo link button");
    h.emulator.click(ALICE, linked.id, &undo).unwrap();
    assert!(h.post().await.content().contains("Only moderators"));
    h.emulator.click(MOD, linked.id, &undo).unwrap();
    let told = h.post().await;
    assert!(
        told.ephemeral && told.content().contains("Link undone"),
        "{}",
        told.content()
    );
    assert_eq!(h.deleted().await, Some(linked.id));
    let after = h.emulator.say(BOB, CIPP_ISSUES, NOVEL_AGAIN);
    h.quiet(after).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_it_keeps_the_entry_away_from_the_same_message() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    let asked = h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let post = h.post().await;
    assert_eq!(post.reply_to, Some(asked));
    let not_it = post.custom_id("Not it").unwrap();
    h.emulator.click(ALICE, post.id, &not_it).unwrap();
    assert!(h.post().await.content().contains("removed the suggestion"));
    assert_eq!(h.deleted().await, Some(post.id));

    let again = h.emulator.say(BOB, CIPP_ISSUES, PROBLEM);
    h.quiet(again).await;
    // The entry still answers on request.
    h.faq(
        BOB,
        GENERAL,
        json!([{"name": "entry", "type": 3, "value": "500-error"}]),
    );
    assert!(h.post().await.title().contains("500 error"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldowns_and_statistics_survive_a_restart() {
    let mut h = Harness::start(&shipped_faq()).await;
    h.emulator.say(ALICE, CIPP_ISSUES, PROBLEM);
    let post = h.post().await;
    let solved = post.custom_id("Solved it").unwrap();
    h.emulator.click(ALICE, post.id, &solved).unwrap();
    h.post().await;

    h.restart().await;
    let again = h.emulator.say(BOB, CIPP_ISSUES, PROBLEM);
    let silence = h.quiet(again).await;
    assert!(
        matches!(silence, faqbot::service::Silence::Cooldown { .. }),
        "the cooldown survived the restart: {silence:?}"
    );

    let stats =
        json!([{"name": "stats", "type": 1, "options": [{"name": "days", "type": 4, "value": 7}]}]);
    h.emulator.slash(ALICE, GENERAL, "faq-admin", stats.clone());
    assert!(h.post().await.content().contains("Only moderators"));
    h.emulator.slash(MOD, GENERAL, "faq-admin", stats);
    let shown = h.post().await;
    let text = shown.content();
    assert!(shown.ephemeral);
    assert!(text.contains("the last 7 days"), "{text}");
    assert!(
        text.contains("`500-error`: shown 1 (unasked 1, /faq 0, linked 0); 100% helpful"),
        "{text}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_admin_unlink_takes_a_message_link() {
    let mut h = Harness::start(&shipped_faq()).await;
    let asked = h.emulator.say(ALICE, GENERAL, NOVEL);
    link(&mut h, asked, "cost").await;
    let linked = h.post().await;
    h.post().await;

    let unlink = |message: String| json!([{"name": "unlink", "type": 1, "options": [{"name": "message", "type": 3, "value": message}]}]);
    h.emulator
        .slash(MOD, GENERAL, "faq-admin", unlink("not a message".into()));
    assert!(h.post().await.content().contains("message link"));
    let url = format!("https://discord.com/channels/1/{GENERAL}/{asked}");
    h.emulator.slash(MOD, GENERAL, "faq-admin", unlink(url));
    assert_eq!(h.deleted().await, Some(linked.id));
    let told = h.post().await;
    assert!(told.content().contains("Link undone"), "{}", told.content());
    h.emulator
        .slash(MOD, GENERAL, "faq-admin", unlink(asked.to_string()));
    assert!(h
        .post()
        .await
        .content()
        .contains("Nothing was linked there"));
    h.stop().await;
}

/// `/faq-admin learn-history`: a moderator has the bot read the channel's past; a staff reply
/// there with an entry's docs link teaches the matcher at once. Members may not run it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learning_from_the_history_teaches_the_matcher() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    let day = std::time::Duration::from_secs(86_400);
    let asked = h.emulator.past(day * 3, ALICE, CIPP_ISSUES, NOVEL, None);
    let link = "see https://cipp.app/docs/general/faq/#cost";
    h.emulator
        .past(day * 2, MOD, CIPP_ISSUES, link, Some(asked));
    let before = h.emulator.say(BOB, CIPP_ISSUES, NOVEL_AGAIN);
    h.quiet(before).await;

    let learn = json!([{"name": "learn-history", "type": 1, "options": []}]);
    h.emulator.slash(ALICE, GENERAL, "faq-admin", learn.clone());
    assert!(h.post().await.content().contains("Only moderators"));
    h.emulator.slash(MOD, GENERAL, "faq-admin", learn);
    let started = h.post().await;
    assert!(started.ephemeral && started.content().contains("Reading"));
    let mut done = h.post().await;
    while !done.content().starts_with("Read ") {
        done = h.post().await;
    }
    assert!(
        done.content().contains("1 learned") && done.content().contains("1 examples stored"),
        "{}",
        done.content()
    );

    let after = h.emulator.say(BOB, CIPP_ISSUES, NOVEL_AGAIN);
    let suggestion = h.post().await;
    assert_eq!(suggestion.reply_to, Some(after));
    assert_eq!(suggestion.title(), "How much does CIPP cost to run?");
    h.stop().await;
}

/// A moderator's `/faq` aimed at a member, in the thread that member opened, teaches too when the
/// history is read: the member's opening message becomes an example of the entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderators_faq_for_a_member_is_learned_from_the_history() {
    let mut h = Harness::start_with(&shipped_faq(), |c| c.suggest.cooldown_secs = 0).await;
    let thread = h.emulator.thread(CIPP_ISSUES, "gizmotron trouble");
    let opened = h.emulator.say(ALICE, thread, NOVEL);
    h.quiet(opened).await;
    h.emulator.slash(
        MOD,
        thread,
        "faq",
        json!([{"name": "entry", "type": 3, "value": "cost"}, {"name": "user", "type": 6, "value": ALICE.to_string()}]),
    );
    assert_eq!(h.post().await.title(), "How much does CIPP cost to run?");

    let learn = json!([{"name": "learn-history", "type": 1, "options": []}]);
    h.emulator.slash(MOD, GENERAL, "faq-admin", learn);
    let mut done = h.post().await;
    while !done.content().starts_with("Read ") {
        done = h.post().await;
    }
    assert!(done.content().contains("1 learned"), "{}", done.content());
    let similar = h.emulator.say(BOB, CIPP_ISSUES, NOVEL_AGAIN);
    let suggestion = h.post().await;
    assert_eq!(suggestion.reply_to, Some(similar));
    assert_eq!(suggestion.title(), "How much does CIPP cost to run?");
    h.stop().await;
}

/// `/faq-admin gaps`: the questions that matched nothing, grouped, for moderators only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_admin_gaps_groups_what_matched_nothing() {
    let mut h = Harness::start(&shipped_faq()).await;
    for (who, text) in [
        (ALICE, NOVEL),
        (BOB, NOVEL_AGAIN),
        (ALICE, "the gizmotron widget on my tablet is flickering"),
    ] {
        let asked = h.emulator.say(who, CIPP_ISSUES, text);
        h.quiet(asked).await;
    }
    let gaps =
        json!([{"name": "gaps", "type": 1, "options": [{"name": "days", "type": 4, "value": 7}]}]);
    h.emulator.slash(ALICE, GENERAL, "faq-admin", gaps.clone());
    assert!(h.post().await.content().contains("Only moderators"));
    h.emulator.slash(MOD, GENERAL, "faq-admin", gaps);
    let shown = h.post().await;
    let text = shown.content();
    assert!(shown.ephemeral);
    assert!(
        text.starts_with(
            "**What the FAQ lacks, the last 7 days**: 1 gaps in 3 unmatched questions"
        ),
        "{text}"
    );
    assert!(text.contains("gizmotron"), "{text}");
    assert!(
        text.contains(": 3 questions from 2 members (0 in the 7 days before)"),
        "{text}"
    );
    assert!(text.contains("https://discord.com/channels/"), "{text}");
    assert!(text.contains("no entry is close: write one"), "{text}");
    h.stop().await;
}

/// A moderator's reply that links a docs page no entry links is kept, and `/faq-admin gaps` lists
/// the page; a reply that links an entry's page is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderators_reply_with_a_page_no_entry_links_is_a_gap() {
    let mut h = Harness::start(&shipped_faq()).await;
    let missing = "https://cipp.app/docs/setup/a-page-no-entry-links";
    for (who, text) in [(ALICE, NOVEL), (BOB, NOVEL_AGAIN)] {
        let asked = h.emulator.say(who, CIPP_ISSUES, text);
        h.quiet(asked).await;
        let reply = h
            .emulator
            .reply(MOD, CIPP_ISSUES, &format!("this is on {missing}."), asked);
        h.quiet(reply).await;
    }
    let asked = h.emulator.say(
        ALICE,
        CIPP_ISSUES,
        "the gizmotron widget on my tablet is flickering",
    );
    h.quiet(asked).await;
    let entry_page = "https://cipp.app/docs/general/faq/#a-section";
    let reply = h.emulator.reply(MOD, CIPP_ISSUES, entry_page, asked);
    h.quiet(reply).await;
    let gaps = json!([{"name": "gaps", "type": 1, "options": []}]);
    h.emulator.slash(MOD, GENERAL, "faq-admin", gaps);
    let shown = h.post().await;
    let text = shown.content();
    assert!(
        text.contains(&format!("• <{missing}>: 2 questions from 2 members")),
        "{text}"
    );
    assert!(!text.contains("general/faq"), "{text}");
    h.stop().await;
}
