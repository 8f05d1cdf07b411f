//! What the books get wrong: cards that set a widely taught statement about Kafka beside
//! what Kafka does, each shown next to the control it concerns with a one-click
//! demonstration. Their words live in `help/myths.txt`, fetched after the first frame
//! (they are not needed to draw it, and cost the first load nothing).

use crate::i18n::Lang;
use crate::settings::Settings;

/// One demonstration: a scenario, or settings as the URL writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Demo {
    Scenario(String),
    Settings(Vec<(&'static str, String)>),
}

/// One card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Myth {
    /// Its `data-myth`.
    pub id: String,
    /// The setting (an entry of [`crate::params::PARAMS`]) it is shown beside; `None`:
    /// in the panel's own list.
    pub control: Option<&'static str>,
    pub demo: Demo,
    /// What is taught, in English and in Korean.
    claim: [String; 2],
    /// What Kafka does, in English and in Korean.
    fact: [String; 2],
}

impl Myth {
    pub fn claim(&self, lang: Lang) -> &str {
        &self.claim[lang as usize]
    }
    pub fn fact(&self, lang: Lang) -> &str {
        &self.fact[lang as usize]
    }

    /// The settings after the demonstration's, from `settings` (a scenario's
    /// demonstration changes none).
    pub fn demo_settings(&self, settings: &Settings) -> Settings {
        let mut next = settings.clone();
        if let Demo::Settings(pairs) = &self.demo {
            for (name, value) in pairs {
                if let Some(p) = crate::params::find(name) {
                    // Checked when the file was read.
                    let _ = (p.put)(&mut next, value);
                }
            }
        }
        next
    }
}

const FILE: &str = "help/myths.txt";

/// Reads the cards' file: blocks that start with `myth: <id>`, each with `control:`,
/// `try:`, `claim.en:`, `claim.ko:`, `fact.en:` and `fact.ko:`; `#` comments and blank
/// lines are skipped. A setting named by `control:` or `try:` must be one of the page's,
/// and a value it takes. An error names its line.
pub fn parse(text: &str) -> Result<Vec<Myth>, String> {
    let mut myths: Vec<Myth> = Vec::new();
    let mut open: Option<(usize, Fields)> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |what: &str| format!("{FILE} line {}: {what}", i + 1);
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| at("a line is `key: text`"))?;
        let (key, value) = (key.trim(), value.trim());
        if value.is_empty() {
            return Err(at("the text is empty"));
        }
        if key == "myth" {
            if let Some((start, f)) = open.take() {
                myths.push(f.finish(start)?);
            }
            if myths.iter().any(|m| m.id == value) {
                return Err(at(&format!("the card '{value}' is there twice")));
            }
            open = Some((i + 1, Fields::new(value)));
            continue;
        }
        let Some((_, f)) = open.as_mut() else {
            return Err(at("a card starts with `myth: <id>`"));
        };
        let slot = match key {
            "control" => &mut f.control,
            "try" => &mut f.demo,
            "claim.en" => &mut f.claim[0],
            "claim.ko" => &mut f.claim[1],
            "fact.en" => &mut f.fact[0],
            "fact.ko" => &mut f.fact[1],
            other => return Err(at(&format!("'{other}' is not a line of a card"))),
        };
        if slot.is_some() {
            return Err(at(&format!("the card has two `{key}:` lines")));
        }
        *slot = Some((i + 1, value.to_string()));
    }
    if let Some((start, f)) = open.take() {
        myths.push(f.finish(start)?);
    }
    if myths.is_empty() {
        return Err(format!("{FILE}: there are no cards"));
    }
    Ok(myths)
}

/// A card's lines as read, each with its line number.
struct Fields {
    id: String,
    control: Option<(usize, String)>,
    demo: Option<(usize, String)>,
    claim: [Option<(usize, String)>; 2],
    fact: [Option<(usize, String)>; 2],
}

impl Fields {
    fn new(id: &str) -> Fields {
        Fields {
            id: id.to_string(),
            control: None,
            demo: None,
            claim: [None, None],
            fact: [None, None],
        }
    }

    fn finish(self, start: usize) -> Result<Myth, String> {
        let missing = |key: &str| {
            format!(
                "{FILE} line {start}: the card '{}' has no `{key}:` line",
                self.id
            )
        };
        let (line, control) = self.control.ok_or_else(|| missing("control"))?;
        let control = match control.as_str() {
            "-" => None,
            name => Some(
                crate::params::find(name)
                    .ok_or_else(|| {
                        format!("{FILE} line {line}: '{name}' is not a setting of the page")
                    })?
                    .name,
            ),
        };
        let (line, demo) = self.demo.ok_or_else(|| missing("try"))?;
        let demo = parse_demo(&demo).map_err(|e| format!("{FILE} line {line}: {e}"))?;
        let text = |pair: [Option<(usize, String)>; 2], key: &str| -> Result<[String; 2], String> {
            let [Some((_, en)), Some((_, ko))] = pair else {
                return Err(missing(&format!("{key}.en` and `{key}.ko")));
            };
            Ok([en, ko])
        };
        Ok(Myth {
            id: self.id.clone(),
            control,
            demo,
            claim: text(self.claim, "claim")?,
            fact: text(self.fact, "fact")?,
        })
    }
}

/// `scenario=<id>`, or settings as the URL writes them (each one the page has, with a
/// value it takes).
fn parse_demo(text: &str) -> Result<Demo, String> {
    if let Some(id) = text.strip_prefix("scenario=") {
        return Ok(Demo::Scenario(id.to_string()));
    }
    let mut pairs = Vec::new();
    let mut check = Settings::default();
    for pair in text.split('&') {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("'{pair}' is not `setting=value`"))?;
        let p = crate::params::find(name)
            .ok_or_else(|| format!("'{name}' is not a setting of the page"))?;
        (p.put)(&mut check, value).map_err(|_| format!("'{value}' is not a value of {name}"))?;
        pairs.push((p.name, value.to_string()));
    }
    Ok(Demo::Settings(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Vec<Myth> {
        parse(include_str!("../../help/myths.txt")).expect("the cards parse")
    }

    #[test]
    fn the_cards_read_in_both_languages_and_demonstrate_what_the_page_has() {
        let myths = shipped();
        assert!(myths.len() >= 12, "{}", myths.len());
        for m in &myths {
            assert!(!m.claim(Lang::Ko).is_ascii(), "{}", m.id);
            assert!(!m.fact(Lang::Ko).is_ascii(), "{}", m.id);
            assert!(
                m.fact(Lang::En).len() > m.claim(Lang::En).len() / 2,
                "{}",
                m.id
            );
        }
        // Every scenario a card demonstrates with is one the page ships.
        let index = include_str!("../../scenarios/index.txt");
        for m in &myths {
            if let Demo::Scenario(id) = &m.demo {
                assert!(
                    index.lines().any(|l| l.trim() == format!("{id}.txt")),
                    "{} shows {id}",
                    m.id
                );
            }
        }
        // A settings demonstration changes the settings it names.
        let key_hash = myths.iter().find(|m| m.id == "key-hash").unwrap();
        let base = Settings {
            keys: 0,
            ..Settings::default()
        };
        assert_eq!(key_hash.demo_settings(&base).keys, 10);
    }

    #[test]
    fn every_card_sits_beside_a_control_the_panel_draws_and_its_demonstration_runs() {
        use crate::params::{Control, Section};
        let myths = shipped();
        for m in &myths {
            if let Some(name) = m.control {
                let p = crate::params::find(name).unwrap();
                assert!(
                    p.section != Section::None && p.control != Control::None,
                    "{} sits beside {name}, which the panel does not draw",
                    m.id
                );
            }
        }
        let isr_scenario = crate::scenario::Scenario::parse(include_str!(
            "../../scenarios/follower-leaves-isr.txt"
        ))
        .unwrap();
        let mut p = crate::player::Player::new("acks=all&consumers=1", Lang::En);
        p.scenarios_loaded(vec![isr_scenario.clone()], vec![]);
        let acks = myths
            .iter()
            .find(|m| m.id == "acks-all-turns-on-idempotence")
            .unwrap();
        p.demonstrate(acks);
        assert_eq!(p.settings.acks, kscope_core::Acks::Leader);
        assert!(p.url_query().contains("acks=1"), "{}", p.url_query());
        let isr = myths
            .iter()
            .find(|m| m.id == "isr-means-equal-offsets")
            .unwrap();
        p.demonstrate(isr);
        assert_eq!(
            p.scenario.as_ref().map(|s| s.id.as_str()),
            Some("follower-leaves-isr")
        );
        // Locked, a demonstration changes nothing.
        let mut locked = crate::player::Player::new("embed=1&controls=lock", Lang::En);
        locked.scenarios_loaded(vec![isr_scenario], vec![]);
        locked.demonstrate(acks);
        assert_eq!(locked.settings.acks, kscope_core::Acks::All);
    }

    #[test]
    fn a_bad_card_is_named_by_its_line() {
        let good = "myth: a\ncontrol: acks\ntry: acks=1\nclaim.en: x\nclaim.ko: 가\nfact.en: y\nfact.ko: 나\n";
        assert_eq!(parse(good).unwrap().len(), 1);
        let cases = [
            (
                good.replace("control: acks", "control: ackz"),
                "line 2: 'ackz' is not a setting",
            ),
            (
                good.replace("try: acks=1", "try: acks=7"),
                "line 3: '7' is not a value of acks",
            ),
            (
                good.replace("try: acks=1", "try: acks"),
                "line 3: 'acks' is not `setting=value`",
            ),
            (
                good.replace("fact.ko: 나\n", ""),
                "line 1: the card 'a' has no `fact.en` and `fact.ko:` line",
            ),
            (
                good.replace("myth: a\n", ""),
                "line 1: a card starts with `myth: <id>`",
            ),
            (
                format!("{good}{good}"),
                "line 8: the card 'a' is there twice",
            ),
            (
                good.replace("claim.en: x", "claim.en x"),
                "line 4: a line is `key: text`",
            ),
            (
                good.replace("claim.en: x", "claim.fr: x"),
                "line 4: 'claim.fr' is not a line",
            ),
            (
                good.replace("claim.en: x", "claim.ko: x"),
                "line 5: the card has two `claim.ko:` lines",
            ),
        ];
        for (text, said) in cases {
            let e = parse(&text).unwrap_err();
            assert!(e.contains(said), "{e} / {said}");
            assert!(e.starts_with("help/myths.txt"), "{e}");
        }
        assert!(parse("# nothing\n").unwrap_err().contains("no cards"));
    }
}
