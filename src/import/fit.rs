//! Fitting imported text into Discord's limits: a question into an embed title, an answer into an
//! embed description, each cut where a reader would pause.

use crate::faq::{ANSWER_MAX_CHARS, QUESTION_MAX_CHARS};

/// A question over the limit, shortened at a word boundary with `…`; `None` when it fits.
pub fn question(question: &str) -> Option<String> {
    if question.chars().count() <= QUESTION_MAX_CHARS {
        return None;
    }
    let budget = QUESTION_MAX_CHARS - 1;
    let end = question
        .char_indices()
        .nth(budget)
        .map_or(question.len(), |(i, _)| i);
    let head = &question[..end];
    let cut = head.rfind(' ').filter(|&i| i > budget / 2).unwrap_or(end);
    Some(format!(
        "{}…",
        head[..cut].trim_end_matches([' ', ',', ';', ':', '.'])
    ))
}

/// An answer over the limit, cut at the last paragraph (or list item) that fits, never inside a
/// code block, and
/// ending with a link to the rest; `None` when it fits.
pub fn answer(answer: &str, link: &str) -> Option<String> {
    if answer.chars().count() <= ANSWER_MAX_CHARS {
        return None;
    }
    let suffix = format!("\n\n[Read the rest in the docs]({link})");
    // Room to close a code block the cut falls in.
    let budget = ANSWER_MAX_CHARS.saturating_sub(suffix.chars().count() + 4);
    let end = answer
        .char_indices()
        .nth(budget)
        .map_or(answer.len(), |(i, _)| i);
    let head = &answer[..end];
    let outside_code = |at: usize| head[..at].matches("```").count().is_multiple_of(2);
    // The last paragraph break that keeps at least half of the room, else the last line break
    // (a list item), else any break outside code, else the last line.
    let half = head.len() / 2;
    let cut = [("\n\n", half), ("\n", half), ("\n\n", 1), ("\n", 1)]
        .iter()
        .find_map(|&(boundary, from)| {
            head.match_indices(boundary)
                .map(|(i, _)| i)
                .filter(|&i| i >= from && outside_code(i))
                .last()
        })
        .or_else(|| head.rfind('\n'))
        .unwrap_or(end);
    let mut kept = head[..cut].trim_end().to_owned();
    if !outside_code(cut) {
        kept.push_str("\n```");
    }
    Some(format!("{kept}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_question_ends_at_a_word() {
        let long = format!("{} tail", "word ".repeat(60));
        let short = question(&long).unwrap();
        assert!(short.chars().count() <= QUESTION_MAX_CHARS);
        assert!(short.ends_with("word…"), "{short}");
        assert_eq!(question("Short?"), None);
    }

    #[test]
    fn a_long_answer_ends_at_a_paragraph_with_a_link() {
        let paragraph = "A sentence of the answer. ".repeat(20);
        let long = [paragraph.trim(); 12].join("\n\n");
        let cut = answer(&long, "https://docs.x.org/page").unwrap();
        assert!(cut.chars().count() <= ANSWER_MAX_CHARS);
        assert!(cut.ends_with("answer.\n\n[Read the rest in the docs](https://docs.x.org/page)"));
        assert_eq!(answer("short", "https://x.org"), None);
    }

    #[test]
    fn a_cut_never_leaves_a_code_block_open() {
        let long = format!("Intro.\n\n```\n{}```\n", "line of code\n".repeat(400));
        let cut = answer(&long, "https://x.org").unwrap();
        assert_eq!(cut.matches("```").count() % 2, 0, "{cut}");
        assert!(cut.chars().count() <= ANSWER_MAX_CHARS);
    }
}
