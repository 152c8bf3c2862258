//! The weekly gaps digest: once a week, each served server that names a `digest_channel` gets its
//! new and growing gaps posted there. A claim in the store makes it once per server and week,
//! whatever restarts or how many processes run; a week with nothing new or growing posts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;

use super::{blocking, send, server, Data};
use crate::ids::GuildId;
use crate::render;
use crate::service::{Servers, DIGEST_DAYS};
use crate::time;

/// How often the task looks whether a digest is due: a new week is noticed within this, and a
/// look costs a claim per server.
const LOOK_EVERY: Duration = Duration::from_secs(3600);

/// How long a digest may wait through rate limits and outages before it is given up for the
/// week: well within the hour before the next look.
const POST_FOR: Duration = Duration::from_secs(1800);

/// Starts the digest's task once per run, when the servers are first known; it ends with the run.
pub(super) fn start(ctx: &serenity::Context, data: &Data) {
    if data
        .digest_started
        .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        return;
    }
    let (ctx, servers, sender) = (ctx.clone(), data.servers.clone(), data.sender.clone());
    let mut stop = data.stop.clone();
    tokio::spawn(async move {
        loop {
            for guild in ctx.cache.guilds() {
                post_due(&ctx, &servers, &sender, guild).await;
            }
            tokio::select! {
                _ = tokio::time::sleep(LOOK_EVERY) => {}
                _ = stop.wait_for(|stopping| *stopping) => return,
            }
        }
    });
}

/// Posts `guild`'s digest of this week if it has a digest channel and no process posted it yet.
async fn post_due(
    ctx: &serenity::Context,
    servers: &Arc<Servers>,
    sender: &send::Sender,
    guild: serenity::GuildId,
) {
    let id = GuildId(guild.get());
    let Some(name) = servers.settings(id).and_then(|s| s.digest_channel) else {
        return;
    };
    let channel = ctx
        .cache
        .guild(guild)
        .and_then(|g| server::configured_channel(&g, &name));
    let Some(channel) = channel else {
        tracing::warn!(
            guild = guild.get(),
            "no channel {name:?} for the gaps digest ([gaps] digest_channel): check the name or id"
        );
        return;
    };
    let servers = servers.clone();
    let now = time::now_ms();
    // Claimed before it is made, so that two processes never both make it; a digest that then
    // fails is given up for the week, and said.
    let made = blocking(move || {
        let Some(service) = servers.get(id)? else {
            return Ok(None);
        };
        if !service.claim_digest(now)? {
            return Ok(None);
        }
        let gaps = service.gaps(DIGEST_DAYS, now)?;
        Ok::<_, crate::service::ServiceError>(Some(render::digest(&gaps, DIGEST_DAYS, guild.get())))
    })
    .await;
    let made = made
        .map_err(|error| error.to_string())
        .and_then(|made| made.map_err(|error| error.to_string()));
    let post = match made {
        Ok(Some(Some(post))) => post,
        Ok(Some(None)) => {
            tracing::info!(
                guild = guild.get(),
                "the week's gaps digest: nothing new or growing, nothing posted"
            );
            return;
        }
        // Not served after all, or posted already this week.
        Ok(None) => return,
        Err(error) => {
            tracing::error!(
                guild = guild.get(),
                "the week's gaps digest was given up: {error}"
            );
            return;
        }
    };
    let message = post.to_message();
    match sender
        .post(ctx, channel, message, Instant::now() + POST_FOR)
        .await
    {
        Ok(sent) => tracing::info!(
            guild = guild.get(),
            channel = channel.get(),
            message_id = sent.id.get(),
            "posted the week's gaps digest"
        ),
        Err(error) => tracing::error!(
            guild = guild.get(),
            channel = channel.get(),
            "the week's gaps digest was given up: {error}"
        ),
    }
}
