//! Names an import gives: heading anchors as each site writes them, entry ids from questions.

use super::Format;

/// The anchor a site gives a heading: Docusaurus its `{#id}` or a slug, GitBook a slug with an
/// `id-` prefix when it starts with a digit.
pub fn anchor(format: Format, heading: &str, id: Option<&str>) -> String {
    if let (Format::Docusaurus, Some(id)) = (format, id) {
        return id.to_owned();
    }
    let mut slug = String::new();
    for c in heading.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_owned();
    match format {
        Format::GitBook if slug.starts_with(|c: char| c.is_ascii_digit()) => format!("id-{slug}"),
        _ => slug,
    }
}

/// A lowercase id from a question: letters and digits joined by `-`, at most 64 characters.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > crate::faq::ID_MAX_CHARS {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        slug.push_str("entry");
    }
    slug
}

/// `id`, or the first of `id-2`, `id-3`… that is not `taken` (shortened to stay a valid id).
pub(crate) fn free_id(id: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(id) {
        return id.to_owned();
    }
    let stem: String = id.chars().take(crate::faq::ID_MAX_CHARS - 4).collect();
    (2..)
        .map(|n| format!("{stem}-{n}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| id.to_owned())
}
