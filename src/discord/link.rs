//! A moderator's link: the entry posted as a reply to a member's message, and that message learned
//! as an example. Pickers link once.

use poise::serenity_prelude as serenity;

use super::{blocking, send, Data, Error};
use crate::render;
use crate::service::{Link, Service};
use crate::time;
use std::sync::Arc;

/// What a moderator is told when using a picker a second time.
pub const PICKER_SPENT: &str =
    "This picker was used already: run \"Answer with FAQ\" again to link another entry.";

/// Marks a picker used; false if it was used before (or that cannot be told).
pub async fn spend_picker(service: &Arc<Service>, picker: u64) -> bool {
    let picker = crate::ids::MessageId(picker);
    let service = service.clone();
    blocking(move || service.spend_picker(picker, time::now_ms()))
        .await
        .unwrap_or(false)
}

/// After a deferred answer, an error is told by filling in that answer.
pub fn went_wrong(error: Error) -> String {
    tracing::error!("linking failed: {error}");
    render::SOMETHING_WENT_WRONG.to_owned()
}

/// Posts `entry` as a reply to a member's message on a moderator's behalf; returns the text that
/// tells the moderator it is done.
pub async fn link(
    ctx: &serenity::Context,
    data: &Data,
    service: &Arc<Service>,
    channel: u64,
    message: u64,
    entry: &crate::faq::Entry,
    moderator: u64,
) -> Result<String, Error> {
    let channel = serenity::ChannelId::new(channel);
    let target = channel
        .message(ctx, serenity::MessageId::new(message))
        .await?;
    let post = render::linked(entry, moderator, target.id.get());
    // Each link is a post of its own (the same entry may be linked again after an undo).
    static LINKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let key = format!(
        "l{:x}{:x}",
        time::now_ms(),
        LINKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let reply = send::once(post.to_message().reference_message(&target), key);
    let deadline = std::time::Instant::now() + data.max_delay;
    let sent = data.sender.post(ctx, channel, reply, deadline).await?;
    tracing::info!(
        target: "faqbot::links",
        entry = %entry.id,
        moderator,
        message_id = target.id.get(),
        reply = sent.id.get(),
        "linked"
    );
    // The message becomes an example of the entry, used from the next message on.
    let service = service.clone();
    let id = entry.id.clone();
    blocking(move || {
        service.linked(
            &Link {
                entry: &id,
                channel: channel.into(),
                message: target.id.into(),
                author: target.author.id.into(),
                text: &target.content,
                reply: sent.id.into(),
                moderator: crate::ids::UserId(moderator),
            },
            time::now_ms(),
        )
    })
    .await??;
    Ok(format!(
        "Posted `{}` as a reply to the message; I will suggest it for messages like it.",
        entry.id
    ))
}
