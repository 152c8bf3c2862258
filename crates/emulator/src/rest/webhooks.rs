//! `/webhooks/{app}/{token}…`: followups and edits of an interaction's answers, for 15 minutes.

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::{id_field, lock, Event, State, Via};

use super::interactions::{ephemeral_flag, set_original};
use super::messages::store;
use super::{error, reject, SharedState, TOKEN_LIFETIME};

/// The interaction behind a webhook token, if it is still usable.
pub(super) struct Followable {
    id: u64,
    channel: u64,
    original: Option<u64>,
    deferred_ephemeral: bool,
}

pub(super) fn followable(state: &State, token: &str) -> Option<Followable> {
    let interactions = lock(&state.interactions);
    let interaction = interactions.get(token)?;
    let usable = interaction.responded && interaction.created.elapsed() < TOKEN_LIFETIME;
    usable.then_some(Followable {
        id: interaction.id,
        channel: interaction.channel,
        original: interaction.original,
        deferred_ephemeral: interaction.deferred_ephemeral,
    })
}

pub(super) async fn followup(
    Shared(state): SharedState,
    Path((_, token)): Path<(u64, String)>,
    Json(body): Json<Value>,
) -> Response {
    let Some(Followable {
        id,
        channel,
        original,
        ..
    }) = followable(&state, &token)
    else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    let ephemeral = ephemeral_flag(&body);
    match store(
        &state,
        channel,
        None,
        &body,
        Via::Followup { interaction: id },
        ephemeral,
    ) {
        Ok(message) => {
            if original.is_none() {
                set_original(&state, &token, id_field(&message["id"]));
            }
            Json(message).into_response()
        }
        Err(reason) => reject(&state, "POST /webhooks/{app}/{token}", reason),
    }
}

pub(super) async fn edit_followup(
    Shared(state): SharedState,
    Path((_, token, message)): Path<(u64, String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let Some(Followable {
        id,
        channel,
        original,
        deferred_ephemeral,
    }) = followable(&state, &token)
    else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    let via = Via::Followup { interaction: id };
    let target = webhook_message(&message, original);
    let result = match target {
        Some(target) => {
            let ephemeral = lock(&state.world)
                .messages
                .get(&target)
                .is_some_and(ephemeral_flag);
            store(&state, channel, Some(target), &body, via, ephemeral)
        }
        // Editing the original of a deferred answer posts it.
        None => {
            let stored = store(&state, channel, None, &body, via, deferred_ephemeral);
            if let Ok(message) = &stored {
                set_original(&state, &token, id_field(&message["id"]));
            }
            stored
        }
    };
    match result {
        Ok(message) => Json(message).into_response(),
        Err(reason) => reject(
            &state,
            "PATCH /webhooks/{app}/{token}/messages/{id}",
            reason,
        ),
    }
}

/// The message a webhook route names: `@original` (the interaction's answer, once there is one)
/// or an id.
pub(super) fn webhook_message(named: &str, original: Option<u64>) -> Option<u64> {
    if named == "@original" {
        original
    } else {
        named.parse().ok()
    }
}

pub(super) async fn delete_followup(
    Shared(state): SharedState,
    Path((_, token, message)): Path<(u64, String, String)>,
) -> Response {
    let Some(Followable {
        channel, original, ..
    }) = followable(&state, &token)
    else {
        return error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    match webhook_message(&message, original) {
        Some(target) if lock(&state.world).messages.remove(&target).is_some() => {
            state.record(Event::Deleted {
                channel,
                message: target,
            });
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}
