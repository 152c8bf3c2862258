//! The commands as a whole: the list every process knows, and `faqbot register`, which registers
//! them once without running the bot.

use poise::serenity_prelude as serenity;

use super::{admin, answer, faq};
use crate::config::{Config, Served, Token};
use crate::discord::{Data, Error, RunError};

/// The bot's commands, as every process knows them.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![faq::faq(), admin::faq_admin(), answer::answer_with_faq()]
}

/// Registers the bot's commands with Discord once, for a deployment of several processes that
/// registers them apart from every start: in each listed server (`[discord] guild_id`,
/// `[[server]]`), else globally. Returns how many were registered (in each server).
pub async fn register(config: &Config, token: &Token) -> Result<usize, RunError> {
    let (http, _) = crate::discord::run::http(config, token);
    let setup = |error| RunError::Setup(Box::new(error));
    // A bot's user id is its application's id.
    let me = http.get_current_user().await.map_err(setup)?;
    http.set_application_id(serenity::ApplicationId::new(me.id.get()));
    let created = poise::builtins::create_application_commands(&all());
    let registered = match config.served() {
        Served::Listed(ids) => {
            let mut registered = Vec::new();
            for id in ids {
                registered = serenity::GuildId::new(id)
                    .set_commands(&http, created.clone())
                    .await
                    .map_err(setup)?;
            }
            registered
        }
        Served::Every => serenity::Command::set_global_commands(&http, created)
            .await
            .map_err(setup)?,
    };
    Ok(registered.len())
}

/// Registers `commands` in each listed server, at once (global commands may take an hour).
pub async fn register_in(
    ctx: &serenity::Context,
    commands: &[poise::Command<Data, Error>],
    listed: &[u64],
) -> Result<(), serenity::Error> {
    for &id in listed {
        poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(id)).await?;
    }
    Ok(())
}
