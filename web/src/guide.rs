//! The first-run guide: a few points on reading the stage, in English and Korean. Its
//! words live in `help/guide.txt`, fetched only when the guide opens (a first visit), so
//! they cost the first load of everyone else nothing.

use crate::i18n::Lang;

/// The guide, as read from its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guide {
    /// The title in English and in Korean.
    title: [String; 2],
    /// Each point in English and in Korean.
    points: Vec<[String; 2]>,
}

impl Guide {
    /// Reads the guide's file: `title.en:`, `title.ko:`, then pairs of `en:` and `ko:`
    /// lines; `#` comments and blank lines are skipped. An error names its line.
    pub fn parse(text: &str) -> Result<Guide, String> {
        let mut title: [Option<String>; 2] = [None, None];
        let mut points = Vec::new();
        let mut pending_en: Option<String> = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |what: &str| format!("help/guide.txt line {}: {what}", i + 1);
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| at("a line is `key: text`"))?;
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(at("the text is empty"));
            }
            match (key.trim(), pending_en.take()) {
                ("title.en", None) => title[0] = Some(value),
                ("title.ko", None) => title[1] = Some(value),
                ("en", None) => pending_en = Some(value),
                ("ko", Some(en)) => points.push([en, value]),
                ("ko", None) => return Err(at("a ko: line follows its en: line")),
                (_, Some(_)) => return Err(at("an en: line is followed by its ko: line")),
                (other, None) => return Err(at(&format!("'{other}' is not a guide line"))),
            }
        }
        if pending_en.is_some() {
            return Err("help/guide.txt: the last en: line has no ko: line".into());
        }
        let [Some(en), Some(ko)] = title else {
            return Err("help/guide.txt: title.en and title.ko are both required".into());
        };
        if points.is_empty() {
            return Err("help/guide.txt: the guide has no points".into());
        }
        Ok(Guide {
            title: [en, ko],
            points,
        })
    }

    pub fn title(&self, lang: Lang) -> &str {
        &self.title[lang as usize]
    }

    pub fn points(&self, lang: Lang) -> impl Iterator<Item = &str> {
        self.points.iter().map(move |p| p[lang as usize].as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_file_reads_in_both_languages() {
        let g = Guide::parse(include_str!("../../help/guide.txt")).expect("the guide parses");
        assert_eq!(g.title(Lang::En), "How to read kscope");
        assert!(g.points(Lang::En).count() >= 4);
        assert_eq!(g.points(Lang::En).count(), g.points(Lang::Ko).count());
        assert!(g.points(Lang::Ko).all(|p| !p.is_ascii()));
    }

    #[test]
    fn a_bad_guide_file_is_named_by_its_line() {
        let base = "title.en: T\ntitle.ko: 티\n";
        for (text, said) in [
            (format!("{base}en: one\n"), "no ko: line"),
            (format!("{base}ko: 하나\n"), "line 3"),
            (format!("{base}en: one\nen: two\n"), "line 4"),
            (format!("{base}nonsense\n"), "line 3"),
            (base.to_string(), "no points"),
            ("en: one\nko: 하나\n".to_string(), "title.en and title.ko"),
        ] {
            let e = Guide::parse(&text).unwrap_err();
            assert!(e.contains(said), "{text:?}: {e}");
        }
    }
}
