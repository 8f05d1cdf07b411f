//! The page's components: each turns a part of the view model into markup and sends
//! the person's clicks to the app as [`crate::Msg`]s. They decide nothing about Kafka.

use std::rc::Rc;

use yew::prelude::*;

pub mod controls;
#[cfg(feature = "control_plane")]
pub mod quorum_view;
pub mod readouts;
pub mod stage_view;
pub mod timeline;
pub mod topic_bar;

pub use controls::{CaptionBar, Controls};
pub use readouts::{Charts, EventLog, Losses, Readouts};
pub use stage_view::{ConsumerCards, Links, OffsetsView, StageView};
pub use timeline::TimelineBar;
pub use topic_bar::TopicBar;

/// Shared data compared by identity: the app replaces it, never changes it in place, so
/// an unchanged pointer means unchanged contents (and no deep comparison per render).
pub struct Same<T>(pub Rc<T>);

impl<T> Clone for Same<T> {
    fn clone(&self) -> Self {
        Same(self.0.clone())
    }
}

impl<T> PartialEq for Same<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Sets CSS properties on the element behind `node` through the CSSOM, after every render
/// of the component that calls it. Never a `style` attribute: a strict content policy
/// (`style-src 'self'`, see index.html) refuses those, and the CSSOM is not subject to it.
/// After every render, not only when `decls` change: Yew may have put a new element
/// behind `node` (a badge that came back), and setting a value again costs nothing.
#[hook]
pub fn use_css(node: NodeRef, decls: Vec<(&'static str, String)>) {
    use_effect(move || {
        if let Some(el) = node.cast::<web_sys::HtmlElement>() {
            let style = el.style();
            for (name, value) in &decls {
                let _ = style.set_property(name, value);
            }
        }
    });
}
