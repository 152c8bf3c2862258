//! What the serenity cache knows about a channel or a member, turned into the policy's plain types.

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, ChannelType, GuildId, Permissions, RoleId};

use crate::config::Named;
use crate::policy::{self, Moderators};

/// A channel or thread with its name and, for a thread, its parent.
#[derive(Debug, Clone, Default)]
pub struct PlaceInfo {
    pub id: u64,
    pub name: String,
    pub thread: bool,
    pub parent: Option<(u64, String)>,
    pub in_guild: bool,
}

impl PlaceInfo {
    pub fn as_place(&self) -> policy::Place<'_> {
        if !self.in_guild {
            return policy::Place::Elsewhere;
        }
        if self.thread {
            policy::Place::Thread {
                id: self.id,
                parent: self
                    .parent
                    .as_ref()
                    .map(|(id, name)| policy::Channel { id: *id, name }),
            }
        } else {
            policy::Place::Channel(policy::Channel {
                id: self.id,
                name: &self.name,
            })
        }
    }
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}

/// Where `channel` is: from the cache, or else asked from Discord (a thread the cache missed).
pub async fn place(
    ctx: &serenity::Context,
    guild: Option<GuildId>,
    channel: ChannelId,
) -> PlaceInfo {
    let Some(guild) = guild else {
        return PlaceInfo::default();
    };
    let cached = cached_place(ctx, guild, channel);
    if let Some(found) = cached {
        return found;
    }
    match channel.to_channel(ctx).await {
        Ok(serenity::Channel::Guild(found)) => {
            let parent = found.parent_id.map(|parent| {
                let name = ctx
                    .cache
                    .guild(guild)
                    .and_then(|g| g.channels.get(&parent).map(|c| c.name.clone()))
                    .unwrap_or_default();
                (parent.get(), name)
            });
            PlaceInfo {
                id: channel.get(),
                name: found.name.clone(),
                thread: is_thread(found.kind),
                parent,
                in_guild: true,
            }
        }
        Ok(_) => PlaceInfo::default(),
        Err(error) => {
            tracing::warn!(
                channel = channel.get(),
                "cannot look up the channel: {error}"
            );
            PlaceInfo {
                id: channel.get(),
                in_guild: true,
                ..PlaceInfo::default()
            }
        }
    }
}

fn cached_place(ctx: &serenity::Context, guild: GuildId, channel: ChannelId) -> Option<PlaceInfo> {
    let guild = ctx.cache.guild(guild)?;
    if let Some(found) = guild.channels.get(&channel) {
        return Some(PlaceInfo {
            id: channel.get(),
            name: found.name.clone(),
            thread: is_thread(found.kind),
            parent: None,
            in_guild: true,
        });
    }
    let thread = guild.threads.iter().find(|t| t.id == channel)?;
    let parent = thread.parent_id.map(|parent| {
        let name = guild
            .channels
            .get(&parent)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        (parent.get(), name)
    });
    Some(PlaceInfo {
        id: channel.get(),
        name: thread.name.clone(),
        thread: true,
        parent,
        in_guild: true,
    })
}

/// The channel of `guild` that a configured name or id (`[suggest] channels`) means.
pub fn configured_channel(guild: &serenity::Guild, configured: &str) -> Option<ChannelId> {
    let named = Named::parse(configured);
    guild
        .channels
        .values()
        .find(|c| named.is(c.id.get(), &c.name))
        .map(|c| c.id)
}

/// Whether `guild` has the role that a configured name or id (`[moderators] roles`) means.
pub fn has_configured_role(guild: &serenity::Guild, configured: &str) -> bool {
    let named = Named::parse(configured);
    guild.roles.values().any(|r| named.is(r.id.get(), &r.name))
}

/// The author of a message as the policy needs them: roles with names, and whether their roles
/// give Manage Messages server-wide.
#[derive(Debug, Default)]
pub struct Author {
    pub roles: Vec<(u64, String)>,
    pub manages_messages: bool,
}

impl Author {
    pub fn roles(&self) -> Vec<policy::Role<'_>> {
        self.roles
            .iter()
            .map(|(id, name)| policy::Role { id: *id, name })
            .collect()
    }
}

pub fn author(ctx: &serenity::Context, message: &serenity::Message) -> Author {
    match (&message.member, message.guild_id) {
        (Some(member), Some(guild)) => {
            let permissions = role_permissions(ctx, guild, &member.roles);
            Author {
                roles: roles(ctx, Some(guild), &member.roles),
                manages_messages: manages_messages(permissions),
            }
        }
        _ => Author::default(),
    }
}

/// The roles with their names, from the cache.
pub fn roles(
    ctx: &serenity::Context,
    guild: Option<GuildId>,
    ids: &[RoleId],
) -> Vec<(u64, String)> {
    let cached = guild.and_then(|g| ctx.cache.guild(g));
    ids.iter()
        .map(|id| {
            let name = cached
                .as_ref()
                .and_then(|g| g.roles.get(id).map(|r| r.name.clone()))
                .unwrap_or_default();
            (id.get(), name)
        })
        .collect()
}

/// The server-wide permissions of a member's roles, for messages (interactions carry their own).
fn role_permissions(ctx: &serenity::Context, guild: GuildId, ids: &[RoleId]) -> Permissions {
    let Some(cached) = ctx.cache.guild(guild) else {
        return Permissions::empty();
    };
    permissions_of(guild, ids, |id| cached.roles.get(id))
}

/// The server-wide permissions a member's roles `ids` give, with the `@everyone` role's (a server
/// may give everyone Manage Messages), from the roles `role` finds: the one way the cache and a
/// history read over REST tell them.
pub fn permissions_of<'r>(
    guild: GuildId,
    ids: &[RoleId],
    role: impl Fn(&RoleId) -> Option<&'r serenity::Role>,
) -> Permissions {
    let everyone = RoleId::new(guild.get());
    std::iter::once(&everyone)
        .chain(ids)
        .filter_map(role)
        .fold(Permissions::empty(), |all, role| all | role.permissions)
}

/// Whether `permissions` make a member staff without a configured role.
pub fn manages_messages(permissions: Permissions) -> bool {
    permissions.manage_messages() || permissions.administrator()
}

/// Whether a member is a moderator, given their roles and permissions.
pub fn is_moderator(
    ctx: &serenity::Context,
    moderators: &Moderators,
    guild: Option<GuildId>,
    role_ids: &[RoleId],
    permissions: Permissions,
) -> bool {
    if guild.is_none() {
        return false;
    }
    let named = roles(ctx, guild, role_ids);
    let roles: Vec<policy::Role> = named
        .iter()
        .map(|(id, name)| policy::Role { id: *id, name })
        .collect();
    moderators.includes(&policy::Member {
        roles: &roles,
        manages_messages: manages_messages(permissions),
    })
}

/// Whether a member is a moderator by their roles: configured roles, or Manage Messages from their
/// roles server-wide (channel overwrites left out).
pub fn member_is_moderator_server_wide(
    ctx: &serenity::Context,
    moderators: &Moderators,
    guild: Option<GuildId>,
    member: &serenity::Member,
) -> bool {
    let Some(guild_id) = guild else {
        return false;
    };
    let permissions = role_permissions(ctx, guild_id, &member.roles);
    is_moderator(ctx, moderators, guild, &member.roles, permissions)
}

/// Whether the member behind an interaction is a moderator, with the interaction's permissions
/// (those in its channel).
pub fn member_is_moderator(
    ctx: &serenity::Context,
    moderators: &Moderators,
    guild: Option<GuildId>,
    member: Option<&serenity::Member>,
) -> bool {
    member.is_some_and(|member| {
        is_moderator(
            ctx,
            moderators,
            guild,
            &member.roles,
            member.permissions.unwrap_or_else(Permissions::empty),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: u64, name: &str, permissions: Permissions) -> serenity::Role {
        serde_json::from_value(serde_json::json!({
            "id": id.to_string(), "name": name, "color": 0, "hoist": false, "position": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "permissions": permissions.bits().to_string(), "managed": false, "mentionable": false,
        }))
        .expect("a role serenity reads")
    }

    /// A server that gives everyone Manage Messages makes every member staff without a role,
    /// in a history read as in the live bot: the `@everyone` role's permissions count.
    #[test]
    fn the_everyone_roles_permissions_count() {
        let guild = GuildId::new(10);
        let roles = [
            role(10, "@everyone", Permissions::MANAGE_MESSAGES),
            role(11, "Helper", Permissions::empty()),
        ];
        let find = |id: &RoleId| roles.iter().find(|r| r.id == *id);
        assert!(manages_messages(permissions_of(guild, &[], find)));
        let plain = [
            role(10, "@everyone", Permissions::SEND_MESSAGES),
            roles[1].clone(),
        ];
        let find = |id: &RoleId| plain.iter().find(|r| r.id == *id);
        assert!(!manages_messages(permissions_of(
            guild,
            &[RoleId::new(11)],
            find
        )));
        let admin = [role(12, "Admin", Permissions::ADMINISTRATOR)];
        let find = |id: &RoleId| admin.iter().find(|r| r.id == *id);
        assert!(manages_messages(permissions_of(
            guild,
            &[RoleId::new(12)],
            find
        )));
    }
}
