//! The trace worker: its own WebAssembly, started by the page only when the person asks for
//! the event trace (see [`kscope_web::trace`]). It takes a session's scenario file as a
//! message and answers with the trace as JSON Lines, or `{error}`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    serve();
}

#[cfg(target_arch = "wasm32")]
fn serve() {
    use wasm_bindgen::JsCast;
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let answer = scope.clone();
    gloo::events::EventListener::new(&scope, "message", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        let file = e.data().as_string().unwrap_or_default();
        let reply = js_sys::Object::new();
        let (key, value) = match kscope_web::trace::json_lines(&file) {
            Ok(lines) => ("lines", lines),
            Err(why) => ("error", why),
        };
        let _ = js_sys::Reflect::set(&reply, &key.into(), &value.into());
        let _ = answer.post_message(&reply);
    })
    .forget();
    // Messages that arrive before the listener are lost: the page waits for this.
    let _ = scope.post_message(&"ready".into());
}
