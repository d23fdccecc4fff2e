//! A settable clock for tests: lock expiry, session timeouts and code lifetimes are checked by
//! moving time, never by sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use zhicheng_kernel::Clock;

/// A clock that stands still until a test moves it. Clones share the same time.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        TestClock(Arc::new(Mutex::new(t)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }

    /// The current test time (same as `Clock::now`, without importing the trait).
    pub fn now_for_test(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    pub fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}
