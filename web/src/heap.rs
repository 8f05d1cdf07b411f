//! How many bytes the page's heap holds live: what bounds a run (see
//! [`crate::player::HEAP_LIMIT_BYTES`]). In the browser every allocation goes through a
//! counting wrapper of the system allocator, so the figure is exact and costs an addition
//! per allocation; natively (the tests, the benchmarks, which count for themselves) there
//! is no such wrapper and the player estimates from the records the run holds.

/// The bytes live on the heap now, where they are counted (in the browser).
pub fn live_bytes() -> Option<usize> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(counting::LIVE.load(core::sync::atomic::Ordering::Relaxed))
    }
    #[cfg(all(not(target_arch = "wasm32"), test))]
    {
        PRETEND.with(|p| p.get())
    }
    #[cfg(all(not(target_arch = "wasm32"), not(test)))]
    {
        None
    }
}

#[cfg(all(not(target_arch = "wasm32"), test))]
std::thread_local! {
    static PRETEND: core::cell::Cell<Option<usize>> = const { core::cell::Cell::new(None) };
}

/// Natively, in the crate's tests: makes [`live_bytes`] report `bytes`, as a browser's
/// counted heap would (it also counts the page's rendering, so it moves both ways).
#[cfg(all(not(target_arch = "wasm32"), test))]
pub fn pretend(bytes: Option<usize>) {
    PRETEND.with(|p| p.set(bytes));
}

#[cfg(target_arch = "wasm32")]
mod counting {
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::alloc::{GlobalAlloc, Layout, System};

    pub static LIVE: AtomicUsize = AtomicUsize::new(0);

    /// The system allocator, counting the bytes it hands out and takes back.
    struct Counting;

    // SAFETY: every call is passed to `System` unchanged; only the count is added.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                LIVE.fetch_add(layout.size(), Relaxed);
            }
            p
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                LIVE.fetch_add(layout.size(), Relaxed);
            }
            p
        }
        unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
            unsafe { System.dealloc(p, layout) };
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let q = unsafe { System.realloc(p, layout, new_size) };
            if !q.is_null() {
                LIVE.fetch_sub(layout.size(), Relaxed);
                LIVE.fetch_add(new_size, Relaxed);
            }
            q
        }
    }

    #[global_allocator]
    static ALLOC: Counting = Counting;
}
