//! `/faq`: anyone posts an entry, found by name with autocomplete, optionally for a member.

use poise::serenity_prelude as serenity;

use super::{interaction_id, moderator_here, send, served};
use crate::discord::{Context, Error};
use crate::lookup::{self, Found};
use crate::render;
use crate::time;

/// Discord shows at most this many autocomplete choices.
const CHOICES_MAX: usize = 25;

/// Post an FAQ entry, optionally for a member who needs it.
#[poise::command(slash_command, guild_only)]
pub async fn faq(
    ctx: Context<'_>,
    #[description = "The entry: start typing its name or question"]
    #[autocomplete = "complete_entry"]
    entry: String,
    #[description = "The member who needs this answer (they get pinged)"] user: Option<
        serenity::User,
    >,
    #[description = "Show the answer only to you"] private: Option<bool>,
) -> Result<(), Error> {
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    let loaded = service.current();
    let private = private.unwrap_or(false);
    let (post, shown) = match lookup::find(&loaded.faq, &entry) {
        Found::Entry(found) => (
            render::entry(found, user.as_ref().map(|u| u.id.get()), private),
            Some(found.id.clone()),
        ),
        Found::Missing(closest) => (render::not_found(&entry, &closest), None),
    };
    // An answer posted at a member pings them: a member may do that once in a while.
    if shown.is_some() && user.is_some() && !private {
        let moderator = moderator_here(ctx, &service).await;
        let aimer = ctx.author().id.get();
        if let Err(wait_ms) = service.policy().aim(aimer, moderator, time::now_ms()) {
            let wait = wait_ms.div_ceil(1000);
            let notice = format!(
                "You can point an answer at a member once every {} s; try again in {wait} s, or post it without `user`.",
                service.settings().suggest.aimed_cooldown_secs
            );
            return send(ctx, &render::notice(&notice)).await;
        }
    }
    send(ctx, &post).await?;
    if let Some(entry) = shown {
        // The interaction stands for the post: /faq posts have no buttons to give feedback on.
        service.shown_on_request(
            &entry,
            ctx.channel_id().into(),
            user.map(|u| u.id.into()),
            crate::ids::MessageId(interaction_id(ctx)),
            time::now_ms(),
        );
    }
    Ok(())
}

async fn complete_entry(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    // Outside a served server there is nothing to offer.
    let Ok(Some(service)) = ctx.data().service(ctx.guild_id()).await else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let loaded = service.current();
    let choices = lookup::complete(&loaded.faq, partial, CHOICES_MAX)
        .into_iter()
        .map(|entry| {
            serenity::AutocompleteChoice::new(render::choice_name(entry), entry.id.clone())
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}
