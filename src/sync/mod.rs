//! Matrices shared between threads: row-block stripes behind reader–writer locks, lock
//! timers, and a deadlock tracker that turns a deadlock into an error.
//!
//! When workers share a matrix they lock the part they touch. Three techniques keep that
//! from ending in a deadlock (worker 1 holds block A and waits for B while worker 2 holds B
//! and waits for A), and this module has all three:
//!
//! 1. **Shared reads.** A [`SharedMatrix`] is split into stripes of whole rows (*blocks*),
//!    each behind its own reader–writer lock: any number of readers hold a block at once
//!    ([`SharedMatrix::read`], [`SharedMatrix::snapshot`]), so readers never wait for
//!    readers. A snapshot takes all its read locks at one moment, never holding some while
//!    it waits for others, so it never takes part in a deadlock. Operations that take
//!    several write locks take them in one canonical order (ascending block index), so the
//!    crate's own operations cannot deadlock with each other.
//! 2. **Lock timers.** Every blocking acquisition has a bounded form, `…_for(timeout)`. When
//!    the timer runs out the call releases everything it took and returns
//!    [`LockError::Timeout`]; the matrix is exactly as before.
//! 3. **A tracker.** Every matrix belongs to a [`Registry`] (by default the process-wide
//!    one) that keeps a wait-for graph: which thread holds which block, and which waits for
//!    which. When a request would close a cycle — typically because a program takes blocks
//!    in its own order with a [`LockSet`] — the requester gets [`LockError::Deadlock`]
//!    naming the threads and blocks of the cycle, its call releases what it took, and the
//!    other threads go on. The graph is the lock state itself, so a refusal always names a
//!    real cycle; a thread asking for a block it holds itself in a conflicting way gets
//!    [`LockError::AlreadyHeld`] instead.
//!
//! Changes are all-or-nothing: [`SharedMatrix::update_blocks`], [`SharedMatrix::accumulate`]
//! and [`LockSet`] either apply every change of a call or none (after a timeout, a deadlock,
//! or a panic in the caller's closure): after such a panic the blocks are unlocked and
//! unchanged, and no lock is poisoned. A plain [`WriteGuard`] writes in place, so changes
//! made through it before a panic stay (the lock is still released).
//!
//! # Examples
//!
//! Several workers add into one matrix; a reader takes a consistent copy meanwhile.
//!
//! ```
//! use parmat::{Matrix, sync::SharedMatrix};
//!
//! let c = SharedMatrix::new(Matrix::<i64>::zeros(8, 4), 2); // 4 blocks of 2 rows
//! std::thread::scope(|s| {
//!     for worker in 0..4 {
//!         let c = &c;
//!         s.spawn(move || {
//!             let partial = Matrix::from_fn(8, 4, |i, j| (worker * 100 + i * 4 + j) as i64);
//!             c.accumulate(0, partial.view()).unwrap(); // takes blocks 0..4 in order
//!         });
//!     }
//!     s.spawn(|| {
//!         let copy = c.snapshot().unwrap(); // all read locks at one moment: consistent
//!         assert_eq!(copy.shape(), (8, 4));
//!     });
//! });
//! let c = c.into_matrix();
//! assert_eq!(c[(0, 0)], 600);
//! ```
//!
//! Taking blocks in your own order, across matrices, with a deadlock turned into an error:
//!
//! ```
//! use parmat::{Matrix, sync::{LockError, LockSet, SharedMatrix}};
//!
//! let x = SharedMatrix::new(Matrix::<i32>::zeros(2, 2), 1);
//! let y = SharedMatrix::new(Matrix::<i32>::zeros(2, 2), 1);
//! let transfer = |from: &SharedMatrix<i32>, to: &SharedMatrix<i32>| loop {
//!     let mut set = LockSet::new();
//!     let attempt = (|| {
//!         set.write(from, 0)?;
//!         set.write(to, 0)?;
//!         Ok::<(), LockError>(())
//!     })();
//!     match attempt {
//!         Ok(()) => {
//!             *set.get_mut(from, 0, 0).unwrap() -= 1; // on copies until commit
//!             *set.get_mut(to, 0, 0).unwrap() += 1;
//!             set.commit();
//!             return;
//!         }
//!         // Refused (the set released everything): let the other thread finish, retry.
//!         Err(LockError::Deadlock { .. }) => std::thread::yield_now(),
//!         Err(other) => panic!("{other}"),
//!     }
//! };
//! std::thread::scope(|s| {
//!     s.spawn(|| transfer(&x, &y));
//!     s.spawn(|| transfer(&y, &x));
//! });
//! assert_eq!(x.snapshot()?, Matrix::zeros(2, 2));
//! # Ok::<(), LockError>(())
//! ```
//!
//! See `docs/concurrency.md` in the repository for the wait-for graph, the guarantees in
//! detail and the measured overhead.

mod error;
mod guard;
mod lock_set;
mod reduction;
mod tracker;

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::RwLock;

pub use error::{Access, BlockId, Blocker, LockError, MatrixId, ThreadLabel, WaitEdge};
pub use guard::{ReadGuard, WriteGuard};
pub use lock_set::LockSet;
pub use reduction::{Reduction, mul_by_depth_parts};
pub use tracker::Registry;

use crate::dispatch::add_assign;
use crate::element::{Element, ElementClass};
use crate::matrix::{MatMut, MatRef, Matrix};
use guard::Timer;

/// How many blocks [`SharedMatrix::from_matrix`] makes (fewer when there are fewer rows).
///
/// Sixteen stripes let up to a few dozen threads update different parts of a matrix at
/// once while a whole-matrix operation ([`SharedMatrix::snapshot`],
/// [`SharedMatrix::accumulate`] of all rows) still takes only sixteen locks.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, sync::{DEFAULT_BLOCKS, SharedMatrix}};
///
/// let m = SharedMatrix::from_matrix(Matrix::<f64>::zeros(1000, 8));
/// assert_eq!(m.blocks(), DEFAULT_BLOCKS);
/// ```
pub const DEFAULT_BLOCKS: usize = 16;

/// A matrix shared between threads: stripes of whole rows (*blocks*), each behind its own
/// reader–writer lock.
///
/// Block `b` holds rows `b·block_rows .. min((b+1)·block_rows, rows)`. Every way to
/// reach the elements locks the blocks it touches:
///
/// | method | locks | blocks taken |
/// |---|---|---|
/// | [`read`](Self::read), [`try_read`](Self::try_read) | shared | one |
/// | [`snapshot`](Self::snapshot), [`snapshot_blocks`](Self::snapshot_blocks) | shared | all or the listed ones, at one moment |
/// | [`write`](Self::write), [`try_write`](Self::try_write) | exclusive | one |
/// | [`update`](Self::update), [`update_blocks`](Self::update_blocks) | exclusive | the listed ones, in order; all-or-nothing |
/// | [`accumulate`](Self::accumulate) | exclusive | those of the rows, in order; all-or-nothing |
/// | [`LockSet`] | either | any, in the caller's order, across matrices; all-or-nothing |
///
/// Each blocking method has a `…_for(timeout)` form that gives up with
/// [`LockError::Timeout`], and each `try_…` method returns [`LockError::WouldBlock`]
/// instead of waiting. All of them report [`LockError::Deadlock`] when their wait would
/// close a cycle in the wait-for graph of the matrix's [`Registry`], and
/// [`LockError::AlreadyHeld`] when the calling thread holds the block itself. A matrix
/// made with [`untracked`](Self::untracked) has no tracker (lock timers only), and so pays
/// nothing for one.
///
/// Guards, lock sets and update closures reach the elements through views
/// ([`MatRef`], [`MatMut`]) of a block, and guards and lock sets also by the (row, column)
/// of the whole matrix ([`ReadGuard::get`], [`WriteGuard::get_mut`], [`LockSet::get_mut`]).
///
/// # Examples
///
/// ```
/// use parmat::{matrix, sync::SharedMatrix};
///
/// let m = SharedMatrix::new(matrix![[1, 2], [3, 4], [5, 6]], 2);
/// assert_eq!((m.rows(), m.cols(), m.blocks()), (3, 2, 2));
/// m.accumulate(1, matrix![[10, 10], [10, 10]].view())?;
/// m.update(0, |mut block| *block.get_mut(0, 0).unwrap() = 0)?;
/// assert_eq!(m.snapshot()?, matrix![[0, 2], [13, 14], [15, 16]]);
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
pub struct SharedMatrix<T> {
    blocks: Vec<RwLock<Vec<T>>>,
    rows: usize,
    cols: usize,
    block_rows: usize,
    id: MatrixId,
    name: Option<Arc<str>>,
    registry: Option<Registry>,
}

fn next_matrix_id() -> MatrixId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    MatrixId(NEXT.fetch_add(1, Ordering::Relaxed))
}

impl<T> SharedMatrix<T> {
    fn build(matrix: Matrix<T>, block_rows: usize, registry: Option<Registry>) -> Self {
        assert!(
            block_rows > 0,
            "SharedMatrix: a block must hold at least one row (block_rows is 0)"
        );
        let (rows, cols) = matrix.shape();
        let blocks = rows.div_ceil(block_rows);
        let mut data = matrix.into_vec();
        let mut stripes = Vec::with_capacity(blocks);
        for block in (0..blocks).rev() {
            stripes.push(RwLock::new(data.split_off(block * block_rows * cols)));
        }
        stripes.reverse();
        SharedMatrix {
            blocks: stripes,
            rows,
            cols,
            block_rows,
            id: next_matrix_id(),
            name: None,
            registry,
        }
    }

    /// Shares `matrix` in blocks of `block_rows` rows (the last block may be shorter),
    /// tracked by the process-wide [`Registry::global`].
    ///
    /// # Panics
    ///
    /// If `block_rows` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<f64>::zeros(10, 3), 4);
    /// assert_eq!(m.blocks(), 3); // rows 0..4, 4..8, 8..10
    /// ```
    pub fn new(matrix: Matrix<T>, block_rows: usize) -> Self {
        Self::build(matrix, block_rows, Some(Registry::global()))
    }

    /// Shares `matrix` in [`DEFAULT_BLOCKS`] blocks of equal height (one row each when it
    /// has fewer rows), tracked by the process-wide [`Registry::global`].
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::SharedMatrix};
    ///
    /// assert_eq!(SharedMatrix::from_matrix(Matrix::<i8>::zeros(64, 2)).block_rows(), 4);
    /// assert_eq!(SharedMatrix::from_matrix(Matrix::<i8>::zeros(5, 2)).blocks(), 5);
    /// ```
    pub fn from_matrix(matrix: Matrix<T>) -> Self {
        let block_rows = matrix.rows().div_ceil(DEFAULT_BLOCKS).max(1);
        Self::new(matrix, block_rows)
    }

    /// Shares `matrix` in blocks of `block_rows` rows, tracked by `registry`.
    ///
    /// Deadlocks are found among the matrices of one registry: give matrices that are locked
    /// together the same one.
    ///
    /// # Panics
    ///
    /// If `block_rows` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::{Registry, SharedMatrix}};
    ///
    /// let registry = Registry::new();
    /// let m = SharedMatrix::with_registry(Matrix::<u32>::zeros(4, 4), 1, &registry);
    /// assert!(m.registry().unwrap().same_as(&registry));
    /// ```
    pub fn with_registry(matrix: Matrix<T>, block_rows: usize, registry: &Registry) -> Self {
        Self::build(matrix, block_rows, Some(registry.clone()))
    }

    /// Shares `matrix` in blocks of `block_rows` rows with no deadlock tracker: locks cost
    /// only the lock itself, lock timers still work, and a deadlock is *not* detected (a
    /// wait without a timeout may then never end).
    ///
    /// Right for matrices only ever locked by the crate's own multi-block operations, which
    /// take blocks in one order and cannot deadlock with each other.
    ///
    /// # Panics
    ///
    /// If `block_rows` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::untracked(parmat::Matrix::<f32>::zeros(4, 4), 2);
    /// assert!(m.registry().is_none());
    /// ```
    pub fn untracked(matrix: Matrix<T>, block_rows: usize) -> Self {
        Self::build(matrix, block_rows, None)
    }

    /// Gives the matrix a name, used in error messages.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<f32>::zeros(4, 4), 2).named("C");
    /// assert_eq!(m.name(), Some("C"));
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> Self {
        let name: Arc<str> = Arc::from(name.into());
        if let Some(registry) = &self.registry {
            registry.tracker().name_matrix(self.id, name.clone());
        }
        self.name = Some(name);
        self
    }

    /// The name given with [`named`](Self::named).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<f32>::zeros(4, 4), 2);
    /// assert_eq!(m.name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The matrix's identity in the process (errors name matrices by it).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::SharedMatrix};
    ///
    /// let a = SharedMatrix::new(Matrix::<u8>::zeros(1, 1), 1);
    /// let b = SharedMatrix::new(Matrix::<u8>::zeros(1, 1), 1);
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> MatrixId {
        self.id
    }

    /// The registry that tracks the matrix, or `None` for an
    /// [`untracked`](Self::untracked) one.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(1, 1), 1);
    /// assert!(m.registry().is_some());
    /// ```
    pub fn registry(&self) -> Option<&Registry> {
        self.registry.as_ref()
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(3, 2), 1).rows(), 3);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(3, 2), 1).cols(), 2);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(3, 2), 1);
    /// assert_eq!(m.shape(), (3, 2));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Number of blocks (stripes): `⌈rows ÷ block_rows⌉`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(7, 2), 3).blocks(), 3);
    /// ```
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Rows per block (the last block may have fewer).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(7, 2), 3).block_rows(), 3);
    /// ```
    pub fn block_rows(&self) -> usize {
        self.block_rows
    }

    /// The block that holds `row`.
    ///
    /// # Panics
    ///
    /// If `row >= rows()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(7, 2), 3);
    /// assert_eq!(m.block_of_row(5), 1);
    /// assert_eq!(m.block_of_row(6), 2);
    /// ```
    pub fn block_of_row(&self, row: usize) -> usize {
        assert!(
            row < self.rows,
            "block_of_row: row {row} is past the end of a matrix with {} rows",
            self.rows
        );
        row / self.block_rows
    }

    /// The rows that block `block` holds.
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(7, 2), 3);
    /// assert_eq!(m.block_range(0), 0..3);
    /// assert_eq!(m.block_range(2), 6..7);
    /// ```
    pub fn block_range(&self, block: usize) -> Range<usize> {
        self.check_block(block);
        let start = block * self.block_rows;
        start..(start + self.block_rows).min(self.rows)
    }

    /// Shared access to one block, waiting as long as it takes.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if waiting would close a cycle in the wait-for graph;
    /// [`LockError::AlreadyHeld`] if the calling thread holds the block for write.
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.read(1)?.get(1, 0), Some(&3));
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn read(&self, block: usize) -> Result<ReadGuard<'_, T>, LockError> {
        self.check_block(block);
        guard::read(self, block, None)
    }

    /// Shared access to one block, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the block stays locked for write for `timeout`;
    /// [`LockError::Deadlock`] and [`LockError::AlreadyHeld`] as for [`read`](Self::read).
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let guard = m.read_for(0, Duration::from_millis(10))?;
    /// assert_eq!(guard.view().to_matrix(), parmat::matrix![[1, 2]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn read_for(&self, block: usize, timeout: Duration) -> Result<ReadGuard<'_, T>, LockError> {
        self.check_block(block);
        guard::read(self, block, Timer::start(Some(timeout)))
    }

    /// Shared access to one block if it is available at once; never waits.
    ///
    /// # Errors
    ///
    /// [`LockError::WouldBlock`] if another thread holds the block for write;
    /// [`LockError::AlreadyHeld`] as for [`read`](Self::read).
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::sync::{LockError, SharedMatrix};
    ///
    /// let m = SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// std::thread::scope(|s| {
    ///     let writer = m.write(0)?;
    ///     let attempt = s.spawn(|| m.try_read(0).map(drop)).join().unwrap();
    ///     assert!(matches!(attempt, Err(LockError::WouldBlock { .. })));
    ///     drop(writer);
    ///     Ok::<(), LockError>(())
    /// })?;
    /// assert_eq!(m.try_read(0)?.get(0, 1), Some(&2));
    /// # Ok::<(), LockError>(())
    /// ```
    pub fn try_read(&self, block: usize) -> Result<ReadGuard<'_, T>, LockError> {
        self.check_block(block);
        guard::try_read(self, block)
    }

    /// Exclusive access to one block, waiting as long as it takes.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if waiting would close a cycle in the wait-for graph;
    /// [`LockError::AlreadyHeld`] if the calling thread holds the block itself (a read lock
    /// is not upgraded).
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// *m.write(0)?.get_mut(0, 1).unwrap() = 7;
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 7], [3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn write(&self, block: usize) -> Result<WriteGuard<'_, T>, LockError> {
        self.check_block(block);
        guard::write(self, block, None)
    }

    /// Exclusive access to one block, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the block stays locked for `timeout`;
    /// [`LockError::Deadlock`] and [`LockError::AlreadyHeld`] as for [`write`](Self::write).
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let reader = m.read(1)?;
    /// let err = std::thread::scope(|s| {
    ///     s.spawn(|| m.write_for(1, Duration::from_millis(2)).map(drop)).join().unwrap()
    /// });
    /// assert!(matches!(err, Err(parmat::sync::LockError::Timeout { .. })));
    /// drop(reader);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn write_for(
        &self,
        block: usize,
        timeout: Duration,
    ) -> Result<WriteGuard<'_, T>, LockError> {
        self.check_block(block);
        guard::write(self, block, Timer::start(Some(timeout)))
    }

    /// Exclusive access to one block if it is available at once; never waits.
    ///
    /// # Errors
    ///
    /// [`LockError::WouldBlock`] if another thread holds the block;
    /// [`LockError::AlreadyHeld`] as for [`write`](Self::write).
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::sync::{Access, LockError, SharedMatrix};
    ///
    /// let m = SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let reader = m.read(0)?;
    /// assert!(matches!(
    ///     m.try_write(0),
    ///     Err(LockError::AlreadyHeld { held: Access::Read, .. }) // this thread reads it
    /// ));
    /// drop(reader);
    /// assert!(m.try_write(0).is_ok());
    /// # Ok::<(), LockError>(())
    /// ```
    pub fn try_write(&self, block: usize) -> Result<WriteGuard<'_, T>, LockError> {
        self.check_block(block);
        guard::try_write(self, block)
    }

    /// The matrix, taken back from sharing. No locks are needed: nobody else can hold one.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{matrix, sync::SharedMatrix};
    ///
    /// let m = SharedMatrix::new(matrix![[1, 2], [3, 4], [5, 6]], 2);
    /// assert_eq!(m.into_matrix(), matrix![[1, 2], [3, 4], [5, 6]]);
    /// ```
    pub fn into_matrix(mut self) -> Matrix<T> {
        let mut data = Vec::with_capacity(self.rows * self.cols);
        for stripe in std::mem::take(&mut self.blocks) {
            data.extend(stripe.into_inner());
        }
        Matrix::from_vec(self.rows, self.cols, data).expect("the blocks hold every element")
    }

    pub(crate) fn lock_of(&self, block: usize) -> &RwLock<Vec<T>> {
        &self.blocks[block]
    }

    pub(crate) fn block_id(&self, block: usize) -> BlockId {
        BlockId {
            matrix: self.id,
            matrix_name: self.name.as_deref().map(str::to_owned),
            block,
        }
    }

    fn check_block(&self, block: usize) {
        assert!(
            block < self.blocks.len(),
            "block {block} is out of range: the matrix has {} blocks",
            self.blocks.len()
        );
    }
}

impl<T: Element> SharedMatrix<T> {
    /// A consistent copy of the whole matrix: a state the matrix really had, never a mix of
    /// before and after a multi-block update.
    ///
    /// The read locks of all blocks are taken **at once**, when no block is held for write,
    /// never one by one: a snapshot does not hold some blocks while it waits for others, so
    /// it never takes part in a deadlock. While it waits, writers that hold no lock and
    /// come after it let it go first, so a stream of writers cannot starve it (tracked
    /// matrices; an untracked one takes every read lock or none, and retries).
    ///
    /// # Errors
    ///
    /// [`LockError::AlreadyHeld`] if the calling thread holds a block of the matrix for
    /// write. [`LockError::Deadlock`] only if the calling thread holds locks of other
    /// matrices of the registry that a writer of this one waits for; a thread that holds no
    /// lock is never refused.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn snapshot(&self) -> Result<Matrix<T>, LockError> {
        self.snapshot_with(None)
    }

    /// [`snapshot`](Self::snapshot), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if some block is still held for write when the timer runs
    /// out (the block named is one of those); the others as for
    /// [`snapshot`](Self::snapshot). No lock is held afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.snapshot_for(Duration::from_millis(10))?.shape(), (2, 2));
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn snapshot_for(&self, timeout: Duration) -> Result<Matrix<T>, LockError> {
        self.snapshot_with(Some(timeout))
    }

    /// Consistent copies of some blocks (one matrix per entry of `blocks`, in the order
    /// given, each `block_range(b).len() × cols`), read at one moment as
    /// [`snapshot`](Self::snapshot) reads the whole matrix.
    ///
    /// # Errors
    ///
    /// As for [`snapshot`](Self::snapshot).
    ///
    /// # Panics
    ///
    /// If a block is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{matrix, sync::SharedMatrix};
    ///
    /// let m = SharedMatrix::new(matrix![[1, 2], [3, 4], [5, 6]], 1);
    /// let copies = m.snapshot_blocks(&[2, 0])?;
    /// assert_eq!(copies, vec![matrix![[5, 6]], matrix![[1, 2]]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn snapshot_blocks(&self, blocks: &[usize]) -> Result<Vec<Matrix<T>>, LockError> {
        self.snapshot_blocks_with(blocks, None)
    }

    /// [`snapshot_blocks`](Self::snapshot_blocks), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// As for [`snapshot_for`](Self::snapshot_for).
    ///
    /// # Panics
    ///
    /// If a block is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let copies = m.snapshot_blocks_for(&[1], Duration::from_millis(10))?;
    /// assert_eq!(copies[0], parmat::matrix![[3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn snapshot_blocks_for(
        &self,
        blocks: &[usize],
        timeout: Duration,
    ) -> Result<Vec<Matrix<T>>, LockError> {
        self.snapshot_blocks_with(blocks, Some(timeout))
    }

    fn snapshot_with(&self, timeout: Option<Duration>) -> Result<Matrix<T>, LockError> {
        let all: Vec<usize> = (0..self.blocks()).collect();
        let guards = self.read_all(&all, Timer::start(timeout))?;
        let mut data = Vec::with_capacity(self.rows * self.cols);
        for guard in &guards {
            data.extend_from_slice(guard.elements());
        }
        drop(guards);
        Ok(Matrix::from_vec(self.rows, self.cols, data).expect("the blocks hold every element"))
    }

    fn snapshot_blocks_with(
        &self,
        blocks: &[usize],
        timeout: Option<Duration>,
    ) -> Result<Vec<Matrix<T>>, LockError> {
        let mut order: Vec<usize> = blocks.to_vec();
        order.sort_unstable();
        order.dedup();
        for &block in &order {
            self.check_block(block);
        }
        let guards = self.read_all(&order, Timer::start(timeout))?;
        let position = |block: usize| order.binary_search(&block).expect("listed block");
        Ok(blocks
            .iter()
            .map(|&block| guards[position(block)].view().to_matrix())
            .collect())
    }

    /// Read guards of all of `blocks` (ascending, distinct), taken at one moment without
    /// holding any while waiting.
    fn read_all(
        &self,
        blocks: &[usize],
        timer: Option<Timer>,
    ) -> Result<Vec<ReadGuard<'_, T>>, LockError> {
        let Some(registry) = self.registry() else {
            return self.read_all_untracked(blocks, timer);
        };
        let me = tracker::current_thread();
        let request = tracker::Request::AllRead {
            blocks: blocks.iter().map(|&block| (self.id, block)).collect(),
        };
        registry
            .tracker()
            .acquire(request, me, guard::deadline(timer))
            .map_err(|refusal| guard::refused(self, refusal, Access::Read, timer))?;
        Ok(blocks
            .iter()
            .map(|&block| {
                let lock = guard::granted(self.lock_of(block).try_read());
                ReadGuard::new(self, block, Some(me), lock)
            })
            .collect())
    }

    /// [`read_all`](Self::read_all) without a tracker: every read lock at once or none;
    /// after a miss, release all, wait (holding nothing) until the missed block can be
    /// read, and start again.
    fn read_all_untracked(
        &self,
        blocks: &[usize],
        timer: Option<Timer>,
    ) -> Result<Vec<ReadGuard<'_, T>>, LockError> {
        loop {
            let mut guards = Vec::with_capacity(blocks.len());
            let mut missed = None;
            for &block in blocks {
                match self.lock_of(block).try_read() {
                    Some(lock) => guards.push(ReadGuard::new(self, block, None, lock)),
                    None => {
                        missed = Some(block);
                        break;
                    }
                }
            }
            let Some(block) = missed else {
                return Ok(guards);
            };
            drop(guards);
            let lock = self.lock_of(block);
            let free = match timer {
                None => Some(lock.read()),
                Some(timer) => timer.remaining().and_then(|left| lock.try_read_for(left)),
            };
            if free.is_none() {
                return Err(guard::timed_out(self, block, Access::Read, timer));
            }
        }
    }

    /// Changes one block with `f`, all-or-nothing.
    ///
    /// `f` gets the block as a `rows × cols` view (row 0 is the block's first row) and works
    /// on a copy, which replaces the block when `f` returns; if `f` panics, the block is
    /// unchanged and unlocked, and the panic goes on to the caller.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if waiting would close a cycle; [`LockError::AlreadyHeld`]
    /// if the calling thread holds the block. `f` is not called.
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`, or if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let old = m.update(1, |mut row| std::mem::replace(row.get_mut(0, 0).unwrap(), 0))?;
    /// assert_eq!(old, 3);
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [0, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn update<R>(
        &self,
        block: usize,
        f: impl FnOnce(MatMut<'_, T>) -> R,
    ) -> Result<R, LockError> {
        self.update_blocks_with(&[block], None, |views| f(views[0].rb_mut()))
    }

    /// [`update`](Self::update), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the block stays locked for `timeout`; the others as for
    /// [`update`](Self::update). `f` is not called.
    ///
    /// # Panics
    ///
    /// If `block >= blocks()`, or if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// m.update_for(0, Duration::from_millis(10), |mut row| row.get_mut(0, 1).map(|x| *x = 9))?;
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 9], [3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn update_for<R>(
        &self,
        block: usize,
        timeout: Duration,
        f: impl FnOnce(MatMut<'_, T>) -> R,
    ) -> Result<R, LockError> {
        self.update_blocks_with(&[block], Some(timeout), |views| f(views[0].rb_mut()))
    }

    /// Changes several blocks together with `f`, all-or-nothing.
    ///
    /// The blocks are locked for write in ascending order whatever the order of `blocks`
    /// (so two calls cannot deadlock with each other). `f` then gets one view per entry of
    /// `blocks`, in the order given, each over a copy of its block; when `f` returns, the
    /// copies replace the blocks. If the call fails, `f` is not called and every block
    /// taken is released; if `f` panics, no block changes, all are unlocked, and the panic
    /// goes on to the caller.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if a wait would close a cycle; [`LockError::AlreadyHeld`] if
    /// the calling thread holds one of the blocks.
    ///
    /// # Panics
    ///
    /// If a block is out of range or listed twice, or if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{matrix, sync::SharedMatrix};
    ///
    /// let m = SharedMatrix::new(matrix![[1, 1], [2, 2], [3, 3]], 1);
    /// // Move row 2 into row 0: both change, or neither.
    /// m.update_blocks(&[2, 0], |views| {
    ///     for j in 0..2 {
    ///         let moved = std::mem::replace(views[0].get_mut(0, j).unwrap(), 0);
    ///         *views[1].get_mut(0, j).unwrap() = moved;
    ///     }
    /// })?;
    /// assert_eq!(m.snapshot()?, matrix![[3, 3], [2, 2], [0, 0]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn update_blocks<R>(
        &self,
        blocks: &[usize],
        f: impl FnOnce(&mut [MatMut<'_, T>]) -> R,
    ) -> Result<R, LockError> {
        self.update_blocks_with(blocks, None, f)
    }

    /// [`update_blocks`](Self::update_blocks), giving up after `timeout` (for the whole
    /// call).
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the blocks are not all locked within `timeout`; the
    /// others as for [`update_blocks`](Self::update_blocks). `f` is not called.
    ///
    /// # Panics
    ///
    /// As for [`update_blocks`](Self::update_blocks).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{matrix, sync::SharedMatrix};
    /// use std::time::Duration;
    ///
    /// let m = SharedMatrix::new(matrix![[1, 1], [2, 2]], 1);
    /// m.update_blocks_for(&[1, 0], Duration::from_secs(1), |views| {
    ///     *views[0].get_mut(0, 0).unwrap() += *views[1].get_mut(0, 0).unwrap();
    /// })?;
    /// assert_eq!(m.snapshot()?, matrix![[1, 1], [3, 2]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn update_blocks_for<R>(
        &self,
        blocks: &[usize],
        timeout: Duration,
        f: impl FnOnce(&mut [MatMut<'_, T>]) -> R,
    ) -> Result<R, LockError> {
        self.update_blocks_with(blocks, Some(timeout), f)
    }

    fn update_blocks_with<R>(
        &self,
        blocks: &[usize],
        timeout: Option<Duration>,
        f: impl FnOnce(&mut [MatMut<'_, T>]) -> R,
    ) -> Result<R, LockError> {
        let mut order: Vec<usize> = blocks.to_vec();
        order.sort_unstable();
        for pair in order.windows(2) {
            assert!(
                pair[0] != pair[1],
                "update_blocks: block {} is listed twice",
                pair[0]
            );
        }
        for &block in &order {
            self.check_block(block);
        }
        let timer = Timer::start(timeout);
        let mut guards = order
            .iter()
            .map(|&block| guard::write(self, block, timer))
            .collect::<Result<Vec<_>, _>>()?;
        let position = |block: usize| order.binary_search(&block).expect("listed block");
        let mut staged: Vec<Vec<T>> = blocks
            .iter()
            .map(|&block| guards[position(block)].elements().to_vec())
            .collect();
        let result = {
            let mut views: Vec<MatMut<'_, T>> = staged
                .iter_mut()
                .zip(blocks)
                .map(|(buffer, &block)| {
                    MatMut::from_slice(buffer, self.block_range(block).len(), self.cols)
                        .expect("a block holds whole rows")
                })
                .collect();
            f(&mut views)
        };
        for (buffer, &block) in staged.iter_mut().zip(blocks) {
            std::mem::swap(guards[position(block)].buffer_mut(), buffer);
        }
        Ok(result)
    }

    /// `C[row0 .. row0 + partial.rows(), ..] += partial`, all-or-nothing.
    ///
    /// Locks the blocks of those rows for write, in ascending order, then adds. Integers
    /// wrap on overflow, as everywhere in the crate. With the primitive element types the
    /// addition cannot fail once the blocks are locked; with other types, whose `+` might
    /// panic, the sums are built on copies that replace the blocks only when all are done.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if a wait would close a cycle; nothing is added.
    ///
    /// # Panics
    ///
    /// If `partial.cols() != cols()` or the rows run past the end of the matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{matrix, sync::SharedMatrix};
    ///
    /// let c = SharedMatrix::new(matrix![[1i8, 1], [1, 1], [1, 1]], 1);
    /// c.accumulate(1, matrix![[10, 20], [127, 0]].view())?;
    /// assert_eq!(c.snapshot()?, matrix![[1, 1], [11, 21], [-128, 1]]); // wraps
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn accumulate(&self, row0: usize, partial: MatRef<'_, T>) -> Result<(), LockError> {
        self.accumulate_with(row0, partial, None)
    }

    /// [`accumulate`](Self::accumulate), giving up after `timeout` (for the whole call).
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the blocks are not all locked within `timeout`;
    /// [`LockError::Deadlock`] as for [`accumulate`](Self::accumulate). Either way nothing
    /// is added and every block taken is released.
    ///
    /// # Panics
    ///
    /// As for [`accumulate`](Self::accumulate).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{matrix, sync::SharedMatrix};
    /// use std::time::Duration;
    ///
    /// let c = SharedMatrix::new(matrix![[0.5, 0.5]], 1);
    /// c.accumulate_for(0, matrix![[1.0, 2.0]].view(), Duration::from_millis(10))?;
    /// assert_eq!(c.snapshot()?, matrix![[1.5, 2.5]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn accumulate_for(
        &self,
        row0: usize,
        partial: MatRef<'_, T>,
        timeout: Duration,
    ) -> Result<(), LockError> {
        self.accumulate_with(row0, partial, Some(timeout))
    }

    fn accumulate_with(
        &self,
        row0: usize,
        partial: MatRef<'_, T>,
        timeout: Option<Duration>,
    ) -> Result<(), LockError> {
        let end = row0.checked_add(partial.rows());
        assert!(
            partial.cols() == self.cols && end.is_some_and(|end| end <= self.rows),
            "accumulate: a {}×{} partial at row {row0} does not fit a {}×{} matrix",
            partial.rows(),
            partial.cols(),
            self.rows,
            self.cols
        );
        if partial.rows() == 0 {
            return Ok(());
        }
        let end = row0 + partial.rows();
        let timer = Timer::start(timeout);
        let first = self.block_of_row(row0);
        let last = self.block_of_row(end - 1);
        let mut guards = (first..=last)
            .map(|block| guard::write(self, block, timer))
            .collect::<Result<Vec<_>, _>>()?;
        // The part of `partial` that lands in each block, and where in the block it lands.
        let pieces = guards.iter().map(|guard| {
            let rows = guard.rows();
            let (lo, hi) = (rows.start.max(row0), rows.end.min(end));
            let source = partial.submatrix(lo - row0, 0, hi - lo, self.cols);
            let target = (lo - rows.start) * self.cols..(hi - rows.start) * self.cols;
            (source, target, hi - lo)
        });
        if ElementClass::of::<T>() == ElementClass::Generic {
            // A user type's `+` may panic: add on copies, publish them when all are done.
            let mut staged: Vec<Vec<T>> = Vec::with_capacity(guards.len());
            for (guard, (source, target, rows)) in guards.iter().zip(pieces) {
                let mut copy = guard.elements().to_vec();
                let view = MatMut::from_slice(&mut copy[target], rows, self.cols)
                    .expect("rows of the block");
                add_assign(view, source);
                staged.push(copy);
            }
            for (guard, copy) in guards.iter_mut().zip(&mut staged) {
                std::mem::swap(guard.buffer_mut(), copy);
            }
        } else {
            let pieces: Vec<_> = pieces.collect();
            for (guard, (source, target, rows)) in guards.iter_mut().zip(pieces) {
                let view = MatMut::from_slice(&mut guard.elements_mut()[target], rows, self.cols)
                    .expect("rows of the block");
                add_assign(view, source);
            }
        }
        Ok(())
    }
}

impl<T> Drop for SharedMatrix<T> {
    fn drop(&mut self) {
        if let Some(registry) = &self.registry {
            registry.tracker().forget_matrix(self.id);
        }
    }
}

impl<T> fmt::Debug for SharedMatrix<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedMatrix")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("block_rows", &self.block_rows)
            .field("blocks", &self.blocks.len())
            .field("tracked", &self.registry.is_some())
            .finish()
    }
}
