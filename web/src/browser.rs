//! What the page asks of the browser: the URL, files next to the page, the language and
//! motion the reader prefers, the animation-frame loop, and the painter of the messages in
//! flight (`dots.js`). Nothing here decides anything about Kafka or the session.

use std::rc::Rc;

use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::JsCast;

use crate::i18n::Lang;
use crate::scenario::{self, Scenario};
use crate::{App, Msg, MIN_FRAME_MS};

/// The browser's language (`navigator.language`), as the page's.
pub(crate) fn browser_lang() -> Lang {
    let language = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    Lang::from_browser(&language)
}

/// Fetches a file next to the page, as text.
pub(crate) async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let fail = |what: &str| format!("{url} could not be read ({what}).");
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| fail("no answer"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| fail("not a response"))?;
    if !response.ok() {
        return Err(fail(&format!("HTTP {}", response.status())));
    }
    let text = response.text().map_err(|_| fail("no text"))?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| fail("no text"))
}

/// Reads `scenarios/index.txt` and every file it names; a bad file is left out with a
/// message naming its line.
pub(crate) async fn load_scenarios() -> (Vec<Scenario>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let index = match fetch_text("scenarios/index.txt").await {
        Ok(index) => index,
        Err(e) => return (good, vec![format!("No scenarios: {e}")]),
    };
    for name in scenario::index_entries(&index) {
        if name.contains('/') || name.contains("..") || !name.ends_with(".txt") {
            bad.push(format!("scenarios/index.txt names '{name}', which is not a .txt file of the scenarios folder."));
            continue;
        }
        match fetch_text(&format!("scenarios/{name}")).await {
            Ok(text) => match Scenario::parse(&text) {
                Ok(s) if good.iter().any(|g: &Scenario| g.id == s.id) => bad.push(format!(
                    "scenarios/{name}: the id {} is taken by another scenario.",
                    s.id
                )),
                Ok(s) => good.push(s),
                Err(e) => bad.push(format!("scenarios/{name} {e}")),
            },
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

pub(crate) fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

pub(crate) fn write_url(query: &str) {
    if let Some(w) = web_sys::window() {
        if let Ok(history) = w.history() {
            let url = format!("?{query}");
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Whether the reader asked for less motion (`prefers-reduced-motion`).
pub(crate) fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

#[wasm_bindgen(module = "/src/dots.js")]
extern "C" {
    /// Paints the messages in flight, in a worker when the browser can (`dots.js`).
    pub(crate) type DotsPainter;
    #[wasm_bindgen(constructor)]
    pub(crate) fn new(canvas: &web_sys::HtmlCanvasElement, palette: &js_sys::Array) -> DotsPainter;
    /// `data`: triples of palette index, x (fraction of the width), y (CSS pixels).
    #[wasm_bindgen(method)]
    pub(crate) fn draw(this: &DotsPainter, data: &[f32]);
    #[wasm_bindgen(method)]
    pub(crate) fn close(this: &DotsPainter);
}

/// The animation-frame loop: one closure for the page's life, asked for every vsync,
/// which hands the app a frame only when [`MIN_FRAME_MS`] have passed since the last one
/// (the frames in between cost neither a new closure nor a trip through Yew).
pub(crate) struct FrameLoop {
    callback: FrameCallback,
}

/// The loop's closure, shared with itself (weakly) so that it can ask for the next frame.
type FrameCallback = Rc<std::cell::RefCell<Option<Closure<dyn FnMut(f64)>>>>;

impl FrameLoop {
    pub(crate) fn new(link: yew::html::Scope<App>) -> FrameLoop {
        let callback: FrameCallback = Rc::default();
        let again = Rc::downgrade(&callback);
        let mut last: Option<f64> = None;
        *callback.borrow_mut() = Some(Closure::new(move |ts: f64| {
            if last.is_some_and(|t| ts - t < MIN_FRAME_MS) {
                if let Some(callback) = again.upgrade() {
                    FrameLoop { callback }.request();
                }
                return;
            }
            last = Some(ts);
            link.send_message(Msg::Frame(ts));
        }));
        FrameLoop { callback }
    }

    /// Asks for the next animation frame.
    pub(crate) fn request(&self) {
        if let (Some(window), Some(callback)) = (web_sys::window(), &*self.callback.borrow()) {
            let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
        }
    }
}

/// The page's address without its query (origin and path), for share links.
pub(crate) fn page_address() -> String {
    web_sys::window()
        .map(|w| {
            let l = w.location();
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// Sets the document's `lang` attribute (screen readers and fonts follow it), when it
/// differs.
pub(crate) fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        if root.get_attribute("lang").as_deref() != Some(lang.code()) {
            let _ = root.set_attribute("lang", lang.code());
        }
    }
}
