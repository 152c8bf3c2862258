//! The bot's posts and silences as text for the terminal.

use crate::matcher::calibration::MIN_CONFIDENCE;
use crate::policy::Quiet;
use crate::service::Silence;
use faqbot_emulator::world;
use faqbot_emulator::Post;

/// Why the bot stays quiet, in one line.
pub(super) fn quiet_reason(silence: &Silence) -> String {
    match silence {
        Silence::Policy(Quiet::FromBot) => "the author is a bot".to_owned(),
        Silence::Policy(Quiet::FromModerator) => "moderators get no unasked suggestions".to_owned(),
        Silence::Policy(Quiet::NotWatched) => "not a watched channel".to_owned(),
        Silence::Policy(Quiet::LaterInThread) => "not the first message of the thread".to_owned(),
        Silence::Policy(Quiet::AlreadyAnswered) => "this message was considered before".to_owned(),
        Silence::NotConfident {
            best: Some((id, confidence)),
        } => format!(
            "the best entry, `{id}`, has confidence {confidence:.3}, below {MIN_CONFIDENCE:.3}"
        ),
        Silence::NotConfident { best: None } => "no entry shares a word with that".to_owned(),
        Silence::NotIt { entry, confidence } => format!(
            "`{entry}` has confidence {confidence:.3}, but someone said \"Not it\" to it for a message like this one"
        ),
        Silence::Cooldown { entry, until_ms } => {
            let left =
                until_ms.map(|until| until.saturating_sub(crate::time::now_ms()).div_ceil(1000));
            match left {
                Some(secs) => {
                    format!("`{entry}` was suggested here recently ({secs} s of cooldown left)")
                }
                None => format!("`{entry}` was suggested here recently"),
            }
        }
        Silence::NoMemory => "its memory cannot be read".to_owned(),
    }
}

/// `<@id>` as `@name` and `<#id>` as `#name`, for the people and channels of the emulated server.
fn names(text: &str) -> String {
    let mut text = text.to_owned();
    for person in world::PEOPLE {
        text = text.replace(&format!("<@{}>", person.id), &format!("@{}", person.name));
    }
    for (id, name) in [
        (world::GENERAL, "general"),
        (world::CIPP_ISSUES, "cipp-issues"),
        (world::SUPPORT_FORUM, "support-forum"),
    ] {
        text = text.replace(&format!("<#{id}>"), &format!("#{name}"));
    }
    text
}

/// A post as text for the terminal; `asker` wrote the message it replies to, if known.
pub fn describe(post: &Post, asker: Option<u64>) -> String {
    let mut text = String::from("faqbot");
    if post.reply_to.is_some() {
        match asker {
            Some(asker) => text.push_str(&format!(" (replying to @{})", world::person(asker).name)),
            None => text.push_str(" (replying)"),
        }
    }
    if post.ephemeral {
        text.push_str(" (only you can see this)");
    }
    text.push_str(":\n");
    for line in post.content().lines() {
        text.push_str(&format!("  {}\n", names(line)));
    }
    if !post.title().is_empty() {
        text.push_str(&format!("  ┌ {}\n", post.title()));
        for line in post.description().lines() {
            text.push_str(format!("  │ {}", names(line)).trim_end());
            text.push('\n');
        }
        text.push_str("  └\n");
    }
    let options = post.options();
    if !options.is_empty() {
        text.push_str(&format!("  entries to pick: {}\n", options.join(", ")));
    }
    let buttons: Vec<String> = post
        .components()
        .into_iter()
        .filter(|(_, target)| !target.starts_with("faqbot:link:"))
        .map(|(label, _)| format!("[{label}]"))
        .collect();
    if !buttons.is_empty() {
        text.push_str(&format!("  {}\n", buttons.join(" ")));
    }
    text
}

/// A bot post as the member would point at it: its title, or its first line.
pub(super) fn post_name(post: &Post) -> String {
    let title = post.title();
    let first = if title.is_empty() {
        post.content().lines().next().unwrap_or("")
    } else {
        title
    };
    format!("faqbot's post \"{}\"", crate::render::cut_chars(first, 60))
}

/// Why `/click LABEL` clicked nothing: no post (`posts`, newest first, as they are now) has that
/// button; names the newest that has buttons, and what they are.
pub(super) fn no_button(label: &str, posts: &[Post]) -> String {
    let newest = posts.iter().find_map(|post| {
        let labels: Vec<String> = post
            .components()
            .into_iter()
            .filter(|(_, target)| target.starts_with("faqbot:"))
            .map(|(label, _)| label)
            .collect();
        (!labels.is_empty()).then(|| (post_name(post), labels.join(", ")))
    });
    match newest {
        Some((name, labels)) => format!(
            "(no button {label:?} on any of faqbot's posts; the newest with buttons is {name}: it has {labels})\n"
        ),
        None => format!("(no button {label:?}: faqbot has no post with buttons left)\n"),
    }
}
