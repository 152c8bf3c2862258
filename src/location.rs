//! Turning byte offsets into `file:line:column` positions for error messages.

use std::fmt;
use std::ops::Range;

/// A 1-based line and column (in characters) inside a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text`; offsets past the end point at the end. For many
    /// offsets in one text, [`Lines`] finds each in time proportional to its line, not the text.
    pub fn of(text: &str, offset: usize) -> Self {
        Lines::new(text).position(offset)
    }
}

/// Where each line of a text starts, to find many positions in it quickly.
pub struct Lines<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// The position of byte `offset`; offsets past the end point at the end.
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        // The last line starting at or before the offset.
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        Position {
            line: line + 1,
            column: self.text[self.starts[line]..offset].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One problem found in a file, printed as `path:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub position: Position,
    pub message: String,
}

impl Problem {
    pub fn at(path: &str, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        Problem::in_lines(path, &Lines::new(text), span, message)
    }

    /// The same with the text's lines indexed once, for files with many problems.
    pub fn in_lines(
        path: &str,
        lines: &Lines<'_>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.to_owned(),
            position: lines.position(span.start),
            message: message.into(),
        }
    }

    /// A TOML syntax or type error, kept to one line.
    pub fn from_toml(path: &str, text: &str, error: &toml::de::Error) -> Self {
        Problem::from_toml_in(path, &Lines::new(text), error)
    }

    /// The same with the text's lines indexed once.
    pub fn from_toml_in(path: &str, lines: &Lines<'_>, error: &toml::de::Error) -> Self {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim().replace('\n', " ");
        Problem::in_lines(path, lines, span, message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.position, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd é\n";
        assert_eq!(Position::of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of(text, 3), Position { line: 2, column: 1 });
        // 'é' starts after "çd " (4 bytes, 3 characters).
        assert_eq!(Position::of(text, 7), Position { line: 2, column: 4 });
        assert_eq!(Position::of(text, 999), Position { line: 3, column: 1 });
    }

    #[test]
    fn the_line_index_agrees_with_counting_from_the_start() {
        let text = "a\n\nbé\ncd\n";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 2 {
            let mut at = offset.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let before = &text[..at];
            let expected = Position {
                line: before.matches('\n').count() + 1,
                column: before[before.rfind('\n').map_or(0, |i| i + 1)..]
                    .chars()
                    .count()
                    + 1,
            };
            assert_eq!(lines.position(offset), expected, "offset {offset}");
        }
    }

    #[test]
    fn offsets_inside_a_character_do_not_panic() {
        assert_eq!(Position::of("é", 1), Position { line: 1, column: 1 });
    }
}
