//! "Answer with FAQ", the message command: a moderator gets a picker of the entries the matcher
//! ranks best for a member's message.

use poise::serenity_prelude as serenity;

use super::{moderator_here, refusal, send, served};
use crate::discord::{Context, Error};
use crate::render;

/// The picker offers the matcher's best this many entries.
const PICKER_SIZE: usize = 5;

/// Answer a member's message with an FAQ entry (moderators).
#[poise::command(
    context_menu_command = "Answer with FAQ",
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES"
)]
pub async fn answer_with_faq(ctx: Context<'_>, message: serenity::Message) -> Result<(), Error> {
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    if !moderator_here(ctx, &service).await {
        return send(ctx, &refusal()).await;
    }
    let loaded = service.current();
    let best: Vec<_> = loaded
        .matcher
        .rank(&message.content, PICKER_SIZE)
        .iter()
        .filter_map(|m| loaded.faq.get(m.id))
        .collect();
    let post = render::picker(message.channel_id.get(), message.id.get(), &best);
    send(ctx, &post).await
}
