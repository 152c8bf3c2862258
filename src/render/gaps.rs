//! `/faq-admin gaps`: the largest gaps as a moderator reads them, each with what to do, and the
//! docs pages the staff answered with that no entry links.

use super::{lines_within, one_line, Post};
use crate::service::Gaps;

/// Gaps shown in Discord: the rest are for `faqbot gaps`.
pub const GAPS_SHOWN: usize = 5;

/// Pages shown in Discord, after the gaps: the most answered ones.
pub const PAGES_SHOWN: usize = 3;

/// The largest gaps of `guild` over the last `days`, private to the moderator who asked.
pub fn gaps(gaps: &Gaps, days: u64, guild: u64) -> Post {
    let listed = gaps.in_period();
    let mut lines = vec![format!(
        "**What the FAQ lacks, {}**: {} gaps in {} unmatched questions.",
        crate::time::period(days),
        listed.len(),
        gaps.asked_in_period(),
    )];
    if listed.is_empty() {
        lines.push(
            "Nothing is asked often enough to be a gap (3 alike questions make one).".to_owned(),
        );
    }
    for (n, figures) in listed.iter().take(GAPS_SHOWN).enumerate() {
        let gap = &gaps.found.gaps[figures.index];
        let central = &gaps.asked[gap.central];
        let text = one_line(&central.text.replace('`', "'"), 90);
        lines.push(format!(
            "**{}. {}**: {} questions from {} members ({} in the {days} days before), e.g. `{text}` (https://discord.com/channels/{guild}/{}/{})",
            n + 1,
            gap.label,
            figures.count,
            figures.askers,
            figures.before,
            central.channel,
            central.message
        ));
        lines.push(match &gap.closest {
            Some(closest) => format!(
                "→ close to `{}` ({:.2}): Answer with FAQ on a few of these to teach it.",
                closest.id, closest.confidence
            ),
            None => "→ no entry is close: write one (`faqbot gaps --draft` drafts it).".to_owned(),
        });
    }
    let pages = gaps.pages_in_period();
    if !pages.is_empty() {
        lines.push("**Docs pages the staff answered with that no entry links:**".to_owned());
    }
    for figures in pages.iter().take(PAGES_SHOWN) {
        let page = &gaps.pages[figures.index];
        // In angle brackets: a list of pages, not their previews.
        lines.push(format!(
            "• <{}>: {} questions from {} members ({} in the {days} days before) → write an entry for it (`faqbot gaps --draft --root DIR --site URL` drafts it from the page).",
            page.page.replace('>', "%3E"),
            figures.count,
            figures.askers,
            figures.before
        ));
    }
    lines_within(lines)
}
