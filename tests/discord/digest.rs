//! The weekly gaps digest: the new and growing gaps posted once a week in the moderators' channel,
//! pinging nobody, and not again after a restart in the same week.

use faqbot::ids::{ChannelId, GuildId, MessageId, UserId};
use faqbot::store::sqlite::Sqlite;
use faqbot::store::{Backend, Record};
use faqbot_emulator::world::{ALICE, BOB, CIPP_ISSUES, GENERAL, GUILD, NEWBIE};

use super::{shipped_faq, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_is_posted_once_across_a_restart() {
    let mut h = Harness::start_prepared(&shipped_faq(), |_, config| {
        config.gaps.digest_channel = Some("general".into());
        // Three members asked the same unanswered thing this week; a fourth question, alone, is
        // no gap.
        let db = Sqlite::open(&config.store.path).unwrap();
        let hour_ago = faqbot::time::now_ms() - 3_600_000;
        let asked = [
            (
                ALICE,
                "the gizmotron widget keeps flickering on my tablet @everyone",
            ),
            (BOB, "my gizmotron widget is flickering on the tablet again"),
            (NEWBIE, "why does the gizmotron widget flicker on tablets"),
            (ALICE, "what is the airspeed velocity of an unladen swallow"),
        ];
        let records: Vec<Record> = asked
            .iter()
            .enumerate()
            .map(|(n, (user, text))| Record::Unmatched {
                at_ms: hour_ago + n as u64,
                guild: Some(GuildId(GUILD)),
                channel: ChannelId(CIPP_ISSUES),
                message: MessageId(1_000 + n as u64),
                user: UserId(*user),
                text: (*text).into(),
            })
            .collect();
        db.write(&records).unwrap();
    })
    .await;
    let digest = h.post().await;
    let text = digest.content();
    assert_eq!(digest.channel, GENERAL);
    assert!(!digest.ephemeral);
    assert!(
        text.starts_with(
            "**faqbot's weekly digest: new and growing gaps, the last 7 days** (1 gaps, 0 pages"
        ),
        "{text}"
    );
    assert!(text.contains("gizmotron"), "{text}");
    assert!(
        text.contains("3 questions from 3 members (0 in the 7 days before)"),
        "{text}"
    );
    assert!(!text.contains("swallow"), "{text}");
    let pings = &digest.pings;
    assert!(
        pings.explicit && !pings.everyone && pings.users.is_empty() && pings.roles.is_empty(),
        "{pings:?}"
    );
    // The week's digest is taken: a restart does not post it again.
    h.restart().await;
    h.no_post().await;
    h.stop().await;
}
