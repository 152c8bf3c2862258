//! Every payload the emulator sends must deserialize in serenity: one that does not is dropped
//! silently by the real client, and a test would only see a deaf bot.

use serde_json::{json, Value};
use serenity::model::event::{Event as Dispatch, GatewayEvent};

use super::world::{self, ALICE, CIPP_ISSUES, MOD, SUPPORT_FORUM};
use super::{gateway, lock, Emulator, Options};

fn accepted(payload: &Value) -> Dispatch {
    let kind = payload["t"].as_str().unwrap_or("?").to_owned();
    match serde_json::from_value::<GatewayEvent>(payload.clone()) {
        Ok(GatewayEvent::Dispatch(_, Dispatch::Unknown(unknown))) => {
            panic!("{kind} became an unknown event: {unknown:?}")
        }
        Ok(GatewayEvent::Dispatch(_, event)) => event,
        Ok(other) => panic!("{kind} is not a dispatch: {other:?}"),
        Err(error) => panic!("serenity refuses {kind}: {error}\n{payload:#}"),
    }
}

#[tokio::test]
async fn ready_and_guild_create_deserialize() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let cursor = gateway::identify(
        &emulator.state,
        &json!({"token": "Bot emulated-token", "intents": 0}),
    )
    .unwrap();
    let frames: Vec<Value> = lock(&emulator.state.outbox)
        .iter()
        .filter(|(seq, _)| *seq > cursor)
        .map(|(_, payload)| payload.clone())
        .collect();
    assert_eq!(frames.len(), 2);
    assert!(matches!(accepted(&frames[0]), Dispatch::Ready(_)));
    match accepted(&frames[1]) {
        Dispatch::GuildCreate(guild) => {
            assert_eq!(guild.guild.channels.len(), 3);
            assert_eq!(guild.guild.roles.len(), 2);
            assert_eq!(guild.guild.members.len(), world::PEOPLE.len());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        gateway::identify(&emulator.state, &json!({"token": "Bot wrong"})).unwrap_err(),
        4004
    );
}

#[tokio::test]
async fn every_dispatch_deserializes() {
    let emulator = Emulator::start(Options::default()).await.unwrap();
    let message = emulator.say(ALICE, CIPP_ISSUES, "I get a 500 error");
    emulator.thread(CIPP_ISSUES, "a thread");
    emulator.forum_post(ALICE, SUPPORT_FORUM, "Help", "My tenant is broken");
    emulator.slash(
        ALICE,
        CIPP_ISSUES,
        "faq",
        json!([{"name": "entry", "type": 3, "value": "cost"}, {"name": "user", "type": 6, "value": MOD.to_string()}]),
    );
    emulator.slash(
        MOD,
        CIPP_ISSUES,
        "faq-admin",
        json!([{"name": "status", "type": 1, "options": []}]),
    );
    emulator.autocomplete(
        ALICE,
        CIPP_ISSUES,
        "faq",
        json!([{"name": "entry", "type": 3, "value": "50", "focused": true}]),
    );
    emulator
        .message_command(MOD, "Answer with FAQ", message)
        .unwrap();
    emulator.click(ALICE, message, "faqbot:dismiss:1").unwrap();
    emulator
        .select(MOD, message, "faqbot:link:1:2", &["cost"])
        .unwrap();
    emulator.submit(MOD, CIPP_ISSUES, "faqbot:search:1:2", &[("query", "cost")]);
    emulator.delete(message);
    emulator.state.dispatch("RESUMED", json!({}));

    let outbox = lock(&emulator.state.outbox).clone();
    let mut kinds = Vec::new();
    for (_, payload) in &outbox {
        let event = accepted(payload);
        kinds.push(payload["t"].as_str().unwrap().to_owned());
        if let Dispatch::InteractionCreate(create) = event {
            // The interaction kinds the bot handles all arrive as themselves.
            assert!(
                create.interaction.as_command().is_some()
                    || create.interaction.as_autocomplete().is_some()
                    || create.interaction.as_message_component().is_some()
                    || create.interaction.as_modal_submit().is_some(),
                "{:?}",
                create.interaction.kind()
            );
        }
    }
    for kind in [
        "MESSAGE_CREATE",
        "THREAD_CREATE",
        "INTERACTION_CREATE",
        "MESSAGE_DELETE",
        "RESUMED",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
    assert_eq!(
        kinds.iter().filter(|k| *k == "INTERACTION_CREATE").count(),
        7
    );
}
