//! The application commands: `/faq`, `/faq-admin reload|status|stats|unlink` and "Answer with FAQ".

use poise::serenity_prelude as serenity;

use std::time::{Duration, Instant};

use super::{blocking, send, server, Context, Data, Error};
use crate::lookup::{self, Found};
use crate::render::{self, Post};
use crate::service::ServiceError;
use crate::store;

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
    let (post, shown) = match lookup::find(&loaded.faq, &entry) {
        Found::Entry(found) => (
            render::entry(
                found,
                user.as_ref().map(|u| u.id.get()),
                private.unwrap_or(false),
            ),
            Some(found.id.clone()),
        ),
        Found::Missing(closest) => (render::not_found(&entry, &closest), None),
    };
    send(ctx, &post).await?;
    if let Some(entry) = shown {
        // The interaction stands for the post: /faq posts have no buttons to give feedback on.
        ctx.data().service.shown_on_request(
            &entry,
            ctx.guild_id().map(|g| g.get()),
            ctx.channel_id().get(),
            user.map(|u| u.id.get()),
            interaction_id(ctx),
            store::now_ms(),
        );
    }
    Ok(())
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

/// The id of the interaction behind a command.
fn interaction_id(ctx: Context<'_>) -> u64 {
    match ctx {
        poise::Context::Application(app) => app.interaction.id.get(),
        poise::Context::Prefix(prefix) => prefix.msg.id.get(),
    }
}

/// Manage faqbot (moderators).
#[poise::command(
    slash_command,
    rename = "faq-admin",
    guild_only,
    subcommands("reload", "status", "stats", "unlink"),
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
    let service = data.service.clone();
    let before = data.current().faq.entries.len();
    let post = match blocking(move || service.reload()).await? {
        Ok((before, entries)) => {
            tracing::info!(
                entries,
                before,
                user = ctx.author().id.get(),
                "FAQ reloaded"
            );
            render::notice(&format!(
                "Reloaded {}: {entries} entries (was {before}).",
                data.service.faq_path().display()
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
        suggestions: data.service.counts().0,
        links: data.service.counts().1,
        unrecorded: data.service.store().dropped(),
        retries: data.sender.counts().0,
        given_up: data.sender.counts().1,
        second_opinion: data.service.second_opinion().map(|opinion| {
            let count =
                |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
            let counts = &opinion.counts;
            (
                count(&counts.consulted),
                count(&counts.busy),
                count(&counts.failed),
            )
        }),
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
    if !moderator(ctx).await {
        return send(ctx, &refusal()).await;
    }
    let days = u64::from(days.unwrap_or(30));
    ctx.defer_ephemeral().await?;
    let service = ctx.data().service.clone();
    let post = match blocking(move || service.stats(days, store::now_ms())).await? {
        Ok(stats) => render::stats(&stats, days),
        Err(error) => {
            tracing::error!("could not read the statistics: {error}");
            render::notice("The statistics could not be read from the database; see the bot's log.")
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
    if !moderator(ctx).await {
        return send(ctx, &refusal()).await;
    }
    let Some(id) = message_id(&message) else {
        let hint = "Give a message link (Copy Message Link) or a message id.";
        return send(ctx, &render::notice(hint)).await;
    };
    ctx.defer_ephemeral().await?;
    let service = ctx.data().service.clone();
    let removed = blocking(move || service.unlink(id)).await??;
    for example in &removed {
        if let (Some(channel), Some(reply)) = (example.channel, example.reply) {
            let (channel, reply) = (
                serenity::ChannelId::new(channel),
                serenity::MessageId::new(reply),
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

/// Answer a member's message with an FAQ entry (moderators).
#[poise::command(
    context_menu_command = "Answer with FAQ",
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES"
)]
pub async fn answer_with_faq(ctx: Context<'_>, message: serenity::Message) -> Result<(), Error> {
    if !moderator_here(ctx).await {
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

/// Whether the member may moderate in this channel (linking an answer here): checked on the
/// server side, since `default_member_permissions` only hides commands.
async fn moderator_here(ctx: Context<'_>) -> bool {
    let member = ctx.author_member().await;
    server::member_is_moderator(
        ctx.serenity_context(),
        &ctx.data().moderators,
        ctx.guild_id(),
        member.as_deref(),
    )
}

/// Whether the member may do what acts on the whole bot (reload, status, stats, unlink): by
/// configured roles or server-wide permissions, never one channel's overwrites.
async fn moderator(ctx: Context<'_>) -> bool {
    let member = ctx.author_member().await;
    member.is_some_and(|member| {
        server::member_is_moderator_server_wide(
            ctx.serenity_context(),
            &ctx.data().moderators,
            ctx.guild_id(),
            &member,
        )
    })
}

pub fn refusal() -> Post {
    render::notice("Only moderators can do this.")
}

/// Answers the command, retrying through a blip (a 429, a 5xx, a lost connection). Discord waits
/// 3 s for the first answer: when the first attempt fails, the answer is deferred as soon as
/// Discord takes that, which leaves time to retry the post itself.
async fn send(ctx: Context<'_>, post: &Post) -> Result<(), Error> {
    let asked_ms = crate::policy::created_ms(interaction_id(ctx));
    let now_ms = store::now_ms();
    // A little less than Discord's 3 s, for the request's own way there.
    let first_deadline =
        Instant::now() + Duration::from_millis((asked_ms + 2_500).saturating_sub(now_ms));
    let mut deadline = first_deadline;
    let mut wait = Duration::from_millis(250);
    let mut deferred = matches!(ctx, poise::Context::Application(app) if app.has_sent_initial_response.load(std::sync::atomic::Ordering::SeqCst));
    loop {
        let error = match ctx.send(post.to_reply()).await {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        if !send::worth_retrying(&error) || Instant::now() + wait > deadline {
            return Err(error.into());
        }
        tracing::info!(
            "answering a command failed, will retry: {}",
            send::describe(&error)
        );
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(4));
        if !deferred {
            let defer = if post.ephemeral {
                ctx.defer_ephemeral().await
            } else {
                ctx.defer().await
            };
            if defer.is_ok() {
                // A deferred answer may come within 15 minutes; half a minute is plenty.
                deferred = true;
                deadline = Instant::now() + Duration::from_secs(30);
            }
        }
    }
}

/// Tells the user privately that the command they used is out of date.
async fn outdated(ctx: Context<'_>) {
    let reply = render::notice(
        "I did not understand that command's options: it may have changed since Discord loaded it. Try again in a minute, or reload Discord (Ctrl+R).",
    );
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
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!("error while handling an error: {error}");
            }
        }
    }
}
