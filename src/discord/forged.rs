//! Interactions the bot cannot read, answered privately instead of left to fail: a subcommand it
//! does not have, or options serenity cannot parse (a `user` option that is not a Discord id),
//! which serenity hands on only as an unknown event. No real client sends these, but anyone can
//! forge them, and a user must never be left with "The application did not respond".

use poise::serenity_prelude as serenity;
use serenity::{
    CreateAutocompleteResponse, CreateInteractionResponse, InteractionId, InteractionType,
};

use crate::render;

/// Sees the events serenity could not parse; answers the interactions among them.
pub struct Unreadable;

#[serenity::async_trait]
impl serenity::RawEventHandler for Unreadable {
    async fn raw_event(&self, ctx: serenity::Context, event: serenity::Event) {
        let serenity::Event::Unknown(unknown) = event else {
            return;
        };
        if unknown.kind != "INTERACTION_CREATE" {
            return;
        }
        let value = &unknown.value;
        let id = value["id"].as_str().and_then(|id| id.parse::<u64>().ok());
        let (Some(id), Some(token)) = (id.filter(|&id| id != 0), value["token"].as_str()) else {
            tracing::info!("an interaction without a readable id or token: it cannot be answered");
            return;
        };
        let kind = value["type"]
            .as_u64()
            .and_then(|kind| u8::try_from(kind).ok())
            .map_or(InteractionType::Ping, InteractionType::from);
        tracing::info!(
            interaction = id,
            "an interaction whose options cannot be read"
        );
        answer(&ctx, InteractionId::new(id), token, kind).await;
    }
}

/// Answers an interaction the bot cannot act on: no choices for autocomplete, a private line
/// otherwise.
pub async fn answer(
    ctx: &serenity::Context,
    id: InteractionId,
    token: &str,
    kind: InteractionType,
) {
    let response = match kind {
        InteractionType::Autocomplete => {
            CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new())
        }
        _ => CreateInteractionResponse::Message(
            render::notice(render::NOT_UNDERSTOOD).to_interaction(),
        ),
    };
    if let Err(error) = ctx
        .http
        .create_interaction_response(id, token, &response, vec![])
        .await
    {
        tracing::info!("could not answer an interaction the bot cannot read: {error}");
    }
}
