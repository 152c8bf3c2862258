//! The gateway: WebSocket sessions, one per shard, with HELLO, IDENTIFY/READY, heartbeats,
//! RESUME and the dispatch queue; each session receives its shard's servers' dispatches.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

use super::world::{self, person, BOT};
use super::{lock, Control, Event, Shard, State};

type Sink = futures_util::stream::SplitSink<WebSocket, Message>;

/// The connection is over: the client closed it, or sending failed, or the test closed it.
struct Over;

/// One gateway connection and what it has set up.
struct Connection {
    tx: Sink,
    state: Arc<State>,
    /// This connection's number, for [`State::stalled`].
    number: u64,
    /// The last sequence number this connection has sent; `None` until the session is set up.
    sent: Option<u64>,
    /// The session and its shard, once identified or resumed.
    session: Option<(String, Shard)>,
}

/// One gateway connection from HELLO to close: IDENTIFY or RESUME, READY and the guild, then
/// heartbeats, dispatches and the test's controls in one loop.
pub(super) async fn session(socket: WebSocket, state: Arc<State>) {
    let (tx, mut rx) = socket.split();
    let number = state.connections.fetch_add(1, Ordering::SeqCst) + 1;
    let mut latest = state.latest.subscribe();
    let mut control = state.control.subscribe();
    let interval = state.options.heartbeat.as_millis() as u64;
    let mut connection = Connection {
        tx,
        state,
        number,
        sent: None,
        session: None,
    };
    let hello = json!({"op": 10, "d": {"heartbeat_interval": interval}});
    if connection.tx.send(text(&hello)).await.is_err() {
        return;
    }
    loop {
        let step = tokio::select! {
            frame = rx.next() => connection.received(frame).await,
            changed = latest.changed(), if connection.sent.is_some() => match changed {
                Ok(()) => connection.dispatched().await,
                Err(_) => Err(Over),
            },
            order = control.recv() => match order {
                Ok(order) => connection.ordered(order).await,
                Err(_) => Ok(()),
            },
        };
        if step.is_err() {
            return;
        }
    }
}

impl Connection {
    /// A stalled connection reads what the client sends and answers nothing.
    fn stalled(&self) -> bool {
        self.state.stalled.load(Ordering::SeqCst) == self.number
    }

    /// A frame from the client: heartbeats, IDENTIFY and RESUME are answered.
    async fn received(&mut self, frame: Option<Result<Message, axum::Error>>) -> Result<(), Over> {
        let payload: Value = match frame {
            Some(Ok(Message::Text(body))) => match serde_json::from_str(body.as_str()) {
                Ok(payload) => payload,
                Err(_) => return Ok(()),
            },
            Some(Ok(Message::Close(_))) => {
                // The WebSocket layer has queued the answering close frame: send it, so that
                // the client sees a clean shutdown.
                let _ = self.tx.flush().await;
                return Err(Over);
            }
            None | Some(Err(_)) => return Err(Over),
            Some(Ok(_)) => return Ok(()),
        };
        match payload["op"].as_u64() {
            Some(1) if self.stalled() => Ok(()),
            Some(1) => self.send(&json!({"op": 11})).await,
            Some(2) => self.identify(&payload["d"]).await,
            Some(6) => self.resume(&payload["d"]).await,
            _ => Ok(()),
        }
    }

    async fn identify(&mut self, data: &Value) -> Result<(), Over> {
        match identify(&self.state, data) {
            // READY and GUILD_CREATE are queued first; earlier dispatches are not for this
            // session.
            Ok((cursor, session, shard)) => self.start((session, shard), cursor).await,
            Err(Refusal::TooFast) => {
                // Discord's answer to an IDENTIFY beyond the bot's concurrency.
                let _ = self.send(&json!({"op": 9, "d": false})).await;
                Ok(())
            }
            Err(Refusal::Close(code)) => {
                let _ = self.tx.send(close(code)).await;
                Err(Over)
            }
        }
    }

    async fn resume(&mut self, data: &Value) -> Result<(), Over> {
        let session = data["session_id"].as_str().unwrap_or("");
        let Some(shard) = lock(&self.state.sessions).get(session).copied() else {
            let _ = self.send(&json!({"op": 9, "d": false})).await;
            return Ok(());
        };
        // Replay what the client missed; RESUMED follows through the queue.
        let from = data["seq"].as_u64().unwrap_or(0);
        self.start((session.to_owned(), shard), from).await?;
        self.state.dispatch("RESUMED", json!({}));
        self.state.record(Event::Resumed);
        Ok(())
    }

    /// Takes up `session` and sends what it has queued after sequence number `from`.
    async fn start(&mut self, session: (String, Shard), from: u64) -> Result<(), Over> {
        self.sent = Some(flush(&self.state, &mut self.tx, from, &session).await?);
        self.session = Some(session);
        Ok(())
    }

    /// Something was queued: sends what is for this session.
    async fn dispatched(&mut self) -> Result<(), Over> {
        if self.stalled() {
            return Ok(());
        }
        let Some(session) = &self.session else {
            return Ok(());
        };
        let from = self.sent.unwrap_or(0);
        let last = flush(&self.state, &mut self.tx, from, session).await?;
        self.sent = Some(last.max(from));
        Ok(())
    }

    /// The test's order to this connection.
    async fn ordered(&mut self, order: Control) -> Result<(), Over> {
        match order {
            Control::Reconnect => {
                let _ = self.send(&json!({"op": 7, "d": null})).await;
                Ok(())
            }
            Control::Close(code) => {
                let _ = self.tx.send(close(code)).await;
                Err(Over)
            }
        }
    }

    async fn send(&mut self, payload: &Value) -> Result<(), Over> {
        self.tx.send(text(payload)).await.map_err(|_| Over)
    }
}

/// Why an IDENTIFY was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Closed with this code (4004 bad token, 4010 invalid shard, 4014 intent not allowed).
    Close(u16),
    /// Sooner after the last one than Discord allows: answered with an invalid session.
    TooFast,
}

/// Checks IDENTIFY and starts a session for its shard: queues READY and a GUILD_CREATE per
/// server of the shard, and returns the sequence number just before them, the session and its
/// shard.
pub(super) fn identify(state: &State, data: &Value) -> Result<(u64, String, Shard), Refusal> {
    let token = data["token"].as_str().unwrap_or("");
    let token = token.strip_prefix("Bot ").unwrap_or(token);
    if token != state.options.token {
        return Err(Refusal::Close(4004));
    }
    if let Some(code) = state.options.refuse_identify {
        return Err(Refusal::Close(code));
    }
    let shard = match data["shard"].as_array().map(|s| s.as_slice()) {
        Some([id, total]) => Shard {
            id: id.as_u64().unwrap_or(u64::MAX),
            total: total.as_u64().unwrap_or(0),
        },
        _ => Shard { id: 0, total: 1 },
    };
    if shard.total == 0 || shard.id >= shard.total {
        return Err(Refusal::Close(4010));
    }
    if let Some(every) = state.options.identify_every {
        let mut last = lock(&state.last_identify);
        let now = std::time::Instant::now();
        if last.is_some_and(|last| now.duration_since(last) < every) {
            drop(last);
            state.record(Event::IdentifyRefused { shard: shard.id });
            return Err(Refusal::TooFast);
        }
        *last = Some(now);
    }
    let intents = data["intents"].as_u64().unwrap_or(0);
    let session = format!("session-{}", state.new_id());
    {
        // A shard's new session replaces its old one.
        let mut sessions = lock(&state.sessions);
        sessions.retain(|_, live| *live != shard);
        sessions.insert(session.clone(), shard);
    }
    let (ids, guilds): (Vec<u64>, Vec<Value>) = {
        let world = lock(&state.world);
        world
            .guilds
            .iter()
            .filter(|&&guild| Shard::of(Some(guild), shard.total) == shard.id)
            .map(|&guild| (guild, world.guild_create(guild)))
            .unzip()
    };
    let ready = json!({
        "v": 10,
        "user": world::user(person(BOT)),
        "guilds": ids.iter().map(|id| json!({"id": id.to_string(), "unavailable": true})).collect::<Vec<_>>(),
        "session_id": session,
        "resume_gateway_url": state.ws_url,
        "application": {"id": BOT.to_string(), "flags": 1 << 19},
        "shard": [shard.id, shard.total],
    });
    let cursor = state.start_session(&session, ready, guilds);
    // Recorded once the session exists: what is said after this reaches it.
    state.record(Event::Identified {
        intents,
        shard: shard.id,
    });
    Ok((cursor, session, shard))
}

/// Sends every queued dispatch for this session after sequence number `from`; returns the last
/// one sent.
async fn flush(
    state: &State,
    tx: &mut Sink,
    from: u64,
    (session, shard): &(String, Shard),
) -> Result<u64, Over> {
    let pending: Vec<(u64, Value)> = lock(&state.outbox)
        .iter()
        .filter(|(seq, to, _)| *seq > from && shard.receives(session, to))
        .map(|(seq, _, payload)| (*seq, payload.clone()))
        .collect();
    let mut last = from;
    for (seq, payload) in pending {
        tx.send(text(&payload)).await.map_err(|_| Over)?;
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
