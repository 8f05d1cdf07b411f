//! The page's components: each turns a part of the view model into markup and sends
//! the person's clicks to the app as [`crate::Msg`]s. They decide nothing about Kafka.

use std::rc::Rc;

pub mod controls;
pub mod readouts;
pub mod stage_view;

pub use controls::{CaptionBar, Controls};
pub use readouts::{Charts, EventLog, Losses, Readouts};
pub use stage_view::{ConsumerCards, Links, OffsetsView, StageView};

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
