//! The page's entry point in its full build (the `full` feature: transactions), which
//! web/boot.js loads instead of the first build for a run that needs it.
fn main() {
    yew::Renderer::<kscope_web::App>::new().render();
}
