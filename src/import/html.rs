//! The little HTML that docs pages carry: tags split from text, entities decoded.
//!
//! Markdown lets pages embed HTML (`<details>`, `<summary>`, `<figure>`, `<br>`, comments). The
//! parser hands it over as raw text; this splits it into tags and text so the importer can keep the
//! structure it understands and the words, and drop the rest.

use std::borrow::Cow;
use std::ops::Range;

/// One piece of an HTML fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// `<name attrs>`; the name in lowercase.
    Open { name: String, attrs: &'a str },
    /// `</name>`.
    Close { name: String },
    /// `<!-- … -->`, or a declaration such as `<!DOCTYPE …>`.
    Comment,
    /// Text between tags, entities still encoded.
    Text(&'a str),
}

/// Splits `html` into pieces, each with its byte range. A `<` that opens no tag is text.
pub fn pieces(html: &str) -> Vec<(Range<usize>, Piece<'_>)> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut at = 0;
    while let Some(found) = html[at..].find('<') {
        let start = at + found;
        let Some((end, piece)) = tag_at(html, start) else {
            at = start + 1;
            continue;
        };
        if text_start < start {
            out.push((text_start..start, Piece::Text(&html[text_start..start])));
        }
        out.push((start..end, piece));
        text_start = end;
        at = end;
    }
    if text_start < html.len() {
        out.push((text_start..html.len(), Piece::Text(&html[text_start..])));
    }
    out
}

/// The tag starting at `start` (a `<`) and the offset just past it.
fn tag_at(html: &str, start: usize) -> Option<(usize, Piece<'_>)> {
    let rest = &html[start + 1..];
    if let Some(comment) = rest.strip_prefix("!--") {
        // An unclosed comment runs to the end, as in a browser.
        let end = comment
            .find("-->")
            .map_or(html.len(), |i| start + 4 + i + 3);
        return Some((end, Piece::Comment));
    }
    let (closing, name_start) = match rest.strip_prefix('/') {
        Some(_) => (true, start + 2),
        None => (false, start + 1),
    };
    let first = html[name_start..].chars().next()?;
    if !(first.is_ascii_alphabetic() || (first == '!' && !closing)) {
        return None;
    }
    let end = name_start + close_bracket(&html[name_start..])?;
    let inner = &html[name_start..end];
    if first == '!' {
        return Some((end + 1, Piece::Comment));
    }
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(inner.len());
    let name = inner[..name_len].to_ascii_lowercase();
    let piece = if closing {
        Piece::Close { name }
    } else {
        let attrs = inner[name_len..].trim().trim_end_matches('/').trim_end();
        Piece::Open { name, attrs }
    };
    Some((end + 1, piece))
}

/// The offset of the `>` that ends a tag, skipping quoted attribute values.
fn close_bracket(text: &str) -> Option<usize> {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        match (quote, c) {
            // A blank line ends any tag, as it ends an HTML block.
            (_, '\n') if previous == '\n' => return None,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
        previous = c;
    }
    None
}

/// The value of attribute `name` in a tag's attribute text, entities decoded.
pub fn attr(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let key_len = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = &rest[..key_len];
        rest = rest[key_len..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(q).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = next;
            value
        } else {
            ""
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(decode_entities(value).into_owned());
        }
        if key_len == 0 {
            break;
        }
    }
    None
}

/// Decodes `&amp;`, `&#x20;` and the other entities docs pages use; unknown ones stay as written.
pub fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let decoded = after
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_comments_and_text_are_split() {
        let html = "<summary>Q <strong>x</strong> &lt; 3</summary><!-- c --><br/>a < b";
        let kinds: Vec<String> = pieces(html)
            .into_iter()
            .map(|(range, piece)| match piece {
                Piece::Open { name, .. } => format!("<{name}>"),
                Piece::Close { name } => format!("</{name}>"),
                Piece::Comment => "comment".into(),
                Piece::Text(t) => {
                    assert_eq!(&html[range], t);
                    format!("{t:?}")
                }
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "<summary>",
                "\"Q \"",
                "<strong>",
                "\"x\"",
                "</strong>",
                "\" &lt; 3\"",
                "</summary>",
                "comment",
                "<br>",
                "\"a < b\""
            ]
        );
    }

    #[test]
    fn attributes_are_read_with_quotes_and_entities() {
        let attrs = r#"href="https://x.org/?a=1&amp;b=2" title='it''s' data-x=plain"#;
        assert_eq!(
            attr(attrs, "href").as_deref(),
            Some("https://x.org/?a=1&b=2")
        );
        assert_eq!(attr(attrs, "data-x").as_deref(), Some("plain"));
        assert_eq!(attr(attrs, "alt"), None);
        // A `>` inside a quoted value does not end the tag.
        let html = r#"<a href="x>y">t</a>"#;
        assert!(matches!(&pieces(html)[0].1, Piece::Open { attrs, .. } if attrs.contains("x>y")));
    }

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(
            decode_entities("a&#x20;b &amp; &#39;c&#39; &bogus; & d"),
            "a b & 'c' &bogus; & d"
        );
    }
}
