//! Gateway events that are not commands: messages in watched channels (automatic suggestions),
//! and the buttons, menus and forms the bot posted.

use poise::serenity_prelude as serenity;
use poise::Modal as _;
use serenity::{
    ComponentInteraction, ComponentInteractionDataKind, CreateInteractionResponse, ModalInteraction,
};

use super::{blocking, commands, lock, send, server, Data, Error};
use crate::action::Action;
use crate::lookup::{self, Found};
use crate::policy;
use crate::render::{self, Post};
use crate::service::{Click, Feedback, Incoming, Link, NotIt, Silence, Verdict};
use crate::store;

/// The moderators' search form: words or a name to find the entry that answers a message.
#[derive(Debug, poise::Modal)]
#[name = "Search FAQ entries"]
struct SearchForm {
    #[name = "Entry name or words from it"]
    #[placeholder = "500-error, tenant, cost…"]
    #[max_length = 100]
    query: String,
}
/// What a moderator is told when using a picker a second time.
const PICKER_SPENT: &str =
    "This picker was used already: run \"Answer with FAQ\" again to link another entry.";

/// Marks a picker used; false if it was used before.
async fn spend_picker(data: &Data, picker: u64) -> bool {
    let service = data.service.clone();
    blocking(move || service.spend_picker(picker, store::now_ms()))
        .await
        .unwrap_or(true)
}

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
            suggest(ctx, data, new_message).await;
        }
        serenity::FullEvent::InteractionCreate { interaction } => match interaction {
            serenity::Interaction::Component(component) => {
                if let Some(action) = Action::parse(&component.data.custom_id) {
                    if let Err(error) = on_component(ctx, data, component, action).await {
                        tracing::error!("component failed: {error}");
                        fail(ctx, component.id, &component.token).await;
                    }
                }
            }
            serenity::Interaction::Modal(modal) => {
                if let Some(action) = Action::parse(&modal.data.custom_id) {
                    if let Err(error) = on_modal(ctx, data, modal, action).await {
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

/// Suggests an entry for a message when the service says so.
pub(super) async fn suggest(ctx: &serenity::Context, data: &Data, message: &serenity::Message) {
    let place = server::place(ctx, message.guild_id, message.channel_id).await;
    let author = server::author(ctx, message);
    let from_bot = message.author.bot || message.webhook_id.is_some();
    let in_guild = message.member.is_some();
    let (id, channel, author_id) = (
        message.id.get(),
        message.channel_id.get(),
        message.author.id.get(),
    );
    let (guild, text) = (message.guild_id.map(|g| g.get()), message.content.clone());
    let service = data.service.clone();
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
            guild,
            channel,
            author: author_id,
        };
        service.message(&incoming, store::now_ms())
    })
    .await;
    // Watched places are remembered, to read back what a new session would miss there.
    if !matches!(
        &verdict,
        Ok(Err(Silence::Policy(policy::Quiet::NotWatched)))
    ) {
        data.seen.saw(channel, id);
    }
    if let (Some(verdicts), Ok(verdict)) = (&data.verdicts, &verdict) {
        let outcome = match verdict {
            Ok(s) => Ok((s.entry.clone(), s.confidence)),
            Err(silence) => Err(silence.clone()),
        };
        let _ = verdicts.send(Verdict {
            message: id,
            outcome,
        });
    }
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
    // One suggestion per message: its id keys the post.
    let reply = send::once(
        suggestion.post.to_message().reference_message(message),
        format!("s{id}"),
    );
    // Retried through rate limits and outages while the answer can still help the asker.
    let asked_ms = policy::created_ms(id);
    let late_ms = (asked_ms + data.max_delay.as_millis() as u64).saturating_sub(store::now_ms());
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(late_ms);
    match data
        .sender
        .post(ctx, message.channel_id, reply, deadline)
        .await
    {
        Ok(sent) => {
            data.service
                .posted(&suggestion, sent.id.get(), store::now_ms());
            tracing::info!(
                target: "faqbot::suggestions",
                entry = %suggestion.entry,
                confidence = suggestion.confidence,
                channel,
                message_id = id,
                reply = sent.id.get(),
                "suggested"
            );
        }
        Err(error) => {
            let service = data.service.clone();
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

async fn respond(
    ctx: &serenity::Context,
    component: &ComponentInteraction,
    post: &Post,
) -> Result<(), Error> {
    let response = CreateInteractionResponse::Message(post.to_interaction());
    answer(ctx, component, response).await
}

/// Answers a click, retrying through a blip (a 429, a 5xx, a lost connection) while Discord still
/// takes the answer: a little less than its 3 s from the click.
async fn answer(
    ctx: &serenity::Context,
    component: &ComponentInteraction,
    response: CreateInteractionResponse,
) -> Result<(), Error> {
    let clicked_ms = policy::created_ms(component.id.get());
    let left_ms = (clicked_ms + 2_500).saturating_sub(store::now_ms());
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(left_ms);
    let mut wait = std::time::Duration::from_millis(250);
    loop {
        let error = match component.create_response(ctx, response.clone()).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        if !send::worth_retrying(&error) || std::time::Instant::now() + wait > deadline {
            return Err(error.into());
        }
        tracing::info!(
            "answering a click failed, will retry: {}",
            send::describe(&error)
        );
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}

async fn on_component(
    ctx: &serenity::Context,
    data: &Data,
    component: &ComponentInteraction,
    action: Action,
) -> Result<(), Error> {
    let user = component.user.id.get();
    let moderator = server::member_is_moderator(
        ctx,
        &data.moderators,
        component.guild_id,
        component.member.as_ref(),
    );
    match action {
        Action::Solved { .. } | Action::NotIt { .. } | Action::Dismiss { .. } => {
            let click = Click {
                action: &action,
                user,
                moderator,
                reply: component.message.id.get(),
            };
            // The click is recorded now; what it shows is done even when Discord no longer
            // takes the click's answer (an outage longer than its 3 s): over REST, retried for as
            // long as a suggestion would be.
            let later = std::time::Instant::now() + data.max_delay;
            match data.service.feedback(&click) {
                Feedback::Update(post) => {
                    let update = CreateInteractionResponse::UpdateMessage(post.to_interaction());
                    if let Err(error) = answer(ctx, component, update).await {
                        tracing::info!("a click was not answered in time ({error}); editing its message instead");
                        let edit = post.to_message_edit();
                        let (channel, message) = (component.channel_id, component.message.id);
                        data.sender
                            .retrying("editing a suggestion", later, || {
                                channel.edit_message(ctx, message, edit.clone())
                            })
                            .await?;
                    }
                }
                Feedback::Notice(text) => respond(ctx, component, &render::notice(text)).await?,
                Feedback::Remove { notice, not_it } => {
                    let answered = match notice {
                        Some(text) => respond(ctx, component, &render::notice(text)).await,
                        None => {
                            answer(ctx, component, CreateInteractionResponse::Acknowledge).await
                        }
                    };
                    if let Err(error) = answered {
                        tracing::info!("a click was not answered in time ({error}); removing its message all the same");
                    }
                    // Learnt before the suggestion goes, so that once it is gone the next
                    // message already meets the lesson.
                    if let Some(entry) = not_it {
                        if let Err(error) = learn_not_it(ctx, data, component, &entry, later).await
                        {
                            tracing::error!(%entry, "could not learn from \"Not it\": {error}");
                        }
                    }
                    let (channel, message) = (component.channel_id, component.message.id);
                    data.sender
                        .retrying("removing a suggestion", later, || {
                            channel.delete_message(ctx, message)
                        })
                        .await?;
                }
            }
            Ok(())
        }
        Action::Unlink { message } => {
            if !moderator {
                return respond(ctx, component, &commands::refusal()).await;
            }
            // A local change and a rebuild: well within Discord's 3 s, so no defer.
            let service = data.service.clone();
            let removed = blocking(move || service.unlink(message)).await??;
            tracing::info!(target: "faqbot::links", message_id = message, examples = removed.len(), user, "unlinked");
            respond(
                ctx,
                component,
                &render::notice(&commands::unlinked(removed.len())),
            )
            .await?;
            component.message.delete(ctx).await?;
            Ok(())
        }
        Action::Link { channel, message } => {
            if !moderator {
                return respond(ctx, component, &commands::refusal()).await;
            }
            let chosen = match &component.data.kind {
                ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
                _ => None,
            };
            let loaded = data.current();
            let Some(entry) = chosen.as_deref().and_then(|id| loaded.faq.get(id)) else {
                let chosen = chosen.unwrap_or_default().replace('`', "");
                return respond(
                    ctx,
                    component,
                    &render::notice(&format!(
                        "There is no entry `{chosen}`: pick one from the list, or search all entries."
                    )),
                )
                .await;
            };
            if !spend_picker(data, component.message.id.get()).await {
                return respond(ctx, component, &render::notice(PICKER_SPENT)).await;
            }
            // Fetching the message and posting take two calls: answer within Discord's 3 s first.
            component.defer(ctx).await?;
            let done = link(ctx, data, channel, message, entry, user)
                .await
                .unwrap_or_else(went_wrong);
            // The picker is spent: its text says what happened, its menu is gone.
            component
                .edit_response(ctx, render::notice(&done).to_edit())
                .await?;
            Ok(())
        }
        Action::Search { channel, message } => {
            if !moderator {
                return respond(ctx, component, &commands::refusal()).await;
            }
            let form = SearchForm::create(None, Action::Search { channel, message }.custom_id());
            component.create_response(ctx, form).await?;
            Ok(())
        }
    }
}

/// Teaches the message a removed suggestion answered as a "Not it" of `entry`.
async fn learn_not_it(
    ctx: &serenity::Context,
    data: &Data,
    component: &ComponentInteraction,
    entry: &str,
    deadline: std::time::Instant,
) -> Result<(), Error> {
    let Some(asked) = component
        .message
        .message_reference
        .as_ref()
        .and_then(|r| r.message_id)
    else {
        return Ok(());
    };
    let channel = component.channel_id;
    let asked = data
        .sender
        .retrying(
            "reading the message a suggestion answered",
            deadline,
            || channel.message(ctx, asked),
        )
        .await?;
    let (service, entry, by) = (
        data.service.clone(),
        entry.to_owned(),
        component.user.id.get(),
    );
    let (channel, reply) = (component.channel_id.get(), component.message.id.get());
    blocking(move || {
        service.not_it(
            &NotIt {
                entry: &entry,
                text: &asked.content,
                channel,
                message: asked.id.get(),
                author: asked.author.id.get(),
                reply,
                by,
            },
            store::now_ms(),
        )
    })
    .await??;
    Ok(())
}

async fn on_modal(
    ctx: &serenity::Context,
    data: &Data,
    modal: &ModalInteraction,
    action: Action,
) -> Result<(), Error> {
    let Action::Search { channel, message } = action else {
        return Ok(());
    };
    if !server::member_is_moderator(ctx, &data.moderators, modal.guild_id, modal.member.as_ref()) {
        let refusal = CreateInteractionResponse::Message(commands::refusal().to_interaction());
        modal.create_response(ctx, refusal).await?;
        return Ok(());
    }
    // Linking takes two calls to Discord: answer within its 3 s first.
    modal.defer_ephemeral(ctx).await?;
    let query = SearchForm::parse(modal.data.clone()).map_or_else(|_| String::new(), |f| f.query);
    let loaded = data.current();
    let post = match lookup::find(&loaded.faq, &query) {
        Found::Entry(entry) => {
            // The form belongs to a picker; a used picker links nothing more.
            let picker = modal.message.as_ref().map(|m| m.id.get());
            if let Some(false) = match picker {
                Some(picker) => Some(spend_picker(data, picker).await),
                None => None,
            } {
                render::notice(PICKER_SPENT)
            } else {
                let done = link(ctx, data, channel, message, entry, modal.user.id.get())
                    .await
                    .unwrap_or_else(went_wrong);
                render::notice(&done)
            }
        }
        Found::Missing(closest) => {
            // Words rather than a name: let the matcher rank them.
            let closest = if closest.is_empty() {
                loaded
                    .matcher
                    .rank(&query, 5)
                    .iter()
                    .filter_map(|m| loaded.faq.get(m.id))
                    .collect()
            } else {
                closest
            };
            let mut picker = render::picker(channel, message, &closest);
            picker.content = format!("No entry is called `{}`. Pick one:", query.replace('`', ""));
            picker
        }
    };
    modal.edit_response(ctx, post.to_edit()).await?;
    Ok(())
}

/// After a deferred answer, an error is told by filling in that answer.
fn went_wrong(error: Error) -> String {
    tracing::error!("linking failed: {error}");
    render::SOMETHING_WENT_WRONG.to_owned()
}

/// Posts `entry` as a reply to a member's message on a moderator's behalf; returns the text that
/// tells the moderator it is done.
async fn link(
    ctx: &serenity::Context,
    data: &Data,
    channel: u64,
    message: u64,
    entry: &crate::faq::Entry,
    moderator: u64,
) -> Result<String, Error> {
    let channel = serenity::ChannelId::new(channel);
    let target = channel
        .message(ctx, serenity::MessageId::new(message))
        .await?;
    let post = render::linked(entry, moderator, target.id.get());
    // Each link is a post of its own (the same entry may be linked again after an undo).
    static LINKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let key = format!(
        "l{:x}{:x}",
        store::now_ms(),
        LINKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let reply = send::once(post.to_message().reference_message(&target), key);
    let deadline = std::time::Instant::now() + data.max_delay;
    let sent = data.sender.post(ctx, channel, reply, deadline).await?;
    tracing::info!(
        target: "faqbot::links",
        entry = %entry.id,
        moderator,
        message_id = target.id.get(),
        reply = sent.id.get(),
        "linked"
    );
    // The message becomes an example of the entry, used from the next message on.
    let service = data.service.clone();
    let (id, guild) = (entry.id.clone(), target.guild_id.map(|g| g.get()));
    blocking(move || {
        service.linked(
            &Link {
                entry: &id,
                guild,
                channel: channel.get(),
                message: target.id.get(),
                author: target.author.id.get(),
                text: &target.content,
                reply: sent.id.get(),
                moderator,
            },
            store::now_ms(),
        )
    })
    .await??;
    Ok(format!(
        "Posted `{}` as a reply to the message; I will suggest it for messages like it.",
        entry.id
    ))
}
