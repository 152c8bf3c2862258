//! Every payload the emulator sends must deserialize in serenity: one that does not is dropped
//! silently by the real client, and a test would only see a deaf bot.

use serde_json::{json, Value};
use serenity::model::event::{Event as Dispatch, GatewayEvent};

use super::gateway::Refusal;
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
    let (cursor, _, _) = gateway::identify(
        &emulator.state,
        &json!({"token": format!("Bot {}", emulator.token()), "intents": 0}),
    )
    .unwrap();
    let frames: Vec<Value> = lock(&emulator.state.outbox)
        .iter()
        .filter(|(seq, _, _)| *seq > cursor)
        .map(|(_, _, payload)| payload.clone())
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
        Refusal::Close(4004)
    );
}

#[tokio::test]
async fn servers_go_to_their_shard_and_direct_messages_to_shard_0() {
    let options = Options {
        identify_every: Some(std::time::Duration::from_secs(5)),
        ..Options::default()
    };
    let emulator = Emulator::start(options).await.unwrap();
    let added: Vec<(u64, u64)> = (0..3).map(|_| emulator.add_guild()).collect();
    let identify = |shard: [u64; 2]| {
        gateway::identify(
            &emulator.state,
            &json!({"token": format!("Bot {}", emulator.token()), "intents": 0, "shard": shard}),
        )
    };
    assert_eq!(
        identify([2, 2]).unwrap_err(),
        Refusal::Close(4010),
        "no shard 2 of 2"
    );
    let (_, first, shard_0) = identify([0, 2]).unwrap();
    assert_eq!(
        identify([1, 2]).unwrap_err(),
        Refusal::TooFast,
        "within 5 s"
    );
    assert!(emulator
        .events()
        .iter()
        .any(|e| matches!(e, super::Event::IdentifyRefused { shard: 1 })));
    *lock(&emulator.state.last_identify) = None;
    let (_, second, shard_1) = identify([1, 2]).unwrap();

    for (_, channel) in &added {
        emulator.say(ALICE, *channel, "a question in another server");
    }
    emulator.say(ALICE, CIPP_ISSUES, "a question in the first server");
    emulator.direct_message(ALICE, "hello bot");
    let outbox = lock(&emulator.state.outbox).clone();
    let received = |session: &str, shard: super::Shard| -> Vec<Value> {
        outbox
            .iter()
            .filter(|(_, to, _)| shard.receives(session, to))
            .map(|(_, _, payload)| payload.clone())
            .collect()
    };
    let (zero, one) = (received(&first, shard_0), received(&second, shard_1));
    let guilds_of = |frames: &[Value], kind: &str| -> Vec<u64> {
        frames
            .iter()
            .filter(|f| f["t"] == kind)
            .map(|f| {
                accepted(f);
                let key = if kind == "GUILD_CREATE" {
                    "id"
                } else {
                    "guild_id"
                };
                super::id_field(&f["d"][key])
            })
            .collect()
    };
    // Four servers, two a shard, each by `(id >> 22) % 2`.
    let (created_0, created_1) = (
        guilds_of(&zero, "GUILD_CREATE"),
        guilds_of(&one, "GUILD_CREATE"),
    );
    assert_eq!((created_0.len(), created_1.len()), (2, 2));
    for (frames, shard) in [(&zero, 0), (&one, 1)] {
        for guild in guilds_of(frames, "MESSAGE_CREATE")
            .into_iter()
            .filter(|&g| g != 0)
        {
            assert_eq!((guild >> 22) % 2, shard, "{guild} on shard {shard}");
        }
    }
    assert_eq!(
        guilds_of(&zero, "MESSAGE_CREATE").len(),
        3,
        "two servers and the DM"
    );
    assert_eq!(guilds_of(&one, "MESSAGE_CREATE").len(), 2);
    let dm = zero
        .iter()
        .find(|f| f["d"]["content"] == "hello bot")
        .expect("the direct message on shard 0");
    assert!(dm["d"].get("guild_id").is_none());
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
    for (_, _, payload) in &outbox {
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
