//! What reading a server's past takes: its channels, roles and members, active and archived
//! threads, and the global rate limit on reads (50 requests a second, as Discord's global limit).

use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State as Shared};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::world::{self, person, BOT};
use crate::{lock, protocol, Event, State};

use super::{error, SharedState};

/// Discord's global limit: requests a second, all routes of a bot together.
const GLOBAL_READS: usize = 50;
const GLOBAL_WINDOW: Duration = Duration::from_secs(1);

/// Takes a turn in the global window of reads; `Some` 429 (recorded) saying how long to wait
/// when the window is full.
pub(super) fn read_turn(state: &State, route: &str) -> Option<Response> {
    if !state.options.rate_limits {
        return None;
    }
    let now = Instant::now();
    {
        let mut refusals = lock(&state.read_refusals);
        let (left, retry_after, until) = &mut *refusals;
        if until.is_some_and(|until| now < until) {
            state.record(Event::DisregardedLimit {
                route: route.to_owned(),
            });
        }
        if *left > 0 {
            *left -= 1;
            *until = Some(now + *retry_after);
            let retry = *retry_after;
            drop(refusals);
            return Some(refused(state, route, retry, false));
        }
    }
    let mut reads = lock(&state.reads);
    while reads
        .front()
        .is_some_and(|at| now.duration_since(*at) >= GLOBAL_WINDOW)
    {
        reads.pop_front();
    }
    if reads.len() < GLOBAL_READS {
        reads.push_back(now);
        return None;
    }
    let retry = GLOBAL_WINDOW.saturating_sub(now.duration_since(reads[0]));
    drop(reads);
    Some(refused(state, route, retry, true))
}

/// A 429 (recorded) asking to wait `retry`, for the whole bot when `global`.
fn refused(state: &State, route: &str, retry: Duration, global: bool) -> Response {
    state.record(Event::RateLimited {
        route: route.to_owned(),
    });
    let body = json!({"message": "You are being rate limited.", "retry_after": retry.as_secs_f64(), "global": global});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    let headers = response.headers_mut();
    if global {
        headers.insert("x-ratelimit-global", "true".parse().unwrap());
    }
    let scope = if global { "global" } else { "user" };
    headers.insert("x-ratelimit-scope", scope.parse().unwrap());
    if let Ok(value) = format!("{:.3}", retry.as_secs_f64().max(0.001)).parse() {
        headers.insert("retry-after", value);
    }
    response
}

/// `GET /users/@me`: the bot.
pub(super) async fn me() -> Response {
    Json(world::user(person(BOT))).into_response()
}

/// `DELETE /users/@me/guilds/{id}`: the bot leaves a server, which then no longer comes with a
/// new session.
pub(super) async fn leave(Shared(state): SharedState, Path(guild): Path<String>) -> Response {
    let guild: u64 = guild.parse().unwrap_or(0);
    lock(&state.world).guilds.retain(|g| *g != guild);
    state.record(Event::Left { guild });
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /guilds/{id}/channels`: the server's channels (not its threads).
pub(super) async fn guild_channels(Shared(state): SharedState) -> Response {
    if let Some(refused) = read_turn(&state, "/guilds/{id}/channels") {
        return refused;
    }
    let world = lock(&state.world);
    let channels: Vec<Value> = world
        .channels
        .iter()
        .filter(|c| c.kind != protocol::PUBLIC_THREAD)
        .map(|c| world.channel_with_last(c))
        .collect();
    Json(Value::Array(channels)).into_response()
}

/// `GET /guilds/{id}/roles`.
pub(super) async fn roles(axum::extract::Path(guild): axum::extract::Path<String>) -> Response {
    Json(world::roles(guild.parse().unwrap_or(world::GUILD))).into_response()
}

/// `GET /guilds/{id}/members/{user}`.
pub(super) async fn member(
    Shared(state): SharedState,
    Path((_, user)): Path<(u64, u64)>,
) -> Response {
    if let Some(refused) = read_turn(&state, "/guilds/{id}/members/{user}") {
        return refused;
    }
    Json(world::member(person(user))).into_response()
}

/// `GET /guilds/{id}/threads/active`: the server's threads not archived.
pub(super) async fn active_threads(Shared(state): SharedState) -> Response {
    if let Some(refused) = read_turn(&state, "/guilds/{id}/threads/active") {
        return refused;
    }
    let world = lock(&state.world);
    let threads: Vec<Value> = world
        .channels
        .iter()
        .filter(|c| c.kind == protocol::PUBLIC_THREAD && !world.archived.contains(&c.id))
        .map(|c| world.channel_with_last(c))
        .collect();
    Json(json!({"threads": threads, "members": []})).into_response()
}

/// `GET /channels/{id}/threads/archived/public`: a channel's archived threads, all in one page.
pub(super) async fn archived_threads(
    Shared(state): SharedState,
    Path(channel): Path<u64>,
    Query(_): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Some(refused) = read_turn(&state, "/channels/{id}/threads/archived/public") {
        return refused;
    }
    let world = lock(&state.world);
    if world.forbidden.contains(&channel) {
        return error(StatusCode::FORBIDDEN, 50001, "Missing Access");
    }
    let threads: Vec<Value> = world
        .channels
        .iter()
        .filter(|c| c.parent == Some(channel) && world.archived.contains(&c.id))
        .map(|c| world.channel_with_last(c))
        .collect();
    Json(json!({"threads": threads, "members": [], "has_more": false})).into_response()
}
