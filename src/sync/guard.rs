//! Read and write guards, and how every lock of the module is taken: through the tracker
//! for a tracked matrix (which decides, and only then the block's lock is taken, at once),
//! with the lock's own timed wait for an untracked one.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use parking_lot::{RwLockReadGuard, RwLockWriteGuard};

use super::SharedMatrix;
use super::error::{Access, LockError};
use super::tracker::{Refusal, Request, current_thread};
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
    pub(crate) fn remaining(&self) -> Option<Duration> {
        match self.deadline {
            None => Some(Duration::MAX),
            Some(deadline) => deadline
                .checked_duration_since(Instant::now())
                .filter(|left| !left.is_zero()),
        }
    }
}

/// The instant `timer` runs out, if it ever does.
pub(crate) fn deadline(timer: Option<Timer>) -> Option<Instant> {
    timer.and_then(|timer| timer.deadline)
}

/// The error for a refusal of `access` to a block of `matrix`.
pub(crate) fn refused<T>(
    matrix: &SharedMatrix<T>,
    refusal: Refusal,
    access: Access,
    timer: Option<Timer>,
) -> LockError {
    match refusal {
        Refusal::AlreadyHeld { block, held } => LockError::AlreadyHeld {
            block: matrix.block_id(block.1),
            held,
            requested: access,
        },
        Refusal::Deadlock(cycle) => LockError::Deadlock { cycle },
        Refusal::Timeout { block } => timed_out(matrix, block.1, access, timer),
        Refusal::WouldBlock { block } => LockError::WouldBlock {
            block: matrix.block_id(block.1),
            access,
        },
    }
}

pub(crate) fn timed_out<T>(
    matrix: &SharedMatrix<T>,
    block: usize,
    access: Access,
    timer: Option<Timer>,
) -> LockError {
    LockError::Timeout {
        block: matrix.block_id(block),
        access,
        timeout: timer.map_or(Duration::MAX, |timer| timer.timeout),
    }
}

/// Takes `block` of `matrix` with `access`, as the tracker grants it or (untracked) as the
/// lock itself does: `now` takes the lock if it is free, `within` waits for it at most the
/// given time, `wait` as long as it takes. Returns the lock and the thread the tracker
/// recorded as holding it.
fn acquire<T, G>(
    matrix: &SharedMatrix<T>,
    block: usize,
    access: Access,
    timer: Option<Timer>,
    now: impl Fn() -> Option<G>,
    within: impl Fn(Duration) -> Option<G>,
    wait: impl FnOnce() -> G,
) -> Result<(G, Option<ThreadId>), LockError> {
    let Some(registry) = matrix.registry() else {
        let lock = match timer {
            None => wait(),
            Some(timer) => now()
                .or_else(|| timer.remaining().and_then(&within))
                .ok_or_else(|| timed_out(matrix, block, access, Some(timer)))?,
        };
        return Ok((lock, None));
    };
    let me = current_thread();
    let request = Request::One {
        block: (matrix.id(), block),
        access,
    };
    registry
        .tracker()
        .acquire(request, me, deadline(timer))
        .map_err(|refusal| refused(matrix, refusal, access, timer))?;
    Ok((granted(now()), Some(me)))
}

/// The block lock of a request the tracker has just granted. Nobody else can hold it in a
/// conflicting way: other holders release the lock before they tell the tracker.
pub(crate) fn granted<G>(lock: Option<G>) -> G {
    lock.expect("the tracker granted this block, so its lock is free")
}

/// Takes `block` with `access` only if nothing stands in the way now.
fn try_acquire<T, G>(
    matrix: &SharedMatrix<T>,
    block: usize,
    access: Access,
    now: impl Fn() -> Option<G>,
) -> Result<(G, Option<ThreadId>), LockError> {
    let Some(registry) = matrix.registry() else {
        let lock = now().ok_or_else(|| LockError::WouldBlock {
            block: matrix.block_id(block),
            access,
        })?;
        return Ok((lock, None));
    };
    let me = current_thread();
    registry
        .tracker()
        .try_acquire((matrix.id(), block), access, me)
        .map_err(|refusal| refused(matrix, refusal, access, None))?;
    Ok((granted(now()), Some(me)))
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
    /// Always `Some` until the guard drops, which unlocks it before telling the tracker.
    lock: Option<RwLockReadGuard<'m, Vec<T>>>,
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
///     *row1.get_mut(1, 0).unwrap() = 30; // (row, column) of the whole matrix
/// }
/// assert_eq!(m.snapshot()?, matrix![[1, 2], [30, 4]]);
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
pub struct WriteGuard<'m, T> {
    matrix: &'m SharedMatrix<T>,
    block: usize,
    owner: Option<ThreadId>,
    /// Always `Some` until the guard drops, which unlocks it before telling the tracker.
    lock: Option<RwLockWriteGuard<'m, Vec<T>>>,
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
        |left| lock.try_read_for(left),
        || lock.read(),
    )?;
    Ok(ReadGuard::new(matrix, block, owner, lock))
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
        |left| lock.try_write_for(left),
        || lock.write(),
    )?;
    Ok(WriteGuard::new(matrix, block, owner, lock))
}

/// Takes `block` for read only if that is possible at once.
pub(crate) fn try_read<'m, T>(
    matrix: &'m SharedMatrix<T>,
    block: usize,
) -> Result<ReadGuard<'m, T>, LockError> {
    let lock = matrix.lock_of(block);
    let (lock, owner) = try_acquire(matrix, block, Access::Read, || lock.try_read())?;
    Ok(ReadGuard::new(matrix, block, owner, lock))
}

/// Takes `block` for write only if that is possible at once.
pub(crate) fn try_write<'m, T>(
    matrix: &'m SharedMatrix<T>,
    block: usize,
) -> Result<WriteGuard<'m, T>, LockError> {
    let lock = matrix.lock_of(block);
    let (lock, owner) = try_acquire(matrix, block, Access::Write, || lock.try_write())?;
    Ok(WriteGuard::new(matrix, block, owner, lock))
}

/// The element at (`row`, `col`) of the whole matrix in the row-major `data` of `block`,
/// if the block holds that row and `col` is in range.
pub(crate) fn cell_index<T>(
    matrix: &SharedMatrix<T>,
    block: usize,
    row: usize,
    col: usize,
) -> Option<usize> {
    let rows = matrix.block_range(block);
    (rows.contains(&row) && col < matrix.cols()).then(|| (row - rows.start) * matrix.cols() + col)
}

impl<'m, T> ReadGuard<'m, T> {
    pub(crate) fn new(
        matrix: &'m SharedMatrix<T>,
        block: usize,
        owner: Option<ThreadId>,
        lock: RwLockReadGuard<'m, Vec<T>>,
    ) -> Self {
        ReadGuard {
            matrix,
            block,
            owner,
            lock: Some(lock),
            _not_send: PhantomData,
        }
    }

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
        MatRef::from_slice(self.elements(), self.rows().len(), self.matrix.cols())
            .expect("a block holds whole rows")
    }

    /// The element at (`row`, `col`) of the **whole matrix**, or `None` if the block does
    /// not hold that row or `col` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4], [5, 6]], 2);
    /// let last = m.read(1)?;             // block 1 holds row 2
    /// assert_eq!(last.get(2, 1), Some(&6));
    /// assert_eq!(last.get(0, 1), None);  // row 0 is in block 0
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn get(&self, row: usize, col: usize) -> Option<&T> {
        let at = cell_index(self.matrix, self.block, row, col)?;
        self.elements().get(at)
    }

    /// The block's elements, row-major.
    pub(crate) fn elements(&self) -> &[T] {
        self.lock.as_deref().expect("the guard holds its lock")
    }

    pub(crate) fn matrix(&self) -> &'m SharedMatrix<T> {
        self.matrix
    }
}

impl<'m, T> WriteGuard<'m, T> {
    pub(crate) fn new(
        matrix: &'m SharedMatrix<T>,
        block: usize,
        owner: Option<ThreadId>,
        lock: RwLockWriteGuard<'m, Vec<T>>,
    ) -> Self {
        WriteGuard {
            matrix,
            block,
            owner,
            lock: Some(lock),
            _not_send: PhantomData,
        }
    }

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
        MatRef::from_slice(self.elements(), self.rows().len(), self.matrix.cols())
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
        MatMut::from_slice(self.elements_mut(), rows, cols).expect("a block holds whole rows")
    }

    /// The element at (`row`, `col`) of the **whole matrix**, or `None` if the block does
    /// not hold that row or `col` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4], [5, 6]], 2);
    /// assert_eq!(m.write(1)?.get(2, 0), Some(&5));
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn get(&self, row: usize, col: usize) -> Option<&T> {
        let at = cell_index(self.matrix, self.block, row, col)?;
        self.elements().get(at)
    }

    /// The element at (`row`, `col`) of the **whole matrix**, mutable, or `None` if the
    /// block does not hold that row or `col` is out of range. The change is in the matrix
    /// at once (a guard writes in place).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4], [5, 6]], 2);
    /// *m.write(1)?.get_mut(2, 1).unwrap() = 60;
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [3, 4], [5, 60]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn get_mut(&mut self, row: usize, col: usize) -> Option<&mut T> {
        let at = cell_index(self.matrix, self.block, row, col)?;
        self.elements_mut().get_mut(at)
    }

    /// The block's elements, row-major.
    pub(crate) fn elements(&self) -> &[T] {
        self.lock.as_deref().expect("the guard holds its lock")
    }

    /// The block's elements, row-major, mutable.
    pub(crate) fn elements_mut(&mut self) -> &mut [T] {
        self.buffer_mut()
    }

    /// The block's buffer itself, to swap a staged copy in.
    pub(crate) fn buffer_mut(&mut self) -> &mut Vec<T> {
        self.lock.as_deref_mut().expect("the guard holds its lock")
    }

    pub(crate) fn matrix(&self) -> &'m SharedMatrix<T> {
        self.matrix
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // The lock goes first, then the record: when the tracker grants the block to
        // another thread, its lock is free.
        drop(self.lock.take());
        if let (Some(owner), Some(registry)) = (self.owner, self.matrix.registry()) {
            registry
                .tracker()
                .release((self.matrix.id(), self.block), Access::Read, owner);
        }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.lock.take());
        if let (Some(owner), Some(registry)) = (self.owner, self.matrix.registry()) {
            registry
                .tracker()
                .release((self.matrix.id(), self.block), Access::Write, owner);
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
