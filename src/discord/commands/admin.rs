//! `/faq-admin`: moderators reload the FAQ, read the status, the statistics and the gaps, undo a
//! link.

use poise::serenity_prelude as serenity;

use super::{moderator, refusal, send, served};
use crate::discord::{blocking, server, Context, Error};
use crate::render;
use crate::service::{Reloaded, Service, ServiceError};
use crate::time;

/// Manage faqbot (moderators).
#[poise::command(
    slash_command,
    rename = "faq-admin",
    guild_only,
    subcommands(
        "reload",
        "status",
        "stats",
        "gaps",
        "unlink",
        "super::learn::learn_history"
    ),
    subcommand_required,
    default_member_permissions = "MANAGE_MESSAGES"
)]
pub async fn faq_admin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Reload faq.toml; a broken file keeps the current FAQ in service.
#[poise::command(slash_command, guild_only)]
async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    if !moderator(ctx, &service).await {
        return send(ctx, &refusal()).await;
    }
    // Building the matcher for a large FAQ can take longer than Discord waits for an answer.
    ctx.defer_ephemeral().await?;
    let servers = ctx.data().servers.clone();
    let before = service.current().faq.entries.len();
    let reloading = service.clone();
    let post = match blocking(move || servers.reload(&reloading)).await? {
        Ok(Reloaded {
            before,
            after: entries,
        }) => {
            tracing::info!(
                entries,
                before,
                user = ctx.author().id.get(),
                "FAQ reloaded"
            );
            render::notice(&format!(
                "Reloaded {}: {entries} entries (was {before}).",
                service.faq_path().display()
            ))
        }
        Err(ServiceError::Store(error)) => {
            tracing::error!("reload could not read the learned examples: {error}");
            render::notice(&format!(
                "Reload failed: still serving the previous FAQ ({before} entries); the database could not be read, see the bot's log."
            ))
        }
        Err(ServiceError::Faq(error)) => {
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
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    if !moderator(ctx, &service).await {
        return send(ctx, &refusal()).await;
    }
    let data = ctx.data();
    let guild = ctx.guild_id();
    let channels = service
        .settings()
        .suggest
        .channels
        .iter()
        .map(|configured| describe_channel(ctx.serenity_context(), guild, configured))
        .collect();
    let post = render::status(&render::Status {
        version: env!("CARGO_PKG_VERSION"),
        entries: service.current().faq.entries.len(),
        uptime: data.started.elapsed(),
        channels,
        suggestions: service.counts().suggestions,
        links: service.counts().links,
        unrecorded: service.store().dropped(),
        retries: data.sender.counts().retries,
        given_up: data.sender.counts().given_up,
        second_opinion: service.second_opinion().map(|opinion| {
            let count =
                |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
            let counts = &opinion.counts;
            (
                count(&counts.consulted),
                count(&counts.busy),
                count(&counts.failed),
            )
        }),
        shard: Some((
            ctx.serenity_context().shard_id.0,
            ctx.serenity_context().cache.shard_count(),
        )),
    });
    send(ctx, &post).await
}

/// Per entry, how often it was shown and how it helped; and the questions the FAQ lacks.
#[poise::command(slash_command, guild_only)]
async fn stats(
    ctx: Context<'_>,
    #[description = "How many days back (default 30)"]
    #[min = 1]
    #[max = 3650]
    days: Option<u32>,
) -> Result<(), Error> {
    let show = |stats: &_, days, _guild| render::stats(stats, days);
    report(ctx, days, "statistics", Service::stats, show).await
}

/// What members keep asking that no entry answers: the largest groups of unmatched questions.
#[poise::command(slash_command, guild_only)]
async fn gaps(
    ctx: Context<'_>,
    #[description = "How many days back (default 30)"]
    #[min = 1]
    #[max = 3650]
    days: Option<u32>,
) -> Result<(), Error> {
    report(
        ctx,
        days,
        "unmatched questions",
        Service::gaps,
        render::gaps,
    )
    .await
}

/// A moderators' report over the last `days` (30 unless given): read off the async workers,
/// since reading a month (and grouping it, for the gaps) can take longer than Discord waits;
/// private to the moderator; a database that fails is one line in the log.
async fn report<T: Send + 'static>(
    ctx: Context<'_>,
    days: Option<u32>,
    what: &'static str,
    read: fn(&Service, u64, u64) -> Result<T, ServiceError>,
    show: fn(&T, u64, u64) -> render::Post,
) -> Result<(), Error> {
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    if !moderator(ctx, &service).await {
        return send(ctx, &refusal()).await;
    }
    let days = u64::from(days.unwrap_or(30));
    ctx.defer_ephemeral().await?;
    let guild = service.server().get();
    let post = match blocking(move || read(&service, days, time::now_ms())).await? {
        Ok(found) => show(&found, days, guild),
        Err(error) => {
            tracing::error!("could not read the {what}: {error}");
            render::notice(&format!(
                "The {what} could not be read from the database; see the bot's log."
            ))
        }
    };
    send(ctx, &post).await
}

/// Undo a moderator's link: the bot's reply is deleted and its example forgotten.
#[poise::command(slash_command, guild_only)]
async fn unlink(
    ctx: Context<'_>,
    #[description = "The linked message or the bot's reply: its link or id"] message: String,
) -> Result<(), Error> {
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    if !moderator(ctx, &service).await {
        return send(ctx, &refusal()).await;
    }
    let Some(id) = message_id(&message) else {
        let hint = "Give a message link (Copy Message Link) or a message id.";
        return send(ctx, &render::notice(hint)).await;
    };
    ctx.defer_ephemeral().await?;
    let removed = blocking(move || service.unlink(crate::ids::MessageId(id))).await??;
    for example in &removed {
        if let (Some(channel), Some(reply)) = (example.channel, example.reply) {
            let (channel, reply) = (
                serenity::ChannelId::from(channel),
                serenity::MessageId::from(reply),
            );
            if let Err(error) = channel.delete_message(ctx, reply).await {
                tracing::info!(
                    reply = reply.get(),
                    "the linked reply was not deleted: {error}"
                );
            }
        }
    }
    tracing::info!(target: "faqbot::links", message_id = id, examples = removed.len(), user = ctx.author().id.get(), "unlinked");
    send(ctx, &render::notice(&unlinked(removed.len()))).await
}

/// The last number in a message link (`…/channels/GUILD/CHANNEL/MESSAGE`) or a bare id.
fn message_id(text: &str) -> Option<u64> {
    text.trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .and_then(|last| last.parse().ok())
        .filter(|&id| id > 0)
}

/// What a moderator is told after undoing a link.
pub fn unlinked(removed: usize) -> String {
    if removed == 0 {
        "Nothing was linked there: no example to forget.".to_owned()
    } else {
        "Link undone: the reply is removed and I forgot that example.".to_owned()
    }
}

/// `#name` for a configured channel found in the server, with a warning when it is not.
fn describe_channel(
    ctx: &serenity::Context,
    guild: Option<serenity::GuildId>,
    configured: &str,
) -> String {
    let found = guild
        .and_then(|g| ctx.cache.guild(g))
        .and_then(|g| server::configured_channel(&g, configured));
    match found {
        Some(id) => format!("<#{id}>"),
        None => format!("`{configured}` (not found in this server)"),
    }
}
