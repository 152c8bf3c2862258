//! The suggestion flow for one message: the live gateway event and the read-back after a new
//! session both come here, so a message is considered, posted and recorded one way.

use poise::serenity_prelude as serenity;

use super::{blocking, send, server, Data, Error};
use crate::ids::{ChannelId, MessageId, UserId};
use crate::policy;
use crate::service::{Incoming, Service, Silence, StaffReply, Suggestion, Verdict};
use crate::store::Unmatched;
use crate::time;
use std::sync::Arc;

/// Suggests an entry for a message when the service says so.
pub async fn suggest(ctx: &serenity::Context, data: &Data, message: &serenity::Message) {
    let id = message.id.get();
    // A server the bot does not serve: nothing is considered, nothing recorded.
    let service = match data.service(message.guild_id).await {
        Ok(Some(service)) => service,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(
                message_id = id,
                "could not open the server's service: {error}"
            );
            return;
        }
    };
    let verdict = consider(ctx, data, &service, message).await;
    let suggestion = match verdict {
        Ok(Ok(suggestion)) => suggestion,
        Ok(Err(Silence::Policy(policy::Quiet::NotWatched))) => {
            tracing::trace!(message_id = id, "not in a watched channel");
            return;
        }
        Ok(Err(silence)) => {
            tracing::debug!(message_id = id, ?silence, "staying quiet");
            return;
        }
        Err(error) => {
            tracing::error!(message_id = id, "could not consider a message: {error}");
            return;
        }
    };
    // Boxed: only the messages that get a suggestion hold the state of posting one.
    Box::pin(post(ctx, data, &service, message, suggestion)).await;
}

/// What the service decides about `message`: a suggestion or why the bot stays quiet. Watched
/// places are remembered for the read-back, and observers (the demo, tests) told.
async fn consider(
    ctx: &serenity::Context,
    data: &Data,
    service: &Arc<Service>,
    message: &serenity::Message,
) -> Result<Result<Suggestion, Silence>, Error> {
    let place = server::place(ctx, message.guild_id, message.channel_id).await;
    let author = server::author(ctx, message);
    let from_bot = message.author.bot || message.webhook_id.is_some();
    let in_guild = message.member.is_some();
    let (id, channel, author_id) = (
        message.id.get(),
        message.channel_id.get(),
        message.author.id.get(),
    );
    let text = message.content.clone();
    let service = service.clone();
    let staff_reply = staff_reply(message);
    let verdict = blocking(move || {
        let roles = author.roles();
        let incoming = Incoming {
            view: policy::Message {
                id,
                place: place.as_place(),
                from_bot,
                member: in_guild.then_some(policy::Member {
                    roles: &roles,
                    manages_messages: author.manages_messages,
                }),
            },
            text: &text,
            channel: ChannelId(channel),
            author: UserId(author_id),
        };
        let verdict = service.message(&incoming, time::now_ms());
        // A moderator's reply may answer with a docs page the FAQ lacks: kept for the gaps before
        // the verdict is told, so that observers see it recorded.
        if let (Err(Silence::Policy(policy::Quiet::FromModerator)), Some(reply)) =
            (&verdict, &staff_reply)
        {
            service.staff_reply(reply);
        }
        verdict
    })
    .await
    .map_err(Error::from);
    // A message that came twice (live and read back) was told about when it was first taken.
    let again = matches!(
        &verdict,
        Ok(Err(Silence::Policy(policy::Quiet::AlreadyAnswered)))
    );
    if let (Some(verdicts), Ok(verdict), false) = (&data.verdicts, &verdict, again) {
        let outcome = match verdict {
            Ok(s) => Ok((s.entry.clone(), s.confidence)),
            Err(silence) => Err(silence.clone()),
        };
        let _ = verdicts.send(Verdict {
            message: MessageId(id),
            outcome,
        });
    }
    verdict
}

/// A reply with links, as the service reads a moderator's answer: what it links and the message
/// it replies to (Discord sends that message along with a reply).
fn staff_reply(message: &serenity::Message) -> Option<StaffReply> {
    let asked = message.referenced_message.as_deref()?;
    let links = super::history::links_of(message);
    if links.is_empty() {
        return None;
    }
    Some(StaffReply {
        reply: MessageId(message.id.get()),
        by: UserId(message.author.id.get()),
        links,
        asked: Unmatched {
            at_ms: time::created_ms(asked.id.get()),
            channel: ChannelId(asked.channel_id.get()),
            message: MessageId(asked.id.get()),
            user: UserId(asked.author.id.get()),
            text: asked.content.clone(),
        },
        asked_by_bot: asked.author.bot || asked.webhook_id.is_some(),
    })
}

/// Posts a suggestion as a reply to the message and records whether it went out.
async fn post(
    ctx: &serenity::Context,
    data: &Data,
    service: &Arc<Service>,
    message: &serenity::Message,
    suggestion: Suggestion,
) {
    let (id, channel) = (message.id.get(), message.channel_id.get());
    // One suggestion per message: its id keys the post.
    let reply = send::once(
        suggestion.post.to_message().reference_message(message),
        format!("s{id}"),
    );
    // Retried through rate limits and outages while the answer can still help the asker.
    let asked_ms = time::created_ms(id);
    let late_ms = (asked_ms + data.max_delay.as_millis() as u64).saturating_sub(time::now_ms());
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(late_ms);
    match data
        .sender
        .post(ctx, message.channel_id, reply, deadline)
        .await
    {
        Ok(sent) => {
            tracing::info!(
                target: "faqbot::suggestions",
                entry = %suggestion.entry,
                confidence = suggestion.confidence,
                channel,
                message_id = id,
                reply = sent.id.get(),
                "suggested"
            );
            let (service, reply) = (service.clone(), sent.id.into());
            let _ = blocking(move || service.posted(&suggestion, reply, time::now_ms())).await;
        }
        Err(error) => {
            let service = service.clone();
            let entry = suggestion.entry.clone();
            let _ = blocking(move || service.not_posted(&suggestion)).await;
            tracing::error!(
                %entry,
                channel,
                message_id = id,
                "could not post a suggestion: {error}{}",
                hint(&error)
            );
        }
    }
}

/// What an operator can do about a failed post, for the errors that have a known cause.
fn hint(error: &send::NotSent) -> &'static str {
    let error = match error {
        send::NotSent::Refused(error) => error,
        send::NotSent::TooLate { .. } => return "",
    };
    let code = match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            response.error.code
        }
        _ => return "",
    };
    match code {
        50001 | 50013 => {
            " (give the bot View Channels, Send Messages, Send Messages in Threads, Embed Links and Read Message History there)"
        }
        10008 => " (the message was deleted before the bot could answer)",
        _ => "",
    }
}
