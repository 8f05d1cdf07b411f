//! The embedding API: a page that frames kscope (a slide deck) drives it with
//! `postMessage` and hears back what happens in it.
//!
//! The frame takes [`Command`]s, plain objects with a `type` (`{type: "next"}`,
//! `{type: "load", scenario: "acks-0", step: 2}`), only from the origin the embedding page
//! is allowed to have (the `host` parameter, else the parent page's own origin), and posts
//! [`Post`]s back to that origin, each with `source: "kscope"`: `ready` once the scenarios
//! are loaded, `step` when the caption changes, `notable` for each notable event (the
//! timeline's marks), `refused` when a command cannot be carried out, and `state` when
//! asked. With `controls=lock` the commands that change the run (`load`, `set`, `act`) are
//! refused; moving through it (play, pause, steps, seek) is not. `browser.rs` reads a
//! message's fields into a [`Message`] and writes a [`Post`]'s [`Post::fields`] into an
//! object, field by field: `serde-wasm-bindgen` would do the same for some 9 KB more of the
//! first load, which its budget cannot spare. Everything here is plain Rust, tested
//! natively.

/// The API's version, in `ready` and `state`: a deck can check what it talks to.
pub const VERSION: u32 = 1;

/// The most `notable` messages one update posts (a seek across a long run finds many).
pub const MAX_NOTABLE_PER_POST: usize = 20;

/// A message of the embedding page as it arrives: its `type` and whichever of the
/// commands' fields it has (a field of the wrong type counts as absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    /// Its `type`.
    pub kind: String,
    pub step: Option<usize>,
    pub ms: Option<f64>,
    pub scenario: Option<String>,
    pub name: Option<String>,
    pub value: Option<String>,
    pub action: Option<String>,
}

/// What the embedding page asks.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Play,
    Pause,
    /// The next step of the presented scenario (one event, in free play).
    Next,
    /// The previous step (the notable moment before, in free play).
    Prev,
    /// Step `step` of the presented scenario, 1 the first.
    Step {
        step: usize,
    },
    /// An instant of the run so far, in simulated milliseconds.
    Seek {
        ms: f64,
    },
    /// A built-in scenario, from its first step or from `step`.
    Load {
        scenario: String,
        step: Option<usize>,
    },
    /// A setting, named and written as the URL writes it.
    Set {
        name: String,
        value: String,
    },
    /// An action, written as a scenario file writes it (`crash-broker 1`).
    Act {
        action: String,
    },
    /// Asks for a `state` message.
    State,
}

impl Command {
    /// The command a message asks for, or which field it lacks (`None`: no such type).
    pub fn of(m: Message) -> Result<Command, Missing> {
        let need = |v: Option<String>, field: &'static str| v.ok_or(Missing::Field(field));
        Ok(match m.kind.as_str() {
            "play" => Command::Play,
            "pause" => Command::Pause,
            "next" => Command::Next,
            "prev" => Command::Prev,
            "step" => Command::Step {
                step: m.step.ok_or(Missing::Field("step"))?,
            },
            "seek" => Command::Seek {
                ms: m.ms.ok_or(Missing::Field("ms"))?,
            },
            "load" => Command::Load {
                scenario: need(m.scenario, "scenario")?,
                step: m.step,
            },
            "set" => Command::Set {
                name: need(m.name, "name")?,
                value: need(m.value, "value")?,
            },
            "act" => Command::Act {
                action: need(m.action, "action")?,
            },
            "state" => Command::State,
            _ => return Err(Missing::Type),
        })
    }

    /// Whether it changes the run (refused with `controls=lock`).
    pub fn changes_run(&self) -> bool {
        matches!(
            self,
            Command::Load { .. } | Command::Set { .. } | Command::Act { .. }
        )
    }

    /// Its `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Play => "play",
            Command::Pause => "pause",
            Command::Next => "next",
            Command::Prev => "prev",
            Command::Step { .. } => "step",
            Command::Seek { .. } => "seek",
            Command::Load { .. } => "load",
            Command::Set { .. } => "set",
            Command::Act { .. } => "act",
            Command::State => "state",
        }
    }
}

/// Why a message is not a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Its `type` is none of the commands'.
    Type,
    /// It lacks this field.
    Field(&'static str),
}

/// Where the session stands, in `ready` and `state`.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub version: u32,
    /// The presented scenario's id, if any.
    pub scenario: Option<String>,
    /// Its caption shown now, 1 the first.
    pub step: Option<usize>,
    pub steps: usize,
    pub playing: bool,
    /// The simulated clock, in milliseconds.
    pub time_ms: u64,
    /// `controls=lock`: commands that change the run are refused.
    pub locked: bool,
    /// The built-in scenarios' ids, in the page's order.
    pub scenarios: Vec<String>,
}

/// What the frame tells the embedding page.
#[derive(Clone, Debug, PartialEq)]
pub enum Post {
    /// The page is ready for commands (its scenarios are loaded).
    Ready(Status),
    /// The answer to [`Command::State`].
    State(Status),
    /// The caption shown changed.
    Step {
        scenario: String,
        /// 1 the first.
        step: usize,
        steps: usize,
        caption: String,
    },
    /// A notable event (an election, an ISR change, a loss, a duplicate, a rebalance), in
    /// the page's language.
    Notable {
        at_ms: u64,
        kind: &'static str,
        text: String,
    },
    /// A command was not carried out, and why, in the page's language.
    Refused { command: String, reason: String },
}

/// A field's value in a posted object.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// `null`.
    Nothing,
    List(Vec<String>),
}

impl Post {
    /// Its fields, `type` first, as the posted object has them.
    pub fn fields(&self) -> Vec<(&'static str, Value)> {
        use Value::*;
        let text = |s: &str| Text(s.to_string());
        let count = |n: usize| Number(n as f64);
        match self {
            Post::Ready(s) | Post::State(s) => {
                let kind = if matches!(self, Post::Ready(_)) {
                    "ready"
                } else {
                    "state"
                };
                vec![
                    ("type", text(kind)),
                    ("version", Number(f64::from(s.version))),
                    ("scenario", s.scenario.as_deref().map_or(Nothing, text)),
                    ("step", s.step.map_or(Nothing, count)),
                    ("steps", count(s.steps)),
                    ("playing", Bool(s.playing)),
                    ("time_ms", Number(s.time_ms as f64)),
                    ("locked", Bool(s.locked)),
                    ("scenarios", List(s.scenarios.clone())),
                ]
            }
            Post::Step {
                scenario,
                step,
                steps,
                caption,
            } => vec![
                ("type", text("step")),
                ("scenario", text(scenario)),
                ("step", count(*step)),
                ("steps", count(*steps)),
                ("caption", text(caption)),
            ],
            Post::Notable {
                at_ms,
                kind,
                text: said,
            } => vec![
                ("type", text("notable")),
                ("at_ms", Number(*at_ms as f64)),
                ("kind", text(kind)),
                ("text", text(said)),
            ],
            Post::Refused { command, reason } => vec![
                ("type", text("refused")),
                ("command", text(command)),
                ("reason", text(reason)),
            ],
        }
    }
}

/// Reads the `host` parameter: an origin (`https://slides.example.org`, with a port if
/// any) or `null` (a deck opened from a file).
pub fn parse_host(text: &str) -> Option<String> {
    let text = text.trim();
    if text == "null" {
        return Some(text.into());
    }
    let (scheme, rest) = text.split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let (name, port) = match rest.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(']') || rest.starts_with('[') => (n, Some(p)),
        _ => (rest, None),
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (scheme_ok && name_ok && port_ok).then(|| text.to_ascii_lowercase())
}

/// The origin of a page address (`https://a.example/deck/index.html` gives
/// `https://a.example`), for the parent page's origin from `document.referrer`.
pub fn origin_of(address: &str) -> Option<String> {
    let (scheme, rest) = address.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // No user information in an origin.
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    parse_host(&format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_origins_or_null() {
        assert_eq!(
            parse_host("https://slides.example.org").as_deref(),
            Some("https://slides.example.org")
        );
        assert_eq!(
            parse_host("http://127.0.0.1:8000").as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(
            parse_host("HTTPS://Slides.Example").as_deref(),
            Some("https://slides.example")
        );
        assert_eq!(parse_host("null").as_deref(), Some("null"));
        for bad in [
            "*",
            "",
            "slides.example.org",
            "https://",
            "https://a b",
            "https://a:99999999",
            "https://a/deck",
        ] {
            assert_eq!(parse_host(bad), None, "{bad}");
        }
        assert_eq!(
            origin_of("https://a.example/deck/index.html?x=1").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            origin_of("http://localhost:8000/#/3").as_deref(),
            Some("http://localhost:8000")
        );
        assert_eq!(origin_of("about:blank"), None);
    }

    #[test]
    fn a_message_is_a_command_with_its_fields() {
        let m = |kind: &str| Message {
            kind: kind.into(),
            ..Message::default()
        };
        assert_eq!(Command::of(m("next")), Ok(Command::Next));
        assert_eq!(Command::of(m("step")), Err(Missing::Field("step")));
        assert_eq!(
            Command::of(Message {
                step: Some(2),
                ..m("step")
            }),
            Ok(Command::Step { step: 2 })
        );
        assert_eq!(
            Command::of(Message {
                scenario: Some("acks-0".into()),
                ..m("load")
            }),
            Ok(Command::Load {
                scenario: "acks-0".into(),
                step: None
            })
        );
        assert_eq!(Command::of(m("set")), Err(Missing::Field("name")));
        assert_eq!(Command::of(m("warp")), Err(Missing::Type));
        assert_eq!(Command::of(m("Play")), Err(Missing::Type));
    }

    #[test]
    fn posts_are_flat_objects_with_their_type_first() {
        let step = Post::Step {
            scenario: "acks-0".into(),
            step: 2,
            steps: 4,
            caption: "two".into(),
        };
        assert_eq!(
            step.fields(),
            vec![
                ("type", Value::Text("step".into())),
                ("scenario", Value::Text("acks-0".into())),
                ("step", Value::Number(2.0)),
                ("steps", Value::Number(4.0)),
                ("caption", Value::Text("two".into())),
            ]
        );
        let status = Status {
            version: VERSION,
            scenario: None,
            step: None,
            steps: 0,
            playing: true,
            time_ms: 1_500,
            locked: false,
            scenarios: vec!["acks-0".into()],
        };
        let fields = Post::Ready(status).fields();
        assert_eq!(fields[0], ("type", Value::Text("ready".into())));
        assert!(fields.contains(&("scenario", Value::Nothing)));
        assert!(fields.contains(&("scenarios", Value::List(vec!["acks-0".into()]))));
    }

    #[test]
    fn only_load_set_and_act_change_the_run() {
        let changing: Vec<&str> = [
            Command::Play,
            Command::Pause,
            Command::Next,
            Command::Prev,
            Command::Step { step: 2 },
            Command::Seek { ms: 1.0 },
            Command::Load {
                scenario: "acks-0".into(),
                step: None,
            },
            Command::Set {
                name: "acks".into(),
                value: "1".into(),
            },
            Command::Act {
                action: "crash-broker 1".into(),
            },
            Command::State,
        ]
        .iter()
        .filter(|c| c.changes_run())
        .map(Command::name)
        .collect();
        assert_eq!(changing, ["load", "set", "act"]);
    }
}
