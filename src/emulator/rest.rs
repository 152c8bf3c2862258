//! The REST API a poise bot calls, with Discord's checks: authorization, limits, unknown or
//! expired interactions, answering an interaction twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State as Shared, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::world::{self, person, BOT};
use super::{gateway, id_field, limits, lock, protocol, Event, Post, State, Via};

/// Discord invalidates an interaction token that gets no answer within 3 s.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// ... and followups stop working after 15 minutes.
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

type SharedState = Shared<Arc<State>>;

pub(super) fn router(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/gateway", get(gateway_url))
        .route("/applications/{app}/commands", put(register_global))
        .route(
            "/applications/{app}/guilds/{guild}/commands",
            put(register_guild),
        )
        .route("/channels/{channel}", get(get_channel))
        .route(
            "/channels/{channel}/messages",
            post(create_message).get(list_messages),
        )
        .route(
            "/channels/{channel}/messages/{message}",
            get(get_message).delete(delete_message).patch(edit_message),
        )
        .route("/interactions/{id}/{token}/callback", post(callback))
        .route("/webhooks/{app}/{token}", post(followup))
        .route(
            "/webhooks/{app}/{token}/messages/{message}",
            patch(edit_followup).delete(delete_followup),
        )
        .fallback(unknown_route);
    Router::new()
        .route("/ws", get(upgrade))
        .nest("/api/v10", api)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authorize,
        ))
        .with_state(state)
}

async fn upgrade(ws: WebSocketUpgrade, Shared(state): SharedState) -> Response {
    ws.on_upgrade(move |socket| gateway::session(socket, state))
}

/// Every REST call needs `Authorization: Bot <token>`; the gateway checks the token in IDENTIFY.
async fn authorize(
    Shared(state): SharedState,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().path() != "/ws" && state.outage.load(std::sync::atomic::Ordering::SeqCst) {
        return error(StatusCode::SERVICE_UNAVAILABLE, 0, "upstream connect error");
    }
    if request.uri().path() != "/ws" {
        let expected = format!("Bot {}", state.options.token);
        let given = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            return error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
        }
    }
    next.run(request).await
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

/// A 400 like Discord's, recorded so tests can see what the bot got wrong.
fn reject(state: &State, route: &str, reason: String) -> Response {
    tracing::warn!("emulator refused {route}: {reason}");
    state.record(Event::Rejected {
        route: route.to_owned(),
        reason: reason.clone(),
    });
    error(
        StatusCode::BAD_REQUEST,
        50035,
        &format!("Invalid Form Body ({reason})"),
    )
}

async fn unknown_route(Shared(state): SharedState, uri: axum::http::Uri) -> Response {
    state.record(Event::Rejected {
        route: uri.path().to_owned(),
        reason: "not emulated".to_owned(),
    });
    error(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

async fn gateway_url(Shared(state): SharedState) -> Json<Value> {
    Json(json!({"url": state.ws_url}))
}

async fn register_global(Shared(state): SharedState, Json(body): Json<Value>) -> Response {
    register(&state, None, body)
}

async fn register_guild(
    Shared(state): SharedState,
    Path((_, guild)): Path<(String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    register(&state, Some(guild), body)
}

fn register(state: &State, guild: Option<u64>, body: Value) -> Response {
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

async fn get_channel(Shared(state): SharedState, Path(channel): Path<u64>) -> Response {
    match lock(&state.world).channel(channel) {
        Some(found) => Json(world::channel_json(found)).into_response(),
        None => error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
    }
}

/// `GET /channels/{id}/messages?after=ID&limit=N`: the channel's messages after `after`, newest
/// first, at most `limit` (50 by default, 100 at most), as Discord pages them.
async fn list_messages(
    Shared(state): SharedState,
    Path(channel): Path<u64>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    if lock(&state.world).channel(channel).is_none() {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
    let after = number("after").unwrap_or(0);
    let limit = number("limit").unwrap_or(50).clamp(1, 100) as usize;
    let world = lock(&state.world);
    let mut found: Vec<(u64, &Value)> = world
        .messages
        .iter()
        .filter(|(id, message)| **id > after && id_field(&message["channel_id"]) == channel)
        .map(|(id, message)| (*id, message))
        .collect();
    // The oldest after `after` first, as Discord pages forward; then newest first, as it answers.
    found.sort_unstable_by_key(|(id, _)| *id);
    found.truncate(limit);
    let page: Vec<Value> = found.into_iter().rev().map(|(_, m)| m.clone()).collect();
    Json(Value::Array(page)).into_response()
}

async fn get_message(Shared(state): SharedState, Path((_, message)): Path<(u64, u64)>) -> Response {
    match lock(&state.world).messages.get(&message) {
        Some(found) => Json(found.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

async fn delete_message(
    Shared(state): SharedState,
    Path((channel, message)): Path<(u64, u64)>,
) -> Response {
    if lock(&state.world).messages.remove(&message).is_none() {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    }
    state.dispatch(
        "MESSAGE_DELETE",
        json!({"id": message.to_string(), "channel_id": channel.to_string(), "guild_id": world::GUILD.to_string()}),
    );
    state.record(Event::Deleted { channel, message });
    StatusCode::NO_CONTENT.into_response()
}

async fn create_message(
    Shared(state): SharedState,
    Path(channel): Path<u64>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(delay) = state.options.post_delay {
        tokio::time::sleep(delay).await;
    }
    if lock(&state.world).channel(channel).is_none() {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    // With `enforce_nonce`, a nonce used in the last minutes returns that message, as on Discord:
    // a retry of a post whose answer was lost does not post it twice.
    let nonce = body["nonce"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| body["nonce"].as_u64().map(|n| n.to_string()))
        .filter(|_| body["enforce_nonce"].as_bool() == Some(true));
    if let Some(nonce) = &nonce {
        let earlier = lock(&state.nonces)
            .get(nonce)
            .filter(|(_, at)| at.elapsed() < NONCE_LIFETIME)
            .map(|(id, _)| *id);
        if let Some(message) = earlier.and_then(|id| lock(&state.world).messages.get(&id).cloned())
        {
            return Json(message).into_response();
        }
    }
    let route = CREATE_MESSAGE;
    let window = match take_slot(&state, channel) {
        Ok(window) => window,
        Err(retry_after) => {
            state.record(Event::RateLimited {
                route: route.to_owned(),
            });
            let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false});
            let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
            let headers = response.headers_mut();
            let secs = retry_after.ceil().to_string();
            headers.insert("retry-after", secs.parse().expect("a number"));
            rate_limit_headers(&state, headers, 0, retry_after);
            return response;
        }
    };
    match store(&state, channel, None, &body, Via::Channel, false) {
        Ok(message) => {
            if let Some(nonce) = nonce {
                let id = id_field(&message["id"]);
                lock(&state.nonces).insert(nonce, (id, std::time::Instant::now()));
            }
            if take_one(&state.lose_answers) {
                // Posted, but the answer is lost on the way back.
                return error(StatusCode::BAD_GATEWAY, 0, "Bad Gateway");
            }
            let mut response = Json(message).into_response();
            if let Some((remaining, reset_after)) = window {
                rate_limit_headers(&state, response.headers_mut(), remaining, reset_after);
            }
            response
        }
        Err(reason) => reject(&state, route, reason),
    }
}

const CREATE_MESSAGE: &str = "POST /channels/{id}/messages";

/// How long Discord remembers a message's nonce ("a few minutes").
const NONCE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Takes one from a counter of faults still to inject; whether there was one.
fn take_one(counter: &std::sync::atomic::AtomicUsize) -> bool {
    counter
        .fetch_update(
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
            |n| n.checked_sub(1),
        )
        .is_ok()
}

/// Discord's published limit on new messages in one channel.
pub const CHANNEL_MESSAGES: usize = 5;
const CHANNEL_WINDOW: Duration = Duration::from_secs(5);

/// Takes a slot of the channel's window: the slots left and seconds until the window resets, or
/// (exhausted) the seconds to wait. `Ok(None)` when limits are off. Records a request that the
/// last response had told to wait.
fn take_slot(state: &State, channel: u64) -> Result<Option<(usize, f64)>, f64> {
    if !state.options.rate_limits {
        return Ok(None);
    }
    let now = std::time::Instant::now();
    if lock(&state.announced)
        .get(&channel)
        .is_some_and(|until| now < *until)
    {
        state.record(Event::DisregardedLimit {
            route: CREATE_MESSAGE.to_owned(),
        });
    }
    let limit = state
        .channel_limit
        .load(std::sync::atomic::Ordering::SeqCst);
    let mut windows = lock(&state.channel_windows);
    let sent = windows.entry(channel).or_default();
    while sent
        .front()
        .is_some_and(|at| now.duration_since(*at) >= CHANNEL_WINDOW)
    {
        sent.pop_front();
    }
    let reset_after = |oldest: Option<&std::time::Instant>| {
        oldest
            .map_or(CHANNEL_WINDOW, |at| {
                CHANNEL_WINDOW.saturating_sub(now.duration_since(*at))
            })
            .as_secs_f64()
    };
    let announce = |seconds: f64| {
        lock(&state.announced).insert(channel, now + Duration::from_secs_f64(seconds));
    };
    if sent.len() >= limit {
        let wait = reset_after(sent.front());
        announce(wait);
        return Err(wait);
    }
    sent.push_back(now);
    let (remaining, reset) = (limit - sent.len(), reset_after(sent.front()));
    if remaining == 0 {
        announce(reset);
    }
    Ok(Some((remaining, reset)))
}

fn rate_limit_headers(
    state: &State,
    headers: &mut axum::http::HeaderMap,
    remaining: usize,
    reset_after: f64,
) {
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, value.parse().expect("a header value"));
    };
    let limit = state
        .channel_limit
        .load(std::sync::atomic::Ordering::SeqCst);
    set("x-ratelimit-limit", limit.to_string());
    set("x-ratelimit-remaining", remaining.to_string());
    set("x-ratelimit-reset-after", format!("{reset_after:.3}"));
    set("x-ratelimit-bucket", "channel-messages".to_owned());
    set("x-ratelimit-scope", "user".to_owned());
}

async fn edit_message(
    Shared(state): SharedState,
    Path((channel, message)): Path<(u64, u64)>,
    Json(body): Json<Value>,
) -> Response {
    match store(&state, channel, Some(message), &body, Via::Edit, false) {
        Ok(message) => Json(message).into_response(),
        Err(reason) => reject(&state, "PATCH /channels/{id}/messages/{id}", reason),
    }
}

/// Checks and stores a message the bot posts (or edits, when `existing` is given) and records it.
fn store(
    state: &State,
    channel: u64,
    existing: Option<u64>,
    body: &Value,
    via: Via,
    ephemeral: bool,
) -> Result<Value, String> {
    let mut world = lock(&state.world);
    let edited = existing.and_then(|id| world.messages.get(&id).cloned());
    let merged = match &edited {
        // An edit changes only the fields it names.
        Some(old) => {
            let mut merged = old.clone();
            for key in [
                "content",
                "embeds",
                "components",
                "allowed_mentions",
                "flags",
            ] {
                if let Some(value) = body.get(key) {
                    merged[key] = value.clone();
                }
            }
            merged
        }
        None if existing.is_some() => return Err("Unknown Message".into()),
        None => body.clone(),
    };
    limits::check_message(&merged)?;
    let reply_to = body["message_reference"]["message_id"]
        .as_str()
        .and_then(|id| id.parse::<u64>().ok());
    let replied_author = match reply_to {
        Some(id) => match world.messages.get(&id) {
            Some(target) => Some(id_field(&target["author"]["id"])),
            None => return Err("message_reference: Unknown message".into()),
        },
        None => None,
    };
    let id = existing.unwrap_or_else(|| world.new_id());
    let mut message = world::message(id, channel, person(BOT), "");
    for key in ["content", "embeds", "components"] {
        if let Some(value) = merged.get(key) {
            message[key] = value.clone();
        }
    }
    if let Some(id) = reply_to {
        message["type"] = json!(protocol::REPLY);
        message["message_reference"] =
            json!({"message_id": id.to_string(), "channel_id": channel.to_string()});
    }
    if ephemeral {
        message["flags"] = json!(protocol::EPHEMERAL);
    }
    let pings = limits::pings(&merged, replied_author);
    message["mention_everyone"] = json!(pings.everyone);
    world.messages.insert(id, message.clone());
    drop(world);
    if existing.is_none() && !ephemeral {
        state.dispatch("MESSAGE_CREATE", message.clone());
    }
    state.record(Event::Posted(Post {
        via,
        id,
        channel,
        ephemeral,
        reply_to,
        pings,
        message: message.clone(),
    }));
    Ok(message)
}

async fn callback(
    Shared(state): SharedState,
    Path((id, token)): Path<(u64, String)>,
    Json(body): Json<Value>,
) -> Response {
    let route = "POST /interactions/{id}/{token}/callback";
    let (channel, source) = {
        let mut interactions = lock(&state.interactions);
        let Some(interaction) = interactions.get_mut(&token).filter(|i| i.id == id) else {
            return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        };
        if interaction.created.elapsed() > ANSWER_WITHIN {
            drop(interactions);
            reject(
                &state,
                route,
                "answered after 3 s: the interaction has expired".into(),
            );
            return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        }
        if interaction.responded {
            drop(interactions);
            reject(
                &state,
                route,
                "this interaction has already been acknowledged".into(),
            );
            return error(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            );
        }
        interaction.responded = true;
        (interaction.channel, interaction.source)
    };
    let data = body.get("data").cloned().unwrap_or(json!({}));
    let ephemeral = ephemeral_flag(&data);
    match body["type"].as_u64() {
        Some(protocol::CHANNEL_MESSAGE) => match store(
            &state,
            channel,
            None,
            &data,
            Via::Response { interaction: id },
            ephemeral,
        ) {
            Ok(message) => {
                set_original(&state, &token, id_field(&message["id"]));
            }
            Err(reason) => return reject(&state, route, reason),
        },
        Some(protocol::DEFERRED_CHANNEL_MESSAGE) => {
            if let Some(interaction) = lock(&state.interactions).get_mut(&token) {
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
            let Some(source) = source else {
                return reject(
                    &state,
                    route,
                    "UPDATE_MESSAGE needs a component interaction".into(),
                );
            };
            let was_ephemeral = lock(&state.world)
                .messages
                .get(&source)
                .is_some_and(ephemeral_flag);
            if let Err(reason) = store(
                &state,
                channel,
                Some(source),
                &data,
                Via::Update { interaction: id },
                was_ephemeral,
            ) {
                return reject(&state, route, reason);
            }
        }
        Some(protocol::AUTOCOMPLETE_RESULT) => {
            if let Err(reason) = limits::check_choices(&data) {
                return reject(&state, route, reason);
            }
            let choices = data["choices"]
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
                .collect();
            state.record(Event::Choices {
                interaction: id,
                choices,
            });
        }
        Some(protocol::MODAL) => {
            if let Err(reason) = limits::check_modal(&data) {
                return reject(&state, route, reason);
            }
            state.record(Event::Modal {
                interaction: id,
                data,
            });
        }
        other => {
            return reject(
                &state,
                route,
                format!("type {other:?} is not an interaction response type"),
            )
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Whether a message or response body has the EPHEMERAL flag (1 << 6).
fn ephemeral_flag(body: &Value) -> bool {
    body["flags"].as_u64().unwrap_or(0) & protocol::EPHEMERAL != 0
}

fn set_original(state: &State, token: &str, message: u64) {
    if let Some(interaction) = lock(&state.interactions).get_mut(token) {
        interaction.original.get_or_insert(message);
    }
}

/// The interaction behind a webhook token, if it is still usable.
struct Followable {
    id: u64,
    channel: u64,
    original: Option<u64>,
    deferred_ephemeral: bool,
}

fn followable(state: &State, token: &str) -> Option<Followable> {
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

async fn followup(
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

async fn edit_followup(
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
fn webhook_message(named: &str, original: Option<u64>) -> Option<u64> {
    if named == "@original" {
        original
    } else {
        named.parse().ok()
    }
}

async fn delete_followup(
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
