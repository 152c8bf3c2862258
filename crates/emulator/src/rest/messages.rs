//! `/channels/{id}/messages…`: posting, reading, editing and deleting messages, with the
//! channel's rate limit, nonces and the checks on what a message may hold.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::world::{self, person, BOT};
use crate::{id_field, limits, lock, protocol, Event, Post, State, Via};

use super::{error, reject, SharedState};

pub(super) async fn get_channel(Shared(state): SharedState, Path(channel): Path<u64>) -> Response {
    match lock(&state.world).channel(channel) {
        Some(found) => Json(world::channel_json(found)).into_response(),
        None => error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
    }
}

/// `GET /channels/{id}/messages?before=ID|after=ID&limit=N`: the channel's messages before
/// `before` (the newest of them) or after `after` (the oldest of them), newest first, at most
/// `limit` (50 by default, 100 at most), as Discord pages them; a reply carries the message it
/// replies to (`null` once deleted). Within the global limit of reads.
pub(super) async fn list_messages(
    Shared(state): SharedState,
    Path(channel): Path<u64>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    {
        let world = lock(&state.world);
        if world.channel(channel).is_none() {
            return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
        }
        if world.forbidden.contains(&channel) {
            return error(StatusCode::FORBIDDEN, 50001, "Missing Access");
        }
    }
    if let Some(refused) = super::history::read_turn(&state, "/channels/{id}/messages") {
        return refused;
    }
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
    let after = number("after");
    let before = number("before");
    let limit = number("limit").unwrap_or(50).clamp(1, 100) as usize;
    let world = lock(&state.world);
    let mut found: Vec<(u64, &Value)> = world
        .messages
        .iter()
        .filter(|(id, message)| {
            id_field(&message["channel_id"]) == channel
                && after.is_none_or(|after| **id > after)
                && before.is_none_or(|before| **id < before)
        })
        .map(|(id, message)| (*id, message))
        .collect();
    // Paging forward, the oldest after `after`; else the newest before `before` (or of all).
    found.sort_unstable_by_key(|(id, _)| *id);
    if after.is_some() {
        found.truncate(limit);
    } else {
        found.drain(..found.len().saturating_sub(limit));
    }
    let page: Vec<Value> = found
        .into_iter()
        .rev()
        .map(|(_, m)| {
            let mut message = m.clone();
            if let Some(replied) = m["message_reference"]["message_id"].as_str() {
                let replied = replied.parse::<u64>().ok();
                message["referenced_message"] = replied
                    .and_then(|id| world.messages.get(&id).cloned())
                    .unwrap_or(Value::Null);
            }
            message
        })
        .collect();
    drop(world);
    state.record(Event::Read {
        channel,
        messages: page.len(),
    });
    Json(Value::Array(page)).into_response()
}

pub(super) async fn get_message(
    Shared(state): SharedState,
    Path((_, message)): Path<(u64, u64)>,
) -> Response {
    match lock(&state.world).messages.get(&message) {
        Some(found) => Json(found.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

pub(super) async fn delete_message(
    Shared(state): SharedState,
    Path((channel, message)): Path<(u64, u64)>,
) -> Response {
    let guild = {
        let mut world = lock(&state.world);
        if world.messages.remove(&message).is_none() {
            return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
        }
        world.guild_of(channel)
    };
    state.dispatch(
        "MESSAGE_DELETE",
        json!({"id": message.to_string(), "channel_id": channel.to_string(), "guild_id": guild.to_string()}),
    );
    state.record(Event::Deleted { channel, message });
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn create_message(
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
        .filter(|_| body["enforce_nonce"].as_bool() == Some(true))
        .filter(|_| state.options.fold_nonces);
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

pub(super) const CREATE_MESSAGE: &str = "POST /channels/{id}/messages";

/// How long Discord remembers a message's nonce ("a few minutes").
pub(super) const NONCE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Takes one from a counter of faults still to inject; whether there was one.
pub(super) fn take_one(counter: &std::sync::atomic::AtomicUsize) -> bool {
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

pub(super) const CHANNEL_WINDOW: Duration = Duration::from_secs(5);

/// Takes a slot of the channel's window: the slots left and seconds until the window resets, or
/// (exhausted) the seconds to wait. `Ok(None)` when limits are off. Records a request that the
/// last response had told to wait.
///
/// A window is a bucket, as Discord's `X-RateLimit-Reset-After` describes it ("when the current
/// rate limit bucket will reset"): it opens with its first request and, once reset, holds its
/// whole limit again. (Counted as a sliding window, a reset would free one slot only, and a
/// client that takes Discord's word for it would be refused for sending into the reset window.)
pub(super) fn take_slot(state: &State, channel: u64) -> Result<Option<(usize, f64)>, f64> {
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
    if sent
        .front()
        .is_some_and(|opened| now.duration_since(*opened) >= CHANNEL_WINDOW)
    {
        sent.clear();
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

pub(super) fn rate_limit_headers(
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

pub(super) async fn edit_message(
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
pub(super) fn store(
    state: &State,
    channel: u64,
    existing: Option<u64>,
    body: &Value,
    via: Via,
    ephemeral: bool,
) -> Result<Value, String> {
    let mut world = lock(&state.world);
    let merged = edited(&world, existing, body)?;
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
    let mut message = world.message(id, channel, person(BOT), "");
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
    message["mentions"] = json!(pings
        .users
        .iter()
        .map(|id| world::user(person(*id)))
        .collect::<Vec<_>>());
    // The answer to a command shows who used which command, as Discord's `interaction` field.
    if let (None, Via::Response { interaction } | Via::Followup { interaction }) = (existing, via) {
        if let Some(used) = command_used(state, interaction) {
            message["interaction"] = used;
        }
    }
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

/// The message as it stands after `body`: `body` itself for a new one; for an edit of
/// `existing`, the old message with the fields `body` names replaced.
fn edited(world: &world::World, existing: Option<u64>, body: &Value) -> Result<Value, String> {
    let Some(id) = existing else {
        return Ok(body.clone());
    };
    let Some(old) = world.messages.get(&id) else {
        return Err("Unknown Message".into());
    };
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
    Ok(merged)
}

/// Discord's `interaction` field for the answer to `interaction`: who used which command.
fn command_used(state: &State, interaction: u64) -> Option<Value> {
    let (user, name) = lock(&state.interactions)
        .values()
        .find(|i| i.id == interaction && !i.name.is_empty())
        .map(|i| (i.user, i.name.clone()))?;
    Some(json!({
        "id": interaction.to_string(),
        "type": protocol::APPLICATION_COMMAND,
        "name": name,
        "user": world::user(person(user)),
    }))
}
