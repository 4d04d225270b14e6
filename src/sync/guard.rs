//! Read and write guards, and the one acquisition routine behind every lock the module
//! takes: fast try, then a timed wait in slices, searching the wait-for graph at the start
//! of the wait and after every slice.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

use super::SharedMatrix;
use super::error::{Access, LockError};
use super::tracker::current_thread;
use crate::matrix::{MatMut, MatRef};

/// The lock timer of one call: its timeout and the instant it runs out.
#[derive(Clone, Copy)]
pub(crate) struct Timer {
    timeout: Duration,
    deadline: Option<Instant>,
}

impl Timer {
    /// A timer for `timeout`, or none. A timeout too long to represent never runs out.
    pub(crate) fn start(timeout: Option<Duration>) -> Option<Timer> {
        timeout.map(|timeout| Timer {
            timeout,
            deadline: Instant::now().checked_add(timeout),
        })
    }

    /// Time left, or `None` when the timer has run out.
    fn remaining(&self) -> Option<Duration> {
        match self.deadline {
            None => Some(Duration::MAX),
            Some(deadline) => deadline
                .checked_duration_since(Instant::now())
                .filter(|left| !left.is_zero()),
        }
    }
}

/// Takes `block` of `matrix` with `access`: at once if it is free; otherwise waits, within
/// the timer if there is one, and (for a tracked matrix) refuses a wait that closes a cycle.
/// Returns the lock and, for a tracked matrix, the thread recorded as holding it.
fn acquire<T, G>(
    matrix: &SharedMatrix<T>,
    block: usize,
    access: Access,
    timer: Option<Timer>,
    try_now: impl Fn() -> Option<G>,
    try_for: impl Fn(Duration) -> Option<G>,
    wait: impl FnOnce() -> G,
) -> Result<(G, Option<ThreadId>), LockError> {
    let timeout_error = |timer: Timer| LockError::Timeout {
        block: matrix.block_id(block),
        access,
        timeout: timer.timeout,
    };
    let Some(registry) = matrix.registry() else {
        let lock = match timer {
            None => wait(),
            Some(timer) => try_now()
                .or_else(|| timer.remaining().and_then(&try_for))
                .ok_or_else(|| timeout_error(timer))?,
        };
        return Ok((lock, None));
    };

    let tracker = registry.tracker();
    let me = current_thread();
    let key = (matrix.id(), block);
    if let Some(lock) = try_now() {
        tracker.acquired(key, access, me);
        return Ok((lock, Some(me)));
    }
    tracker
        .begin_wait(key, access, me)
        .map_err(|cycle| LockError::Deadlock { cycle })?;
    loop {
        let slice = match timer {
            None => tracker.check_interval(),
            Some(timer) => match timer.remaining() {
                Some(left) => left.min(tracker.check_interval()),
                None => {
                    tracker.end_wait(me);
                    return Err(timeout_error(timer));
                }
            },
        };
        if let Some(lock) = try_for(slice) {
            tracker.acquired(key, access, me);
            return Ok((lock, Some(me)));
        }
        tracker
            .check_wait(me)
            .map_err(|cycle| LockError::Deadlock { cycle })?;
    }
}

/// Makes a guard neither `Send` nor dependent on parking_lot's features for that: a lock is
/// released by the thread that took it, which is the thread the tracker recorded.
type NotSend = PhantomData<std::sync::MutexGuard<'static, ()>>;

/// Shared (read) access to one block of a [`SharedMatrix`]; the lock is released when the
/// guard is dropped.
///
/// Any number of threads hold read guards on one block at once. A guard stays on the
/// thread that took it (it is not `Send`).
///
/// # Examples
///
/// ```
/// use parmat::{matrix, sync::SharedMatrix};
///
/// let m = SharedMatrix::new(matrix![[1, 2], [3, 4], [5, 6]], 2);
/// let first = m.read(0)?;
/// let again = m.read(0)?;                 // readers never block readers
/// assert_eq!(first.view().to_matrix(), matrix![[1, 2], [3, 4]]);
/// assert_eq!(again.rows(), 0..2);
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
pub struct ReadGuard<'m, T> {
    matrix: &'m SharedMatrix<T>,
    block: usize,
    owner: Option<ThreadId>,
    lock: RwLockReadGuard<'m, Vec<T>>,
    _not_send: NotSend,
}

/// Exclusive (write) access to one block of a [`SharedMatrix`]; the lock is released when
/// the guard is dropped.
///
/// Changes made through the guard are in the matrix as they are made: if code panics while
/// it holds a guard, the lock is released and the changes made so far stay. For
/// all-or-nothing changes use [`SharedMatrix::update_blocks`] or a
/// [`LockSet`](super::LockSet).
///
/// # Examples
///
/// ```
/// use parmat::{matrix, sync::SharedMatrix};
///
/// let m = SharedMatrix::new(matrix![[1, 2], [3, 4]], 1);
/// {
///     let mut row1 = m.write(1)?;
///     row1.as_mut_slice()[0] = 30;
/// }
/// assert_eq!(m.snapshot()?, matrix![[1, 2], [30, 4]]);
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
pub struct WriteGuard<'m, T> {
    matrix: &'m SharedMatrix<T>,
    block: usize,
    owner: Option<ThreadId>,
    lock: RwLockWriteGuard<'m, Vec<T>>,
    _not_send: NotSend,
}

pub(crate) fn read<'m, T>(
    matrix: &'m SharedMatrix<T>,
    block: usize,
    timer: Option<Timer>,
) -> Result<ReadGuard<'m, T>, LockError> {
    let lock = matrix.lock_of(block);
    let (lock, owner) = acquire(
        matrix,
        block,
        Access::Read,
        timer,
        || lock.try_read(),
        |slice| lock.try_read_for(slice),
        || lock.read(),
    )?;
    Ok(ReadGuard {
        matrix,
        block,
        owner,
        lock,
        _not_send: PhantomData,
    })
}

pub(crate) fn write<'m, T>(
    matrix: &'m SharedMatrix<T>,
    block: usize,
    timer: Option<Timer>,
) -> Result<WriteGuard<'m, T>, LockError> {
    let lock = matrix.lock_of(block);
    let (lock, owner) = acquire(
        matrix,
        block,
        Access::Write,
        timer,
        || lock.try_write(),
        |slice| lock.try_write_for(slice),
        || lock.write(),
    )?;
    Ok(WriteGuard {
        matrix,
        block,
        owner,
        lock,
        _not_send: PhantomData,
    })
}

/// Takes `block` for read only if that is possible at once.
pub(crate) fn try_read<'m, T>(
    matrix: &'m SharedMatrix<T>,
    block: usize,
) -> Option<ReadGuard<'m, T>> {
    let lock = matrix.lock_of(block).try_read()?;
    let owner = matrix.registry().map(|registry| {
        let me = current_thread();
        registry
            .tracker()
            .acquired((matrix.id(), block), Access::Read, me);
        me
    });
    Some(ReadGuard {
        matrix,
        block,
        owner,
        lock,
        _not_send: PhantomData,
    })
}

/// Takes `block` for write only if that is possible at once.
pub(crate) fn try_write<'m, T>(
    matrix: &'m SharedMatrix<T>,
    block: usize,
) -> Option<WriteGuard<'m, T>> {
    let lock = matrix.lock_of(block).try_write()?;
    let owner = matrix.registry().map(|registry| {
        let me = current_thread();
        registry
            .tracker()
            .acquired((matrix.id(), block), Access::Write, me);
        me
    });
    Some(WriteGuard {
        matrix,
        block,
        owner,
        lock,
        _not_send: PhantomData,
    })
}

impl<'m, T> ReadGuard<'m, T> {
    /// The block's index.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(4, 2), 2);
    /// assert_eq!(m.read(1)?.block(), 1);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn block(&self) -> usize {
        self.block
    }

    /// The matrix rows the block holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(5, 2), 2);
    /// assert_eq!(m.read(2)?.rows(), 4..5); // the last block may be shorter
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn rows(&self) -> Range<usize> {
        self.matrix.block_range(self.block)
    }

    /// The block as a `rows().len() × cols` view (row 0 of the view is the block's first
    /// row).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.read(1)?.view()[(0, 1)], 4);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef::from_slice(&self.lock, self.rows().len(), self.matrix.cols())
            .expect("a block holds whole rows")
    }

    /// The block's elements, row-major.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.read(0)?.as_slice(), &[1, 2]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.lock
    }

    pub(crate) fn matrix(&self) -> &'m SharedMatrix<T> {
        self.matrix
    }
}

impl<'m, T> WriteGuard<'m, T> {
    /// The block's index.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(4, 2), 2);
    /// assert_eq!(m.write(1)?.block(), 1);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn block(&self) -> usize {
        self.block
    }

    /// The matrix rows the block holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(4, 2), 2);
    /// assert_eq!(m.write(1)?.rows(), 2..4);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn rows(&self) -> Range<usize> {
        self.matrix.block_range(self.block)
    }

    /// The block as a `rows().len() × cols` view.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.write(1)?.view()[(0, 0)], 3);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef::from_slice(&self.lock, self.rows().len(), self.matrix.cols())
            .expect("a block holds whole rows")
    }

    /// The block as a mutable `rows().len() × cols` view.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// *m.write(0)?.view_mut().get_mut(0, 1).unwrap() = 20;
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 20], [3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        let rows = self.rows().len();
        let cols = self.matrix.cols();
        MatMut::from_slice(&mut self.lock, rows, cols).expect("a block holds whole rows")
    }

    /// The block's elements, row-major.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// assert_eq!(m.write(1)?.as_slice(), &[3, 4]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.lock
    }

    /// The block's elements, row-major, mutable.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// m.write(1)?.as_mut_slice().fill(0);
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [0, 0]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.lock
    }

    /// The block's buffer itself, to swap a staged copy in.
    pub(crate) fn buffer_mut(&mut self) -> &mut Vec<T> {
        &mut self.lock
    }

    pub(crate) fn matrix(&self) -> &'m SharedMatrix<T> {
        self.matrix
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // The record goes first, then (as the field drops) the lock: the graph never names
        // a holder of a lock that another thread already holds.
        if let (Some(owner), Some(registry)) = (self.owner, self.matrix.registry()) {
            registry
                .tracker()
                .released((self.matrix.id(), self.block), Access::Read, owner);
        }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        if let (Some(owner), Some(registry)) = (self.owner, self.matrix.registry()) {
            registry
                .tracker()
                .released((self.matrix.id(), self.block), Access::Write, owner);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadGuard")
            .field("matrix", &self.matrix.id())
            .field("block", &self.block)
            .field("data", &self.view())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for WriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteGuard")
            .field("matrix", &self.matrix.id())
            .field("block", &self.block)
            .field("data", &self.view())
            .finish()
    }
}
