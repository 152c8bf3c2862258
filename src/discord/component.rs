//! Clicks on the buttons and menus the bot posted: feedback on a suggestion ("Solved", "Not it",
//! "Dismiss"), a moderator's undo, and the moderators' entry picker.

use poise::serenity_prelude as serenity;
use serenity::{ComponentInteraction, ComponentInteractionDataKind, CreateInteractionResponse};

use super::link::{link, spend_picker, went_wrong, PICKER_SPENT};
use super::modal::SearchForm;
use super::retry::{self, Backoff};
use super::{blocking, commands, server, Data, Error};
use crate::action::Action;
use crate::ids::MessageId;
use crate::render::{self, Post};
use crate::service::{Click, Feedback, Service, Veto};
use crate::time;
use poise::Modal as _;
use std::sync::Arc;

async fn respond(
    ctx: &serenity::Context,
    data: &Data,
    component: &ComponentInteraction,
    post: &Post,
) -> Result<(), Error> {
    let response = CreateInteractionResponse::Message(post.to_interaction());
    answer(ctx, data, component, response).await
}

/// Answers a click, retrying through a blip (a 429, a 5xx, a lost connection) while Discord still
/// takes the answer.
async fn answer(
    ctx: &serenity::Context,
    data: &Data,
    component: &ComponentInteraction,
    response: CreateInteractionResponse,
) -> Result<(), Error> {
    let deadline = retry::answer_deadline(component.id.get());
    data.sender
        .retrying("answering a click", deadline, Backoff::INTERACTION, || {
            component.create_response(ctx, response.clone())
        })
        .await?;
    Ok(())
}

/// A click on one of the bot's buttons or menus, by what it does.
pub async fn on_component(
    ctx: &serenity::Context,
    data: &Data,
    component: &ComponentInteraction,
    action: Action,
) -> Result<(), Error> {
    let Some(service) = data.service(component.guild_id).await? else {
        return respond(ctx, data, component, &render::notice(render::NOT_SERVED)).await;
    };
    if !action.belongs_in(component.channel_id.get()) {
        tracing::warn!(
            kind = action.kind(),
            user = component.user.id.get(),
            "a component names another channel than its own; refused"
        );
        return respond(ctx, data, component, &render::notice(render::NOT_HERE)).await;
    }
    let clicked = Clicked {
        ctx,
        data,
        component,
        moderator: server::member_is_moderator(
            ctx,
            service.policy().moderators(),
            component.guild_id,
            component.member.as_ref(),
        ),
        service,
    };
    match action {
        Action::Solved { .. } | Action::NotIt { .. } | Action::Dismiss { .. } => {
            clicked.feedback(&action).await
        }
        Action::Unlink { message } => clicked.unlink(message).await,
        Action::Link { channel, message } => clicked.pick(channel, message).await,
        Action::Search { channel, message } => clicked.search(channel, message).await,
    }
}

/// One click, and whether its user may moderate here.
struct Clicked<'a> {
    ctx: &'a serenity::Context,
    data: &'a Data,
    component: &'a ComponentInteraction,
    moderator: bool,
    /// The service of the server clicked in.
    service: Arc<Service>,
}

impl Clicked<'_> {
    /// "Solved", "Not it" or "Dismiss" on a suggestion.
    async fn feedback(&self, action: &Action) -> Result<(), Error> {
        let (ctx, data, component) = (self.ctx, self.data, self.component);
        let (user, moderator) = (component.user.id.into(), self.moderator);
        let click = Click {
            action,
            user,
            moderator,
            reply: component.message.id.into(),
        };
        // The click is recorded now; what it shows is done even when Discord no longer
        // takes the click's answer (an outage longer than its 3 s): over REST, retried for as
        // long as a suggestion would be.
        let later = std::time::Instant::now() + data.max_delay;
        match self.service.feedback(&click) {
            Feedback::Update(post) => {
                let update = CreateInteractionResponse::UpdateMessage(post.to_interaction());
                if let Err(error) = answer(ctx, data, component, update).await {
                    tracing::info!(
                        "a click was not answered in time ({error}); editing its message instead"
                    );
                    let edit = post.to_message_edit();
                    let (channel, message) = (component.channel_id, component.message.id);
                    data.sender
                        .retrying("editing a suggestion", later, Backoff::CHANNEL, || {
                            channel.edit_message(ctx, message, edit.clone())
                        })
                        .await?;
                }
            }
            Feedback::Notice(text) => respond(ctx, data, component, &render::notice(text)).await?,
            Feedback::Remove { notice, not_it } => {
                let answered = match notice {
                    Some(text) => respond(ctx, data, component, &render::notice(text)).await,
                    None => {
                        answer(ctx, data, component, CreateInteractionResponse::Acknowledge).await
                    }
                };
                if let Err(error) = answered {
                    tracing::info!("a click was not answered in time ({error}); removing its message all the same");
                }
                // Learnt before the suggestion goes, so that once it is gone the next
                // message already meets the lesson.
                if let Some(entry) = not_it {
                    let not_it = learn_not_it(ctx, data, &self.service, component, &entry, later);
                    if let Err(error) = not_it.await {
                        tracing::error!(%entry, "could not learn from \"Not it\": {error}");
                    }
                }
                let (channel, message) = (component.channel_id, component.message.id);
                data.sender
                    .retrying("removing a suggestion", later, Backoff::CHANNEL, || {
                        channel.delete_message(ctx, message)
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// A moderator's "Undo link" on a linked answer.
    async fn unlink(&self, message: u64) -> Result<(), Error> {
        let (ctx, data, component) = (self.ctx, self.data, self.component);
        let (user, moderator) = (component.user.id.get(), self.moderator);
        if !moderator {
            return respond(ctx, data, component, &commands::refusal()).await;
        }
        // A local change and a rebuild: well within Discord's 3 s, so no defer.
        let service = self.service.clone();
        let removed = blocking(move || service.unlink(MessageId(message))).await??;
        tracing::info!(target: "faqbot::links", message_id = message, examples = removed.len(), user, "unlinked");
        respond(
            ctx,
            data,
            component,
            &render::notice(&commands::unlinked(removed.len())),
        )
        .await?;
        component.message.delete(ctx).await?;
        Ok(())
    }

    /// An entry picked in a moderator's picker: linked to the member's message.
    async fn pick(&self, channel: u64, message: u64) -> Result<(), Error> {
        let (ctx, data, component) = (self.ctx, self.data, self.component);
        let (user, moderator) = (component.user.id.get(), self.moderator);
        if !moderator {
            return respond(ctx, data, component, &commands::refusal()).await;
        }
        let chosen = match &component.data.kind {
            ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
            _ => None,
        };
        let loaded = self.service.current();
        let Some(entry) = chosen.as_deref().and_then(|id| loaded.faq.get(id)) else {
            let chosen = chosen.unwrap_or_default().replace('`', "");
            return respond(
                ctx,
                data,
                component,
                &render::notice(&format!(
                    "There is no entry `{chosen}`: pick one from the list, or search all entries."
                )),
            )
            .await;
        };
        if !spend_picker(&self.service, component.message.id.get()).await {
            return respond(ctx, data, component, &render::notice(PICKER_SPENT)).await;
        }
        // Fetching the message and posting take two calls: answer within Discord's 3 s first.
        component.defer(ctx).await?;
        let done = link(ctx, data, &self.service, channel, message, entry, user)
            .await
            .unwrap_or_else(went_wrong);
        // The picker is spent: its text says what happened, its menu is gone.
        component
            .edit_response(ctx, render::notice(&done).to_edit())
            .await?;
        Ok(())
    }

    /// "Search all entries" in a picker: the search form.
    async fn search(&self, channel: u64, message: u64) -> Result<(), Error> {
        let (ctx, data, component) = (self.ctx, self.data, self.component);
        let moderator = self.moderator;
        if !moderator {
            return respond(ctx, data, component, &commands::refusal()).await;
        }
        let form = SearchForm::create(None, Action::Search { channel, message }.custom_id());
        component.create_response(ctx, form).await?;
        Ok(())
    }
}

/// Teaches the message a removed suggestion answered as a "Not it" of `entry`.
async fn learn_not_it(
    ctx: &serenity::Context,
    data: &Data,
    service: &Arc<Service>,
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
            Backoff::CHANNEL,
            || channel.message(ctx, asked),
        )
        .await?;
    let (service, entry, by) = (service.clone(), entry.to_owned(), component.user.id.into());
    let (channel, reply) = (component.channel_id.into(), component.message.id.into());
    blocking(move || {
        service.not_it(
            &Veto {
                entry: &entry,
                text: &asked.content,
                channel,
                message: asked.id.into(),
                author: asked.author.id.into(),
                reply,
                by,
            },
            time::now_ms(),
        )
    })
    .await??;
    Ok(())
}
