//! `POST /interactions/{id}/{token}/callback`: answering an interaction once, within 3 s.

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::{id_field, limits, lock, protocol, Event, State, Via};

use super::messages::store;
use super::{error, reject, SharedState, ANSWER_WITHIN};

pub(super) async fn callback(
    Shared(state): SharedState,
    Path((id, token)): Path<(u64, String)>,
    Json(body): Json<Value>,
) -> Response {
    let route = "POST /interactions/{id}/{token}/callback";
    let (channel, source) = match first_answer(&state, route, id, &token) {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    let data = body.get("data").cloned().unwrap_or(json!({}));
    let answer = Answer {
        id,
        token: &token,
        channel,
        source,
    };
    match answer.apply(&state, body["type"].as_u64(), data) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(reason) => reject(&state, route, reason),
    }
}

/// Marks the interaction answered; its channel and the message whose component was used. Refused
/// as Discord does (and the refusal recorded): unknown, expired after 3 s, or answered already.
fn first_answer(
    state: &State,
    route: &str,
    id: u64,
    token: &str,
) -> Result<(u64, Option<u64>), Refused> {
    let mut interactions = lock(&state.interactions);
    let Some(interaction) = interactions.get_mut(token).filter(|i| i.id == id) else {
        return Err(Refused::Unknown);
    };
    let refused = if interaction.created.elapsed() > ANSWER_WITHIN {
        Refused::Expired
    } else if interaction.responded {
        Refused::Answered
    } else {
        interaction.responded = true;
        return Ok((interaction.channel, interaction.source));
    };
    drop(interactions);
    let reason = match refused {
        Refused::Expired => "answered after 3 s: the interaction has expired",
        _ => "this interaction has already been acknowledged",
    };
    reject(state, route, reason.into());
    Err(refused)
}

/// Why Discord refuses an interaction's answer.
enum Refused {
    Unknown,
    Expired,
    Answered,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Unknown | Refused::Expired => {
                error(StatusCode::NOT_FOUND, 10062, "Unknown interaction")
            }
            Refused::Answered => error(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            ),
        }
    }
}

/// The first answer to one interaction.
struct Answer<'a> {
    id: u64,
    token: &'a str,
    channel: u64,
    /// The message whose button or menu was used, for a component interaction.
    source: Option<u64>,
}

impl Answer<'_> {
    /// Does what an answer of `kind` with `data` does, or says why Discord would refuse it.
    fn apply(&self, state: &State, kind: Option<u64>, data: Value) -> Result<(), String> {
        let (id, ephemeral) = (self.id, ephemeral_flag(&data));
        match kind {
            Some(protocol::CHANNEL_MESSAGE) => {
                let via = Via::Response { interaction: id };
                let message = store(state, self.channel, None, &data, via, ephemeral)?;
                set_original(state, self.token, id_field(&message["id"]));
            }
            Some(protocol::DEFERRED_CHANNEL_MESSAGE) => {
                if let Some(interaction) = lock(&state.interactions).get_mut(self.token) {
                    interaction.deferred_ephemeral = ephemeral;
                }
                state.record(Event::Deferred {
                    interaction: id,
                    ephemeral,
                })
            }
            Some(protocol::DEFERRED_UPDATE_MESSAGE) => {
                state.record(Event::Acknowledged { interaction: id })
            }
            Some(protocol::UPDATE_MESSAGE) => {
                let source = self
                    .source
                    .ok_or("UPDATE_MESSAGE needs a component interaction")?;
                let was_ephemeral = lock(&state.world)
                    .messages
                    .get(&source)
                    .is_some_and(ephemeral_flag);
                let via = Via::Update { interaction: id };
                store(state, self.channel, Some(source), &data, via, was_ephemeral)?;
            }
            Some(protocol::AUTOCOMPLETE_RESULT) => {
                limits::check_choices(&data)?;
                state.record(Event::Choices {
                    interaction: id,
                    choices: choices(&data),
                });
            }
            Some(protocol::MODAL) => {
                limits::check_modal(&data)?;
                state.record(Event::Modal {
                    interaction: id,
                    data,
                });
            }
            other => {
                return Err(format!(
                    "type {other:?} is not an interaction response type"
                ))
            }
        }
        Ok(())
    }
}

/// An autocomplete answer's choices as (name, value) pairs.
fn choices(data: &Value) -> Vec<(String, String)> {
    data["choices"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|c| {
            let value = match &c["value"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (c["name"].as_str().unwrap_or("").to_owned(), value)
        })
        .collect()
}

/// Whether a message or response body has the EPHEMERAL flag (1 << 6).
pub(super) fn ephemeral_flag(body: &Value) -> bool {
    body["flags"].as_u64().unwrap_or(0) & protocol::EPHEMERAL != 0
}

pub(super) fn set_original(state: &State, token: &str, message: u64) {
    if let Some(interaction) = lock(&state.interactions).get_mut(token) {
        interaction.original.get_or_insert(message);
    }
}
