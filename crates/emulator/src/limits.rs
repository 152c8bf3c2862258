//! Discord's limits on what a bot sends, enforced the way Discord does (a 400 with the reason),
//! and who a message would ping under its `allowed_mentions`.

use serde_json::Value;

/// Checks a message body (create message, interaction response, followup); `Err` is the reason
/// Discord would give with its 400.
pub fn check_message(body: &Value) -> Result<(), String> {
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    let chars = |value: &Value| value.as_str().map_or(0, |s| s.chars().count());
    if content.chars().count() > 2000 {
        return Err("content: must be 2000 or fewer in length".into());
    }
    let embeds = array(body, "embeds");
    if embeds.len() > 10 {
        return Err("embeds: must be 10 or fewer in length".into());
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let mut limit = |field: &str, value: &Value, max: usize| {
            let n = chars(value);
            total += n;
            if n > max {
                Err(format!(
                    "embeds.{i}.{field}: must be {max} or fewer in length"
                ))
            } else {
                Ok(())
            }
        };
        limit("title", &embed["title"], 256)?;
        limit("description", &embed["description"], 4096)?;
        limit("footer.text", &embed["footer"]["text"], 2048)?;
        limit("author.name", &embed["author"]["name"], 256)?;
        let fields = array(embed, "fields");
        if fields.len() > 25 {
            return Err(format!("embeds.{i}.fields: must be 25 or fewer in length"));
        }
        for field in fields {
            limit("fields.name", &field["name"], 256)?;
            limit("fields.value", &field["value"], 1024)?;
        }
        if let Some(url) = embed.get("url").and_then(Value::as_str) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("embeds.{i}.url: Not a well formed URL"));
            }
        }
    }
    if total > 6000 {
        return Err("embeds: all embeds together must be 6000 or fewer characters".into());
    }
    check_components(array(body, "components"))?;
    if let Some(mentions) = body.get("allowed_mentions") {
        let parse = array(mentions, "parse");
        for (kind, list) in [("users", "users"), ("roles", "roles")] {
            if parse.iter().any(|p| p == kind) && !array(mentions, list).is_empty() {
                return Err(format!(
                    "allowed_mentions: parse:[\"{kind}\"] and {list}: [ids] are mutually exclusive"
                ));
            }
        }
    }
    let empty = content.is_empty() && embeds.is_empty() && array(body, "components").is_empty();
    if empty {
        return Err("Cannot send an empty message".into());
    }
    Ok(())
}

fn check_components(rows: &[Value]) -> Result<(), String> {
    if rows.len() > 5 {
        return Err("components: must be 5 or fewer in length".into());
    }
    for (r, row) in rows.iter().enumerate() {
        let items = array(row, "components");
        if row["type"] != 1 || items.is_empty() || items.len() > 5 {
            return Err(format!(
                "components.{r}: an action row holds 1 to 5 components"
            ));
        }
        for (c, item) in items.iter().enumerate() {
            let at = format!("components.{r}.components.{c}");
            let custom_id = item.get("custom_id").and_then(Value::as_str);
            if custom_id.is_some_and(|id| id.is_empty() || id.chars().count() > 100) {
                return Err(format!("{at}.custom_id: must be 1 to 100 in length"));
            }
            match item["type"].as_u64() {
                Some(2) => {
                    if item["label"].as_str().map_or(0, |l| l.chars().count()) > 80 {
                        return Err(format!("{at}.label: must be 80 or fewer in length"));
                    }
                    let link = item["style"] == 5;
                    if link != item.get("url").is_some() || link == custom_id.is_some() {
                        return Err(format!(
                            "{at}: a link button has a url and no custom_id, others the reverse"
                        ));
                    }
                }
                Some(3) => {
                    if items.len() != 1 {
                        return Err(format!("components.{r}: a select menu fills its row"));
                    }
                    let options = array(item, "options");
                    if options.is_empty() || options.len() > 25 {
                        return Err(format!("{at}.options: must be 1 to 25 in length"));
                    }
                    for option in options {
                        for field in ["label", "value", "description"] {
                            if option[field].as_str().map_or(0, |s| s.chars().count()) > 100 {
                                return Err(format!(
                                    "{at}.options.{field}: must be 100 or fewer in length"
                                ));
                            }
                        }
                    }
                }
                _ => return Err(format!("{at}.type: not a button or select menu")),
            }
        }
    }
    Ok(())
}

/// Checks an autocomplete answer (interaction response type 8).
pub fn check_choices(data: &Value) -> Result<(), String> {
    let choices = array(data, "choices");
    if choices.len() > 25 {
        return Err("choices: must be 25 or fewer in length".into());
    }
    for (i, choice) in choices.iter().enumerate() {
        let name = choice["name"].as_str().map_or(0, |s| s.chars().count());
        if name == 0 || name > 100 {
            return Err(format!("choices.{i}.name: must be 1 to 100 in length"));
        }
        if choice["value"]
            .as_str()
            .is_some_and(|v| v.chars().count() > 100)
        {
            return Err(format!("choices.{i}.value: must be 100 or fewer in length"));
        }
    }
    Ok(())
}

/// Checks a modal (interaction response type 9).
pub fn check_modal(data: &Value) -> Result<(), String> {
    let title = data["title"].as_str().map_or(0, |s| s.chars().count());
    if title == 0 || title > 45 {
        return Err("title: must be 1 to 45 in length".into());
    }
    if data["custom_id"].as_str().is_none_or(str::is_empty) {
        return Err("custom_id: required".into());
    }
    let rows = array(data, "components");
    if rows.is_empty() || rows.len() > 5 {
        return Err("components: a modal holds 1 to 5 rows".into());
    }
    Ok(())
}

/// Who a message pings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pings {
    /// `@everyone` or `@here`.
    pub everyone: bool,
    pub users: Vec<u64>,
    pub roles: Vec<u64>,
    /// Whether the request said whom it may ping (`allowed_mentions`) rather than leave it to
    /// Discord's defaults.
    pub explicit: bool,
}

impl Pings {
    pub fn nobody(&self) -> bool {
        !self.everyone && self.users.is_empty() && self.roles.is_empty()
    }
}

/// Who `body` pings, by Discord's rules: mentions in `content` (never in embeds), filtered by
/// `allowed_mentions`; a reply also pings `replied_to` unless `replied_user` is false (the default
/// when `allowed_mentions` is present).
pub fn pings(body: &Value, replied_to: Option<u64>) -> Pings {
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    let (users, roles) = mentions(content);
    let named_everyone = content.contains("@everyone") || content.contains("@here");
    let mut pings = match body.get("allowed_mentions").filter(|m| !m.is_null()) {
        None => Pings {
            everyone: named_everyone,
            users,
            roles,
            explicit: false,
        },
        Some(allowed) => {
            let parse = array(allowed, "parse");
            let listed =
                |list: &str, id: &u64| array(allowed, list).iter().any(|v| id_of(v) == Some(*id));
            let parses = |kind: &str| parse.iter().any(|p| p == kind);
            Pings {
                everyone: named_everyone && parses("everyone"),
                users: users
                    .into_iter()
                    .filter(|id| parses("users") || listed("users", id))
                    .collect(),
                roles: roles
                    .into_iter()
                    .filter(|id| parses("roles") || listed("roles", id))
                    .collect(),
                explicit: true,
            }
        }
    };
    let ping_replied = body
        .get("allowed_mentions")
        .filter(|m| !m.is_null())
        .is_none_or(|m| m["replied_user"].as_bool().unwrap_or(false));
    if let Some(author) = replied_to.filter(|_| ping_replied) {
        if !pings.users.contains(&author) {
            pings.users.push(author);
        }
    }
    pings
}

/// The user and role ids mentioned in `content` as `<@id>`, `<@!id>` and `<@&id>`.
fn mentions(content: &str) -> (Vec<u64>, Vec<u64>) {
    let (mut users, mut roles) = (Vec::new(), Vec::new());
    for piece in content.split("<@").skip(1) {
        let Some(end) = piece.find('>') else { continue };
        let inner = &piece[..end];
        if let Some(role) = inner.strip_prefix('&') {
            if let Ok(id) = role.parse() {
                roles.push(id);
            }
        } else if let Ok(id) = inner.trim_start_matches('!').parse() {
            users.push(id);
        }
    }
    (users, roles)
}

fn id_of(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        other => other.as_u64(),
    }
}

fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_over_the_limits_are_refused() {
        assert!(check_message(&json!({"content": "hi"})).is_ok());
        assert!(check_message(&json!({})).is_err());
        assert!(check_message(&json!({"content": "x".repeat(2001)})).is_err());
        let embed = json!({"embeds": [{"title": "t", "description": "d".repeat(4097)}]});
        assert!(check_message(&embed).is_err());
        let total = json!({"embeds": [
            {"description": "d".repeat(4000)}, {"description": "d".repeat(2001)}
        ]});
        assert!(check_message(&total).unwrap_err().contains("6000"));
        let label = json!({"components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "custom_id": "a", "label": "l".repeat(81)}
        ]}]});
        assert!(check_message(&label).is_err());
        let link_with_id = json!({"components": [{"type": 1, "components": [
            {"type": 2, "style": 5, "custom_id": "a", "url": "https://x", "label": "l"}
        ]}]});
        assert!(check_message(&link_with_id).is_err());
    }

    #[test]
    fn allowed_mentions_filter_pings() {
        let text = "@everyone <@1> <@!2> <@&3>";
        let open = pings(&json!({ "content": text }), Some(9));
        assert_eq!(
            open,
            Pings {
                everyone: true,
                users: vec![1, 2, 9],
                roles: vec![3],
                explicit: false,
            }
        );
        let closed = pings(
            &json!({"content": text, "allowed_mentions": {"parse": [], "users": ["2"]}}),
            Some(9),
        );
        assert_eq!(
            closed,
            Pings {
                everyone: false,
                users: vec![2],
                roles: vec![],
                explicit: true,
            }
        );
        let reply = json!({"content": "", "allowed_mentions": {"parse": [], "replied_user": true}});
        assert_eq!(pings(&reply, Some(9)).users, vec![9]);
    }

    #[test]
    fn choices_are_limited() {
        let many: Vec<Value> = (0..26)
            .map(|i| json!({"name": "n", "value": i.to_string()}))
            .collect();
        assert!(check_choices(&json!({ "choices": many })).is_err());
        assert!(check_choices(&json!({"choices": [{"name": "", "value": "v"}]})).is_err());
        assert!(
            check_choices(&json!({"choices": [{"name": "n".repeat(101), "value": "v"}]})).is_err()
        );
        assert!(check_choices(&json!({"choices": [{"name": "n", "value": "v"}]})).is_ok());
    }
}
