//! Escaping only what Discord would read as markup, and the small text measures the writer needs.

/// Elements whose content is not text for the reader (a figure's caption without its image).
pub(super) const SKIPPED: [&str; 3] = ["figure", "script", "style"];

pub(super) fn indent(width: usize) -> &'static str {
    const SPACES: &str = "          ";
    &SPACES[..width.min(SPACES.len())]
}

/// Whether a line so far is only a list marker (`- `, `12. `) after prefixes.
pub(super) fn is_marker(line: &str) -> bool {
    let rest = line.trim_start_matches(['>', ' ']);
    rest == "- "
        || rest
            .strip_suffix(". ")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

pub(super) fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, false);
    out
}

/// Writes `text` escaping what Discord would read as markup: `*`, `` ` ``, `_`s that could pair
/// into italics, `~~`, `||`, a backslash before punctuation, and a `#`, `>`, `-`, `+` or `1.`
/// that would start a heading, quote or list at the start of a line.
pub(super) fn escape_into(out: &mut String, text: &str, line_start: bool) {
    let chars: Vec<char> = text.chars().collect();
    let before = out.chars().next_back();
    let start = out.len();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    // An `_` can only open or close italics beside a non-word character, and only with a partner:
    // a lone one (`"MLT_"`) is left as written.
    let loose = |i: usize| {
        let previous = if i == 0 { before } else { Some(chars[i - 1]) };
        chars[i] == '_' && !(word(previous) && word(chars.get(i + 1).copied()))
    };
    let paired = (0..chars.len()).filter(|&i| loose(i)).count() >= 2;
    for (i, &c) in chars.iter().enumerate() {
        let previous = if i == 0 { before } else { Some(chars[i - 1]) };
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '*' | '`' => true,
            '_' => paired && loose(i),
            '~' | '|' => next == Some(c) || previous == Some(c),
            '\\' => next.is_some_and(|n| n.is_ascii_punctuation()),
            '#' | '>' | '-' | '+' if i == 0 && line_start => {
                c == '>' || next.is_none_or(|n| n == ' ' || (c == '#' && n == '#'))
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    if line_start {
        // `1. ` at the start of a line would become a list item.
        let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && chars.get(digits) == Some(&'.') && chars.get(digits + 1) == Some(&' ') {
            // Digits are never escaped, so they start the written text as they start `text`.
            out.insert(start + digits, '\\');
        }
    }
}
