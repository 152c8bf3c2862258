//! poise's framework for the bot: its commands and event handler, commands counted as work under
//! way (so that a stop lets them finish), and their registration once connected.

use std::sync::{Arc, Mutex};

use poise::serenity_prelude as serenity;

use super::{commands, events, lock, Data, Error};

/// The framework; registers the commands at setup when `register` (in each `listed` server, else
/// globally), and keeps a failure to do so in `setup_failure` for the run to return.
pub(super) fn framework(
    data: Data,
    listed: Option<Vec<u64>>,
    register: bool,
    setup_failure: Arc<Mutex<Option<serenity::Error>>>,
) -> poise::Framework<Data, Error> {
    poise::Framework::builder()
        .options(options())
        // Owners are not used, and fetching them is one more call that can fail at start.
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let commands = &framework.options().commands;
                let registered = match (register, &listed) {
                    (false, _) => Ok(()),
                    (true, Some(listed)) => commands::register_in(ctx, commands, listed).await,
                    (true, None) => poise::builtins::register_globally(ctx, commands).await,
                };
                if let Err(error) = registered {
                    // poise stalls silently after a failed setup: stop the bot instead.
                    tracing::error!("registering commands failed: {error}");
                    framework.shard_manager().shutdown_all().await;
                    let said = error.to_string();
                    *lock(&setup_failure) = Some(error);
                    return Err(said.into());
                }
                tracing::info!(
                    user = %ready.user.name,
                    guilds = ready.guilds.len(),
                    scope = match (register, listed.is_some()) {
                        (false, _) => "by another process",
                        (true, true) => "guild",
                        (true, false) => "global",
                    },
                    "connected; commands registered"
                );
                Ok(data)
            })
        })
        .build()
}

/// The commands, the event handler, and commands counted as work under way.
fn options() -> poise::FrameworkOptions<Data, Error> {
    poise::FrameworkOptions {
        commands: commands::all(),
        event_handler: |framework, event| Box::pin(events::handle(framework, event)),
        // Commands count as work under way, so that a stop lets them finish; while stopping, a
        // new one is not started.
        command_check: Some(|ctx| {
            Box::pin(async move {
                // Autocomplete is checked too but never ends as a command: it is not counted.
                let autocomplete = matches!(
                    ctx,
                    poise::Context::Application(app)
                        if app.interaction_type == poise::CommandInteractionType::Autocomplete
                );
                Ok(autocomplete
                    || ctx
                        .data()
                        .in_flight
                        .start_command(commands::interaction_id(ctx)))
            })
        }),
        post_command: |ctx| {
            Box::pin(async move {
                ctx.data()
                    .in_flight
                    .end_command(commands::interaction_id(ctx))
            })
        },
        on_error: |error| {
            Box::pin(async move {
                if let Some(ctx) = error.ctx() {
                    ctx.data()
                        .in_flight
                        .end_command(commands::interaction_id(ctx));
                }
                commands::on_error(error).await
            })
        },
        // Nothing poise itself posts may ping anyone.
        allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
        ..Default::default()
    }
}
