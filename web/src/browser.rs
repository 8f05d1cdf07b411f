//! What the page asks of the browser: the URL, files next to the page, the language and
//! motion the reader prefers, the animation-frame loop, and the painter of the messages in
//! flight (`dots.js`). Nothing here decides anything about Kafka or the session.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::events::EventListener;
use yew::Callback;

use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::JsCast;

use crate::i18n::Lang;
use crate::scenario::{self, Scenario};
use crate::settings;
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
    // The offline copy (`export.js`) carries its files: nothing is fetched.
    if let Some(files) = global(&window, "kscopeFiles") {
        return js_sys::Reflect::get(&files, &url.into())
            .ok()
            .and_then(|t| t.as_string())
            .ok_or_else(|| fail("not in this copy"));
    }
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
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    let search = window.location().search().unwrap_or_default();
    // The offline copy starts at the session it was made from, unless its own address
    // says otherwise.
    match global(&window, "kscopeQuery").and_then(|q| q.as_string()) {
        Some(q) if search.is_empty() => q,
        _ => search,
    }
}

/// A global the page's start script set (`undefined` is none).
fn global(window: &web_sys::Window, name: &str) -> Option<wasm_bindgen::JsValue> {
    js_sys::Reflect::get(window, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The event trace of the session `scenario_file` holds, as JSON Lines, made by the trace
/// worker (`trace_worker.rs`, its own WebAssembly, fetched now).
pub(crate) async fn trace_of(scenario_file: String) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let failed = || String::from("The trace worker could not run here.");
    let worker = web_sys::Worker::new("kscope-trace_loader.js").map_err(|_| failed())?;
    // The next message of the worker (or its failure to start).
    let next = |worker: &web_sys::Worker| {
        js_sys::Promise::new(&mut |resolve, reject| {
            worker.set_onmessage(Some(&resolve));
            worker.set_onerror(Some(&reject));
        })
    };
    let reply = async {
        JsFuture::from(next(&worker)).await.map_err(|_| failed())?;
        let answer = next(&worker);
        worker
            .post_message(&scenario_file.into())
            .map_err(|_| failed())?;
        JsFuture::from(answer).await.map_err(|_| failed())
    }
    .await;
    worker.terminate();
    let data = reply?
        .dyn_into::<web_sys::MessageEvent>()
        .map_err(|_| failed())?
        .data();
    let field = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok()?.as_string();
    match (field("lines"), field("error")) {
        (Some(lines), _) => Ok(lines),
        (None, Some(error)) => Err(error),
        _ => Err(failed()),
    }
}

/// One of `export.js`'s exports (loaded now): `html` (the offline copy, starting at the
/// session `arg`), `svg` (the stage) or `jsonl` (the trace `arg`), saved as `name`. `None`
/// where the page cannot make them (an offline copy); else whether it was made, once it
/// is (`export.js` could not be fetched, or failed).
pub(crate) fn export(
    what: &str,
    name: &str,
    arg: &str,
) -> Option<impl std::future::Future<Output = bool>> {
    use wasm_bindgen::JsCast;
    let make = web_sys::window()
        .and_then(|w| global(&w, "kscopeExport"))
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())?;
    let made = make
        .call3(
            &wasm_bindgen::JsValue::NULL,
            &what.into(),
            &name.into(),
            &arg.into(),
        )
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    Some(async move {
        match made {
            Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
            None => false,
        }
    })
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
    /// `data`: triples of palette index, x (fraction of the width), y (CSS pixels of the
    /// stage drawn `height` pixels high: the painter scales it to the stage's height now,
    /// which the page's text size scales).
    #[wasm_bindgen(method)]
    pub(crate) fn draw(this: &DotsPainter, data: &[f32], height: f64);
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

/// The `name=value` pairs of the page's address, in order.
fn address_pairs() -> Vec<String> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// Whether a `name=value` pair of the page's address (as written there) satisfies `f`.
pub(crate) fn query_any(f: impl Fn(&str, &str) -> bool) -> bool {
    address_pairs().iter().any(|p| {
        p.split_once('=')
            .is_some_and(|(name, value)| f(name, value))
    })
}

/// Opens the page again with `name=value` in its query (replacing any value it had): for
/// a setting that needs the page's full build, which web/boot.js loads for it.
pub(crate) fn reload_with(name: &str, value: &str) {
    let prefix = format!("{name}=");
    let mut pairs = address_pairs();
    pairs.retain(|p| !p.starts_with(&prefix));
    pairs.push(format!(
        "{name}={}",
        String::from(js_sys::encode_uri_component(value))
    ));
    open_query(&pairs.join("&"));
}

/// Opens the page at this address with `query`.
pub(crate) fn open_query(query: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(&format!("{}?{query}", page_address()));
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
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                doc.set_title(lang.text().doc_title);
            }
        }
    }
}

/// The window's inner size in CSS pixels.
pub(crate) fn frame_size() -> (i32, i32) {
    let Some(w) = web_sys::window() else {
        return (0, 0);
    };
    let px = |v: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>| {
        v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32
    };
    (px(w.inner_width()), px(w.inner_height()))
}

/// The smallest and largest root font sizes an embedded page is fitted between (CSS px).
pub const FIT_MIN_PX: f64 = 10.0;
pub const FIT_MAX_PX: f64 = 40.0;

/// Fits an embedded page to its frame. Every size on the page is in `rem`, so the root
/// element's font size scales all of it: this picks the largest that lets the header, the
/// caption and the stage fit the frame's height with room for the legend below, and cuts
/// no text in the stage; then takes a little off, for numbers that grow as the run goes
/// on (the page fits again if they outgrow it: see `App::fit_to_frame`). Set through the CSSOM, never a `style` attribute (a strict content policy forbids
/// those). Each try lays the page out once: this runs when the frame or the stage's shape
/// changes, not every frame.
pub(crate) fn fit_text_to_frame(app: &web_sys::HtmlElement) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let (width, height) = frame_size();
    if width <= 0 || height <= 0 {
        return;
    }
    let style = root.style();
    let set = |px: f64| {
        let _ = style.set_property("font-size", &format!("{}px", settings::fixed(px, 1)));
    };
    let fits = |px: f64| -> bool {
        set(px);
        let Ok(Some(stage)) = app.query_selector(".stage-box") else {
            return true;
        };
        // Room for the legend's first lines under the stage.
        let bottom = stage.get_bounding_client_rect().bottom() + 3.0 * px;
        bottom <= f64::from(height) && app.scroll_width() <= width + 1 && !stage_cut(app)
    };
    let (mut lo, mut hi) = (FIT_MIN_PX, FIT_MAX_PX);
    if !fits(lo) {
        set(lo);
        return;
    }
    for _ in 0..7 {
        let mid = (lo + hi) / 2.0;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    set((lo * 0.97).max(FIT_MIN_PX));
}

/// Whether some of the stage's text is cut: a line wider than its box, or a box's content
/// taller than the box. Reads the layout.
pub(crate) fn stage_cut(app: &web_sys::HtmlElement) -> bool {
    let all = |selector: &str, ok: &dyn Fn(&web_sys::Element) -> bool| {
        let Ok(found) = app.query_selector_all(selector) else {
            return true;
        };
        (0..found.length()).all(|i| {
            found
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                .is_none_or(|e| ok(&e))
        })
    };
    !(all(FIT_TEXT, &|e| e.scroll_width() <= e.client_width() + 1)
        && all(FIT_BOXES, &|e| e.scroll_height() <= e.client_height() + 1))
}

/// The stage's text that must never be cut (see `style.css`: each clips rather than
/// spill over its neighbour, so an embedded page's text size is fitted to them).
pub(crate) const FIT_TEXT: &str = ".stage .fit";
/// The stage's boxes, whose content must not be taller than they are.
pub(crate) const FIT_BOXES: &str = ".stage > *";

/// Copies `text` to the clipboard: through the Clipboard API where the page may use it (a
/// secure context; in a frame, one its host allows `clipboard-write`), else by selecting
/// `input` (which holds the text) and the browser's copy command. Returns whether it was
/// copied; when not, `input` is left selected for the person to copy.
pub(crate) async fn copy_text(text: &str, input: Option<web_sys::HtmlInputElement>) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    if window.is_secure_context() {
        let promise = window.navigator().clipboard().write_text(text);
        if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
            return true;
        }
    }
    let Some(input) = input else {
        return false;
    };
    let _ = input.focus();
    input.select();
    window
        .document()
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}

/// The key under which the page remembers that the first-run guide was dismissed.
const GUIDE_SEEN_KEY: &str = "kscope.guide.seen";

/// Whether this browser has dismissed the first-run guide (a browser that keeps no
/// storage counts as not: the guide shows, and can be dismissed for the visit).
pub(crate) fn guide_seen() -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(GUIDE_SEEN_KEY).ok().flatten())
        .is_some()
}

/// Hands `text` to the browser as a file called `name` to save (a link with `download`
/// to a `data:` address, clicked; nothing leaves the page).
pub(crate) fn download_text(name: &str, text: &str) {
    let href = format!(
        "data:text/plain;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    );
    click_download(&href, name);
}

/// Saves what `href` points at as `name`, through a link clicked at once.
fn click_download(href: &str, name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(link) = document.create_element("a") else {
        return;
    };
    let _ = link.set_attribute("href", href);
    let _ = link.set_attribute("download", name);
    if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
}

/// Downloads `bytes` (from the worker) as a file named `name`, through a `blob:` link.
pub(crate) fn download_bytes(name: &str, bytes: &js_sys::Uint8Array) {
    let parts = js_sys::Array::of1(bytes);
    // Typed as bytes, so that the browser keeps the name as it is (a name without an
    // extension, such as `leader-epoch-checkpoint`, would otherwise get `.txt`).
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
        click_download(&url, name);
    }
}

/// What the worker answered a question about a log with (see [`LogWorker`]).
pub enum LogReply {
    /// The view's markup, for the question `seq`.
    View(u32, String),
    /// A file to save: its name and bytes.
    File(String, js_sys::Uint8Array),
    /// Why the question `seq` has no answer (`u32::MAX`: the worker could not start).
    Failed(u32, String),
}

/// The page's worker (`trace_worker.rs`), kept while the page runs once a log was opened:
/// it replays the session and answers questions about a replica's log with the view's
/// markup or a segment file, so that neither the view nor the record encoder is in the
/// page's first load.
pub(crate) struct LogWorker {
    worker: web_sys::Worker,
    /// The question asked before the worker said it was ready, sent when it does.
    waiting: Rc<RefCell<Option<wasm_bindgen::JsValue>>>,
    ready: Rc<Cell<bool>>,
    _listener: EventListener,
    _failed: EventListener,
}

impl LogWorker {
    /// Starts the worker; its answers go to `answered`.
    pub(crate) fn start(answered: Callback<LogReply>) -> Option<LogWorker> {
        // The view's styles, out of the first load like the view.
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let (Ok(link), Some(head)) = (document.create_element("link"), document.head()) {
                let _ = link.set_attribute("rel", "stylesheet");
                let _ = link.set_attribute("href", "log-view.css");
                let _ = head.append_child(&link);
            }
        }
        let worker = web_sys::Worker::new("kscope-trace_loader.js").ok()?;
        let waiting: Rc<RefCell<Option<wasm_bindgen::JsValue>>> = Rc::default();
        let ready = Rc::new(Cell::new(false));
        let (w, q, r) = (worker.clone(), waiting.clone(), ready.clone());
        let answered_error = answered.clone();
        let listener = EventListener::new(&worker, "message", move |e| {
            let Some(data) = e.dyn_ref::<web_sys::MessageEvent>().map(|e| e.data()) else {
                return;
            };
            if data.as_string().as_deref() == Some("ready") {
                r.set(true);
                if let Some(question) = q.borrow_mut().take() {
                    let _ = w.post_message(&question);
                }
                return;
            }
            let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok();
            let seq = get("seq").and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
            let text = |k: &str| get(k).and_then(|v| v.as_string());
            let reply = match (text("html"), text("name"), text("error")) {
                (Some(html), _, _) => LogReply::View(seq, html),
                (_, Some(name), _) => match get("bytes").and_then(|b| b.dyn_into().ok()) {
                    Some(bytes) => LogReply::File(name, bytes),
                    None => LogReply::Failed(seq, name),
                },
                (_, _, Some(error)) => LogReply::Failed(seq, error),
                _ => return,
            };
            answered.emit(reply);
        });
        // A worker that cannot load (an offline copy has no worker file) says so once.
        let failed = EventListener::new(&worker, "error", move |_| {
            answered_error.emit(LogReply::Failed(u32::MAX, String::new()));
        });
        Some(LogWorker {
            worker,
            waiting,
            ready,
            _listener: listener,
            _failed: failed,
        })
    }

    /// Asks about `opened`'s log in the session `file` (a scenario file to its instant):
    /// its view in `lang`, or with `download` one of the picked segment's files. The
    /// question is text: a first line `log` and its numbers (see
    /// [`crate::log_view::Question`]), then the file.
    pub(crate) fn ask(&self, question: String) {
        let q = wasm_bindgen::JsValue::from(question);
        if self.ready.get() {
            let _ = self.worker.post_message(&q);
        } else {
            *self.waiting.borrow_mut() = Some(q);
        }
    }
}

/// Remembers that the first-run guide was dismissed.
pub(crate) fn remember_guide_seen() {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(GUIDE_SEEN_KEY, "1");
    }
}

/// The origin allowed to drive the page with `postMessage` (see [`crate::embed`]): `host`
/// if the URL gives one, else the parent page's (`location.ancestorOrigins`, else the
/// referrer's); `None` when the page is not in a frame, or the parent's origin is unknown.
pub(crate) fn embed_host(host: Option<&str>) -> Option<String> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    if js_sys::Object::is(&parent, &window) {
        return None;
    }
    if let Some(host) = host {
        return Some(host.to_string());
    }
    let ancestors = js_sys::Reflect::get(&window.location(), &"ancestorOrigins".into()).ok();
    let first = ancestors
        .and_then(|a| js_sys::Reflect::get(&a, &0.into()).ok())
        .and_then(|o| o.as_string());
    first
        .or_else(|| window.document().map(|d| d.referrer()))
        .and_then(|address| crate::embed::origin_of(&address))
}

/// Posts `post` to the parent page, for `host` only, as a plain object with
/// `source: "kscope"`.
pub(crate) fn post_to_host(host: &str, post: &crate::embed::Post) {
    use crate::embed::Value;
    use wasm_bindgen::JsValue;
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
        return;
    };
    let object = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&object, &k.into(), v);
    };
    set("source", &"kscope".into());
    for (k, v) in post.fields() {
        let v = match v {
            Value::Text(t) => JsValue::from(t),
            Value::Number(n) => JsValue::from(n),
            Value::Bool(b) => JsValue::from(b),
            Value::Nothing => JsValue::NULL,
            Value::List(l) => l
                .into_iter()
                .map(JsValue::from)
                .collect::<js_sys::Array>()
                .into(),
        };
        set(k, &v);
    }
    // A page opened from a file has the opaque origin `null`, which no target names.
    let target = if host == "null" { "*" } else { host };
    let _ = parent.post_message(&object, target);
}

/// The embedding page's message as a [`crate::embed::Message`]: `None` unless it is an
/// object with a string `type` (anything else is some other script's).
pub(crate) fn read_message(data: &wasm_bindgen::JsValue) -> Option<crate::embed::Message> {
    let get = |k: &str| js_sys::Reflect::get(data, &k.into()).ok();
    let text = |k: &str| get(k).and_then(|v| v.as_string());
    let number = |k: &str| get(k).and_then(|v| v.as_f64());
    if !data.is_object() {
        return None;
    }
    Some(crate::embed::Message {
        kind: text("type")?,
        step: number("step")
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64)
            .map(|n| n as usize),
        ms: number("ms"),
        scenario: text("scenario"),
        name: text("name"),
        value: text("value"),
        action: text("action"),
    })
}
