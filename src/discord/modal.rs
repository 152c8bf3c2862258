//! The moderators' search form: an entry's name links it at once; other words show a picker of
//! the closest. The form says so in its field.

use poise::serenity_prelude as serenity;
use poise::Modal as _;
use serenity::{CreateInteractionResponse, ModalInteraction};

use super::link::{link, spend_picker, went_wrong, PICKER_SPENT};
use super::{commands, server, Data, Error};
use crate::action::Action;
use crate::lookup::{self, Found};
use crate::render;

/// The moderators' search form: words or a name to find the entry that answers a message.
#[derive(Debug, poise::Modal)]
#[name = "Search FAQ entries"]
pub struct SearchForm {
    #[name = "Entry name or words from it"]
    // The rule, where the moderator types (Discord allows 100 characters here).
    #[placeholder = "A name (500-error) links that entry at once; other words list the closest to pick"]
    #[max_length = 100]
    query: String,
}

pub async fn on_modal(
    ctx: &serenity::Context,
    data: &Data,
    modal: &ModalInteraction,
    action: Action,
) -> Result<(), Error> {
    let Action::Search { channel, message } = action else {
        return Ok(());
    };
    let refuse =
        |text: &str| CreateInteractionResponse::Message(render::notice(text).to_interaction());
    let Some(service) = data.service(modal.guild_id).await? else {
        modal
            .create_response(ctx, refuse(render::NOT_SERVED))
            .await?;
        return Ok(());
    };
    if !action.belongs_in(modal.channel_id.get()) {
        tracing::warn!(
            user = modal.user.id.get(),
            "a form names another channel than its own; refused"
        );
        modal.create_response(ctx, refuse(render::NOT_HERE)).await?;
        return Ok(());
    }
    let moderators = service.policy().moderators();
    if !server::member_is_moderator(ctx, moderators, modal.guild_id, modal.member.as_ref()) {
        let refusal = CreateInteractionResponse::Message(commands::refusal().to_interaction());
        modal.create_response(ctx, refusal).await?;
        return Ok(());
    }
    // Linking takes two calls to Discord: answer within its 3 s first.
    modal.defer_ephemeral(ctx).await?;
    let query = SearchForm::parse(modal.data.clone()).map_or_else(|_| String::new(), |f| f.query);
    let loaded = service.current();
    let post = match lookup::find(&loaded.faq, &query) {
        Found::Entry(entry) => {
            // The form belongs to a picker; a used picker links nothing more.
            let picker = modal.message.as_ref().map(|m| m.id.get());
            if let Some(false) = match picker {
                Some(picker) => Some(spend_picker(&service, picker).await),
                None => None,
            } {
                render::notice(PICKER_SPENT)
            } else {
                let done = link(
                    ctx,
                    data,
                    &service,
                    channel,
                    message,
                    entry,
                    modal.user.id.get(),
                )
                .await
                .unwrap_or_else(went_wrong);
                render::notice(&done)
            }
        }
        Found::Missing(closest) => {
            // Words rather than a name: let the matcher rank them.
            let closest = if closest.is_empty() {
                loaded
                    .matcher
                    .rank(&query, 5)
                    .iter()
                    .filter_map(|m| loaded.faq.get(m.id))
                    .collect()
            } else {
                closest
            };
            let mut picker = render::picker(channel, message, &closest);
            picker.content = format!("No entry is called `{}`. Pick one:", query.replace('`', ""));
            picker
        }
    };
    modal.edit_response(ctx, post.to_edit()).await?;
    Ok(())
}
