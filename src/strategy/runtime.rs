//! [`Strategy`]: any strategy, chosen at run time by name.

use std::fmt;
use std::str::FromStr;

use crate::element::Element;
use crate::error::Error;
use crate::matrix::{MatMut, MatRef};
use crate::plan::{Plan, Route};
use crate::strategy::{Auto, Blocked, MulStrategy, PerCell, RowParallel, Serial, SplitK};

/// Any strategy, chosen at run time (for example from a command-line flag).
///
/// `FromStr` accepts `serial`, `row-parallel`, `per-cell`, `blocked`, `split-k` and `auto`
/// (the parallel ones with their default worker cap); `Display` prints the same names.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, Strategy};
///
/// let s: Strategy = "per-cell".parse()?;
/// assert_eq!(s.to_string(), "per-cell");
/// let a = Matrix::from_fn(4, 4, |i, j| (i * 4 + j) as u64);
/// assert_eq!(a.mul_with(&a, &s)?, a.mul_with(&a, &parmat::Serial)?);
/// assert!("fastest".parse::<Strategy>().is_err());
/// # Ok::<(), parmat::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// [`Serial`].
    Serial,
    /// [`RowParallel`].
    RowParallel(RowParallel),
    /// [`PerCell`].
    PerCell(PerCell),
    /// [`Blocked`].
    Blocked(Blocked),
    /// [`SplitK`].
    SplitK(SplitK),
    /// [`Auto`].
    Auto(Auto),
}

impl Strategy {
    /// Every strategy with its default settings, in the order of the crate's tables.
    ///
    /// # Examples
    ///
    /// ```
    /// let names: Vec<_> = parmat::Strategy::all().iter().map(|s| s.to_string()).collect();
    /// assert_eq!(names, ["serial", "row-parallel", "per-cell", "blocked", "split-k", "auto"]);
    /// ```
    pub fn all() -> [Strategy; 6] {
        [
            Strategy::Serial,
            Strategy::RowParallel(RowParallel::default()),
            Strategy::PerCell(PerCell::default()),
            Strategy::Blocked(Blocked::default()),
            Strategy::SplitK(SplitK::default()),
            Strategy::Auto(Auto::default()),
        ]
    }

    /// The same strategy with exactly `workers` workers (capped by the units of work), for
    /// the parallel strategies; `Serial` and `Auto` are returned unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{RowParallel, Strategy};
    /// let s: Strategy = "row-parallel".parse()?;
    /// assert_eq!(s.with_workers(3), Strategy::RowParallel(RowParallel::with_workers(3)));
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn with_workers(self, workers: usize) -> Strategy {
        match self {
            Strategy::RowParallel(_) => Strategy::RowParallel(RowParallel::with_workers(workers)),
            Strategy::PerCell(_) => Strategy::PerCell(PerCell::with_workers(workers)),
            Strategy::Blocked(_) => Strategy::Blocked(Blocked::with_workers(workers)),
            Strategy::SplitK(s) => Strategy::SplitK(s.with_workers_kept_parts(workers)),
            other => other,
        }
    }

    /// The number of workers this strategy would use for an `m×k · k×n` product of `T` in
    /// the current rayon pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Strategy;
    /// assert_eq!(Strategy::Serial.workers_for::<f64>(512, 512, 512), 1);
    /// let tiny = "row-parallel".parse::<Strategy>()?.workers_for::<f64>(4, 4, 4);
    /// assert_eq!(tiny, 1); // far below the minimum work per worker
    /// # Ok::<(), parmat::Error>(())
    /// ```
    pub fn workers_for<T: Element>(&self, m: usize, k: usize, n: usize) -> usize {
        match self {
            Strategy::Serial => 1,
            Strategy::RowParallel(s) => s.workers_for::<T>(m, k, n),
            Strategy::PerCell(s) => s.workers_for::<T>(m, k, n),
            Strategy::Blocked(s) => s.workers_for::<T>(m, k, n),
            Strategy::SplitK(s) => s.workers_for::<T>(m, k, n),
            Strategy::Auto(s) => s.plan::<T>(m, k, n).workers(),
        }
    }
}

impl MulStrategy for Strategy {
    fn mul_into<T: Element>(
        &self,
        a: MatRef<'_, T>,
        b: MatRef<'_, T>,
        c: MatMut<'_, T>,
    ) -> Result<(), Error> {
        match self {
            Strategy::Serial => Serial.mul_into(a, b, c),
            Strategy::RowParallel(s) => s.mul_into(a, b, c),
            Strategy::PerCell(s) => s.mul_into(a, b, c),
            Strategy::Blocked(s) => s.mul_into(a, b, c),
            Strategy::SplitK(s) => s.mul_into(a, b, c),
            Strategy::Auto(s) => s.mul_into(a, b, c),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Strategy::Serial => Serial.name(),
            Strategy::RowParallel(s) => s.name(),
            Strategy::PerCell(s) => s.name(),
            Strategy::Blocked(s) => s.name(),
            Strategy::SplitK(s) => s.name(),
            Strategy::Auto(s) => s.name(),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Strategy::all()
            .into_iter()
            .find(|strategy| strategy.name() == s)
            .ok_or_else(|| Error::UnknownStrategy { name: s.to_owned() })
    }
}

impl From<Serial> for Strategy {
    fn from(_: Serial) -> Self {
        Strategy::Serial
    }
}
impl From<RowParallel> for Strategy {
    fn from(s: RowParallel) -> Self {
        Strategy::RowParallel(s)
    }
}
impl From<PerCell> for Strategy {
    fn from(s: PerCell) -> Self {
        Strategy::PerCell(s)
    }
}
impl From<Blocked> for Strategy {
    fn from(s: Blocked) -> Self {
        Strategy::Blocked(s)
    }
}
impl From<SplitK> for Strategy {
    fn from(s: SplitK) -> Self {
        Strategy::SplitK(s)
    }
}
impl From<Auto> for Strategy {
    fn from(s: Auto) -> Self {
        Strategy::Auto(s)
    }
}

impl Plan {
    /// The strategy `Auto` runs, with its worker count fixed (for a split product, the
    /// one-worker strategy of every part).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{MulStrategy, plan};
    /// assert_eq!(plan::<i16>(8, 8, 8).strategy().name(), "serial");
    /// ```
    pub fn strategy(&self) -> Strategy {
        let workers = if self.depth_parts() > 1 {
            1
        } else {
            self.workers()
        };
        match self.route() {
            Route::Serial => Strategy::Serial,
            Route::RowParallel => Strategy::RowParallel(RowParallel::with_workers(workers)),
            Route::PerCell => Strategy::PerCell(PerCell::with_workers(workers)),
            Route::Blocked => Strategy::Blocked(Blocked::with_workers(workers)),
        }
    }
}
