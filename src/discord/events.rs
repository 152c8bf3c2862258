//! Gateway events that are not commands, dispatched by kind: messages to [`suggest`](super::suggest),
//! button and menu clicks to [`component`](super::component), forms to [`modal`](super::modal);
//! and the server and session events that keep the read-back informed.

use poise::serenity_prelude as serenity;
use serenity::CreateInteractionResponse;

use super::{component, lock, modal, server, suggest, Data, Error};
use crate::action::Action;
use crate::render;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let (ctx, data) = (framework.serenity_context, framework.user_data);
    // While stopping, nothing new is started; what runs is let finish.
    let Some(_running) = data.in_flight.enter() else {
        return Ok(());
    };
    match event {
        serenity::FullEvent::Message { new_message } => {
            suggest::suggest(ctx, data, new_message).await;
        }
        serenity::FullEvent::InteractionCreate { interaction } => match interaction {
            serenity::Interaction::Component(component) => {
                if let Some(action) = Action::parse(&component.data.custom_id) {
                    if let Err(error) = component::on_component(ctx, data, component, action).await
                    {
                        tracing::error!("component failed: {error}");
                        fail(ctx, component.id, &component.token).await;
                    }
                }
            }
            serenity::Interaction::Modal(modal) => {
                if let Some(action) = Action::parse(&modal.data.custom_id) {
                    if let Err(error) = modal::on_modal(ctx, data, modal, action).await {
                        tracing::error!("form failed: {error}");
                        fail(ctx, modal.id, &modal.token).await;
                    }
                }
            }
            _ => {}
        },
        serenity::FullEvent::GuildCreate { guild, .. } => {
            check_names(data, guild);
            // The server's channels are known again: what the new session missed can be read.
            if data.seen.take_catch_up() {
                super::backfill::catch_up(ctx, data).await;
            }
        }
        serenity::FullEvent::Resume { .. } => tracing::info!("gateway session resumed"),
        serenity::FullEvent::Ready { data_about_bot } => {
            let previous = lock(&data.session).replace(data_about_bot.session_id.clone());
            if previous.is_some_and(|previous| previous != data_about_bot.session_id) {
                tracing::info!(
                    "reconnected to the gateway with a new session: Discord does not replay the messages sent while the connection was down, so they are read back"
                );
                data.seen.owe_catch_up();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Warns about configured channel and role names that the server does not have: a typo there
/// would silently turn suggestions or moderator rights off.
fn check_names(data: &Data, guild: &serenity::Guild) {
    if data
        .guild
        .is_some_and(|configured| configured != guild.id.get())
    {
        return;
    }
    for configured in &data.channels {
        if server::configured_channel(guild, configured).is_none() {
            tracing::warn!(
                server = %guild.name,
                "[suggest] channels: no channel {configured:?} in this server; check the name or id"
            );
        }
    }
    for configured in &data.moderator_roles {
        if !server::has_configured_role(guild, configured) {
            tracing::warn!(
                server = %guild.name,
                "[moderators] roles: no role {configured:?} in this server; check the name or id"
            );
        }
    }
}

/// Tells the user that something went wrong: as the answer if the interaction has none yet,
/// else as a followup.
async fn fail(ctx: &serenity::Context, id: serenity::InteractionId, token: &str) {
    let post = render::notice(render::SOMETHING_WENT_WRONG);
    let response = CreateInteractionResponse::Message(post.to_interaction());
    if ctx
        .http
        .create_interaction_response(id, token, &response, vec![])
        .await
        .is_err()
    {
        if let Err(error) = ctx
            .http
            .create_followup_message(token, &post.to_followup(), vec![])
            .await
        {
            tracing::error!("could not tell the user that something went wrong: {error}");
        }
    }
}
