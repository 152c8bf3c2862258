//! Who is staff in a history read: members looked up over REST once each, judged by the same
//! moderator check as the live bot.

use std::collections::HashMap;

use poise::serenity_prelude as serenity;
use serenity::http::Route;
use serenity::{GuildId, Http, UserId};

use super::read;
use crate::discord::send::Sender;
use crate::policy::{self, Moderators};

/// Who is staff: members with a configured moderator role (or, with none configured, Manage
/// Messages by their roles), looked up once per member.
pub(super) struct Staff<'a> {
    pub(super) http: &'a Http,
    pub(super) sender: &'a Sender,
    pub(super) guild: GuildId,
    pub(super) roles: Vec<serenity::Role>,
    pub(super) moderators: &'a Moderators,
    pub(super) known: HashMap<UserId, bool>,
}

impl Staff<'_> {
    pub(super) async fn is_staff(&mut self, user: UserId) -> bool {
        if let Some(&known) = self.known.get(&user) {
            return known;
        }
        let (http, guild) = (self.http, self.guild);
        // A member who left is no longer staff; neither is anyone who cannot be looked up.
        let route = Route::GuildMember {
            guild_id: guild,
            user_id: user,
        };
        let member = read::<serenity::Member>(self.sender, http, route, None, Some(guild)).await;
        let staff = match member {
            Ok(member) => {
                let roles: Vec<&serenity::Role> = self
                    .roles
                    .iter()
                    .filter(|r| member.roles.contains(&r.id))
                    .collect();
                let named: Vec<policy::Role<'_>> = roles
                    .iter()
                    .map(|r| policy::Role {
                        id: r.id.get(),
                        name: &r.name,
                    })
                    .collect();
                let permissions =
                    crate::discord::server::permissions_of(guild, &member.roles, |id| {
                        self.roles.iter().find(|r| r.id == *id)
                    });
                self.moderators.includes(&policy::Member {
                    roles: &named,
                    manages_messages: crate::discord::server::manages_messages(permissions),
                })
            }
            Err(_) => false,
        };
        self.known.insert(user, staff);
        staff
    }
}
