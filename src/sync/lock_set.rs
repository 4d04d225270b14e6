//! [`LockSet`]: blocks of one or several matrices taken one by one in the caller's order,
//! changed together, committed all at once.

use std::fmt;
use std::time::Duration;

use super::SharedMatrix;
use super::error::{Access, LockError};
use super::guard::{self, ReadGuard, Timer, WriteGuard};
use crate::element::Element;

/// Blocks of one or several [`SharedMatrix`] values, taken one at a time in the caller's
/// order and changed as one transaction.
///
/// The crate's own multi-block operations take blocks in one canonical order and so cannot
/// deadlock. A `LockSet` is for the cases where the order is the program's: a transfer from
/// `X` to `Y` on one thread and from `Y` to `X` on another, philosophers taking their left
/// fork first. Two such threads can deadlock; the tracker of the matrices'
/// [`Registry`](super::Registry) sees the cycle and refuses one request with
/// [`LockError::Deadlock`].
///
/// - [`read`](Self::read) / [`write`](Self::write) (and their `…_for(timeout)` forms) add a
///   block to the set. **When one fails, the set releases every block it holds and drops
///   its changes**, so the other threads of a deadlock go on; the set is empty and can be
///   used for a retry.
/// - [`block_mut`](Self::block_mut) gives a block to change — a copy, made on first use.
/// - [`commit`](Self::commit) puts every changed copy in place and releases the blocks.
///   Dropping the set (or [`abort`](Self::abort)) releases them with no change, and so does
///   a panic while the set is alive: the matrices see all of a transaction or none of it.
///
/// All matrices of one set have the same element type. Deadlocks are detected when the
/// matrices share a registry (the process-wide one unless chosen otherwise); give the
/// acquisitions timeouts when they do not.
///
/// # Examples
///
/// ```
/// use parmat::{matrix, sync::{LockSet, SharedMatrix}};
///
/// let x = SharedMatrix::new(matrix![[1, 2], [3, 4]], 1);
/// let y = SharedMatrix::new(matrix![[0, 0], [0, 0]], 1);
/// let mut set = LockSet::new();
/// set.read(&x, 1)?;
/// set.write(&y, 0)?;
/// let row: Vec<i32> = set.block(&x, 1).unwrap().to_vec();
/// set.block_mut(&y, 0).unwrap().copy_from_slice(&row);
/// set.commit();
/// assert_eq!(y.snapshot()?, matrix![[3, 4], [0, 0]]);
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
pub struct LockSet<'m, T> {
    entries: Vec<Entry<'m, T>>,
}

enum Entry<'m, T> {
    Read(ReadGuard<'m, T>),
    Write {
        guard: WriteGuard<'m, T>,
        /// The changed copy, made on the first `block_mut`.
        staged: Option<Vec<T>>,
    },
}

impl<'m, T> Entry<'m, T> {
    fn matrix(&self) -> &'m SharedMatrix<T> {
        match self {
            Entry::Read(guard) => guard.matrix(),
            Entry::Write { guard, .. } => guard.matrix(),
        }
    }

    fn block(&self) -> usize {
        match self {
            Entry::Read(guard) => guard.block(),
            Entry::Write { guard, .. } => guard.block(),
        }
    }

    fn access(&self) -> Access {
        match self {
            Entry::Read(_) => Access::Read,
            Entry::Write { .. } => Access::Write,
        }
    }

    fn is(&self, matrix: &SharedMatrix<T>, block: usize) -> bool {
        self.matrix().id() == matrix.id() && self.block() == block
    }
}

impl<'m, T: Element> LockSet<'m, T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set = parmat::sync::LockSet::<f64>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        LockSet {
            entries: Vec::new(),
        }
    }

    /// Adds `block` of `matrix` for shared access, waiting as long as it takes.
    ///
    /// Nothing happens if the set already holds the block.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if waiting would close a cycle. The set then releases all its
    /// blocks and drops its changes.
    ///
    /// # Panics
    ///
    /// If `block >= matrix.blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.read(&m, 0)?;
    /// assert_eq!(set.block(&m, 0), Some(&[1, 2][..]));
    /// assert!(m.try_read(0).is_some()); // others may read too
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn read(&mut self, matrix: &'m SharedMatrix<T>, block: usize) -> Result<(), LockError> {
        self.add(matrix, block, Access::Read, None)
    }

    /// [`read`](Self::read), waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the block stays locked for write for `timeout`;
    /// [`LockError::Deadlock`] as for [`read`](Self::read). Either way the set releases all
    /// its blocks and drops its changes.
    ///
    /// # Panics
    ///
    /// If `block >= matrix.blocks()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.read_for(&m, 1, Duration::from_millis(10))?;
    /// assert_eq!(set.len(), 1);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn read_for(
        &mut self,
        matrix: &'m SharedMatrix<T>,
        block: usize,
        timeout: Duration,
    ) -> Result<(), LockError> {
        self.add(matrix, block, Access::Read, Some(timeout))
    }

    /// Adds `block` of `matrix` for exclusive access, waiting as long as it takes.
    ///
    /// Nothing happens if the set already holds the block for write.
    ///
    /// # Errors
    ///
    /// [`LockError::Deadlock`] if waiting would close a cycle. The set then releases all its
    /// blocks and drops its changes.
    ///
    /// # Panics
    ///
    /// If `block >= matrix.blocks()`, or if the set holds the block for read (a read lock
    /// cannot be upgraded: take the block for write in the first place).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 1)?;
    /// assert!(m.try_read(1).is_none()); // exclusive
    /// set.block_mut(&m, 1).unwrap()[0] = 0;
    /// set.commit();
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [0, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn write(&mut self, matrix: &'m SharedMatrix<T>, block: usize) -> Result<(), LockError> {
        self.add(matrix, block, Access::Write, None)
    }

    /// [`write`](Self::write), waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] if the block stays locked for `timeout`;
    /// [`LockError::Deadlock`] as for [`write`](Self::write). Either way the set releases
    /// all its blocks and drops its changes.
    ///
    /// # Panics
    ///
    /// As for [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::sync::{LockError, LockSet, SharedMatrix};
    /// use std::time::Duration;
    ///
    /// let m = SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let reader = m.read(1)?;
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         let mut set = LockSet::new();
    ///         set.write(&m, 0).unwrap();
    ///         let err = set.write_for(&m, 1, Duration::from_millis(5)).unwrap_err();
    ///         assert!(matches!(err, LockError::Timeout { .. }));
    ///         assert!(set.is_empty()); // block 0 was released too
    ///     });
    /// });
    /// # Ok::<(), LockError>(())
    /// ```
    pub fn write_for(
        &mut self,
        matrix: &'m SharedMatrix<T>,
        block: usize,
        timeout: Duration,
    ) -> Result<(), LockError> {
        self.add(matrix, block, Access::Write, Some(timeout))
    }

    fn add(
        &mut self,
        matrix: &'m SharedMatrix<T>,
        block: usize,
        access: Access,
        timeout: Option<Duration>,
    ) -> Result<(), LockError> {
        assert!(
            block < matrix.blocks(),
            "block {block} is out of range: the matrix has {} blocks",
            matrix.blocks()
        );
        if let Some(entry) = self.entries.iter().find(|e| e.is(matrix, block)) {
            assert!(
                !(entry.access() == Access::Read && access == Access::Write),
                "LockSet: block {block} is held for read and cannot be upgraded to write; \
                 take it for write in the first place"
            );
            return Ok(());
        }
        let timer = Timer::start(timeout);
        let entry = match access {
            Access::Read => guard::read(matrix, block, timer).map(Entry::Read),
            Access::Write => guard::write(matrix, block, timer).map(|guard| Entry::Write {
                guard,
                staged: None,
            }),
        };
        match entry {
            Ok(entry) => {
                self.entries.push(entry);
                Ok(())
            }
            Err(error) => {
                self.abort();
                Err(error)
            }
        }
    }

    /// How the set holds `block` of `matrix`, if it does.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::sync::{Access, LockSet, SharedMatrix};
    ///
    /// let m = SharedMatrix::new(parmat::Matrix::<u8>::zeros(2, 2), 1);
    /// let mut set = LockSet::new();
    /// set.write(&m, 1)?;
    /// assert_eq!(set.access(&m, 1), Some(Access::Write));
    /// assert_eq!(set.access(&m, 0), None);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn access(&self, matrix: &SharedMatrix<T>, block: usize) -> Option<Access> {
        self.entries
            .iter()
            .find(|e| e.is(matrix, block))
            .map(Entry::access)
    }

    /// The elements of a block the set holds (row-major; the set's changed copy, if any),
    /// or `None` if it does not hold the block.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 0)?;
    /// set.block_mut(&m, 0).unwrap()[1] = 5;
    /// assert_eq!(set.block(&m, 0), Some(&[1, 5][..]));
    /// assert_eq!(set.block(&m, 1), None);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn block(&self, matrix: &SharedMatrix<T>, block: usize) -> Option<&[T]> {
        self.entries
            .iter()
            .find(|e| e.is(matrix, block))
            .map(|entry| match entry {
                Entry::Read(guard) => guard.as_slice(),
                Entry::Write {
                    staged: Some(copy), ..
                } => copy.as_slice(),
                Entry::Write { guard, .. } => guard.as_slice(),
            })
    }

    /// The elements of a block the set holds for write, to change (row-major), or `None`
    /// if it does not hold the block for write.
    ///
    /// The changes go to a copy of the block (made on the first call), which replaces the
    /// block on [`commit`](Self::commit) and is dropped otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 1)?;
    /// set.block_mut(&m, 1).unwrap().fill(0);
    /// drop(set); // no commit: no change
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn block_mut(&mut self, matrix: &SharedMatrix<T>, block: usize) -> Option<&mut [T]> {
        match self.entries.iter_mut().find(|e| e.is(matrix, block))? {
            Entry::Read(_) => None,
            Entry::Write { guard, staged } => {
                Some(staged.get_or_insert_with(|| guard.as_slice().to_vec()))
            }
        }
    }

    /// Number of blocks in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(2, 2), 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.read(&m, 0)?;
    /// set.read(&m, 0)?; // already held
    /// assert_eq!(set.len(), 1);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no block.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::sync::LockSet::<i32>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Puts every changed block in place and releases all blocks.
    ///
    /// Cannot fail: every block is already locked, and putting a copy in place is a swap.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 0)?;
    /// set.write(&m, 1)?;
    /// set.block_mut(&m, 0).unwrap().swap(0, 1);
    /// set.block_mut(&m, 1).unwrap().swap(0, 1);
    /// set.commit();
    /// assert_eq!(m.snapshot()?, parmat::matrix![[2, 1], [4, 3]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn commit(mut self) {
        for entry in &mut self.entries {
            if let Entry::Write {
                guard,
                staged: Some(copy),
            } = entry
            {
                std::mem::swap(guard.buffer_mut(), copy);
            }
        }
        self.entries.clear();
    }

    /// Releases every block with no change; the set is empty afterwards. Dropping the set
    /// does the same.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::Matrix::<u8>::zeros(2, 2), 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 0)?;
    /// set.abort();
    /// assert!(set.is_empty());
    /// assert!(m.try_write(0).is_some());
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn abort(&mut self) {
        self.entries.clear();
    }
}

impl<T: Element> Default for LockSet<'_, T> {
    /// Same as [`LockSet::new`].
    fn default() -> Self {
        LockSet::new()
    }
}

impl<T> fmt::Debug for LockSet<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for entry in &self.entries {
            list.entry(&format_args!(
                "{} block {} ({}{})",
                entry.matrix().id(),
                entry.block(),
                entry.access(),
                match entry {
                    Entry::Write {
                        staged: Some(_), ..
                    } => ", changed",
                    _ => "",
                }
            ));
        }
        list.finish()
    }
}
