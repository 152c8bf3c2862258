//! The REST API a poise bot calls, with Discord's checks: authorization, limits, unknown or
//! expired interactions, answering an interaction twice. One file per resource.

mod commands;
mod history;
mod interactions;
mod messages;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{State as Shared, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{gateway, Event, State};

use commands::{register_global, register_guild};
use interactions::callback;
pub use messages::CHANNEL_MESSAGES;
use messages::{
    create_message, delete_message, edit_message, get_channel, get_message, list_messages,
};
use webhooks::{delete_followup, edit_followup, followup};

/// Discord invalidates an interaction token that gets no answer within 3 s.
pub(super) const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// ... and followups stop working after 15 minutes.
pub(super) const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

pub(super) type SharedState = Shared<Arc<State>>;

pub(super) fn router(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/gateway", get(gateway_url))
        .route("/applications/{app}/commands", put(register_global))
        .route(
            "/applications/{app}/guilds/{guild}/commands",
            put(register_guild),
        )
        .route("/channels/{channel}", get(get_channel))
        .route("/users/@me", get(history::me))
        .route(
            "/users/@me/guilds/{guild}",
            axum::routing::delete(history::leave),
        )
        .route("/guilds/{guild}/channels", get(history::guild_channels))
        .route("/guilds/{guild}/roles", get(history::roles))
        .route("/guilds/{guild}/members/{user}", get(history::member))
        .route(
            "/guilds/{guild}/threads/active",
            get(history::active_threads),
        )
        .route(
            "/channels/{channel}/threads/archived/public",
            get(history::archived_threads),
        )
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

pub(super) async fn upgrade(ws: WebSocketUpgrade, Shared(state): SharedState) -> Response {
    ws.on_upgrade(move |socket| gateway::session(socket, state))
}

/// Every REST call needs `Authorization: Bot <token>`; the gateway checks the token in IDENTIFY.
pub(super) async fn authorize(
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
    let mut response = next.run(request).await;
    // Discord's clock, as every answer's `Date` header shows it.
    let behind = std::time::Duration::from_millis(crate::lock(&state.world).behind_ms);
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() - behind);
    if let Ok(value) = date.parse() {
        response.headers_mut().insert("date", value);
    }
    response
}

pub(super) fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

/// A 400 like Discord's, recorded so tests can see what the bot got wrong.
pub(super) fn reject(state: &State, route: &str, reason: String) -> Response {
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

pub(super) async fn unknown_route(Shared(state): SharedState, uri: axum::http::Uri) -> Response {
    state.record(Event::Rejected {
        route: uri.path().to_owned(),
        reason: "not emulated".to_owned(),
    });
    error(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

pub(super) async fn gateway_url(Shared(state): SharedState) -> Json<Value> {
    Json(json!({"url": state.ws_url}))
}
