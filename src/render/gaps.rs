//! `/faq-admin gaps` and the weekly digest: the gaps as a moderator reads them, each with what to
//! do, and the docs pages the staff answered with that no entry links.

use super::{lines_within, message_link, one_line, Post};
use crate::gaps::period::InPeriod;
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
    lines.extend(gap_lines(gaps, &listed, days, guild));
    lines.extend(page_lines(gaps, &gaps.pages_in_period(), days));
    lines_within(lines)
}

/// The weekly digest for the moderators' channel: only the gaps and pages that are new or asked
/// more than in the `days` before; `None` when none is. Quoted as `/faq-admin gaps` quotes
/// them, in the channel the config names for moderators; like every post, it pings nobody.
pub fn digest(gaps: &Gaps, days: u64, guild: u64) -> Option<Post> {
    let growing = |figures: &InPeriod| figures.count > figures.before;
    let listed: Vec<InPeriod> = gaps.in_period().into_iter().filter(growing).collect();
    let pages: Vec<InPeriod> = gaps.pages_in_period().into_iter().filter(growing).collect();
    if listed.is_empty() && pages.is_empty() {
        return None;
    }
    let mut lines = vec![format!(
        "**faqbot's weekly digest: new and growing gaps, {}** ({} gaps, {} pages; `/faq-admin gaps` lists them all).",
        crate::time::period(days),
        listed.len(),
        pages.len()
    )];
    lines.extend(gap_lines(gaps, &listed, days, guild));
    lines.extend(page_lines(gaps, &pages, days));
    let mut post = lines_within(lines);
    post.ephemeral = false;
    Some(post)
}

/// Each of the first [`GAPS_SHOWN`] gaps of `listed` in two lines: its figures and example, then
/// what to do.
fn gap_lines(gaps: &Gaps, listed: &[InPeriod], days: u64, guild: u64) -> Vec<String> {
    let mut lines = Vec::new();
    for (n, figures) in listed.iter().take(GAPS_SHOWN).enumerate() {
        let gap = &gaps.found.gaps[figures.index];
        let central = &gaps.asked[gap.central];
        let text = one_line(&central.text.replace('`', "'"), 90);
        lines.push(format!(
            "**{}. {}**: {} questions from {} members ({} in the {days} days before), e.g. `{text}` ({})",
            n + 1,
            gap.label,
            figures.count,
            figures.askers,
            figures.before,
            message_link(guild, central.channel.get(), central.message.get())
        ));
        lines.push(match &gap.closest {
            Some(closest) => format!(
                "→ close to `{}` ({:.2}): Answer with FAQ on a few of these to teach it.",
                closest.id, closest.confidence
            ),
            None => "→ no entry is close: write one (`faqbot gaps --draft` drafts it).".to_owned(),
        });
    }
    lines
}

/// The first [`PAGES_SHOWN`] pages of `listed` under their heading, a line each.
fn page_lines(gaps: &Gaps, listed: &[InPeriod], days: u64) -> Vec<String> {
    let mut lines = Vec::new();
    if !listed.is_empty() {
        lines.push("**Docs pages the staff answered with that no entry links:**".to_owned());
    }
    for figures in listed.iter().take(PAGES_SHOWN) {
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
    lines
}
