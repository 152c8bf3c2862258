//! The application commands, one file each: `/faq` ([`faq`]), `/faq-admin reload|status|stats|unlink`
//! ([`admin`]) and `learn-history` ([`learn`]), and the "Answer with FAQ" message command
//! ([`answer`]), and the list of them all with `faqbot register` ([`register`]); here, what they
//! share:
//! who is a moderator, the retried answer, and the answer to errors.

mod admin;
mod answer;
mod faq;
mod learn;
mod register;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::retry::{self, Backoff};
use super::{server, Context, Data, Error};
use crate::render::{self, Post};
use crate::service::Service;

pub use admin::unlinked;
pub use faq::faq;
pub use register::{all, register, register_in};

/// The id of the interaction behind a command.
pub(super) fn interaction_id(ctx: Context<'_>) -> u64 {
    match ctx {
        poise::Context::Application(app) => app.interaction.id.get(),
        poise::Context::Prefix(prefix) => prefix.msg.id.get(),
    }
}

/// The service of the server the command was used in; when the bot does not serve it, the user
/// is told so privately and there is none.
pub(super) async fn served(ctx: Context<'_>) -> Result<Option<Arc<Service>>, Error> {
    match ctx.data().service(ctx.guild_id()).await? {
        Some(service) => Ok(Some(service)),
        None => {
            send(ctx, &render::notice(render::NOT_SERVED)).await?;
            Ok(None)
        }
    }
}

/// Whether the member may moderate in this channel (linking an answer here): checked on the
/// server side, since `default_member_permissions` only hides commands.
pub(super) async fn moderator_here(ctx: Context<'_>, service: &Service) -> bool {
    let member = ctx.author_member().await;
    server::member_is_moderator(
        ctx.serenity_context(),
        service.policy().moderators(),
        ctx.guild_id(),
        member.as_deref(),
    )
}

/// Whether the member may do what acts on the whole server (reload, status, stats, unlink): by
/// configured roles or server-wide permissions, never one channel's overwrites.
pub(super) async fn moderator(ctx: Context<'_>, service: &Service) -> bool {
    let member = ctx.author_member().await;
    member.is_some_and(|member| {
        server::member_is_moderator_server_wide(
            ctx.serenity_context(),
            service.policy().moderators(),
            ctx.guild_id(),
            &member,
        )
    })
}

pub fn refusal() -> Post {
    render::notice("Only moderators can do this.")
}

/// Answers the command, retrying through a blip (a 429, a 5xx, a lost connection). Discord waits
/// 3 s for the first answer: when the first attempt fails, the answer is deferred if Discord takes
/// that, which leaves time to retry the post itself.
pub(super) async fn send(ctx: Context<'_>, post: &Post) -> Result<(), Error> {
    let error = match ctx.send(post.to_reply()).await {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    if !retry::worth_retrying(&error) {
        return Err(error.into());
    }
    let deferred = match ctx {
        poise::Context::Application(app) => app.has_sent_initial_response.load(Ordering::SeqCst),
        poise::Context::Prefix(_) => false,
    } || if post.ephemeral {
        ctx.defer_ephemeral().await.is_ok()
    } else {
        ctx.defer().await.is_ok()
    };
    let deadline = if deferred {
        // A deferred answer may come within 15 minutes; half a minute is plenty.
        Instant::now() + Duration::from_secs(30)
    } else {
        retry::answer_deadline(interaction_id(ctx))
    };
    tracing::info!(
        "answering a command failed, will retry: {}",
        retry::describe(&error)
    );
    ctx.data()
        .sender
        .retrying(
            "answering a command",
            deadline,
            Backoff::INTERACTION,
            || ctx.send(post.to_reply()),
        )
        .await?;
    Ok(())
}

/// Tells the user privately that the command they used is out of date.
async fn outdated(ctx: Context<'_>) {
    let reply = render::notice(render::NOT_UNDERSTOOD);
    if let Err(error) = ctx.send(reply.to_reply()).await {
        tracing::error!("could not answer a command with unknown options: {error}");
    }
}

/// Errors the user caused are answered by the command itself; what lands here is the bot's own
/// fault: log it and tell the user privately, never leave the interaction unanswered.
pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, "command failed: {error}");
            let reply = render::notice(render::SOMETHING_WENT_WRONG);
            if let Err(error) = ctx.send(reply.to_reply()).await {
                tracing::error!("could not tell the user about it: {error}");
            }
        }
        poise::FrameworkError::Setup { error, .. } => {
            tracing::error!("setup failed: {error}");
        }
        // Options the command does not have, or of the wrong type: Discord clients keep an old
        // copy of changed commands for up to an hour. Never leave the user without an answer.
        poise::FrameworkError::ArgumentParse { ctx, error, .. } => {
            tracing::info!(command = %ctx.command().qualified_name, "options not understood: {error}");
            outdated(ctx).await;
        }
        poise::FrameworkError::CommandStructureMismatch {
            ctx, description, ..
        } => {
            tracing::info!(command = %ctx.command().qualified_name, "options not understood: {description}");
            outdated(poise::Context::Application(ctx)).await;
        }
        // A subcommand the bot does not have: poise finds no command to run.
        poise::FrameworkError::UnknownInteraction {
            framework,
            interaction,
            ..
        } => {
            tracing::info!(command = %interaction.data.name, "a command the bot does not have");
            let ctx = framework.serenity_context;
            let kind = poise::serenity_prelude::InteractionType::Command;
            super::forged::answer(ctx, interaction.id, &interaction.token, kind).await;
        }
        // Refused while stopping: said, so that the user knows to try again.
        poise::FrameworkError::CommandCheckFailed {
            error: None, ctx, ..
        } => {
            let reply = render::notice(render::RESTARTING);
            if let Err(error) = ctx.send(reply.to_reply()).await {
                tracing::info!("could not tell a user that the bot is restarting: {error}");
            }
        }
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!("error while handling an error: {error}");
            }
        }
    }
}
