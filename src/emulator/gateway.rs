//! The gateway: one WebSocket session at a time, with HELLO, IDENTIFY/READY, heartbeats, RESUME and
//! the dispatch queue.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

use super::world::{self, person, BOT};
use super::{lock, Control, Event, State};

/// One gateway connection from HELLO to close: IDENTIFY or RESUME, READY and the guild, then
/// heartbeats, dispatches and the test's controls in one loop, as one state machine reads best.
pub(super) async fn session(socket: WebSocket, state: Arc<State>) {
    let (mut tx, mut rx) = socket.split();
    let me = state.connections.fetch_add(1, Ordering::SeqCst) + 1;
    // A stalled connection reads what the client sends and answers nothing.
    let stalled = |state: &State| state.stalled.load(Ordering::SeqCst) == me;
    let mut latest = state.latest.subscribe();
    let mut control = state.control.subscribe();
    // The last sequence number this connection has sent; `None` until the session is set up.
    let mut sent: Option<u64> = None;

    let interval = state.options.heartbeat.as_millis() as u64;
    let hello = json!({"op": 10, "d": {"heartbeat_interval": interval}});
    if tx.send(text(&hello)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = rx.next() => {
                let payload: Value = match frame {
                    Some(Ok(Message::Text(body))) => match serde_json::from_str(body.as_str()) {
                        Ok(payload) => payload,
                        Err(_) => continue,
                    },
                    Some(Ok(Message::Close(_))) => {
                        // The WebSocket layer has queued the answering close frame: send it, so
                        // that the client sees a clean shutdown.
                        let _ = tx.flush().await;
                        return;
                    }
                    None | Some(Err(_)) => return,
                    Some(Ok(_)) => continue,
                };
                match payload["op"].as_u64() {
                    Some(1) if stalled(&state) => {}
                    Some(1) if tx.send(text(&json!({"op": 11}))).await.is_err() => return,
                    Some(1) => {}
                    Some(2) => match identify(&state, &payload["d"]) {
                        // READY and GUILD_CREATE are queued first; earlier dispatches are not
                        // for this session.
                        Ok(cursor) => match flush(&state, &mut tx, cursor).await {
                            Ok(last) => sent = Some(last),
                            Err(()) => return,
                        },
                        Err(code) => {
                            let _ = tx.send(close(code)).await;
                            return;
                        }
                    },
                    Some(6) => {
                        let known = lock(&state.session).clone();
                        let session = payload["d"]["session_id"].as_str();
                        if known.is_none() || session != known.as_deref() {
                            let invalid = json!({"op": 9, "d": false});
                            let _ = tx.send(text(&invalid)).await;
                            continue;
                        }
                        // Replay what the client missed; RESUMED follows through the queue.
                        let from = payload["d"]["seq"].as_u64().unwrap_or(0);
                        match flush(&state, &mut tx, from).await {
                            Ok(last) => sent = Some(last),
                            Err(()) => return,
                        }
                        state.dispatch("RESUMED", json!({}));
                        state.record(Event::Resumed);
                    }
                    _ => {}
                }
            }
            changed = latest.changed(), if sent.is_some() => {
                if changed.is_err() {
                    return;
                }
                if stalled(&state) {
                    continue;
                }
                let from = sent.unwrap_or(0);
                match flush(&state, &mut tx, from).await {
                    Ok(last) => sent = Some(last.max(from)),
                    Err(()) => return,
                }
            }
            order = control.recv() => match order {
                Ok(Control::Reconnect) => {
                    let _ = tx.send(text(&json!({"op": 7, "d": null}))).await;
                }
                Ok(Control::Close(code)) => {
                    let _ = tx.send(close(code)).await;
                    return;
                }

                Err(_) => {}
            }
        }
    }
}

/// Checks IDENTIFY and starts a session: queues READY and GUILD_CREATE and returns the sequence
/// number just before them, or the close code that refuses the session.
pub(super) fn identify(state: &State, data: &Value) -> Result<u64, u16> {
    let token = data["token"].as_str().unwrap_or("");
    let token = token.strip_prefix("Bot ").unwrap_or(token);
    if token != state.options.token {
        return Err(4004);
    }
    if let Some(code) = state.options.refuse_identify {
        return Err(code);
    }
    let intents = data["intents"].as_u64().unwrap_or(0);
    let session = format!("session-{}", state.new_id());
    *lock(&state.session) = Some(session.clone());

    let ready = json!({
        "v": 10,
        "user": world::user(person(BOT)),
        "guilds": [{"id": world::GUILD.to_string(), "unavailable": true}],
        "session_id": session,
        "resume_gateway_url": state.ws_url,
        "application": {"id": BOT.to_string(), "flags": 1 << 19},
    });
    let guild = lock(&state.world).guild_create();
    let cursor = state.start_session(ready, guild);
    // Recorded once the session exists: what is said after this reaches it.
    state.record(Event::Identified { intents });
    Ok(cursor)
}

/// Sends every queued dispatch after sequence number `from`; returns the last one sent.
async fn flush(
    state: &State,
    tx: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    from: u64,
) -> Result<u64, ()> {
    let pending: Vec<(u64, Value)> = lock(&state.outbox)
        .iter()
        .filter(|(seq, _)| *seq > from)
        .cloned()
        .collect();
    let mut last = from;
    for (seq, payload) in pending {
        tx.send(text(&payload)).await.map_err(|_| ())?;
        last = seq;
    }
    Ok(last)
}

fn text(payload: &Value) -> Message {
    Message::Text(payload.to_string().into())
}

fn close(code: u16) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: "closed by the emulator".into(),
    }))
}
