//! `PUT …/commands`: registering application commands, checked as Discord checks them.

use axum::extract::{Path, State as Shared};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::world::BOT;
use crate::{Event, State};

use super::{reject, SharedState};

pub(super) async fn register_global(
    Shared(state): SharedState,
    Json(body): Json<Value>,
) -> Response {
    register(&state, None, body)
}

pub(super) async fn register_guild(
    Shared(state): SharedState,
    Path((_, guild)): Path<(String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    register(&state, Some(guild), body)
}

pub(super) fn register(state: &State, guild: Option<u64>, body: Value) -> Response {
    let route = "PUT commands";
    let Some(commands) = body.as_array() else {
        return reject(state, route, "expected an array of commands".into());
    };
    let mut echoed = Vec::new();
    for command in commands {
        let name = command["name"].as_str().unwrap_or("");
        let kind = command["type"].as_u64().unwrap_or(1);
        let description = command["description"].as_str().unwrap_or("");
        if name.is_empty() || name.chars().count() > 32 {
            return reject(
                state,
                route,
                format!("name {name:?}: must be 1 to 32 in length"),
            );
        }
        if kind == 1 && (description.is_empty() || description.chars().count() > 100) {
            return reject(
                state,
                route,
                format!("{name}: description must be 1 to 100 in length"),
            );
        }
        if kind != 1 && !description.is_empty() {
            return reject(
                state,
                route,
                format!("{name}: context menu commands have no description"),
            );
        }
        let mut command = command.clone();
        command["id"] = json!(state.new_id().to_string());
        command["application_id"] = json!(BOT.to_string());
        command["version"] = json!("1");
        command["type"] = json!(kind);
        command["description"] = json!(description);
        if let Some(guild) = guild {
            command["guild_id"] = json!(guild.to_string());
        }
        echoed.push(command);
    }
    let echoed = Value::Array(echoed);
    state.record(Event::Commands {
        guild,
        commands: echoed.clone(),
    });
    Json(echoed).into_response()
}
