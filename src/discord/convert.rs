//! A [`Post`] as serenity's builders: the one place that turns what the bot posts into Discord's
//! request types. Every builder carries the post's explicit `allowed_mentions`.

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse,
    EditMessage,
};

use crate::render::{cut_chars, Component, Post, Style, LABEL_MAX};

/// Fills one of serenity's message builders (they share method names, not a trait) from a post:
/// embeds, components, mentions, and the content when there is any.
macro_rules! fill {
    ($builder:expr, $post:expr) => {{
        let post: &Post = $post;
        let builder = $builder
            .embeds(post.embeds())
            .components(post.components())
            .allowed_mentions(post.allowed_mentions());
        if post.content.is_empty() {
            builder
        } else {
            builder.content(&post.content)
        }
    }};
}

impl Post {
    pub(crate) fn allowed_mentions(&self) -> CreateAllowedMentions {
        // `parse` stays empty: nothing in the text pings unless its user is listed here.
        CreateAllowedMentions::new()
            .users(self.ping_users.iter().copied().map(serenity::UserId::new))
            .empty_roles()
            .replied_user(self.ping_replied)
    }

    fn embeds(&self) -> Vec<CreateEmbed> {
        self.embed
            .iter()
            .map(|embed| {
                let built = CreateEmbed::new()
                    .title(&embed.title)
                    .description(&embed.description);
                match &embed.url {
                    Some(url) => built.url(url),
                    None => built,
                }
            })
            .collect()
    }

    fn components(&self) -> Vec<CreateActionRow> {
        self.rows
            .iter()
            .filter(|row| !row.is_empty())
            .map(|row| match row.as_slice() {
                [Component::Select {
                    action,
                    placeholder,
                    options,
                }] => CreateActionRow::SelectMenu(
                    CreateSelectMenu::new(
                        action.custom_id(),
                        CreateSelectMenuKind::String {
                            options: options
                                .iter()
                                .map(|(label, value, description)| {
                                    CreateSelectMenuOption::new(label, value)
                                        .description(description)
                                })
                                .collect(),
                        },
                    )
                    .placeholder(placeholder),
                ),
                buttons => CreateActionRow::Buttons(buttons.iter().filter_map(button).collect()),
            })
            .collect()
    }

    /// A channel message; the caller adds the reply reference.
    pub fn to_message(&self) -> CreateMessage {
        fill!(CreateMessage::new(), self)
    }

    /// The message of an interaction response.
    pub fn to_interaction(&self) -> CreateInteractionResponseMessage {
        fill!(CreateInteractionResponseMessage::new(), self).ephemeral(self.ephemeral)
    }

    /// A followup message of an interaction.
    pub fn to_followup(&self) -> CreateInteractionResponseFollowup {
        fill!(CreateInteractionResponseFollowup::new(), self).ephemeral(self.ephemeral)
    }

    /// The edit that fills in a deferred answer (whose privacy was chosen when deferring).
    pub fn to_edit(&self) -> EditInteractionResponse {
        EditInteractionResponse::new()
            .content(&self.content)
            .embeds(self.embeds())
            .components(self.components())
            .allowed_mentions(self.allowed_mentions())
    }

    /// The same message posted before, edited to this (when an interaction no longer takes it).
    pub fn to_message_edit(&self) -> EditMessage {
        EditMessage::new()
            .content(&self.content)
            .embeds(self.embeds())
            .components(self.components())
            .allowed_mentions(self.allowed_mentions())
    }

    /// The message for poise's `send`.
    pub fn to_reply(&self) -> poise::CreateReply {
        let mut reply = poise::CreateReply::default()
            .components(self.components())
            .allowed_mentions(self.allowed_mentions())
            .ephemeral(self.ephemeral);
        for embed in self.embeds() {
            reply = reply.embed(embed);
        }
        if !self.content.is_empty() {
            reply = reply.content(&self.content);
        }
        reply
    }
}

fn button(component: &Component) -> Option<CreateButton> {
    match component {
        Component::Link { label, url } => {
            Some(CreateButton::new_link(url).label(cut_chars(label, LABEL_MAX)))
        }
        Component::Button {
            label,
            action,
            style,
        } => Some(
            CreateButton::new(action.custom_id())
                .label(cut_chars(label, LABEL_MAX))
                .style(match style {
                    Style::Primary => ButtonStyle::Primary,
                    Style::Secondary => ButtonStyle::Secondary,
                    Style::Success => ButtonStyle::Success,
                    Style::Danger => ButtonStyle::Danger,
                }),
        ),
        Component::Select { .. } => None,
    }
}

/// serenity's ids as the service's.
macro_rules! id_from_serenity {
    ($($id:ident),*) => {$(
        impl From<serenity::$id> for crate::ids::$id {
            fn from(id: serenity::$id) -> Self {
                crate::ids::$id(id.get())
            }
        }

        impl From<crate::ids::$id> for serenity::$id {
            fn from(id: crate::ids::$id) -> Self {
                serenity::$id::new(id.get())
            }
        }
    )*};
}

id_from_serenity!(ChannelId, GuildId, MessageId, UserId);
