//! `/faq-admin gaps`: the largest gaps as a moderator reads them, each with what to do.

use super::{cut_chars, lines_within, Post};
use crate::service::Gaps;

/// Gaps shown in Discord: the rest are for `faqbot gaps`.
pub const GAPS_SHOWN: usize = 5;

/// The largest gaps of `guild` over the last `days`, private to the moderator who asked.
pub fn gaps(gaps: &Gaps, days: u64, guild: u64) -> Post {
    let found = &gaps.found;
    let mut lines = vec![format!(
        "**What the FAQ lacks, {}**: {} gaps in {} unmatched questions ({} alike in no group).",
        crate::time::period(days),
        found.gaps.len(),
        gaps.asked.len(),
        found.noise
    )];
    if found.gaps.is_empty() {
        lines.push(
            "Nothing is asked often enough to be a gap (3 alike questions make one).".to_owned(),
        );
    }
    for (n, gap) in found.gaps.iter().take(GAPS_SHOWN).enumerate() {
        let mut askers: Vec<u64> = gap
            .members
            .iter()
            .map(|&m| gaps.asked[m].user.get())
            .collect();
        askers.sort_unstable();
        askers.dedup();
        let central = &gaps.asked[gap.central];
        let text: String = central
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let text = cut_chars(&text.replace('`', "'"), 90);
        lines.push(format!(
            "**{}. {}**: {} questions from {} members, e.g. `{text}` (https://discord.com/channels/{guild}/{}/{})",
            n + 1,
            gap.label,
            gap.members.len(),
            askers.len(),
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
    lines_within(lines)
}
