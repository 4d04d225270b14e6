//! [`LockSet`]: blocks of one or several matrices taken one by one in the caller's order,
//! changed together, committed all at once.

use std::fmt;
use std::time::Duration;

use super::SharedMatrix;
use super::error::{Access, LockError};
use super::guard::{self, ReadGuard, Timer, WriteGuard};
use crate::element::Element;
use crate::matrix::{MatMut, MatRef};

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
/// - [`view_mut`](Self::view_mut) and [`get_mut`](Self::get_mut) give a block, or one
///   element by its (row, column) in the whole matrix, to change — on a copy of the block,
///   made on first use.
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
/// for j in 0..2 {
///     let value = *set.get(&x, 1, j).unwrap(); // (row, column) of the whole matrix
///     *set.get_mut(&y, 0, j).unwrap() = value;
/// }
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
        /// The changed copy, made on the first `view_mut` or `get_mut`.
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
    /// [`LockError::Deadlock`] if waiting would close a cycle; [`LockError::AlreadyHeld`]
    /// if the calling thread holds the block for write outside the set (through a guard).
    /// The set then releases all its blocks and drops its changes.
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
    /// assert_eq!(set.get(&m, 0, 1), Some(&2));
    /// assert!(m.try_read(0).is_ok()); // others may read too
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
    /// the others as for [`read`](Self::read). Whatever the error, the set releases all its
    /// blocks and drops its changes.
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
    /// [`LockError::Deadlock`] if waiting would close a cycle; [`LockError::AlreadyHeld`]
    /// if the calling thread holds the block already — for read in this set (a read lock is
    /// not upgraded: take the block for write in the first place), or through a guard. The
    /// set then releases all its blocks and drops its changes, as for any error.
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
    /// set.write(&m, 1)?;
    /// assert!(m.try_read(1).is_err()); // exclusive
    /// *set.get_mut(&m, 1, 0).unwrap() = 0;
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
    /// [`LockError::Timeout`] if the block stays locked for `timeout`; the others as for
    /// [`write`](Self::write). Whatever the error, the set releases all its blocks and
    /// drops its changes.
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
            if entry.access() == Access::Read && access == Access::Write {
                self.abort();
                return Err(LockError::AlreadyHeld {
                    block: matrix.block_id(block),
                    held: Access::Read,
                    requested: Access::Write,
                });
            }
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

    /// A block the set holds, as a `block_range(block).len() × cols` view (the set's
    /// changed copy, if any), or `None` if it does not hold the block.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 0)?;
    /// *set.get_mut(&m, 0, 1).unwrap() = 5;
    /// assert_eq!(set.view(&m, 0).unwrap().to_matrix(), parmat::matrix![[1, 5]]);
    /// assert!(set.view(&m, 1).is_none());
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn view(&self, matrix: &SharedMatrix<T>, block: usize) -> Option<MatRef<'_, T>> {
        let elements = self.elements(matrix, block)?;
        Some(
            MatRef::from_slice(elements, matrix.block_range(block).len(), matrix.cols())
                .expect("a block holds whole rows"),
        )
    }

    /// A block the set holds for write, as a view to change, or `None` if it does not hold
    /// the block for write.
    ///
    /// The changes go to a copy of the block (made on first use), which replaces the block
    /// on [`commit`](Self::commit) and is dropped otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4]], 1);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 1)?;
    /// *set.view_mut(&m, 1).unwrap().get_mut(0, 0).unwrap() = 0;
    /// drop(set); // no commit: no change
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [3, 4]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn view_mut(&mut self, matrix: &SharedMatrix<T>, block: usize) -> Option<MatMut<'_, T>> {
        let elements = self.elements_mut(matrix, block)?;
        Some(
            MatMut::from_slice(elements, matrix.block_range(block).len(), matrix.cols())
                .expect("a block holds whole rows"),
        )
    }

    /// The element at (`row`, `col`) of the whole `matrix` (the set's changed copy, if
    /// any), or `None` if the set does not hold that row's block or `col` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4], [5, 6]], 2);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.read(&m, 1)?;
    /// assert_eq!(set.get(&m, 2, 0), Some(&5));
    /// assert_eq!(set.get(&m, 0, 0), None); // block 0 is not in the set
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn get(&self, matrix: &SharedMatrix<T>, row: usize, col: usize) -> Option<&T> {
        let (block, at) = Self::cell(matrix, row, col)?;
        self.elements(matrix, block)?.get(at)
    }

    /// The element at (`row`, `col`) of the whole `matrix`, to change (on the block's copy,
    /// as [`view_mut`](Self::view_mut)), or `None` if the set does not hold that row's
    /// block for write or `col` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = parmat::sync::SharedMatrix::new(parmat::matrix![[1, 2], [3, 4], [5, 6]], 2);
    /// let mut set = parmat::sync::LockSet::new();
    /// set.write(&m, 1)?;
    /// *set.get_mut(&m, 2, 1).unwrap() = 60;
    /// set.commit();
    /// assert_eq!(m.snapshot()?, parmat::matrix![[1, 2], [3, 4], [5, 60]]);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn get_mut(&mut self, matrix: &SharedMatrix<T>, row: usize, col: usize) -> Option<&mut T> {
        let (block, at) = Self::cell(matrix, row, col)?;
        self.elements_mut(matrix, block)?.get_mut(at)
    }

    /// The block of (`row`, `col`) and the element's index in the block's row-major data.
    fn cell(matrix: &SharedMatrix<T>, row: usize, col: usize) -> Option<(usize, usize)> {
        // `block_of_row` asserts the row is in range; the guards' index checks the rest.
        let block = (row < matrix.rows()).then(|| matrix.block_of_row(row))?;
        Some((block, guard::cell_index(matrix, block, row, col)?))
    }

    fn elements(&self, matrix: &SharedMatrix<T>, block: usize) -> Option<&[T]> {
        self.entries
            .iter()
            .find(|e| e.is(matrix, block))
            .map(|entry| match entry {
                Entry::Read(guard) => guard.elements(),
                Entry::Write {
                    staged: Some(copy), ..
                } => copy.as_slice(),
                Entry::Write { guard, .. } => guard.elements(),
            })
    }

    fn elements_mut(&mut self, matrix: &SharedMatrix<T>, block: usize) -> Option<&mut [T]> {
        match self.entries.iter_mut().find(|e| e.is(matrix, block))? {
            Entry::Read(_) => None,
            Entry::Write { guard, staged } => {
                Some(staged.get_or_insert_with(|| guard.elements().to_vec()))
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
    /// for block in 0..2 {
    ///     let mut row = set.view_mut(&m, block).unwrap();
    ///     let first = *row.get_mut(0, 0).unwrap();
    ///     *row.get_mut(0, 0).unwrap() = std::mem::replace(row.get_mut(0, 1).unwrap(), first);
    /// }
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
    /// assert!(m.try_write(0).is_ok());
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
