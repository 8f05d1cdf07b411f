//! The page's entry point: mounts [`kscope_web::App`] on the document body.
fn main() {
    yew::Renderer::<kscope_web::App>::new().render();
}
