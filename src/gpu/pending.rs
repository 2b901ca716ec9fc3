//! Futures polled once per frame, never awaited.
//!
//! WebGPU promises (`map_async`, `pop_error_scope`, shader compilation info) resolve on the browser's event
//! loop; natively wgpu-core resolves them during `Device::poll`. Polling a boxed future with a no-op waker
//! from the frame loop serves both without a task executor and without ever blocking the UI thread.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A future that is polled, not awaited: call [`Polled::poll_now`] once per frame until it yields a value.
pub struct Polled<T> {
    future: Option<Pin<Box<dyn Future<Output = T>>>>,
}

impl<T> Polled<T> {
    pub fn new(future: impl Future<Output = T> + 'static) -> Self {
        Self {
            future: Some(Box::pin(future)),
        }
    }

    /// Polls once without blocking. Returns the output exactly once; afterwards `None` forever.
    pub fn poll_now(&mut self) -> Option<T> {
        let future = self.future.as_mut()?;
        let mut cx = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => {
                self.future = None;
                Some(value)
            }
            Poll::Pending => None,
        }
    }

    /// True once the output has been taken.
    pub fn is_done(&self) -> bool {
        self.future.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_future_yields_once() {
        let mut p = Polled::new(async { 7 });
        assert_eq!(p.poll_now(), Some(7));
        assert!(p.is_done());
        assert_eq!(p.poll_now(), None);
    }

    #[test]
    fn pending_future_stays_pending() {
        let mut p = Polled::new(std::future::pending::<i32>());
        assert_eq!(p.poll_now(), None);
        assert!(!p.is_done());
    }
}
