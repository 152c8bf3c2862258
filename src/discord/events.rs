//! Gateway events that are not commands, dispatched by kind: messages to [`suggest`](super::suggest),
//! button and menu clicks to [`component`](super::component), forms to [`modal`](super::modal);
//! and the server and session events that keep the read-back informed.

use poise::serenity_prelude as serenity;
use serenity::CreateInteractionResponse;

use super::backfill::{self, Why};
use super::{component, lock, modal, server, suggest, Data, Error};
use crate::action::Action;
use crate::render;

pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let (ctx, data) = (framework.serenity_context, framework.user_data);
    // While stopping, what came before the stop is handled, what was made after it left: a
    // message for the next start's read-back, a click told to try again.
    let Some(_running) = data.in_flight.enter(made_ms(event)) else {
        if let serenity::FullEvent::InteractionCreate { interaction } = event {
            Box::pin(restarting(ctx, interaction)).await;
        }
        return Ok(());
    };
    // Each kind's work is boxed, so that a burst of messages, each waiting for its turn to be
    // answered, holds only the message flow's state, not that of the largest kind.
    match event {
        serenity::FullEvent::Message { new_message } => {
            Box::pin(suggest::suggest(ctx, data, new_message)).await;
        }
        serenity::FullEvent::InteractionCreate { interaction } => match interaction {
            serenity::Interaction::Component(component) => {
                if let Some(action) = Action::parse(&component.data.custom_id) {
                    let clicked = component::on_component(ctx, data, component, action);
                    if let Err(error) = Box::pin(clicked).await {
                        tracing::error!("component failed: {error}");
                        Box::pin(fail(ctx, component.id, &component.token)).await;
                    }
                }
            }
            serenity::Interaction::Modal(modal) => {
                if let Some(action) = Action::parse(&modal.data.custom_id) {
                    if let Err(error) = Box::pin(modal::on_modal(ctx, data, modal, action)).await {
                        tracing::error!("form failed: {error}");
                        Box::pin(fail(ctx, modal.id, &modal.token)).await;
                    }
                }
            }
            _ => {}
        },
        serenity::FullEvent::GuildCreate { guild, .. } => {
            match data.servers.settings(crate::ids::GuildId(guild.id.get())) {
                Some(settings) => check_names(&settings, guild),
                None => Box::pin(unserved(ctx, data, guild)).await,
            }
            // Once every server's channels are known again, what the new session missed can be
            // read back, and the weekly digest find its channels.
            if ctx.cache.unavailable_guilds().len() == 0 {
                super::digest::start(ctx, data);
                if let Some(why) = data.catch_up.take() {
                    Box::pin(backfill::catch_up(ctx, data, why)).await;
                }
            }
        }
        serenity::FullEvent::Resume { .. } => tracing::info!("gateway session resumed"),
        serenity::FullEvent::Ready { data_about_bot } => {
            let previous =
                lock(&data.sessions).insert(ctx.shard_id.0, data_about_bot.session_id.clone());
            match previous {
                Some(previous) if previous != data_about_bot.session_id => {
                    tracing::info!(
                        shard = ctx.shard_id.0,
                        "reconnected to the gateway with a new session: Discord does not replay the messages sent while the connection was down, so they are read back"
                    );
                    data.catch_up.owe(Why::Reconnect);
                }
                // A shard's first session: its servers' places are read back once they are known
                // (the first shard's read-back is owed from the start already).
                None => data.catch_up.owe_start(),
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// When an event was made (Unix ms), for those that say: messages and interactions.
fn made_ms(event: &serenity::FullEvent) -> Option<u64> {
    let id = match event {
        serenity::FullEvent::Message { new_message } => new_message.id.get(),
        serenity::FullEvent::InteractionCreate { interaction } => interaction.id().get(),
        _ => return None,
    };
    Some(crate::time::created_ms(id))
}

/// Tells the user of a click or form that came after the stop to try again.
async fn restarting(ctx: &serenity::Context, interaction: &serenity::Interaction) {
    let (id, token) = match interaction {
        serenity::Interaction::Component(component) => (component.id, &component.token),
        serenity::Interaction::Modal(modal) => (modal.id, &modal.token),
        // Commands are told by their check; autocomplete and pings need no words.
        _ => return,
    };
    let post = render::notice(render::RESTARTING);
    let response = CreateInteractionResponse::Message(post.to_interaction());
    if let Err(error) = ctx
        .http
        .create_interaction_response(id, token, &response, vec![])
        .await
    {
        tracing::info!("could not tell a user that the bot is restarting: {error}");
    }
}

/// A server the bot is in but does not serve (someone added a public bot): named once in the log,
/// and left when `[discord] leave_unserved` says so.
async fn unserved(ctx: &serenity::Context, data: &Data, guild: &serenity::Guild) {
    if !lock(&data.unserved_seen).insert(guild.id.get()) {
        return;
    }
    if !data.leave_unserved {
        tracing::info!(
            server = %guild.name,
            server_id = guild.id.get(),
            "in a server the config does not list: the bot answers nothing there (set [discord] leave_unserved = true to leave such servers)"
        );
        return;
    }
    match guild.id.leave(ctx).await {
        Ok(()) => tracing::info!(
            server = %guild.name,
            server_id = guild.id.get(),
            "left a server the config does not list ([discord] leave_unserved)"
        ),
        Err(error) => tracing::warn!(
            server_id = guild.id.get(),
            "could not leave a server the config does not list: {error}"
        ),
    }
}

/// Warns about configured channel and role names that the server does not have: a typo there
/// would silently turn suggestions or moderator rights off.
fn check_names(settings: &crate::config::Settings, guild: &serenity::Guild) {
    for configured in &settings.suggest.channels {
        if server::configured_channel(guild, configured).is_none() {
            tracing::warn!(
                server = %guild.name,
                "[suggest] channels: no channel {configured:?} in this server; check the name or id"
            );
        }
    }
    for configured in &settings.moderator_roles {
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
