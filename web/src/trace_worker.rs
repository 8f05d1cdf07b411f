//! The page's worker: its own WebAssembly, started by the page only when the person asks
//! for the event trace (see [`kscope_web::trace`]) or opens a replica's log (see
//! [`kscope_web::log_view`]), so that neither is in the page's first load.
//!
//! A message is text. A question about a log (a first line `log …`, then the session's
//! scenario file; [`kscope_web::log_view::Question`]) is answered with `{seq, html}`,
//! `{seq, name, bytes}` or `{seq, error}`; the worker keeps the session it replayed, so a
//! later question about the same session goes on from it. Any other text is a session's
//! scenario file: the answer is its trace as JSON Lines, `{lines}`, or `{error}`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    serve();
}

#[cfg(target_arch = "wasm32")]
fn serve() {
    use wasm_bindgen::{JsCast, JsValue};
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let answer = scope.clone();
    let replay = std::cell::RefCell::new(kscope_web::log_view::Replay::default());
    gloo::events::EventListener::new(&scope, "message", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        let data = e.data();
        let reply = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&reply, &k.into(), &v);
        };
        let text = data.as_string().unwrap_or_default();
        if let Some((q, file)) = kscope_web::log_view::Question::parse(&text) {
            set("seq", q.seq.into());
            let mut replay = replay.borrow_mut();
            match kscope_web::log_view::answer(&mut replay, &q, file) {
                Ok(kscope_web::log_view::Answer::View(html)) => set("html", html.into()),
                Ok(kscope_web::log_view::Answer::File(name, bytes)) => {
                    set("name", name.into());
                    set("bytes", js_sys::Uint8Array::from(&bytes[..]).into());
                }
                Err(why) => set("error", why.into()),
            }
        } else {
            match kscope_web::trace::json_lines(&text) {
                Ok(lines) => set("lines", lines.into()),
                Err(why) => set("error", why.into()),
            }
        }
        let _ = answer.post_message(&reply);
    })
    .forget();
    // Messages that arrive before the listener are lost: the page waits for this.
    let _ = scope.post_message(&"ready".into());
}
