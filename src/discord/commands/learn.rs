//! `/faq-admin learn-history`: moderators have the bot read the watched channels' past and learn
//! from staff replies that link an entry's docs; the answer comes at once and is edited with the
//! progress and the final counts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{moderator, refusal, send, served};
use crate::discord::history::{self, Learned, Progress, Reading};
use crate::discord::{lock, Context, Error};
use crate::render;

/// How often the answer shows the progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);
use crate::history::SINCE_DAYS;

/// Learn from the watched channels' past: staff replies with an entry's docs link.
#[poise::command(slash_command, guild_only, rename = "learn-history")]
pub async fn learn_history(ctx: Context<'_>) -> Result<(), Error> {
    let Some(service) = served(ctx).await? else {
        return Ok(());
    };
    if !moderator(ctx, &service).await {
        return send(ctx, &refusal()).await;
    }
    let data = ctx.data();
    let reading = Reading {
        guild: service.server().get(),
        channels: service.settings().suggest.channels.clone(),
        since_ms: crate::time::now_ms().saturating_sub(crate::time::days_ms(SINCE_DAYS)),
        dry_run: false,
        max_examples: service.max_examples(),
    };
    tracing::info!(
        user = ctx.author().id.get(),
        "learning from the channels' history"
    );
    let reply = ctx
        .send(
            render::notice(&format!(
                "Reading the last {SINCE_DAYS} days of the watched channels…"
            ))
            .to_reply(),
        )
        .await?;
    let progress = Arc::new(Mutex::new(Progress::default()));
    let seen = progress.clone();
    let loaded = service.current();
    let learning = history::learn(
        &ctx.serenity_context().http,
        &data.sender,
        service.store().shared_backend(),
        &loaded.faq,
        service.policy().moderators(),
        &reading,
        move |now| *lock(&seen) = now,
    );
    tokio::pin!(learning);
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    ticks.tick().await;
    let learned = loop {
        tokio::select! {
            learned = &mut learning => break learned,
            _ = ticks.tick() => {
                let now = *lock(&progress);
                let said = render::notice(&format!(
                    "Reading the watched channels' history: {}/{} channels and threads, {} messages…",
                    now.places_done, now.places, now.messages
                ));
                // A lost progress edit is not worth failing the command for.
                let _ = reply.edit(ctx, said.to_reply()).await;
            }
        }
    };
    let said = match learned {
        Ok(learned) => {
            if learned.stored > 0 {
                let service = service.clone();
                crate::discord::blocking(move || service.relearn()).await??;
            }
            tracing::info!(
                learned = learned.counts.learned,
                stored = learned.stored,
                "learned from the history"
            );
            done(&learned)
        }
        Err(error) => {
            tracing::warn!("learning from the history failed: {error}");
            format!("Could not read the history: {error}.")
        }
    };
    reply.edit(ctx, render::notice(&said).to_reply()).await?;
    Ok(())
}

/// The final counts, in the answer.
fn done(learned: &Learned) -> String {
    let mut said = format!(
        "Read {} messages in {} channels and threads: {}. {} examples stored.",
        learned.messages, learned.places, learned.counts, learned.stored
    );
    for (channel, reason) in &learned.unreadable {
        said += &format!("\nCould not read <#{channel}>: {reason}");
    }
    render::cut_chars(&said, render::CONTENT_MAX)
}
