//! The application commands: `/faq`, `/faq-admin reload|status` and "Answer with FAQ".

use std::sync::atomic::Ordering;
use std::sync::Arc;

use poise::serenity_prelude as serenity;

use super::{server, Context, Data, Error, Loaded};
use crate::lookup::{self, Found};
use crate::render::{self, Post};

/// Discord shows at most this many autocomplete choices.
const CHOICES_MAX: usize = 25;
/// The picker offers the matcher's best this many entries.
const PICKER_SIZE: usize = 5;

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
    let loaded = ctx.data().current();
    let post = match lookup::find(&loaded.faq, &entry) {
        Found::Entry(found, _) => {
            render::entry(found, user.map(|u| u.id.get()), private.unwrap_or(false))
        }
        Found::Missing(closest) => render::not_found(&entry, &closest),
    };
    send(ctx, &post).await
}

async fn complete_entry(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let loaded = ctx.data().current();
    let choices = lookup::complete(&loaded.faq, partial, CHOICES_MAX)
        .into_iter()
        .map(|entry| {
            serenity::AutocompleteChoice::new(render::choice_name(entry), entry.id.clone())
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Manage faqbot (moderators).
#[poise::command(
    slash_command,
    rename = "faq-admin",
    guild_only,
    subcommands("reload", "status"),
    subcommand_required,
    default_member_permissions = "MANAGE_MESSAGES"
)]
pub async fn faq_admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Reload faq.toml; a broken file keeps the current FAQ in service.
#[poise::command(slash_command, guild_only)]
async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(ctx).await {
        return send(ctx, &refusal()).await;
    }
    // Building the matcher for a large FAQ can take longer than Discord waits for an answer.
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let path = data.faq_path.clone();
    let before = data.current().faq.entries.len();
    let loaded = tokio::task::spawn_blocking(move || Loaded::load(&path)).await?;
    let post = match loaded {
        Ok(loaded) => {
            let entries = loaded.faq.entries.len();
            *data.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
            tracing::info!(
                entries,
                before,
                user = ctx.author().id.get(),
                "FAQ reloaded"
            );
            render::notice(&format!(
                "Reloaded {}: {entries} entries (was {before}).",
                data.faq_path.display()
            ))
        }
        Err(error) => {
            tracing::warn!(user = ctx.author().id.get(), "reload refused: {error}");
            let header = format!(
                "Reload failed: still serving the previous FAQ ({before} entries). `faqbot check` says:\n```\n"
            );
            let room = render::CONTENT_MAX - header.chars().count() - 4;
            render::notice(&format!(
                "{header}{}\n```",
                render::cut_chars(&error.to_string().replace("```", "'''"), room)
            ))
        }
    };
    send(ctx, &post).await
}

/// Version, entries, uptime, watched channels and suggestions made.
#[poise::command(slash_command, guild_only)]
async fn status(ctx: Context<'_>) -> Result<(), Error> {
    if !moderator(ctx).await {
        return send(ctx, &refusal()).await;
    }
    let data = ctx.data();
    let guild = ctx.guild_id();
    let channels = data
        .channels
        .iter()
        .map(|configured| describe_channel(ctx.serenity_context(), guild, configured))
        .collect();
    let post = render::status(&render::Status {
        version: env!("CARGO_PKG_VERSION"),
        entries: data.current().faq.entries.len(),
        uptime: data.started.elapsed(),
        channels,
        suggestions: data.suggestions.load(Ordering::Relaxed),
        links: data.links.load(Ordering::Relaxed),
    });
    send(ctx, &post).await
}

/// `#name` for a configured channel found in the server, with a warning when it is not.
fn describe_channel(
    ctx: &serenity::Context,
    guild: Option<serenity::GuildId>,
    configured: &str,
) -> String {
    let named = crate::config::Named::parse(configured);
    let found = guild.and_then(|g| ctx.cache.guild(g)).and_then(|g| {
        g.channels
            .values()
            .find(|c| named.is(c.id.get(), &c.name))
            .map(|c| c.id.get())
    });
    match found {
        Some(id) => format!("<#{id}>"),
        None => format!("`{configured}` (not found in this server)"),
    }
}

/// Answer a member's message with an FAQ entry (moderators).
#[poise::command(
    context_menu_command = "Answer with FAQ",
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES"
)]
pub async fn answer_with_faq(ctx: Context<'_>, message: serenity::Message) -> Result<(), Error> {
    if !moderator(ctx).await {
        return send(ctx, &refusal()).await;
    }
    let loaded = ctx.data().current();
    let best: Vec<_> = loaded
        .matcher
        .rank(&message.content, PICKER_SIZE)
        .iter()
        .filter_map(|m| loaded.faq.get(m.id))
        .collect();
    let post = render::picker(message.channel_id.get(), message.id.get(), &best);
    send(ctx, &post).await
}

/// Checked here, on the server side: `default_member_permissions` only hides commands.
async fn moderator(ctx: Context<'_>) -> bool {
    let member = ctx.author_member().await;
    server::member_is_moderator(
        ctx.serenity_context(),
        &ctx.data().moderators,
        ctx.guild_id(),
        member.as_deref(),
    )
}

pub fn refusal() -> Post {
    render::notice("Only moderators can do this.")
}

async fn send(ctx: Context<'_>, post: &Post) -> Result<(), Error> {
    ctx.send(post.to_reply()).await?;
    Ok(())
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
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!("error while handling an error: {error}");
            }
        }
    }
}
